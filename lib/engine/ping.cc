// ICMP echo for `weft ping` (ping.h): building requests, parsing replies (RFC 792; RFC 4443
// section 4 with the RFC 8200 section 8.1 pseudo-header), the table of requests waiting.
#include "engine/ping.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "filter/packet.h"

namespace weft::engine {
namespace {

constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kEchoHeader = 8;  // type, code, checksum, identifier, sequence number
constexpr uint8_t kEchoRequestV4 = 8;
constexpr uint8_t kEchoRequestV6 = 128;
constexpr uint8_t kHopLimit = 64;
constexpr char kPayload[kPingPayloadSize + 1] = "weft ping 0x5746";

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

/// Adds big-endian 16-bit words of `data` (odd tail padded with zero) into `sum`.
uint32_t add_words(uint32_t sum, const uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += get16(data + i);
  if (size % 2 != 0) sum += static_cast<uint32_t>(data[size - 1]) << 8;
  return sum;
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

/// The ICMP checksum: ICMPv4 covers the message only, ICMPv6 also the pseudo-header.
uint16_t icmp_checksum(const util::IpAddress& src, const util::IpAddress& dst,
                       const uint8_t* icmp, std::size_t size) {
  uint32_t sum = 0;
  if (!src.is_v4()) {
    sum = add_words(sum, src.bytes().data(), 16);
    sum = add_words(sum, dst.bytes().data(), 16);
    sum += static_cast<uint32_t>(size >> 16) + static_cast<uint32_t>(size & 0xffff);
    sum += filter::kProtoIcmpV6;
  }
  return fold(add_words(sum, icmp, size));
}

}  // namespace

std::vector<uint8_t> echo_request(const util::IpAddress& src, const util::IpAddress& dst,
                                  uint16_t id, uint16_t seq) {
  assert(src.family() == dst.family());
  const bool v4 = src.is_v4();
  const std::size_t ip = v4 ? kIpv4Header : kIpv6Header;
  const std::size_t icmp_size = kEchoHeader + kPingPayloadSize;
  std::vector<uint8_t> p(ip + icmp_size, 0);
  if (v4) {
    p[0] = 0x45;
    put16(&p[2], static_cast<uint16_t>(p.size()));
    p[8] = kHopLimit;
    p[9] = filter::kProtoIcmp;
    std::memcpy(&p[12], src.bytes().data(), 4);
    std::memcpy(&p[16], dst.bytes().data(), 4);
    put16(&p[10], fold(add_words(0, p.data(), kIpv4Header)));
  } else {
    p[0] = 0x60;
    put16(&p[4], static_cast<uint16_t>(icmp_size));
    p[6] = filter::kProtoIcmpV6;
    p[7] = kHopLimit;
    std::memcpy(&p[8], src.bytes().data(), 16);
    std::memcpy(&p[24], dst.bytes().data(), 16);
  }
  uint8_t* icmp = &p[ip];
  icmp[0] = v4 ? kEchoRequestV4 : kEchoRequestV6;
  put16(icmp + 4, id);
  put16(icmp + 6, seq);
  std::memcpy(icmp + kEchoHeader, kPayload, kPingPayloadSize);
  put16(icmp + 2, icmp_checksum(src, dst, icmp, icmp_size));
  return p;
}

std::optional<EchoReply> parse_echo_reply(core::ByteView packet) {
  filter::PacketInfo info;
  if (filter::parse_packet(packet, info) != filter::ParseError::kNone) return std::nullopt;
  if (!info.is_echo_reply() || info.fragment != filter::Fragment::kNone) return std::nullopt;
  if (info.length < info.transport_offset + kEchoHeader) return std::nullopt;
  const uint8_t* icmp = packet.data + info.transport_offset;
  const std::size_t size = info.length - info.transport_offset;
  // A correct checksum sums to zero with itself included.
  if (icmp_checksum(info.src, info.dst, icmp, size) != 0) return std::nullopt;
  EchoReply r;
  r.from = info.src;
  r.to = info.dst;
  r.id = get16(icmp + 4);
  r.seq = get16(icmp + 6);
  return r;
}

void PingTracker::sent(const util::IpAddress& peer, uint16_t seq, core::Duration at) {
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                [&](const Waiting& w) { return w.peer == peer && w.seq == seq; }),
                 waiting_.end());
  if (waiting_.size() >= kMaxPingsOutstanding) waiting_.pop_front();
  waiting_.push_back(Waiting{peer, seq, at});
}

std::optional<core::Duration> PingTracker::answered(const util::IpAddress& peer, uint16_t seq,
                                                    core::Duration now) {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->peer != peer || it->seq != seq) continue;
    const core::Duration rtt = now - it->sent;
    waiting_.erase(it);
    return rtt;
  }
  return std::nullopt;
}

}  // namespace weft::engine
