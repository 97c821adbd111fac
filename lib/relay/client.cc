// The relay client core (docs/connectivity.md, "Relay protocol", "Client"): the handshake
// (ServerKey -> ClientInfo -> ServerInfo), packets both ways, pings, and the close reasons.
#include "relay/client.h"

#include <cstring>
#include <utility>

#include "crypto/crypto.h"
#include "relay/auth.h"

namespace weft::relay {

const char* to_string(ClientState state) {
  switch (state) {
    case ClientState::kIdle: return "idle";
    case ClientState::kAwaitServerKey: return "await_server_key";
    case ClientState::kAwaitInfo: return "await_info";
    case ClientState::kReady: return "ready";
  }
  return "unknown";
}

Client::Client(ClientConfig config, core::Random& rng)
    : config_(std::move(config)),
      rng_(rng),
      out_(config_.max_send_queue_bytes),
      pending_(config_.max_send_queue_bytes),
      recv_(config_.max_recv_queue_bytes) {
  node_public_.bytes = crypto::x25519_public(config_.node_key.bytes);
}

void Client::connected(core::Now now) {
  reader_.reset();
  out_.clear();
  pending_.clear();
  recv_.clear();
  relay_key_ = core::RelayPublicKey{};
  ping_sent_at_.reset();
  state_ = ClientState::kAwaitServerKey;
  handshake_deadline_ = now.mono + config_.timeout;
  last_received_ = now.mono;
}

void Client::receive(core::ByteView bytes, core::Now now) {
  if (state_ == ClientState::kIdle) return;
  last_received_ = now.mono;
  const bool ok = reader_.feed(bytes, [&](const Frame& f) { return on_frame(f, now); });
  if (!ok) close("relay.protocol", "the relay sent a frame longer than the protocol allows");
}

void Client::transport_closed(core::Now) {
  if (state_ == ClientState::kIdle) return;
  close("relay.disconnected", "the connection to the relay ended");
}

bool Client::send_packet(core::Now, const core::NodePublicKey& dst, core::ByteView packet) {
  if (packet.size > kMaxPacketSize) {
    drop(ClientDrop::kTooLarge);
    return false;
  }
  if (state_ == ClientState::kIdle) {
    drop(ClientDrop::kNotConnected);
    return false;
  }
  uint8_t header[kFrameHeaderSize];
  put_header(header, FrameType::kSendPacket, kKeyLen + packet.size);
  ByteRing& queue = state_ == ClientState::kReady ? out_ : pending_;
  if (!queue.push(header, sizeof(header), dst.bytes.data(), kKeyLen, packet.data, packet.size)) {
    drop(ClientDrop::kSendQueueFull);
    return false;
  }
  ++stats_.packets_sent;
  return true;
}

void Client::note_preferred(bool preferred) {
  config_.preferred = preferred;
  // Before ClientInfo went out, its flags carry it; after, a frame does (the server takes
  // NotePreferred while it verifies the client too).
  if (state_ == ClientState::kIdle || state_ == ClientState::kAwaitServerKey) return;
  const uint8_t b = preferred ? 1 : 0;
  push_control(FrameType::kNotePreferred, &b, 1);
}

bool Client::ping(core::Now now) {
  if (state_ != ClientState::kReady) return false;
  rng_.fill(ping_data_.data(), ping_data_.size());
  ping_sent_at_ = now.mono;
  ++stats_.pings_sent;
  push_control(FrameType::kPing, ping_data_.data(), ping_data_.size());
  return true;
}

void Client::push_control(FrameType type, const uint8_t* payload, std::size_t n) {
  uint8_t header[kFrameHeaderSize];
  put_header(header, type, n);
  // Control frames are small and rare: they may exceed the packet queue's limit a little.
  out_.push(header, sizeof(header), payload, n, nullptr, 0, 4096);
}

std::size_t Client::poll_output(core::MutableBytes out) { return out_.pop(out.data, out.size); }

std::size_t Client::poll_packet(core::NodePublicKey& src, core::MutableBytes out) {
  uint8_t head[kKeyLen + 4];
  while (recv_.size() >= sizeof(head)) {
    recv_.peek(head, sizeof(head));
    const std::size_t n = get_u32(head + kKeyLen);
    recv_.skip(sizeof(head));
    if (n > out.size) {
      recv_.skip(n);
      drop(ClientDrop::kBufferTooSmall);
      continue;
    }
    std::memcpy(src.bytes.data(), head, kKeyLen);
    recv_.pop(out.data, n);
    return n;
  }
  return 0;
}

bool Client::poll_event(ClientEvent& event) {
  if (events_.empty()) return false;
  event = std::move(events_.front());
  events_.pop_front();
  return true;
}

void Client::close(std::string code, std::string message) {
  state_ = ClientState::kIdle;
  out_.clear();
  pending_.clear();
  ping_sent_at_.reset();
  ClientEvent e;
  e.kind = ClientEventKind::kClosed;
  e.code = std::move(code);
  e.message = std::move(message);
  events_.push_back(std::move(e));
}

bool Client::on_frame(const Frame& f, core::Now now) {
  const auto type = static_cast<FrameType>(f.type);
  if (type == FrameType::kError) {
    auto err = parse_error(f.payload);
    if (err.ok()) {
      close(err->code, err->message);
    } else {
      close("relay.protocol", "the relay sent a malformed Error frame");
    }
    return false;
  }
  if (state_ == ClientState::kAwaitServerKey) {
    if (type != FrameType::kServerKey) {
      close("relay.protocol", "the relay's first frame is not ServerKey");
      return false;
    }
    auto key = parse_server_key(f.payload);
    if (!key.ok()) {
      close("relay.protocol", key.error().detail);
      return false;
    }
    relay_key_ = key->relay_key;
    std::vector<uint8_t> frame;
    auto st = append_client_info(frame, config_.node_key, relay_key_, key->challenge,
                                 config_.preferred ? 1 : 0, rng_);
    if (!st.ok()) {
      close(st.error().code, st.error().detail);
      return false;
    }
    out_.push(frame.data(), frame.size(), nullptr, 0, nullptr, 0, frame.size());
    state_ = ClientState::kAwaitInfo;
    return true;
  }
  switch (type) {
    case FrameType::kServerInfo: {
      auto info = parse_server_info(f.payload);
      if (state_ != ClientState::kAwaitInfo || !info.ok()) break;
      state_ = ClientState::kReady;
      // Packets queued while connecting go out now, behind ClientInfo.
      uint8_t chunk[4096];
      while (!pending_.empty()) {
        const std::size_t n = pending_.pop(chunk, sizeof(chunk));
        out_.push(chunk, n, nullptr, 0, nullptr, 0, config_.max_send_queue_bytes);
      }
      ClientEvent e;
      e.kind = ClientEventKind::kReady;
      e.relay_key = relay_key_;
      e.rate_bytes_per_second = info->rate_bytes_per_second;
      e.burst_bytes = info->burst_bytes;
      events_.push_back(std::move(e));
      return true;
    }
    case FrameType::kRecvPacket: {
      if (f.payload.size < kKeyLen || state_ != ClientState::kReady) break;
      if (f.payload.size == kKeyLen) return true;  // an empty packet carries nothing to deliver
      uint8_t len[4];
      put_u32(len, static_cast<uint32_t>(f.payload.size - kKeyLen));
      if (!recv_.push(f.payload.data, kKeyLen, len, sizeof(len), f.payload.data + kKeyLen,
                      f.payload.size - kKeyLen)) {
        drop(ClientDrop::kRecvQueueFull);
      } else {
        ++stats_.packets_received;
      }
      return true;
    }
    case FrameType::kKeepAlive:
      if (f.payload.size != 0) break;
      ++stats_.keepalives_received;
      return true;
    case FrameType::kPeerGone: {
      auto gone = parse_peer_gone(f.payload);
      if (!gone.ok()) break;
      ClientEvent e;
      e.kind = ClientEventKind::kPeerGone;
      e.peer = gone->peer;
      e.reason = gone->reason;
      events_.push_back(std::move(e));
      return true;
    }
    case FrameType::kPing:
      if (f.payload.size != kPingPayload) break;
      push_control(FrameType::kPong, f.payload.data, kPingPayload);
      return true;
    case FrameType::kPong:
      if (f.payload.size != kPingPayload) break;
      if (ping_sent_at_ && std::memcmp(f.payload.data, ping_data_.data(), kPingPayload) == 0) {
        ClientEvent e;
        e.kind = ClientEventKind::kPong;
        e.rtt = now.mono - *ping_sent_at_;
        ping_sent_at_.reset();
        events_.push_back(std::move(e));
      }
      return true;
    case FrameType::kServerKey:
    case FrameType::kClientInfo:
    case FrameType::kSendPacket:
    case FrameType::kNotePreferred:
    case FrameType::kError:
      break;
    default:
      drop(ClientDrop::kUnknownFrame);
      return true;
  }
  close("relay.protocol", "the relay sent a malformed or out-of-place frame");
  return false;
}

void Client::update_timers(core::Now now) {
  switch (state_) {
    case ClientState::kIdle:
      return;
    case ClientState::kAwaitServerKey:
    case ClientState::kAwaitInfo:
      if (now.mono >= handshake_deadline_) {
        close("relay.timeout", "the relay did not accept us in time");
      }
      return;
    case ClientState::kReady:
      if (ping_sent_at_) {
        if (now.mono - *ping_sent_at_ >= config_.timeout) {
          close("relay.timeout", "the relay stopped answering");
        }
      } else if (now.mono - last_received_ >= config_.ping_after) {
        ping(now);
      }
      return;
  }
}

std::optional<core::Duration> Client::next_deadline() const {
  switch (state_) {
    case ClientState::kIdle:
      return std::nullopt;
    case ClientState::kAwaitServerKey:
    case ClientState::kAwaitInfo:
      return handshake_deadline_;
    case ClientState::kReady:
      if (ping_sent_at_) return *ping_sent_at_ + config_.timeout;
      return last_received_ + config_.ping_after;
  }
  return std::nullopt;
}

}  // namespace weft::relay
