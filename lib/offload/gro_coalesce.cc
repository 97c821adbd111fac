// The GRO coalescer: joins in-order TCP segments of one flow within a batch, with the
// conditions of the kernel's tcp_gro_receive / inet_gro_receive / ipv6_gro_receive (RFC 9293
// section 3.1 for the fields), and the virtio-net header of a GSO packet with a partial
// checksum (virtio 1.x spec 5.1.6.2) for the TUN write.
#include "offload/gro_coalesce.h"

#include <algorithm>
#include <cstring>

#include "offload/byte_order.h"
#include "offload/checksum.h"
#include "offload/ip_tcp.h"

namespace weft::offload {

/// What coalesce() needs to know of one packet.
struct GroCoalescer::Candidate {
  enum class Kind : uint8_t {
    kOther,     ///< not a TCP packet (or a malformed one): passes through, touches no group
    kTcp,       ///< TCP but not joinable (flags, no payload, bad checksum): ends its flow's group
    kJoinable,  ///< may head or join a group
  };
  std::size_t index = 0;
  Kind kind = Kind::kOther;
  IpTcpLayout layout;
  uint32_t seq = 0;
  std::size_t payload = 0;
  uint8_t flags = 0;
};

struct GroCoalescer::Open {
  std::size_t group = 0;
  std::size_t head = 0;  ///< packet index
  IpTcpLayout layout;
  std::size_t mss = 0;   ///< the head's payload: every member but the last carries as much
  std::size_t size = 0;  ///< bytes of the super-packet so far
  std::size_t count = 0;
  uint32_t next_seq = 0;
  bool push = false;     ///< the last member carried PSH
};

namespace {

constexpr uint8_t kNeverJoined = kTcpSyn | kTcpFin | kTcpRst | kTcpUrg | kTcpCwr;

const uint8_t* source_address(const uint8_t* p, bool ipv6) { return p + (ipv6 ? 8 : 12); }
std::size_t address_size(bool ipv6) { return ipv6 ? 16 : 4; }

bool same_flow(const uint8_t* a, const IpTcpLayout& la, const uint8_t* b, const IpTcpLayout& lb) {
  if (la.ipv6 != lb.ipv6) return false;
  const std::size_t addresses = 2 * address_size(la.ipv6);
  return std::memcmp(source_address(a, la.ipv6), source_address(b, lb.ipv6), addresses) == 0 &&
         std::memcmp(a + la.ip_header_size, b + lb.ip_header_size, 4) == 0;  // ports
}

/// The TCP checksum over the pseudo-header and segment verifies.
bool tcp_checksum_ok(const uint8_t* p, const IpTcpLayout& l, std::size_t size) {
  const std::size_t tcp_size = size - l.ip_header_size;
  uint16_t sum = pseudo_header_sum(source_address(p, l.ipv6),
                                   source_address(p, l.ipv6) + address_size(l.ipv6),
                                   address_size(l.ipv6), kIpProtoTcp,
                                   static_cast<uint32_t>(tcp_size));
  sum = checksum_add(sum, p + l.ip_header_size, tcp_size);
  return sum == 0xffff;
}

}  // namespace

GroCoalescer::GroCoalescer(std::size_t max_batch, GroOptions options)
    : options_(options), max_batch_(max_batch) {
  options_.max_size = std::min<std::size_t>(options_.max_size, 0xffff);
  groups_.resize(max_batch);
  group_of_.resize(max_batch);
  members_.resize(max_batch);
  open_.reserve(max_batch);
}

GroCoalescer::~GroCoalescer() = default;

GroCoalescer::Candidate GroCoalescer::classify(std::size_t index) const {
  Candidate c;
  c.index = index;
  const GroPacket& pk = packets_[index];
  if (parse_ip_tcp(core::ByteView{pk.data, pk.size}, c.layout) != OffloadError::kNone) return c;
  c.kind = Candidate::Kind::kTcp;
  const uint8_t* p = pk.data;
  const std::size_t headers = c.layout.headers_size();
  c.payload = pk.size - headers;
  c.seq = load_be32(p + c.layout.ip_header_size + 4);
  c.flags = p[c.layout.ip_header_size + 13];
  if (c.payload == 0 || (c.flags & kNeverJoined) != 0 || pk.size > options_.max_size) return c;
  // The IP length must cover exactly the bytes we have: trailing bytes would become payload.
  if (c.layout.ipv6) {
    if (load_be16(p + 4) != pk.size - kIpv6Header) return c;
  } else {
    // Options make the kernel flush; a bad header checksum would be hidden by our rewrite.
    if (c.layout.ip_header_size != kIpv4HeaderMin || load_be16(p + 2) != pk.size) return c;
    if (checksum_add(0, p, kIpv4HeaderMin) != 0xffff) return c;
  }
  if (options_.verify_checksums && !tcp_checksum_ok(p, c.layout, pk.size)) return c;
  c.kind = Candidate::Kind::kJoinable;
  return c;
}

GroCoalescer::Open* GroCoalescer::find_open(const Candidate& c) {
  const uint8_t* p = packets_[c.index].data;
  for (Open& o : open_) {
    if (same_flow(packets_[o.head].data, o.layout, p, c.layout)) return &o;
  }
  return nullptr;
}

GroCoalescer::Join GroCoalescer::try_join(Open& o, const Candidate& c) const {
  const uint8_t* h = packets_[o.head].data;
  const uint8_t* p = packets_[c.index].data;
  if (c.layout.tcp_header_size != o.layout.tcp_header_size) return Join::kRefused;
  if (c.seq != o.next_seq || c.payload > o.mss) return Join::kRefused;
  if (o.size + c.payload > options_.max_size) return Join::kRefused;
  if (c.layout.ipv6) {
    // Version, traffic class, flow label; hop limit.
    if (std::memcmp(h, p, 4) != 0 || h[7] != p[7]) return Join::kRefused;
  } else {
    // TOS, TTL, DF; without DF the identification must count up, as GSO would make it.
    if (h[1] != p[1] || h[8] != p[8] || ((h[6] ^ p[6]) & 0x40) != 0) return Join::kRefused;
    if ((h[6] & 0x40) == 0 &&
        load_be16(p + 4) != static_cast<uint16_t>(load_be16(h + 4) + o.count)) {
      return Join::kRefused;
    }
  }
  const uint8_t* ht = h + o.layout.ip_header_size;
  const uint8_t* pt = p + c.layout.ip_header_size;
  // Acknowledgment number, then data offset / flags / window (PSH may differ), then the
  // options byte for byte (timestamps included), as tcp_gro_receive requires.
  if (std::memcmp(ht + 8, pt + 8, 4) != 0) return Join::kRefused;
  if (ht[12] != pt[12] || ((ht[13] ^ pt[13]) & ~kTcpPsh) != 0) return Join::kRefused;
  if (std::memcmp(ht + 14, pt + 14, 2) != 0) return Join::kRefused;
  if (std::memcmp(ht + kTcpHeaderMin, pt + kTcpHeaderMin, o.layout.tcp_header_size - kTcpHeaderMin) != 0) {
    return Join::kRefused;
  }
  o.count += 1;
  o.size += c.payload;
  o.next_seq += static_cast<uint32_t>(c.payload);
  o.push = (c.flags & kTcpPsh) != 0;
  // A short segment or a push ends the super-packet (tcp_gro_receive flushes on both).
  return (c.payload < o.mss || o.push) ? Join::kJoinedLast : Join::kJoined;
}

void GroCoalescer::close(const Open& o) {
  GroGroup& g = groups_[o.group];
  g.count = o.count;
  g.size = o.size;
  g.hdr = VirtioNetHdr{};
  if (o.count < 2) return;
  uint8_t* p = packets_[o.head].data;
  const std::size_t ip = o.layout.ip_header_size;
  if (o.layout.ipv6) {
    store_be16(p + 4, static_cast<uint16_t>(o.size - kIpv6Header));
  } else {
    store_be16(p + 2, static_cast<uint16_t>(o.size));
    store_be16(p + 10, 0);
    store_be16(p + 10, checksum_finish(checksum_add(0, p, ip)));
  }
  uint8_t* tcp = p + ip;
  if (o.push) tcp[13] |= kTcpPsh;
  // NEEDS_CSUM: the field holds the pseudo-header sum over the whole super-packet's TCP
  // length; the kernel (or the device it forwards to) completes it per segment.
  store_be16(tcp + kTcpChecksumOffset,
             pseudo_header_sum(source_address(p, o.layout.ipv6),
                               source_address(p, o.layout.ipv6) + address_size(o.layout.ipv6),
                               address_size(o.layout.ipv6), kIpProtoTcp,
                               static_cast<uint32_t>(o.size - ip)));
  g.hdr.flags = kVirtioNetHdrFNeedsCsum;
  g.hdr.gso_type = o.layout.ipv6 ? kVirtioNetHdrGsoTcpV6 : kVirtioNetHdrGsoTcpV4;
  g.hdr.hdr_len = static_cast<uint16_t>(o.layout.headers_size());
  g.hdr.gso_size = static_cast<uint16_t>(o.mss);
  g.hdr.csum_start = static_cast<uint16_t>(ip);
  g.hdr.csum_offset = static_cast<uint16_t>(kTcpChecksumOffset);
}

void GroCoalescer::start_group(const Candidate& c) {
  const std::size_t g = group_count_++;
  groups_[g] = GroGroup{};
  group_of_[c.index] = g;
  Open o;
  o.group = g;
  o.head = c.index;
  o.layout = c.layout;
  o.mss = c.payload;
  o.size = packets_[c.index].size;
  o.count = 1;
  o.next_seq = c.seq + static_cast<uint32_t>(c.payload);
  // A pushed segment ends its super-packet at once; so does anything not joinable.
  if (c.kind == Candidate::Kind::kJoinable && (c.flags & kTcpPsh) == 0) {
    open_.push_back(o);
  } else {
    close(o);
  }
}

std::size_t GroCoalescer::coalesce(GroPacket* packets, std::size_t n) {
  n = std::min(n, max_batch_);
  packets_ = packets;
  group_count_ = 0;
  open_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const Candidate c = classify(i);
    Open* o = c.kind == Candidate::Kind::kOther ? nullptr : find_open(c);
    if (o != nullptr) {
      const Join j = c.kind == Candidate::Kind::kJoinable ? try_join(*o, c) : Join::kRefused;
      if (j != Join::kRefused) group_of_[i] = o->group;
      // A flow's group ends at any packet of the flow it does not take, so that no later
      // packet of the flow is written before that one.
      if (j != Join::kJoined) {
        close(*o);
        *o = open_.back();
        open_.pop_back();
      }
      if (j != Join::kRefused) continue;
    }
    start_group(c);
  }
  for (const Open& o : open_) close(o);
  open_.clear();
  // Members grouped by group, each group's in batch order (a stable counting sort).
  for (std::size_t g = 0, first = 0; g < group_count_; ++g) {
    groups_[g].first = first;
    first += groups_[g].count;
  }
  for (std::size_t g = 0; g < group_count_; ++g) groups_[g].count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    GroGroup& g = groups_[group_of_[i]];
    members_[g.first + g.count++] = i;
  }
  return group_count_;
}

std::size_t GroCoalescer::pieces(const GroGroup& g, core::ByteView* out, std::size_t cap) const {
  if (g.count > cap) return g.count;
  const GroPacket& head = packets_[members_[g.first]];
  out[0] = core::ByteView{head.data, head.size};
  const std::size_t headers = g.hdr.hdr_len;
  for (std::size_t j = 1; j < g.count; ++j) {
    const GroPacket& m = packets_[members_[g.first + j]];
    out[j] = core::ByteView{m.data + headers, m.size - headers};
  }
  return g.count;
}

std::size_t GroCoalescer::flatten(const GroGroup& g, uint8_t* out, std::size_t cap) const {
  if (cap < kVirtioNetHdrSize + g.size) return 0;
  encode_virtio_net_hdr(g.hdr, out);
  std::size_t at = kVirtioNetHdrSize;
  const GroPacket& head = packets_[members_[g.first]];
  if (head.size > 0) std::memcpy(out + at, head.data, head.size);  // an empty packet: no data
  at += head.size;
  const std::size_t headers = g.hdr.hdr_len;
  for (std::size_t j = 1; j < g.count; ++j) {
    const GroPacket& m = packets_[members_[g.first + j]];
    std::memcpy(out + at, m.data + headers, m.size - headers);
    at += m.size - headers;
  }
  return at;
}

}  // namespace weft::offload
