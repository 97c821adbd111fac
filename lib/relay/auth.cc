// ClientInfo sealing and opening (docs/connectivity.md, "Relay protocol", "Authentication").
// key = HMAC-BLAKE2s(X25519(node, relay), label || relay key || node key); the AEAD is
// XChaCha20-Poly1305 with a random nonce and the frame's clear node key as associated data.
#include "relay/auth.h"

#include <cstring>

#include "crypto/crypto.h"
#include "relay/frame.h"

namespace weft::relay {
namespace {

constexpr char kLabel[] = "weft relay client info v1";

crypto::Key32 derive(const crypto::Key32& shared, const core::RelayPublicKey& relay,
                     const core::NodePublicKey& node) {
  uint8_t input[sizeof(kLabel) - 1 + 2 * kKeyLen];
  std::memcpy(input, kLabel, sizeof(kLabel) - 1);
  std::memcpy(input + sizeof(kLabel) - 1, relay.bytes.data(), kKeyLen);
  std::memcpy(input + sizeof(kLabel) - 1 + kKeyLen, node.bytes.data(), kKeyLen);
  return crypto::hmac_blake2s(shared.data(), shared.size(), input, sizeof(input));
}

}  // namespace

Status append_client_info(std::vector<uint8_t>& out, const core::NodePrivateKey& node_key,
                          const core::RelayPublicKey& relay_key, const Challenge& challenge,
                          uint8_t flags, core::Random& rng) {
  crypto::Key32 shared{};
  if (!crypto::x25519(node_key.bytes, relay_key.bytes, shared)) {
    return make_error("relay.bad_key", "the relay's key is a low-order point");
  }
  core::NodePublicKey node_public(crypto::x25519_public(node_key.bytes));
  crypto::Key32 key = derive(shared, relay_key, node_public);
  crypto::secure_zero(shared.data(), shared.size());
  std::array<uint8_t, kNonceSize> nonce{};
  rng.fill(nonce.data(), nonce.size());
  uint8_t plain[kClientInfoPlain];
  plain[0] = static_cast<uint8_t>(kProtocolVersion >> 8);
  plain[1] = static_cast<uint8_t>(kProtocolVersion);
  std::memcpy(plain + 2, challenge.data(), kChallengeSize);
  plain[2 + kChallengeSize] = flags;

  const std::size_t at = out.size();
  out.resize(at + kFrameHeaderSize + kClientInfoPayload);
  uint8_t* p = out.data() + at;
  put_header(p, FrameType::kClientInfo, kClientInfoPayload);
  p += kFrameHeaderSize;
  std::memcpy(p, node_public.bytes.data(), kKeyLen);
  std::memcpy(p + kKeyLen, nonce.data(), kNonceSize);
  crypto::xaead_seal(key, nonce, plain, sizeof(plain), node_public.bytes.data(), kKeyLen,
                     p + kKeyLen + kNonceSize);
  crypto::secure_zero(key.data(), key.size());
  return Ok{};
}

Result<ClientInfo> open_client_info(core::ByteView payload, const core::RelayPrivateKey& relay_key,
                                    const core::RelayPublicKey& relay_public,
                                    const Challenge& challenge) {
  if (payload.size != kClientInfoPayload) {
    return make_error("relay.malformed", "ClientInfo has the wrong length");
  }
  ClientInfo info;
  std::memcpy(info.node_key.bytes.data(), payload.data, kKeyLen);
  std::array<uint8_t, kNonceSize> nonce{};
  std::memcpy(nonce.data(), payload.data + kKeyLen, kNonceSize);
  crypto::Key32 shared{};
  if (!crypto::x25519(relay_key.bytes, info.node_key.bytes, shared)) {
    return make_error("relay.bad_key", "the client's node key is a low-order point");
  }
  crypto::Key32 key = derive(shared, relay_public, info.node_key);
  crypto::secure_zero(shared.data(), shared.size());
  uint8_t plain[kClientInfoPlain];
  const bool opened =
      crypto::xaead_open(key, nonce, payload.data + kKeyLen + kNonceSize,
                         kClientInfoPlain + crypto::kAeadTagSize, payload.data, kKeyLen, plain);
  crypto::secure_zero(key.data(), key.size());
  if (!opened || !crypto::constant_time_equal(plain + 2, challenge.data(), kChallengeSize)) {
    return make_error("relay.auth_failed",
                      "the ClientInfo does not prove the node key it claims for this connection");
  }
  info.version = static_cast<uint16_t>((plain[0] << 8) | plain[1]);
  info.flags = plain[2 + kChallengeSize];
  return info;
}

}  // namespace weft::relay
