// Value types shared by the WireGuard core and its drivers: keys, endpoints, byte views, time.
// C++17-clean (an ns-3 program compiled as C++17 includes this through device.h).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "wg/constants.h"

namespace weft::wg {

/// A read-only view of bytes (the core never keeps it beyond the call).
struct ByteView {
  const uint8_t* data = nullptr;
  std::size_t size = 0;
};

/// A caller-owned writable buffer; the core writes at most `size` bytes into it.
struct MutableBytes {
  uint8_t* data = nullptr;
  std::size_t size = 0;
};

/// A peer's or our Curve25519 public key.
struct PublicKey {
  std::array<uint8_t, 32> bytes{};
  friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const PublicKey& a, const PublicKey& b) { return !(a == b); }
  friend bool operator<(const PublicKey& a, const PublicKey& b) { return a.bytes < b.bytes; }
};

/// Our Curve25519 private key. Wiped when destroyed.
struct PrivateKey {
  std::array<uint8_t, 32> bytes{};
  PrivateKey() = default;
  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();
};

/// The optional pre-shared symmetric key of a peer (all zero when unused, as the spec says).
struct PresharedKey {
  std::array<uint8_t, 32> bytes{};
  PresharedKey() = default;
  PresharedKey(const PresharedKey&) = default;
  PresharedKey& operator=(const PresharedKey&) = default;
  ~PresharedKey();
};

/// Where a datagram came from or goes to. Opaque to the protocol except for equality (roaming)
/// and the address bytes (cookies and rate limiting key on them). Plain old data.
struct Endpoint {
  uint8_t family = 0;                 // 0 = unset, 4 = IPv4, 6 = IPv6
  std::array<uint8_t, 16> address{};  // IPv4 in the first 4 bytes, network order
  uint16_t port = 0;                  // host order

  bool is_set() const { return family != 0; }
  static Endpoint v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    Endpoint e;
    e.family = 4;
    e.address[0] = a;
    e.address[1] = b;
    e.address[2] = c;
    e.address[3] = d;
    e.port = port;
    return e;
  }
  friend bool operator==(const Endpoint& a, const Endpoint& b) {
    return a.family == b.family && a.address == b.address && a.port == b.port;
  }
  friend bool operator!=(const Endpoint& a, const Endpoint& b) { return !(a == b); }
};

/// Wall-clock time, used only for TAI64N handshake timestamps and "last handshake" reports.
using WallTime = std::chrono::system_clock::time_point;

/// The time of one call into the core: a monotonic value for every timer and a wall-clock
/// value for TAI64N. The driver reads both clocks; the core reads neither.
struct Now {
  Duration mono{};
  WallTime wall{};
};

/// Randomness supplied by the driver (ephemeral keys, receiver indices, cookie secrets and
/// nonces, timer jitter). Must be cryptographically secure outside tests.
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(uint8_t* out, std::size_t n) = 0;
};

}  // namespace weft::wg
