// The "<prefix><id>-<secret>" text of pre-auth keys and API tokens, and their keyed hash.
#include "coord/secret_text.h"

#include <cassert>
#include <vector>

namespace weft::coord {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string lower_hex(const uint8_t* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

bool parse_lower_hex(std::string_view text, uint8_t* out, std::size_t n) {
  if (text.size() != 2 * n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = uint8_t(hi << 4 | lo);
  }
  return true;
}

std::size_t secret_text_size(std::string_view prefix) {
  return prefix.size() + 2 * kSecretIdBytes + 1 + 2 * crypto::Key32{}.size();
}

std::string secret_text(std::string_view prefix, const SecretIdBytes& id,
                        const crypto::Key32& secret) {
  std::string out;
  out.reserve(secret_text_size(prefix));
  out.append(prefix);
  out.append(lower_hex(id.data(), id.size()));
  out.push_back('-');
  out.append(lower_hex(secret.data(), secret.size()));
  return out;
}

std::optional<std::pair<SecretIdBytes, crypto::Key32>> parse_secret_text(std::string_view prefix,
                                                                         std::string_view text) {
  if (text.size() != secret_text_size(prefix) || text.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  text.remove_prefix(prefix.size());
  std::pair<SecretIdBytes, crypto::Key32> out;
  if (!parse_lower_hex(text.substr(0, 2 * kSecretIdBytes), out.first.data(), out.first.size()))
    return std::nullopt;
  if (text[2 * kSecretIdBytes] != '-') return std::nullopt;
  if (!parse_lower_hex(text.substr(2 * kSecretIdBytes + 1), out.second.data(),
                       out.second.size())) {
    crypto::secure_zero(out.second.data(), out.second.size());
    return std::nullopt;
  }
  return out;
}

crypto::Hash32 hash_secret(const crypto::Key32& hashing_secret, std::string_view label,
                           const SecretIdBytes& id, const crypto::Key32& secret) {
  std::vector<uint8_t> input;
  input.reserve(label.size() + id.size() + secret.size());
  input.insert(input.end(), label.begin(), label.end());
  input.insert(input.end(), id.begin(), id.end());
  input.insert(input.end(), secret.begin(), secret.end());
  crypto::Hash32 out{};
  const bool ok = crypto::blake2s_keyed(hashing_secret.data(), hashing_secret.size(),
                                        input.data(), input.size(), out.data(), out.size());
  assert(ok);
  (void)ok;
  crypto::secure_zero(input.data(), input.size());
  return out;
}

}  // namespace weft::coord
