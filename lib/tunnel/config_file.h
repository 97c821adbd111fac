// Declarative model and parser of a standard WireGuard configuration file: the wg(8)
// "CONFIGURATION FILE FORMAT" plus the wg-quick(8) interface keys (Address, MTU, DNS, ...).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_text.h"
#include "core/path.h"
#include "wg/types.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::tunnel {

struct InterfaceConfig {
  std::optional<wg::PrivateKey> private_key;
  std::optional<uint16_t> listen_port;  // absent: pick a random port
  std::optional<uint32_t> fwmark;       // absent or 0: off
  std::vector<util::InterfaceAddress> addresses;
  std::optional<uint32_t> mtu;          // absent: the driver's default
};

struct PeerConfig {
  wg::PublicKey public_key;
  std::optional<wg::PresharedKey> preshared_key;
  std::vector<util::IpPrefix> allowed_ips;  // masked to their prefix length
  std::optional<core::SocketAddress> endpoint;
  std::chrono::seconds persistent_keepalive{0};  // 0: off
  int line = 0;  // line of the [Peer] header, for later diagnostics
};

struct TunnelConfig {
  InterfaceConfig interface;
  std::vector<PeerConfig> peers;
};

/// Outcome of parsing one file: the config as far as it could be read, every error, and notes
/// about keys that were accepted but ignored (wg-quick's DNS, Table, PreUp, ...).
struct ParsedConfig {
  TunnelConfig config;
  std::vector<std::string> errors;  // "FILE:LINE: message", in file order
  std::vector<std::string> notes;   // same form
  bool ok() const { return errors.empty(); }
};

/// Parses the text of a config file; `file_name` prefixes every message. Never fails as a
/// whole: problems are listed in `errors` (keys are case-insensitive, '#' starts a comment).
ParsedConfig parse_config(std::string_view text, std::string_view file_name);

/// Reads and parses `path`. Errors: "config.io" when the file cannot be read; "config.invalid"
/// with every error message, one per line, in the detail.
Result<ParsedConfig> load_config_file(const std::string& path);

}  // namespace weft::tunnel
