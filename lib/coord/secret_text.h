// The text form shared by the server's secrets that people copy around (pre-auth keys, API
// tokens): "<prefix><id as 16 hex digits>-<secret as 64 hex digits>", and the keyed hash the
// server stores instead of the secret. C++17-clean; no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto.h"

namespace weft::coord {

/// The public half of such a secret, 8 bytes: what lists, logs and revocations name.
inline constexpr std::size_t kSecretIdBytes = 8;
using SecretIdBytes = std::array<uint8_t, kSecretIdBytes>;

/// Lowercase hex of `n` bytes.
std::string lower_hex(const uint8_t* bytes, std::size_t n);
/// Exactly 2*n lowercase hex digits into `out`; false otherwise (uppercase too: one spelling).
bool parse_lower_hex(std::string_view text, uint8_t* out, std::size_t n);

/// "<prefix><16 hex>-<64 hex>".
std::string secret_text(std::string_view prefix, const SecretIdBytes& id,
                        const crypto::Key32& secret);
/// The length secret_text gives for `prefix`.
std::size_t secret_text_size(std::string_view prefix);
/// The inverse of secret_text: exact length, the prefix, lowercase hex. nullopt when malformed.
std::optional<std::pair<SecretIdBytes, crypto::Key32>> parse_secret_text(std::string_view prefix,
                                                                         std::string_view text);
/// BLAKE2s keyed with the server's `hashing_secret` over label || id || secret: the label binds
/// the hash to one kind of secret and format version, the id to one entry.
crypto::Hash32 hash_secret(const crypto::Key32& hashing_secret, std::string_view label,
                           const SecretIdBytes& id, const crypto::Key32& secret);

}  // namespace weft::coord
