// Discovery test helpers shared by tests/disco and tests/fuzz/disco_message_fuzz: the fuzz
// target's fixed keys (its seed corpus is sealed under them), and sealing by message.h's wire
// format without SharedKey, so that a test can check the key derivation and hand open()
// plaintexts encode_plaintext() would never write. No Boost.Test here.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"
#include "crypto/crypto.h"
#include "disco/message.h"
#include "support/test_keys.h"

namespace weft::test {

/// The key message.h specifies: BLAKE2s-256("weft disco v1" || X25519(own, peer)); all zero for
/// a low-order peer key.
inline crypto::Key32 disco_key_by_spec(const core::DiscoPrivateKey& own,
                                       const core::DiscoPublicKey& peer) {
  crypto::Key32 shared{};
  if (!crypto::x25519(own.bytes, peer.bytes, shared)) return crypto::Key32{};
  const std::string label = "weft disco v1";
  return crypto::blake2s256(reinterpret_cast<const uint8_t*>(label.data()), label.size(),
                            shared.data(), shared.size());
}

/// magic · sender · nonce · XChaCha20-Poly1305(key, plain) with the 38 header bytes as
/// associated data.
inline std::vector<uint8_t> disco_seal_raw(const crypto::Key32& key,
                                           const core::DiscoPublicKey& sender,
                                           const disco::Nonce& nonce, core::ByteView plain) {
  std::vector<uint8_t> d(disco::kOverhead + plain.size);
  std::memcpy(d.data(), disco::kMagic.data(), disco::kMagic.size());
  std::memcpy(d.data() + disco::kMagic.size(), sender.bytes.data(), disco::kKeyLen);
  std::memcpy(d.data() + disco::kHeaderLen, nonce.data(), disco::kNonceLen);
  const uint8_t empty = 0;
  crypto::xaead_seal(key, nonce, plain.size > 0 ? plain.data : &empty, plain.size, d.data(),
                     disco::kHeaderLen, d.data() + disco::kHeaderLen + disco::kNonceLen);
  return d;
}

/// The fuzz target's fixed keys: node a seals to node b, the target opens as b.
struct DiscoFuzzKeys {
  core::SeededRandom rng{0xd15c0};
  core::DiscoPrivateKey a_priv = random_private<core::DiscoPrivateKey>(rng);
  core::DiscoPrivateKey b_priv = random_private<core::DiscoPrivateKey>(rng);
  core::DiscoPublicKey a = public_of<core::DiscoPublicKey>(a_priv);
  core::DiscoPublicKey b = public_of<core::DiscoPublicKey>(b_priv);
  disco::SharedKey a_to_b = *disco::SharedKey::derive(a_priv, b);
  disco::SharedKey b_to_a = *disco::SharedKey::derive(b_priv, a);
  crypto::Key32 key = disco_key_by_spec(a_priv, b);
};

}  // namespace weft::test
