// Curve25519 keys of any role drawn from a test's (seeded) Random, and their public halves: one
// helper for the control, coordinator and client tests and fuzz targets. No Boost.Test here.
#pragma once

#include "core/key.h"
#include "core/random.h"
#include "crypto/crypto.h"

namespace weft::test {

/// A clamped private key of role `Key` (core::NodePrivateKey, core::MachinePrivateKey, ...).
template <class Key>
Key random_private(core::Random& rng) {
  crypto::Key32 seed{};
  rng.fill(seed.data(), seed.size());
  Key k;
  k.bytes = crypto::x25519_private_from_random(seed);
  return k;
}

/// The public key of `k`, in the role `Pub`.
template <class Pub, class Priv>
Pub public_of(const Priv& k) {
  Pub p;
  p.bytes = crypto::x25519_public(k.bytes);
  return p;
}

}  // namespace weft::test
