// WireGuard key values as the configuration surfaces spell them: base64 in wg(8) config files,
// lowercase hex in the cross-platform UAPI (wireguard.com/xplatform).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::tunnel {

inline constexpr std::size_t kWgKeySize = 32;
using KeyBytes = std::array<uint8_t, kWgKeySize>;

/// A peer's static Curve25519 public key.
struct PublicKey {
  KeyBytes bytes{};
  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

/// The interface's static Curve25519 private key; wiped when dropped.
struct PrivateKey {
  KeyBytes bytes{};
  PrivateKey() = default;
  explicit PrivateKey(const KeyBytes& b) : bytes(b) {}
  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();
  bool is_zero() const;
  friend bool operator==(const PrivateKey&, const PrivateKey&) = default;
};

/// The optional symmetric key mixed into the handshake (Noise psk2); wiped when dropped.
struct PresharedKey {
  KeyBytes bytes{};
  PresharedKey() = default;
  explicit PresharedKey(const KeyBytes& b) : bytes(b) {}
  PresharedKey(const PresharedKey&) = default;
  PresharedKey& operator=(const PresharedKey&) = default;
  ~PresharedKey();
  bool is_zero() const;
  friend bool operator==(const PresharedKey&, const PresharedKey&) = default;
};

/// Decodes the 44-character padded base64 form wg(8) uses. nullopt unless the text is exactly
/// 32 bytes of canonical base64 (43 symbols, '=' padding, unused low bits zero).
std::optional<KeyBytes> key_from_base64(std::string_view text);
std::string key_to_base64(const KeyBytes& key);

/// Decodes 64 hex digits (either case). nullopt on any other length or character.
std::optional<KeyBytes> key_from_hex(std::string_view text);
/// Lowercase hex, as wg(8) and wireguard-go emit it.
std::string key_to_hex(const KeyBytes& key);

}  // namespace weft::tunnel
