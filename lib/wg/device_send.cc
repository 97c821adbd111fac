// Outgoing path (whitepaper 5.4.6 and 6.2): route a tunnel packet by allowed IPs, encrypt with
// the current session or stage it while a handshake runs; poll_transmit emits initiations,
// staged packets and keepalives; sending checks RekeyAfterMessages/RekeyAfterTime.
#include <cstring>

#include "wg/device_impl.h"

namespace weft::wg {
namespace {

std::size_t padded_size(std::size_t len, std::size_t mtu) {
  std::size_t padded = (len + kPaddingMultiple - 1) / kPaddingMultiple * kPaddingMultiple;
  if (padded > mtu) padded = len > mtu ? len : mtu;
  return padded;
}

}  // namespace

Output Device::Impl::send(Now now, ByteView packet, MutableBytes out, CryptoJob* job) {
  // The header's own length must fit in what we got: the receiver trims padding by it, so a
  // longer claim would hand it our zero padding as packet bytes.
  const uint8_t* dst = nullptr;
  uint8_t family = 0;
  const uint8_t* ip = packet.data;
  if (packet.size >= 20 && ip[0] >> 4 == 4 && std::size_t(ip[2] << 8 | ip[3]) <= packet.size) {
    family = 4;
    dst = ip + 16;
  } else if (packet.size >= 40 && ip[0] >> 4 == 6 &&
             40 + std::size_t(ip[4] << 8 | ip[5]) <= packet.size) {
    family = 6;
    dst = ip + 24;
  } else {
    return drop(DropReason::kMalformed);
  }
  Peer* p = peer(allowed.lookup(family, dst));
  if (p == nullptr) return drop(DropReason::kNoRoute);
  if (!p->endpoint.is_set()) return drop(DropReason::kNoEndpoint);

  Keypair* kp = sendable_keypair(*p, now.mono);
  if (kp != nullptr && p->staged.empty()) {
    return encrypt(now, *p, *kp, packet.data, packet.size, out, job);
  }
  if (p->staged.size() >= kMaxStagedPackets) {
    p->staged.pop_front();
    ++stats.drops[static_cast<std::size_t>(DropReason::kQueueFull)];
  }
  p->staged.emplace_back(packet.data, packet.data + packet.size);
  if (kp != nullptr) {
    p->flush_pending = true;
    mark_pending(*p);
  } else {
    request_initiation(now.mono, *p, false);
  }
  return Output{};
}

Output Device::Impl::encrypt(Now now, Peer& p, Keypair& kp, const uint8_t* packet, std::size_t len,
                             MutableBytes out, CryptoJob* job) {
  touch(p);
  std::size_t padded = padded_size(len, mtu);
  std::size_t total = kTransportHeaderSize + padded + kAeadTagSize;
  if (out.size < total) return drop(DropReason::kBufferTooSmall);
  if (kp.next_send_counter >= kRejectAfterMessages) return drop(DropReason::kExpiredSession);
  TransportHeader hdr;
  hdr.receiver_index = kp.remote_index;
  hdr.counter = kp.next_send_counter++;
  serialize(hdr, out.data);
  uint8_t* body = out.data + kTransportHeaderSize;
  // A driver that split a super-packet straight into its datagram buffers hands the packet
  // where the body goes: nothing to move then.
  if (len > 0 && body != packet) std::memmove(body, packet, len);
  std::memset(body + len, 0, padded - len);
  if (job != nullptr) {
    // The nonce is reserved above, in call order; the caller seals (on any thread) and keeps
    // the datagrams in that order on the wire.
    job->kind = CryptoJob::Kind::kSeal;
    job->key = kp.send.key();
    job->counter = hdr.counter;
    job->length = padded;
  } else {
    kp.send.seal(hdr.counter, body, padded, body);
  }

  if (len > 0) p.timers.data_sent(now.mono, random);
  p.timers.any_authenticated_packet_sent();
  p.timers.any_authenticated_packet_traversal(now.mono, p.persistent_keepalive);
  // Whitepaper 6.2: rekey after RekeyAfterMessages, or (initiator only) RekeyAfterTime.
  if (kp.next_send_counter >= kRekeyAfterMessages ||
      (kp.initiator && now.mono - kp.created >= kRekeyAfterTime)) {
    request_initiation(now.mono, p, false);
  }
  return send_to(p, total);
}

Output Device::Impl::write_initiation(Now now, Peer& p, MutableBytes out) {
  p.initiation_pending = false;
  touch(p);
  // Retransmission is armed even when this attempt cannot go out (no endpoint yet, tiny
  // buffer): the timer keeps trying, and roaming may supply an endpoint meanwhile.
  p.timers.handshake_initiated(now.mono, random);
  if (!p.endpoint.is_set()) return drop(DropReason::kNoEndpoint);
  if (out.size < kHandshakeInitiationSize) return drop(DropReason::kBufferTooSmall);
  clear_handshake(p);
  ensure_static_static(p);
  uint32_t local = allocate_index(p.id);
  crypto::Key32 eph;
  random.fill(eph.data(), eph.size());
  HandshakeInitiation msg;
  bool made =
      local != 0 && create_initiation(identity, p.handshake, eph, local, tai64n(now.wall), msg);
  crypto::secure_zero(eph.data(), eph.size());
  if (!made) {
    free_index(local);
    return drop(DropReason::kBadHandshake);
  }
  serialize(msg, out.data);
  p.cookies.add_macs(now.mono, out.data, kInitiationMac1Offset);
  p.timers.any_authenticated_packet_traversal(now.mono, p.persistent_keepalive);
  p.timers.any_authenticated_packet_sent();
  return send_to(p, kHandshakeInitiationSize);
}

Output Device::Impl::poll(Now now, MutableBytes out) {
  while (!pending.empty()) {
    Peer* p = peer(pending.front());
    if (p == nullptr) {
      pending.pop_front();
      continue;
    }
    if (p->initiation_pending) return write_initiation(now, *p, out);
    if (p->flush_pending) {
      if (p->staged.empty()) {
        p->flush_pending = false;
        continue;
      }
      Keypair* kp = sendable_keypair(*p, now.mono);
      if (kp == nullptr) {
        // No usable session: keep the packets and get one (whitepaper 6.2).
        p->flush_pending = false;
        request_initiation(now.mono, *p, false);
        continue;
      }
      std::vector<uint8_t> packet = std::move(p->staged.front());
      p->staged.pop_front();
      if (p->staged.empty()) p->flush_pending = false;
      return encrypt(now, *p, *kp, packet.data(), packet.size(), out);
    }
    p->in_pending_list = false;
    pending.pop_front();
  }
  return Output{};
}

}  // namespace weft::wg
