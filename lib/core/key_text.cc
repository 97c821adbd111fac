// Base64 (RFC 4648 §4) and hex codecs for 32-byte keys, strict in what they accept.
#include "core/key_text.h"

namespace weft::core {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<KeyBytes> key_from_base64(std::string_view text) {
  // 32 bytes = 10 full 3-byte groups + 2 bytes, i.e. 43 symbols and one '='.
  if (text.size() != 44 || text[43] != '=') return std::nullopt;
  KeyBytes out{};
  uint32_t acc = 0;
  int bits = 0;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 43; ++i) {
    int v = base64_value(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[pos++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  // The two leftover bits of the last symbol must be zero, or two texts would map to one key.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string key_to_base64(const KeyBytes& key) {
  std::string out;
  out.reserve(44);
  std::size_t i = 0;
  for (; i + 3 <= key.size(); i += 3) {
    uint32_t v = (uint32_t{key[i]} << 16) | (uint32_t{key[i + 1]} << 8) | key[i + 2];
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  uint32_t v = (uint32_t{key[i]} << 16) | (uint32_t{key[i + 1]} << 8);
  out += kBase64Alphabet[(v >> 18) & 63];
  out += kBase64Alphabet[(v >> 12) & 63];
  out += kBase64Alphabet[(v >> 6) & 63];
  out += '=';
  return out;
}

std::optional<KeyBytes> key_from_hex(std::string_view text) {
  if (text.size() != 2 * kKeySize) return std::nullopt;
  KeyBytes out{};
  for (std::size_t i = 0; i < kKeySize; ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string key_to_hex(const KeyBytes& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kKeySize);
  for (uint8_t b : key) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace weft::core
