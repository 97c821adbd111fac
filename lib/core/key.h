// Curve25519 keys with a distinct type per role (a node's WireGuard key is not a discovery key
// is not a machine key), and WireGuard's preshared key. Secrets wipe themselves. C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace weft::core {

inline constexpr std::size_t kKeySize = 32;
using KeyBytes = std::array<uint8_t, kKeySize>;

/// Overwrites `n` bytes in a way the optimizer cannot elide.
void secure_wipe(void* data, std::size_t n);
/// True when all 32 bytes are zero (constant time).
bool is_all_zero(const KeyBytes& bytes);

/// The node key: the WireGuard static key a node's peers know it by.
struct NodeKeyRole {};
/// The machine key: proves a machine to the coordination server on the control channel.
struct MachineKeyRole {};
/// The discovery key: seals NAT-traversal messages between nodes.
struct DiscoKeyRole {};
/// The relay's static key: a relay proves nothing with it (TLS does), clients seal their
/// node-key proof to it (docs/connectivity.md, "Relay protocol").
struct RelayKeyRole {};

/// A Curve25519 public key of one role.
template <class Role>
struct PublicKey {
  KeyBytes bytes{};

  PublicKey() = default;
  explicit PublicKey(const KeyBytes& b) : bytes(b) {}
  bool is_zero() const { return is_all_zero(bytes); }

  friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const PublicKey& a, const PublicKey& b) { return !(a == b); }
  friend bool operator<(const PublicKey& a, const PublicKey& b) { return a.bytes < b.bytes; }
};

/// A Curve25519 private key of one role; wiped when dropped.
template <class Role>
struct PrivateKey {
  KeyBytes bytes{};

  PrivateKey() = default;
  explicit PrivateKey(const KeyBytes& b) : bytes(b) {}
  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey() { secure_wipe(bytes.data(), bytes.size()); }
  bool is_zero() const { return is_all_zero(bytes); }

  friend bool operator==(const PrivateKey& a, const PrivateKey& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const PrivateKey& a, const PrivateKey& b) { return !(a == b); }
};

using NodePublicKey = PublicKey<NodeKeyRole>;
using NodePrivateKey = PrivateKey<NodeKeyRole>;
using MachinePublicKey = PublicKey<MachineKeyRole>;
using MachinePrivateKey = PrivateKey<MachineKeyRole>;
using DiscoPublicKey = PublicKey<DiscoKeyRole>;
using DiscoPrivateKey = PrivateKey<DiscoKeyRole>;
using RelayPublicKey = PublicKey<RelayKeyRole>;
using RelayPrivateKey = PrivateKey<RelayKeyRole>;

/// WireGuard's optional symmetric key mixed into the handshake (Noise psk2); all zero when
/// unused, as the whitepaper says. Wiped when dropped.
struct PresharedKey {
  KeyBytes bytes{};

  PresharedKey() = default;
  explicit PresharedKey(const KeyBytes& b) : bytes(b) {}
  PresharedKey(const PresharedKey&) = default;
  PresharedKey& operator=(const PresharedKey&) = default;
  ~PresharedKey() { secure_wipe(bytes.data(), bytes.size()); }
  bool is_zero() const { return is_all_zero(bytes); }

  friend bool operator==(const PresharedKey& a, const PresharedKey& b) {
    return a.bytes == b.bytes;
  }
  friend bool operator!=(const PresharedKey& a, const PresharedKey& b) { return !(a == b); }
};

}  // namespace weft::core
