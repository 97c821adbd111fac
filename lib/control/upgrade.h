// The HTTP/1.1 upgrade that opens weft's control stream (docs/control-plane.md, "Drivers"):
// the names both ends must agree on. After the 101 answer the connection carries the framed
// control channel of lib/control.
#pragma once

namespace weft::control {

/// `POST kControlPath` with `Connection: Upgrade`, `Upgrade: kUpgradeToken` and
/// `kVersionHeader: <control::kProtocolVersion>` asks for the control stream.
inline constexpr char kControlPath[] = "/weft/control";
inline constexpr char kUpgradeToken[] = "weft-control";
inline constexpr char kVersionHeader[] = "Weft-Control-Version";
/// `GET kHealthPath` answers 200 "ok\n" while the server accepts connections.
inline constexpr char kHealthPath[] = "/healthz";
/// `GET kKeyPath` answers the server's public key (base64 and a newline).
inline constexpr char kKeyPath[] = "/key";

/// `GET kRelayPath` with `Connection: Upgrade` and `Upgrade: kRelayUpgradeToken` asks a relay
/// (`weft derp`, or the one embedded in `weft serve`) for a relay connection
/// (docs/connectivity.md, "Relay protocol").
inline constexpr char kRelayPath[] = "/weft/relay";
inline constexpr char kRelayUpgradeToken[] = "weft-relay";
/// `GET kRelayMapPath` answers the relay map the server hands to nodes, as JSON in the relay
/// map file's format (`weft netcheck --server URL` reads it).
inline constexpr char kRelayMapPath[] = "/weft/relay-map";

}  // namespace weft::control
