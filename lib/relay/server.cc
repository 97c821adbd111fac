// The relay server core (docs/connectivity.md, "Relay protocol", "Server"): each input is a
// ladder of checks that either forwards, drops (counted) or cuts the one connection off
// (counted, an Error frame, then close), never touching the others.
#include "relay/server.h"

#include <algorithm>
#include <cstring>

#include "crypto/crypto.h"
#include "relay/auth.h"
#include "relay/byte_ring.h"
#include "relay/frame.h"

namespace weft::relay {

// Senders remembered per client for PeerGone(disconnected); beyond this, later senders learn
// of the departure from PeerGone(not here) on their next packet instead.
constexpr std::size_t kMaxSendersTracked = 64;
// Destinations per sender whose PeerGone(not here) is being held back.
constexpr std::size_t kNotHereSlots = 4;

struct ServerConn {
  enum class State : uint8_t { kAwaitAuth, kVerifying, kRegistered, kClosing };

  ConnId id = 0;
  State state = State::kAwaitAuth;
  FrameReader reader;
  ByteRing out;
  Challenge challenge{};
  core::NodePublicKey key;
  bool preferred = false;
  bool listed = false;  // in Server::writable_
  core::Duration accepted_at{};
  core::Duration last_write{};
  core::Duration timer_at{};  // the time of this connection's live entry in the timer heap
  bool has_timer = false;
  double tokens = 0;
  core::Duration bucket_at{};
  uint64_t flood_dropped = 0;
  core::Duration flood_since{};
  std::array<std::pair<core::NodePublicKey, core::Duration>, kNotHereSlots> not_here{};
  std::size_t not_here_next = 0;
  std::vector<ConnId> senders;  // registered clients that sent to this one
  ConnId last_dst = 0;
};

const char* to_code(CutReason reason) {
  switch (reason) {
    case CutReason::kBadFraming: return "relay.bad_frame";
    case CutReason::kNotClientInfo: return "relay.auth_required";
    case CutReason::kMalformed: return "relay.malformed";
    case CutReason::kAuthFailed: return "relay.auth_failed";
    case CutReason::kAuthTimeout: return "relay.auth_timeout";
    case CutReason::kNotAllowed: return "relay.not_allowed";
    case CutReason::kReplaced: return "relay.replaced";
    case CutReason::kFlood: return "relay.flood";
    case CutReason::kCount: break;
  }
  return "relay.unknown";
}

const char* to_string(ServerDrop drop) {
  switch (drop) {
    case ServerDrop::kRateLimited: return "rate_limited";
    case ServerDrop::kQueueFull: return "queue_full";
    case ServerDrop::kNotHere: return "not_here";
    case ServerDrop::kNotReady: return "not_ready";
    case ServerDrop::kUnknownFrame: return "unknown_frame";
    case ServerDrop::kCount: break;
  }
  return "unknown";
}

namespace {

const char* cut_message(CutReason reason) {
  switch (reason) {
    case CutReason::kBadFraming: return "a frame longer than the protocol allows";
    case CutReason::kNotClientInfo: return "the first frame must be ClientInfo";
    case CutReason::kMalformed: return "a frame with a malformed payload, or out of place";
    case CutReason::kAuthFailed: return "the ClientInfo does not prove its node key";
    case CutReason::kAuthTimeout: return "no ClientInfo in time";
    case CutReason::kNotAllowed: return "this node key may not use this relay";
    case CutReason::kReplaced: return "the same node key connected again";
    case CutReason::kFlood: return "sending far above the rate limit";
    case CutReason::kCount: break;
  }
  return "";
}

}  // namespace

std::size_t Server::KeyHash::operator()(const core::NodePublicKey& k) const {
  uint64_t a = 0;
  uint64_t b = 0;
  std::memcpy(&a, k.bytes.data(), 8);
  std::memcpy(&b, k.bytes.data() + 8, 8);
  uint64_t h = (a ^ seed0) * 0x9e3779b97f4a7c15ull;
  h ^= (b ^ seed1) + (h >> 29);
  h *= 0xbf58476d1ce4e5b9ull;
  return static_cast<std::size_t>(h ^ (h >> 32));
}

/// The server's internals, as functions over it (keeps the header to the driver's surface).
struct ServerOps {
  using State = ServerConn::State;

  static void mark_writable(Server& s, ServerConn& c) {
    if (c.listed) return;
    c.listed = true;
    s.writable_.push_back(c.id);
  }

  static void schedule(Server& s, ServerConn& c, core::Duration at) {
    if (c.has_timer && c.timer_at <= at) return;
    c.has_timer = true;
    c.timer_at = at;
    s.timers_.push({at, c.id});
  }

  /// Queues a frame that is not a packet (allowed kControlHeadroom beyond the limit).
  static bool control(Server& s, ServerConn& c, FrameType type, const uint8_t* payload,
                      std::size_t n, core::Now now, const uint8_t* more = nullptr,
                      std::size_t more_n = 0) {
    uint8_t header[kFrameHeaderSize];
    put_header(header, type, n + more_n);
    if (!c.out.push(header, sizeof(header), payload, n, more, more_n, kControlHeadroom)) {
      ++s.stats_.drops[static_cast<std::size_t>(ServerDrop::kQueueFull)];
      return false;
    }
    c.last_write = now.mono;
    mark_writable(s, c);
    return true;
  }

  static void send_vector(Server& s, ServerConn& c, const std::vector<uint8_t>& frame,
                          core::Now now) {
    if (c.out.push(frame.data(), frame.size(), nullptr, 0, nullptr, 0, kControlHeadroom)) {
      c.last_write = now.mono;
      mark_writable(s, c);
    }
  }

  static void peer_gone(Server& s, ServerConn& to, const core::NodePublicKey& peer,
                        PeerGoneReason reason, core::Now now) {
    uint8_t r = static_cast<uint8_t>(reason);
    if (control(s, to, FrameType::kPeerGone, peer.bytes.data(), kKeyLen, now, &r, 1)) {
      ++s.stats_.peer_gone_sent;
    }
  }

  /// Forgets a registered client and tells those that sent to it.
  static void unregister(Server& s, ServerConn& c, core::Now now) {
    if (c.state != State::kRegistered) return;
    auto it = s.clients_.find(c.key);
    if (it != s.clients_.end() && it->second == &c) s.clients_.erase(it);
    --s.stats_.clients;
    for (ConnId sender : c.senders) {
      auto sit = s.conns_.find(sender);
      if (sit == s.conns_.end() || sit->second->state != State::kRegistered) continue;
      peer_gone(s, *sit->second, c.key, PeerGoneReason::kDisconnected, now);
    }
    c.senders.clear();
  }

  static void cut(Server& s, ServerConn& c, CutReason reason, core::Now now) {
    if (c.state == State::kClosing) return;
    ++s.stats_.cuts[static_cast<std::size_t>(reason)];
    unregister(s, c, now);
    c.state = State::kClosing;
    c.out.clear();  // the Error goes first; packets queued for a client being cut are moot
    std::vector<uint8_t> frame;
    append_error(frame, ErrorFrame{to_code(reason), cut_message(reason)});
    send_vector(s, c, frame, now);
    mark_writable(s, c);
    s.events_.push_back(ServerEvent{ServerEventKind::kCutOff, c.id, c.key, reason});
  }

  static void register_client(Server& s, ServerConn& c, core::Now now) {
    auto it = s.clients_.find(c.key);
    if (it != s.clients_.end() && it->second != &c) {
      // The node is back, not gone: its senders carry over and hear no PeerGone.
      c.senders = std::move(it->second->senders);
      it->second->senders.clear();
      cut(s, *it->second, CutReason::kReplaced, now);
    }
    s.clients_[c.key] = &c;
    c.state = State::kRegistered;
    c.tokens = static_cast<double>(s.config_.burst_bytes);
    c.bucket_at = now.mono;
    c.flood_since = now.mono;
    ++s.stats_.clients;
    ++s.stats_.registered;
    std::vector<uint8_t> frame;
    append_server_info(frame, ServerInfoFrame{kProtocolVersion, s.config_.rate_bytes_per_second,
                                              s.config_.burst_bytes});
    send_vector(s, c, frame, now);
    schedule(s, c, now.mono + s.config_.keepalive_interval);
    s.events_.push_back(ServerEvent{ServerEventKind::kRegistered, c.id, c.key, {}});
  }

  static bool on_client_info(Server& s, ServerConn& c, core::ByteView payload, core::Now now) {
    auto info = open_client_info(payload, s.config_.private_key, s.public_key_, c.challenge);
    if (!info.ok()) {
      cut(s, c, info.error().code == "relay.malformed" ? CutReason::kMalformed
                                                       : CutReason::kAuthFailed, now);
      return false;
    }
    if (info->version == 0) {
      cut(s, c, CutReason::kMalformed, now);
      return false;
    }
    c.key = info->node_key;
    c.preferred = (info->flags & 1) != 0;
    if (s.config_.verify_clients) {
      c.state = State::kVerifying;
      ++s.stats_.verify_asked;
      s.events_.push_back(ServerEvent{ServerEventKind::kVerify, c.id, c.key, {}});
    } else {
      register_client(s, c, now);
    }
    return true;
  }

  /// Takes `n` bytes from the sender's bucket; false when over the rate.
  static bool take_tokens(const ServerConfig& cfg, ServerConn& c, std::size_t n, core::Now now) {
    const double elapsed =
        std::chrono::duration<double>(now.mono - c.bucket_at).count();
    if (elapsed > 0) {
      c.tokens = std::min(static_cast<double>(cfg.burst_bytes),
                          c.tokens + elapsed * static_cast<double>(cfg.rate_bytes_per_second));
      c.bucket_at = now.mono;
    }
    if (c.tokens < static_cast<double>(n)) return false;
    c.tokens -= static_cast<double>(n);
    return true;
  }

  static bool note_not_here(Server& s, ServerConn& c, const core::NodePublicKey& dst,
                            core::Now now) {
    for (auto& slot : c.not_here) {
      if (slot.first == dst && now.mono - slot.second < s.config_.not_here_interval &&
          slot.second != core::Duration{}) {
        return false;
      }
    }
    c.not_here[c.not_here_next] = {dst, now.mono};
    c.not_here_next = (c.not_here_next + 1) % kNotHereSlots;
    return true;
  }

  static bool drop(Server& s, ServerDrop why) {
    ++s.stats_.drops[static_cast<std::size_t>(why)];
    return true;
  }

  /// Charges `n` bytes to the client's token bucket. False when over it: dropped and counted
  /// (kRateLimited), and `cut_off` set once the client's drops within flood_window pass the
  /// flood cut-off (it is then cut off as kFlood).
  static bool charge(Server& s, ServerConn& c, std::size_t n, core::Now now, bool& cut_off) {
    if (take_tokens(s.config_, c, n, now)) return true;
    drop(s, ServerDrop::kRateLimited);
    if (now.mono - c.flood_since >= s.config_.flood_window) {
      c.flood_since = now.mono;
      c.flood_dropped = 0;
    }
    c.flood_dropped += n;
    if (c.flood_dropped > s.config_.flood_cutoff_bytes) {
      cut(s, c, CutReason::kFlood, now);
      cut_off = true;
    }
    return false;
  }

  /// The hot path: SendPacket from a registered client.
  static bool on_send_packet(Server& s, ServerConn& c, core::ByteView p, core::Now now) {
    if (p.size < kKeyLen) {
      cut(s, c, CutReason::kMalformed, now);
      return false;
    }
    if (c.state != State::kRegistered) return drop(s, ServerDrop::kNotReady);
    const std::size_t n = p.size - kKeyLen;
    bool cut_off = false;
    if (!charge(s, c, n, now, cut_off)) return !cut_off;
    core::NodePublicKey dst;
    std::memcpy(dst.bytes.data(), p.data, kKeyLen);
    auto it = s.clients_.find(dst);
    if (it == s.clients_.end()) {
      drop(s, ServerDrop::kNotHere);
      if (note_not_here(s, c, dst, now)) peer_gone(s, c, dst, PeerGoneReason::kNotHere, now);
      return true;
    }
    ServerConn& d = *it->second;
    uint8_t header[kFrameHeaderSize];
    put_header(header, FrameType::kRecvPacket, p.size);
    if (!d.out.push(header, sizeof(header), c.key.bytes.data(), kKeyLen, p.data + kKeyLen, n)) {
      return drop(s, ServerDrop::kQueueFull);
    }
    d.last_write = now.mono;
    mark_writable(s, d);
    if (c.last_dst != d.id) {
      c.last_dst = d.id;
      if (d.senders.size() < kMaxSendersTracked &&
          std::find(d.senders.begin(), d.senders.end(), c.id) == d.senders.end()) {
        d.senders.push_back(c.id);
      }
    }
    ++s.stats_.packets_forwarded;
    s.stats_.bytes_forwarded += n;
    return true;
  }

  /// One frame; false when the connection was cut off (stop reading it).
  static bool on_frame(Server& s, ServerConn& c, const Frame& f, core::Now now) {
    if (c.state == State::kAwaitAuth) {
      if (f.type != static_cast<uint8_t>(FrameType::kClientInfo)) {
        cut(s, c, CutReason::kNotClientInfo, now);
        return false;
      }
      return on_client_info(s, c, f.payload, now);
    }
    if (f.type != static_cast<uint8_t>(FrameType::kSendPacket)) {
      // Every other frame counts against the same bucket, so that pings or unknown frames
      // cannot flood the relay past its limit either.
      bool cut_off = false;
      if (!charge(s, c, kFrameHeaderSize + f.payload.size, now, cut_off)) return !cut_off;
    }
    switch (static_cast<FrameType>(f.type)) {
      case FrameType::kSendPacket:
        return on_send_packet(s, c, f.payload, now);
      case FrameType::kNotePreferred:
        if (f.payload.size != 1) break;
        c.preferred = f.payload.data[0] != 0;
        return true;
      case FrameType::kPing:
        if (f.payload.size != kPingPayload) break;
        control(s, c, FrameType::kPong, f.payload.data, kPingPayload, now);
        return true;
      case FrameType::kPong:
        if (f.payload.size != kPingPayload) break;
        return true;
      case FrameType::kServerKey:
      case FrameType::kClientInfo:
      case FrameType::kServerInfo:
      case FrameType::kRecvPacket:
      case FrameType::kKeepAlive:
      case FrameType::kPeerGone:
      case FrameType::kError:
        break;  // out of place from a client
      default:
        return drop(s, ServerDrop::kUnknownFrame);
    }
    cut(s, c, CutReason::kMalformed, now);
    return false;
  }
};

namespace {
template <class Hash>
Hash seeded_hash(core::Random& rng) {
  Hash hash{0, 0};
  rng.fill(reinterpret_cast<uint8_t*>(&hash.seed0), sizeof(hash.seed0));
  rng.fill(reinterpret_cast<uint8_t*>(&hash.seed1), sizeof(hash.seed1));
  return hash;
}
}  // namespace

Server::Server(ServerConfig config, core::Random& rng)
    : config_(std::move(config)), rng_(rng), clients_(64, seeded_hash<KeyHash>(rng)) {
  public_key_.bytes = crypto::x25519_public(config_.private_key.bytes);
}

Server::~Server() = default;

void Server::accept(ConnId conn, core::Now now) {
  if (conns_.count(conn) != 0) return;
  auto c = std::make_unique<ServerConn>();
  c->id = conn;
  c->out.set_limit(config_.max_queue_bytes);
  c->accepted_at = now.mono;
  rng_.fill(c->challenge.data(), c->challenge.size());
  ServerConn& ref = *c;
  conns_.emplace(conn, std::move(c));
  ++stats_.accepted;
  ++stats_.connections;
  std::vector<uint8_t> frame;
  append_server_key(frame, ServerKeyFrame{public_key_, ref.challenge});
  ServerOps::send_vector(*this, ref, frame, now);
  ServerOps::schedule(*this, ref, now.mono + config_.auth_timeout);
}

void Server::receive(ConnId conn, core::ByteView bytes, core::Now now) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  ServerConn& c = *it->second;
  if (c.state == ServerConn::State::kClosing) return;
  bool ok = c.reader.feed(bytes, [&](const Frame& f) {
    return ServerOps::on_frame(*this, c, f, now);
  });
  if (!ok) ServerOps::cut(*this, c, CutReason::kBadFraming, now);
}

void Server::verified(ConnId conn, bool allowed, core::Now now) {
  auto it = conns_.find(conn);
  if (it == conns_.end() || it->second->state != ServerConn::State::kVerifying) return;
  if (allowed) {
    ServerOps::register_client(*this, *it->second, now);
  } else {
    ServerOps::cut(*this, *it->second, CutReason::kNotAllowed, now);
  }
}

void Server::closed(ConnId conn, core::Now now) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  ServerOps::unregister(*this, *it->second, now);
  conns_.erase(it);
  --stats_.connections;
}

bool Server::poll_writable(ConnId& conn) {
  while (!writable_.empty()) {
    ConnId id = writable_.front();
    writable_.pop_front();
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    it->second->listed = false;
    conn = id;
    return true;
  }
  return false;
}

ConnOutput Server::poll_output(ConnId conn, core::MutableBytes out) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return {};
  ServerConn& c = *it->second;
  ConnOutput o;
  o.size = c.out.pop(out.data, out.size);
  o.close = c.state == ServerConn::State::kClosing && c.out.empty();
  return o;
}

std::size_t Server::queued(ConnId conn) const {
  auto it = conns_.find(conn);
  return it == conns_.end() ? 0 : it->second->out.size();
}

bool Server::preferred(ConnId conn) const {
  auto it = conns_.find(conn);
  return it != conns_.end() && it->second->preferred;
}

bool Server::poll_event(ServerEvent& event) {
  if (events_.empty()) return false;
  event = events_.front();
  events_.pop_front();
  return true;
}

void Server::update_timers(core::Now now) {
  while (!timers_.empty() && timers_.top().first <= now.mono) {
    const Timer t = timers_.top();
    timers_.pop();
    auto it = conns_.find(t.second);
    if (it == conns_.end()) continue;
    ServerConn& c = *it->second;
    if (!c.has_timer || c.timer_at != t.first) continue;  // superseded by an earlier entry
    c.has_timer = false;
    switch (c.state) {
      case ServerConn::State::kAwaitAuth:
        if (now.mono - c.accepted_at >= config_.auth_timeout) {
          ServerOps::cut(*this, c, CutReason::kAuthTimeout, now);
        } else {
          ServerOps::schedule(*this, c, c.accepted_at + config_.auth_timeout);
        }
        break;
      case ServerConn::State::kRegistered:
        if (now.mono - c.last_write >= config_.keepalive_interval) {
          if (ServerOps::control(*this, c, FrameType::kKeepAlive, nullptr, 0, now)) {
            ++stats_.keepalives_sent;
          }
        }
        {
          // A KeepAlive that did not fit (a full queue) does not make the timer spin.
          core::Duration next = c.last_write + config_.keepalive_interval;
          if (next <= now.mono) next = now.mono + config_.keepalive_interval;
          ServerOps::schedule(*this, c, next);
        }
        break;
      case ServerConn::State::kVerifying:
      case ServerConn::State::kClosing:
        break;
    }
  }
}

std::optional<core::Duration> Server::next_deadline() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.top().first;
}

}  // namespace weft::relay
