// Value types shared by the WireGuard core and its drivers. The core-neutral ones (time, bytes,
// randomness, keys, paths) come from lib/core; WireGuard names them by their roles here.
// C++17-clean (an ns-3 program compiled as C++17 includes this through device.h).
#pragma once

#include "core/bytes.h"
#include "core/key.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "wg/constants.h"

namespace weft::wg {

using core::ByteView;
using core::MutableBytes;
using core::Now;
using core::Path;
using core::Random;
using core::WallTime;

/// A peer's or our static Curve25519 key: in a tailnet, the node key.
using PublicKey = core::NodePublicKey;
/// Our static private key; wiped when dropped.
using PrivateKey = core::NodePrivateKey;
/// The optional pre-shared symmetric key of a peer (all zero when unused).
using PresharedKey = core::PresharedKey;

}  // namespace weft::wg
