// IP addresses and prefixes (IPv4 and IPv6) as plain values: parsing, formatting, containment.
// Shared by the policy engine (CIDR selectors) and, later, WireGuard allowed-IPs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::util {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

/// An IPv4 or IPv6 address. IPv4 is stored in the first 4 bytes of bytes_.
class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress v4(std::array<uint8_t, 4> b);
  static IpAddress v6(const std::array<uint8_t, 16>& b);
  /// Parses dotted-quad IPv4 or RFC 4291 textual IPv6 (with "::" and embedded IPv4).
  /// No zone ids, no leading zeros in IPv4 octets. nullopt on any malformed text.
  static std::optional<IpAddress> parse(std::string_view text);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  int bit_length() const { return is_v4() ? 32 : 128; }
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  /// IPv4 address as a host-order integer (only for v4).
  uint32_t v4_u32() const;
  std::string to_string() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family_ == b.family_ && a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const IpAddress& a, const IpAddress& b) { return !(a == b); }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    if (a.family_ != b.family_) return a.family_ < b.family_;
    return a.bytes_ < b.bytes_;
  }

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};
};

/// An address with a prefix length; the address is kept masked to the prefix.
class IpPrefix {
 public:
  IpPrefix() = default;
  /// Masks `addr` to `bits`. bits must be <= addr.bit_length() (asserted).
  IpPrefix(IpAddress addr, int bits);
  /// "10.0.0.0/8", "fd7a::/48", or a bare address (full length). nullopt when malformed,
  /// when the length is out of range, or (strict=true) when host bits are set ("10.0.0.1/8").
  static std::optional<IpPrefix> parse(std::string_view text, bool strict = false);

  const IpAddress& address() const { return addr_; }
  int bits() const { return bits_; }
  bool is_single_address() const { return bits_ == addr_.bit_length(); }
  bool contains(const IpAddress& a) const;
  /// True when every address of `other` is in this prefix.
  bool contains(const IpPrefix& other) const;
  bool overlaps(const IpPrefix& other) const;
  std::string to_string() const;

  friend bool operator==(const IpPrefix& a, const IpPrefix& b) {
    return a.bits_ == b.bits_ && a.addr_ == b.addr_;
  }
  friend bool operator<(const IpPrefix& a, const IpPrefix& b) {
    if (a.addr_ != b.addr_) return a.addr_ < b.addr_;
    return a.bits_ < b.bits_;
  }

 private:
  IpAddress addr_;
  int bits_ = 0;
};

/// An address assigned to an interface. Unlike an IpPrefix, the host bits are kept
/// ("10.0.0.1/24" is the address 10.0.0.1 on the 10.0.0.0/24 network).
struct InterfaceAddress {
  IpAddress address;
  int prefix_length = 0;
  /// "10.0.0.1/24".
  std::string to_string() const;
  friend bool operator==(const InterfaceAddress& a, const InterfaceAddress& b) {
    return a.address == b.address && a.prefix_length == b.prefix_length;
  }
};

}  // namespace weft::util
