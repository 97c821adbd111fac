// The relay's client authentication (docs/connectivity.md, "Relay protocol", "Authentication"):
// ClientInfo seals {version, the server's challenge, flags} to a key only the holder of the
// node's private key and the relay can derive, so a client proves its node key and a recorded
// ClientInfo fails on any other connection (another challenge). C++17-clean.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"
#include "relay/protocol.h"
#include "util/result.h"

namespace weft::relay {

using Challenge = std::array<uint8_t, kChallengeSize>;

/// What a valid ClientInfo says.
struct ClientInfo {
  core::NodePublicKey node_key;
  uint16_t version = 0;
  uint8_t flags = 0;
};

/// Appends the whole ClientInfo frame for `node_key` answering `challenge` of `relay_key`.
/// Errors: "relay.bad_key" (the relay key is a low-order point: no shared secret).
Status append_client_info(std::vector<uint8_t>& out, const core::NodePrivateKey& node_key,
                          const core::RelayPublicKey& relay_key, const Challenge& challenge,
                          uint8_t flags, core::Random& rng);

/// Opens a ClientInfo payload received on a connection that was sent `challenge`.
/// Errors: "relay.malformed" (wrong length), "relay.auth_failed" (the seal does not open: the
/// client does not hold the private key of the node key it claims, or answers another
/// challenge), "relay.bad_key" (a low-order node key).
Result<ClientInfo> open_client_info(core::ByteView payload, const core::RelayPrivateKey& relay_key,
                                    const core::RelayPublicKey& relay_public,
                                    const Challenge& challenge);

}  // namespace weft::relay
