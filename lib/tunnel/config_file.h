// Declarative model and parser of a standard WireGuard configuration file: the wg(8)
// "CONFIGURATION FILE FORMAT" plus the wg-quick(8) interface keys (Address, MTU, DNS, ...).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_text.h"
#include "core/path.h"
#include "routing/route_plan.h"
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
  // wg-quick(8)'s own keys (docs/dataplane.md, "wg-quick keys").
  std::vector<util::IpAddress> dns_servers;  // DNS entries that are IP addresses
  std::vector<std::string> dns_search;       // DNS entries that are not: search domains
  routing::TableSetting table;               // Table = auto | off | N
  std::vector<std::string> pre_up, post_up, pre_down, post_down;  // shell commands, raw
  bool save_config = false;
};

/// `Endpoint = host.example:51820`: a name resolved by the driver, at start and again while
/// handshakes to the peer fail.
struct HostEndpoint {
  std::string host;  // letters, digits, '-', '.', '_' only; at most 253 bytes
  uint16_t port = 0;
};

struct PeerConfig {
  wg::PublicKey public_key;
  std::optional<wg::PresharedKey> preshared_key;
  std::vector<util::IpPrefix> allowed_ips;  // masked to their prefix length
  std::optional<core::SocketAddress> endpoint;
  std::optional<HostEndpoint> endpoint_host;  // set instead of `endpoint` for a host name
  std::chrono::seconds persistent_keepalive{0};  // 0: off
  int line = 0;  // line of the [Peer] header, for later diagnostics
};

struct TunnelConfig {
  InterfaceConfig interface;
  std::vector<PeerConfig> peers;
};

/// Messages kept per list: a screenful, enough to fix a file in a few passes. The rest are only
/// counted, so a junk file costs neither memory nor a terminal full of lines.
inline constexpr std::size_t kMaxMessagesKept = 20;

/// The largest config file read, 16 MiB: a peer written out in full (PublicKey, PresharedKey,
/// a few AllowedIPs, Endpoint, PersistentKeepalive, a comment) takes 200-300 bytes, so this
/// holds 50,000-80,000 peers, above the largest hub we plan for (tens of thousands). The worst
/// case, 182,000 minimal peers filling 16 MiB, parses in 1.3 s into 71 MB (-O2 build).
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{16} << 20;

/// Outcome of parsing one file: the config as far as it could be read, its errors, and notes.
struct ParsedConfig {
  TunnelConfig config;
  std::vector<std::string> errors;  // "FILE:LINE: message", in file order; the first few only
  std::size_t error_count = 0;      // all errors, including those not kept in `errors`
  std::vector<std::string> notes;   // same form and bound
  std::size_t note_count = 0;
  std::vector<std::string> warnings;  // about the file itself (load_config_file): its mode
  bool ok() const { return error_count == 0; }
};

/// Parses the text of a config file; `file_name` prefixes every message. Never fails as a
/// whole: problems are counted, and the first `max_kept` of each kind listed (keys are
/// case-insensitive, '#' starts a comment). Values quoted in messages are cut to 64 bytes and
/// control characters shown as \xHH, so a binary file prints readable, short lines.
ParsedConfig parse_config(std::string_view text, std::string_view file_name,
                          std::size_t max_kept = kMaxMessagesKept);

/// wg-quick(8)'s search rule for `--config`: a bare interface name ([a-zA-Z0-9_=+.-]{1,15},
/// e.g. "wg0") means /etc/wireguard/NAME.conf (`config_dir` in tests); anything else is a path.
std::string config_path_for(std::string_view name_or_path,
                            std::string_view config_dir = "/etc/wireguard");

/// "host:port" with a host name (not an IP literal) and a port 1..65535; nullopt otherwise.
std::optional<HostEndpoint> parse_host_endpoint(std::string_view text);

/// The kept messages, one per line, then "… and N more <noun>" when `total` is larger.
std::string format_messages(const std::vector<std::string>& kept, std::size_t total,
                            std::string_view noun);

/// Reads (at most kMaxConfigFileBytes, see runtime::read_bounded_file) and parses `path`.
/// A file readable or writable by group or others gets a warning in `warnings` (wg-quick(8)
/// warns too): it holds a private key. Errors: "config.io" when the file cannot be opened or read;
/// "config.file_type" for a directory, device, FIFO or socket; "config.too_large" beyond the
/// limit; "config.invalid" with format_messages() of the errors in the detail.
Result<ParsedConfig> load_config_file(const std::string& path);

}  // namespace weft::tunnel
