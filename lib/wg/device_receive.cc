// Incoming datagrams (whitepaper 5.4.2-5.4.7): handshake messages with mac1/mac2 and cookie
// replies under load, then transport data: decrypt, anti-replay, roaming, cryptokey source check.
#include <cstring>

#include "wg/device_impl.h"

namespace weft::wg {
namespace {

uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

crypto::Key32 random_key(Random& random) {
  crypto::Key32 k;
  random.fill(k.data(), k.size());
  return k;
}

// The inner packet's length (padding removed) and source address, or 0 when it is not a
// well-formed IPv4/IPv6 header.
std::size_t inner_packet(const uint8_t* p, std::size_t len, uint8_t& family, const uint8_t*& src) {
  if (len < 1) return 0;
  if (p[0] >> 4 == 4 && len >= 20) {
    std::size_t total = load_be16(p + 2);
    if (total < 20 || total > len) return 0;
    family = 4;
    src = p + 12;
    return total;
  }
  if (p[0] >> 4 == 6 && len >= 40) {
    std::size_t total = 40 + std::size_t{load_be16(p + 4)};
    if (total > len) return 0;
    family = 6;
    src = p + 8;
    return total;
  }
  return 0;
}

}  // namespace

Output Device::Impl::receive(Now now, const Path& from, ByteView dg, MutableBytes out,
                             CryptoJob* job) {
  switch (message_type(dg.data, dg.size)) {
    case kMessageHandshakeInitiation:
      return on_initiation(now, from, dg, out);
    case kMessageHandshakeResponse:
      return on_response(now, from, dg, out);
    case kMessageCookieReply:
      return on_cookie_reply(now, dg);
    case kMessageTransportData:
      return on_data(now, from, dg, out, job);
    default:
      return drop(DropReason::kMalformed);
  }
}

std::optional<Output> Device::Impl::load_gate(Now now, const Path& from, ByteView dg,
                                              std::size_t mac2_offset, uint32_t sender_index,
                                              MutableBytes out) {
  if (!under_load) return std::nullopt;
  if (!checker.check_mac2(now.mono, from, dg.data, mac2_offset)) {
    if (out.size < kCookieReplySize) return drop(DropReason::kBufferTooSmall);
    Mac mac1;
    std::memcpy(mac1.data(), dg.data + mac2_offset - mac1.size(), mac1.size());
    CookieReply reply = checker.make_reply(now.mono, random, sender_index, mac1, from);
    serialize(reply, out.data);
    ++stats.drops[static_cast<std::size_t>(DropReason::kCookieRequired)];
    Output o;
    o.action = Action::kSendDatagram;
    o.size = kCookieReplySize;
    o.endpoint = from;
    return o;
  }
  if (!limiter.allow(now.mono, from)) return drop(DropReason::kRateLimited);
  return std::nullopt;
}

Output Device::Impl::on_initiation(Now now, const Path& from, ByteView dg, MutableBytes out) {
  auto msg = parse_initiation(dg.data, dg.size);
  if (!msg) return drop(DropReason::kMalformed);
  if (!checker.check_mac1(dg.data, kInitiationMac1Offset)) return drop(DropReason::kBadMac1);
  if (auto gated = load_gate(now, from, dg, kInitiationMac2Offset, msg->sender_index, out)) {
    return *gated;
  }
  if (out.size < kHandshakeResponseSize) return drop(DropReason::kBufferTooSmall);

  InitiationScratch scratch;
  if (!decrypt_initiation_static(identity, *msg, scratch)) return drop(DropReason::kBadHandshake);
  auto it = by_key.find(scratch.remote_static);
  if (it == by_key.end()) return drop(DropReason::kUnknownPeer);
  Peer& p = *peers[it->second];
  touch(p);
  ensure_static_static(p);
  auto ts = decrypt_initiation_timestamp(p.handshake, scratch, *msg);
  if (!ts) return drop(DropReason::kBadHandshake);
  // Replay guard (whitepaper 5.1): strictly increasing TAI64N per peer, and no more than one
  // initiation per HandshakeInitiationRate so a flood cannot churn sessions.
  if (!tai64n_after(*ts, p.handshake.latest_timestamp)) return drop(DropReason::kReplayedInitiation);
  if (p.handshake.last_initiation_consumed &&
      now.mono - *p.handshake.last_initiation_consumed < kHandshakeInitiationRate) {
    return drop(DropReason::kReplayedInitiation);
  }

  clear_handshake(p);
  accept_initiation(p.handshake, scratch, *msg, *ts, now.mono);
  p.rx_bytes += dg.size;
  p.endpoint = from;
  p.timers.any_authenticated_packet_received();
  p.timers.any_authenticated_packet_traversal(now.mono, p.persistent_keepalive);

  HandshakeResponse resp;
  uint32_t local = allocate_index(p.id);
  crypto::Key32 eph = random_key(random);
  bool made = local != 0 && create_response(p.handshake, eph, local, resp);
  crypto::secure_zero(eph.data(), eph.size());
  if (!made) {
    free_index(local);
    p.handshake.clear();
    return drop(DropReason::kBadHandshake);
  }
  serialize(resp, out.data);
  p.cookies.add_macs(now.mono, out.data, kResponseMac1Offset);

  SessionKeys keys;
  derive_session(p.handshake, /*initiator=*/false, keys);
  install_keypair(p, std::make_unique<Keypair>(keys.send, keys.recv, false, now.mono,
                                               keys.local_index, keys.remote_index));
  p.timers.session_derived(now.mono);
  p.timers.any_authenticated_packet_sent();
  // Counts as our handshake for the RekeyTimeout spacing: while the initiator has not yet
  // confirmed the new session, our own traffic must not start a competing handshake.
  p.last_initiation_sent = now.mono;
  return send_to(p, kHandshakeResponseSize);
}

Output Device::Impl::on_response(Now now, const Path& from, ByteView dg, MutableBytes out) {
  auto msg = parse_response(dg.data, dg.size);
  if (!msg) return drop(DropReason::kMalformed);
  if (!checker.check_mac1(dg.data, kResponseMac1Offset)) return drop(DropReason::kBadMac1);
  if (auto gated = load_gate(now, from, dg, kResponseMac2Offset, msg->sender_index, out)) {
    return *gated;
  }
  auto it = index_table.find(msg->receiver_index);
  if (it == index_table.end()) return drop(DropReason::kNoSession);
  Peer& p = *peers[it->second];
  touch(p);
  if (!consume_response(identity, p.handshake, *msg)) return drop(DropReason::kBadHandshake);

  SessionKeys keys;
  derive_session(p.handshake, /*initiator=*/true, keys);
  install_keypair(p, std::make_unique<Keypair>(keys.send, keys.recv, true, now.mono,
                                               keys.local_index, keys.remote_index));
  p.rx_bytes += dg.size;
  p.endpoint = from;
  p.last_handshake = now.wall;
  p.sent_last_minute_handshake = false;
  p.timers.any_authenticated_packet_received();
  p.timers.any_authenticated_packet_traversal(now.mono, p.persistent_keepalive);
  p.timers.handshake_complete();
  p.timers.session_derived(now.mono);
  // Confirms the session to the responder: staged data if any, else a keepalive.
  request_keepalive(p);
  return Output{};
}

Output Device::Impl::on_cookie_reply(Now now, ByteView dg) {
  auto msg = parse_cookie_reply(dg.data, dg.size);
  if (!msg) return drop(DropReason::kMalformed);
  auto it = index_table.find(msg->receiver_index);
  if (it == index_table.end()) return drop(DropReason::kNoSession);
  Peer& p = *peers[it->second];
  if (!p.cookies.consume_reply(now.mono, *msg)) return drop(DropReason::kBadHandshake);
  // The retransmission timer resends the handshake, now with mac2.
  return Output{};
}

Output Device::Impl::on_data(Now now, const Path& from, ByteView dg, MutableBytes out,
                             CryptoJob* job) {
  auto hdr = parse_transport_header(dg.data, dg.size);
  if (!hdr) return drop(DropReason::kMalformed);
  auto it = index_table.find(hdr->receiver_index);
  if (it == index_table.end()) return drop(DropReason::kNoSession);
  Peer& p = *peers[it->second];
  Keypair* kp = p.keypairs.find(hdr->receiver_index);
  if (kp == nullptr) return drop(DropReason::kNoSession);
  if (!kp->fresh(now.mono) || hdr->counter >= kRejectAfterMessages) {
    return drop(DropReason::kExpiredSession);
  }
  std::size_t cipher_len = dg.size - kTransportHeaderSize;
  std::size_t plain_len = cipher_len - kAeadTagSize;
  if (out.size < plain_len) return drop(DropReason::kBufferTooSmall);
  if (job != nullptr) {
    // Nothing changed yet: an open that fails, or a keypair retired before completion, leaves
    // no trace but its drop counter.
    job->kind = CryptoJob::Kind::kOpen;
    job->key = kp->recv.key();
    job->counter = hdr->counter;
    job->length = cipher_len;
    job->local_index = hdr->receiver_index;
    job->keypair_serial = kp->serial;
    job->datagram_size = dg.size;
    job->opened = false;
    return Output{};
  }
  if (!kp->recv.open(hdr->counter, dg.data + kTransportHeaderSize, cipher_len, out.data)) {
    return drop(DropReason::kBadAead);
  }
  return finish_data(now, from, p, *kp, hdr->counter, dg.size, plain_len, out);
}

Output Device::Impl::complete_receive(Now now, const Path& from, CryptoJob& job,
                                      MutableBytes out) {
  if (job.kind != CryptoJob::Kind::kOpen) return drop(DropReason::kMalformed);
  job.kind = CryptoJob::Kind::kNone;
  // The keypair may have been retired (rotation, key zeroing, peer removal) since the job was
  // prepared; its plaintext then counts for nothing.
  auto it = index_table.find(job.local_index);
  if (it == index_table.end()) return drop(DropReason::kNoSession);
  Peer& p = *peers[it->second];
  Keypair* kp = p.keypairs.find(job.local_index);
  if (kp == nullptr || kp->serial != job.keypair_serial) return drop(DropReason::kNoSession);
  if (!job.opened) return drop(DropReason::kBadAead);
  std::size_t plain_len = job.length - kAeadTagSize;
  return finish_data(now, from, p, *kp, job.counter, job.datagram_size, plain_len, out);
}

Output Device::Impl::finish_data(Now now, const Path& from, Peer& p, Keypair& keypair,
                                 uint64_t counter, std::size_t datagram_size,
                                 std::size_t plain_len, MutableBytes out) {
  touch(p);
  Keypair* kp = &keypair;
  if (!kp->replay.check_and_update(counter)) return drop(DropReason::kReplay);

  // Authenticated from here on.
  uint32_t retired = 0;
  if (p.keypairs.confirm(kp, retired)) {
    // The initiator used our new session: the handshake is complete on the responder side.
    free_index(retired);
    p.last_handshake = now.wall;
    p.timers.handshake_complete();
    if (!p.staged.empty()) {
      p.flush_pending = true;
      mark_pending(p);
    }
  }
  p.rx_bytes += datagram_size;
  p.endpoint = from;
  p.timers.any_authenticated_packet_received();
  p.timers.any_authenticated_packet_traversal(now.mono, p.persistent_keepalive);
  // An initiator about to hit RejectAfterTime re-handshakes now rather than go silent.
  if (kp == p.keypairs.current.get() && kp->initiator && !p.sent_last_minute_handshake &&
      now.mono - kp->created >= kRekeyOnReceiveAge) {
    p.sent_last_minute_handshake = true;
    request_initiation(now.mono, p, false);
  }
  if (plain_len == 0) return Output{};  // keepalive

  p.timers.data_received(now.mono);
  uint8_t family = 0;
  const uint8_t* src = nullptr;
  std::size_t inner = inner_packet(out.data, plain_len, family, src);
  if (inner == 0) return drop(DropReason::kMalformed);
  if (allowed.lookup(family, src) != p.id) return drop(DropReason::kSourceNotAllowed);
  Output o;
  o.action = Action::kDeliverToTunnel;
  o.size = inner;
  o.peer = p.id;
  return o;
}

}  // namespace weft::wg
