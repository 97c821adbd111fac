// IP address and prefix parsing/formatting: dotted-quad IPv4, RFC 4291 §2.2 IPv6 text input,
// RFC 5952 canonical IPv6 output, and prefix containment on masked addresses.
#include "util/ip_prefix.h"

#include <cassert>
#include <cstddef>

namespace weft::util {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Strict dotted quad: exactly four decimal octets, no leading zeros (they are octal to
// inet_aton, so accepting them would let "010.0.0.1" mean two different addresses).
std::optional<std::array<uint8_t, 4>> parse_v4(std::string_view s) {
  std::array<uint8_t, 4> out{};
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t start = i;
    unsigned value = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 3) {
      value = value * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
    }
    const std::size_t len = i - start;
    if (len == 0 || value > 255) return std::nullopt;
    if (len > 1 && s[start] == '0') return std::nullopt;
    out[static_cast<std::size_t>(octet)] = static_cast<uint8_t>(value);
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

// RFC 4291 §2.2: up to eight 16-bit hex groups, at most one "::" standing for one or more zero
// groups, and optionally a dotted-quad tail filling the last 32 bits. Zone ids ("%eth0") are
// rejected: a zone names a link, not an address, and policies must not depend on it.
std::optional<std::array<uint8_t, 16>> parse_v6(std::string_view s) {
  std::array<uint16_t, 8> groups{};
  int count = 0;          // groups written so far
  int gap = -1;           // index in groups where "::" sits
  bool has_v4 = false;
  std::array<uint8_t, 4> v4{};
  std::size_t i = 0;
  if (s.size() < 2) return std::nullopt;
  if (s[0] == ':') {
    if (s[1] != ':') return std::nullopt;
    gap = 0;
    i = 2;
    if (i == s.size()) return std::array<uint8_t, 16>{};
  }
  while (i < s.size()) {
    if (count == 8) return std::nullopt;
    const std::size_t start = i;
    unsigned value = 0;
    while (i < s.size() && i - start < 5) {
      const int h = hex_value(s[i]);
      if (h < 0) break;
      value = value * 16 + static_cast<unsigned>(h);
      ++i;
    }
    const std::size_t len = i - start;
    if (i < s.size() && s[i] == '.') {
      // Dotted-quad tail: must be the last thing and needs two free groups.
      if (count > 6) return std::nullopt;
      auto tail = parse_v4(s.substr(start));
      if (!tail) return std::nullopt;
      v4 = *tail;
      has_v4 = true;
      i = s.size();
      break;
    }
    if (len == 0 || len > 4) return std::nullopt;
    groups[static_cast<std::size_t>(count++)] = static_cast<uint16_t>(value);
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = count;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return std::nullopt;  // trailing single ':'
    }
  }
  const int total = count + (has_v4 ? 2 : 0);
  if (gap < 0 ? total != 8 : total > 7) return std::nullopt;

  std::array<uint8_t, 16> out{};
  const int before = gap < 0 ? count : gap;
  const int after = count - before;
  for (int g = 0; g < before; ++g) {
    out[static_cast<std::size_t>(2 * g)] = static_cast<uint8_t>(groups[static_cast<std::size_t>(g)] >> 8);
    out[static_cast<std::size_t>(2 * g + 1)] = static_cast<uint8_t>(groups[static_cast<std::size_t>(g)]);
  }
  const int tail_start = 8 - (has_v4 ? 2 : 0) - after;
  for (int g = 0; g < after; ++g) {
    const uint16_t v = groups[static_cast<std::size_t>(before + g)];
    out[static_cast<std::size_t>(2 * (tail_start + g))] = static_cast<uint8_t>(v >> 8);
    out[static_cast<std::size_t>(2 * (tail_start + g) + 1)] = static_cast<uint8_t>(v);
  }
  if (has_v4) {
    for (std::size_t k = 0; k < 4; ++k) out[12 + k] = v4[k];
  }
  return out;
}

void append_v4(std::string& out, const uint8_t* b) {
  for (int k = 0; k < 4; ++k) {
    if (k) out.push_back('.');
    out += std::to_string(b[k]);
  }
}

void append_hex16(std::string& out, unsigned v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned nibble = (v >> shift) & 0xF;
    if (nibble || started || shift == 0) {
      out.push_back(kDigits[nibble]);
      started = true;
    }
  }
}

// RFC 5952 §4: lowercase, no leading zeros, "::" replaces the longest run (ties: the first) of
// two or more zero groups. §5: IPv4-mapped addresses keep the dotted-quad tail.
std::string v6_to_string(const std::array<uint8_t, 16>& b) {
  std::array<unsigned, 8> g{};
  for (std::size_t k = 0; k < 8; ++k) g[k] = (unsigned{b[2 * k]} << 8) | b[2 * k + 1];

  const bool mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xFFFF;
  const int groups = mapped ? 6 : 8;

  int best_start = -1, best_len = 0;
  for (int k = 0; k < groups;) {
    if (g[static_cast<std::size_t>(k)] != 0) {
      ++k;
      continue;
    }
    int end = k;
    while (end < groups && g[static_cast<std::size_t>(end)] == 0) ++end;
    if (end - k > best_len) {
      best_start = k;
      best_len = end - k;
    }
    k = end;
  }
  if (best_len < 2) best_start = -1;

  std::string out;
  out.reserve(41);
  for (int k = 0; k < groups; ++k) {
    if (k == best_start) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out.push_back(':');
    append_hex16(out, g[static_cast<std::size_t>(k)]);
  }
  if (mapped) {
    if (out.back() != ':') out.push_back(':');
    append_v4(out, b.data() + 12);
  }
  return out;
}

// Parses a prefix length: decimal, no sign, no leading zeros, at most `max`.
std::optional<int> parse_bits(std::string_view s, int max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

// Keeps the first `bits` bits of `bytes`, zeroing the rest.
std::array<uint8_t, 16> mask_bytes(const std::array<uint8_t, 16>& bytes, int bits) {
  std::array<uint8_t, 16> out{};
  for (int k = 0; k < 16; ++k) {
    const int remaining = bits - 8 * k;
    if (remaining >= 8) {
      out[static_cast<std::size_t>(k)] = bytes[static_cast<std::size_t>(k)];
    } else if (remaining > 0) {
      const auto m = static_cast<uint8_t>(0xFFu << (8 - remaining));
      out[static_cast<std::size_t>(k)] = bytes[static_cast<std::size_t>(k)] & m;
    }
  }
  return out;
}

}  // namespace

IpAddress IpAddress::v4(std::array<uint8_t, 4> b) {
  IpAddress a;
  a.family_ = IpFamily::kV4;
  for (std::size_t k = 0; k < 4; ++k) a.bytes_[k] = b[k];
  return a;
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& b) {
  IpAddress a;
  a.family_ = IpFamily::kV6;
  a.bytes_ = b;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    auto b = parse_v6(text);
    if (!b) return std::nullopt;
    return v6(*b);
  }
  auto b = parse_v4(text);
  if (!b) return std::nullopt;
  return v4(*b);
}

uint32_t IpAddress::v4_u32() const {
  assert(is_v4());
  return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) | (uint32_t{bytes_[2]} << 8) |
         uint32_t{bytes_[3]};
}

std::string IpAddress::to_string() const {
  if (is_v4()) {
    std::string out;
    out.reserve(15);
    append_v4(out, bytes_.data());
    return out;
  }
  return v6_to_string(bytes_);
}

IpPrefix::IpPrefix(IpAddress addr, int bits) : bits_(bits) {
  assert(bits >= 0 && bits <= addr.bit_length());
  const auto masked = mask_bytes(addr.bytes(), bits);
  if (addr.is_v4()) {
    addr_ = IpAddress::v4({masked[0], masked[1], masked[2], masked[3]});
  } else {
    addr_ = IpAddress::v6(masked);
  }
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, bool strict) {
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  if (slash == std::string_view::npos) return IpPrefix(*addr, addr->bit_length());
  auto bits = parse_bits(text.substr(slash + 1), addr->bit_length());
  if (!bits) return std::nullopt;
  IpPrefix p(*addr, *bits);
  if (strict && p.addr_ != *addr) return std::nullopt;
  return p;
}

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.family() != addr_.family()) return false;
  return mask_bytes(a.bytes(), bits_) == addr_.bytes();
}

bool IpPrefix::contains(const IpPrefix& other) const {
  return other.bits_ >= bits_ && contains(other.addr_);
}

bool IpPrefix::overlaps(const IpPrefix& other) const {
  // Two prefixes overlap exactly when the shorter one contains the longer one.
  return bits_ <= other.bits_ ? contains(other.addr_) : other.contains(addr_);
}

std::string IpPrefix::to_string() const {
  return addr_.to_string() + "/" + std::to_string(bits_);
}

std::string InterfaceAddress::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_length);
}

}  // namespace weft::util
