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

}  // namespace weft::control
