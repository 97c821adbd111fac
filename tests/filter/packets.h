// Hand-built IPv4 / IPv6 packets for the packet filter's tests, fuzz seeds and benchmark (no
// checksums: the filter does not read them).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "filter/packet.h"
#include "util/ip_prefix.h"

namespace weft::filter::testing {

using Bytes = std::vector<uint8_t>;

inline util::IpAddress ip(const std::string& text) { return *util::IpAddress::parse(text); }

inline core::ByteView view(const Bytes& b) { return core::ByteView{b.data(), b.size()}; }

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

inline Bytes tcp(uint16_t src_port, uint16_t dst_port, uint8_t flags) {
  Bytes b;
  put16(b, src_port);
  put16(b, dst_port);
  b.resize(20, 0);
  b[12] = 5 << 4;  // data offset: 5 words
  b[13] = flags;
  return b;
}

inline Bytes udp(uint16_t src_port, uint16_t dst_port, std::size_t data = 0) {
  Bytes b;
  put16(b, src_port);
  put16(b, dst_port);
  put16(b, static_cast<uint16_t>(8 + data));
  put16(b, 0);
  b.resize(8 + data, 0xab);
  return b;
}

inline Bytes icmp(uint8_t type, uint8_t code, uint16_t id = 0) {
  Bytes b{type, code, 0, 0};
  put16(b, id);
  put16(b, 1);  // sequence
  return b;
}

/// An IPv4 packet; `frag` is the flags + fragment offset field (0x2000 = more fragments).
inline Bytes ipv4(const std::string& src, const std::string& dst, uint8_t proto, const Bytes& payload,
                  uint16_t frag = 0) {
  Bytes b{0x45, 0};
  put16(b, static_cast<uint16_t>(20 + payload.size()));
  put16(b, 0x1234);  // identification
  put16(b, frag);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  for (auto a : {ip(src), ip(dst)})
    for (int i = 0; i < 4; ++i) b.push_back(a.bytes()[static_cast<std::size_t>(i)]);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

/// An IPv6 packet whose payload begins with `next` (extension headers are part of `payload`).
inline Bytes ipv6(const std::string& src, const std::string& dst, uint8_t next, const Bytes& payload) {
  Bytes b{0x60, 0, 0, 0};
  put16(b, static_cast<uint16_t>(payload.size()));
  b.push_back(next);
  b.push_back(64);
  for (auto a : {ip(src), ip(dst)}) b.insert(b.end(), a.bytes().begin(), a.bytes().end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

/// A generic IPv6 extension header (8 bytes, no options) followed by `rest`.
inline Bytes ext(uint8_t next, const Bytes& rest) {
  Bytes b{next, 0, 1, 4, 0, 0, 0, 0};  // PadN option filling the 6 bytes
  b.insert(b.end(), rest.begin(), rest.end());
  return b;
}

/// An IPv6 fragment header: offset in bytes (a multiple of 8), M flag.
inline Bytes frag6(uint8_t next, uint16_t offset, bool more, const Bytes& rest) {
  Bytes b{next, 0};
  put16(b, static_cast<uint16_t>(offset | (more ? 1 : 0)));
  b.insert(b.end(), {0, 0, 0x12, 0x34});
  b.insert(b.end(), rest.begin(), rest.end());
  return b;
}

/// An ICMP error of `type` quoting `original` cut to its IP header + 8 bytes (RFC 792).
inline Bytes icmp_error(uint8_t type, const Bytes& original, std::size_t ip_header) {
  Bytes b = icmp(type, 0);
  b[4] = b[5] = b[6] = b[7] = 0;
  b.insert(b.end(), original.begin(),
           original.begin() + static_cast<std::ptrdiff_t>(std::min(original.size(), ip_header + 8)));
  return b;
}

}  // namespace weft::filter::testing
