// The bridge between weft tunnel's declarative inputs (wg(8) config file, UAPI set requests)
// and the live WireGuard core (weft::wg::Device), plus the UAPI get snapshot of the core.
// No OS calls: the driver owns sockets; this file only decides what to change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tunnel/config_file.h"
#include "tunnel/uapi.h"
#include "util/result.h"
#include "wg/device.h"

namespace weft::tunnel {

/// Interface settings the core does not hold (the socket's port and mark) and secrets the
/// core does not give back (our private key, peers' preshared keys) but `wg show` prints.
struct InterfaceSettings {
  wg::PrivateKey private_key;
  uint16_t listen_port = 0;  // the bound port
  uint32_t fwmark = 0;
  std::map<wg::PublicKey, wg::PresharedKey> preshared_keys;
};

/// What a set request asks of the driver beyond the core.
struct DriverChanges {
  std::optional<uint16_t> listen_port;  // rebind the UDP socket to this port
  std::optional<uint32_t> fwmark;       // set SO_MARK to this value
};

wg::AllowedIp to_wg(const util::IpPrefix& p);
util::IpPrefix from_wg(const wg::AllowedIp& a);

/// Device configuration (private key, padding MTU) from the file's [Interface].
/// Errors: "config.invalid" when the file has no PrivateKey (a tunnel cannot run without one).
Result<wg::DeviceConfig> device_config_from(const TunnelConfig& config, std::size_t mtu);

/// Adds the file's peers to a fresh device and records their preshared keys in `settings`.
/// Errors: "config.invalid" when a peer uses the interface's own public key.
Status add_configured_peers(wg::Device& device, wg::Now now, const TunnelConfig& config,
                            InterfaceSettings& settings);

/// Applies a parsed UAPI set request to the core, with wireguard-go's semantics (replace_peers,
/// remove, update_only, replace_allowed_ips; a peer with our own public key is ignored).
/// Socket-level changes are returned for the driver to carry out. Equivalent to
/// apply_set_interface followed by apply_set_peers over all of request.peers. Never fails.
DriverChanges apply_set(wg::Device& device, wg::Now now, const UapiSetRequest& request,
                        InterfaceSettings& settings);

/// The part of a set request that comes before its peers: private key, listen port, fwmark and
/// replace_peers. Never fails.
DriverChanges apply_set_interface(wg::Device& device, wg::Now now, const UapiSetRequest& request,
                                  InterfaceSettings& settings);

/// Rewrites replace_peers as one removal per peer the device has now (a peer the request names
/// is removed just before its first update), so that a driver slicing the peer updates slices
/// the removals too. apply_set ends in the same state with the rewritten request as with the
/// original one. Never fails.
void spell_out_replace_peers(const wg::Device& device, UapiSetRequest& request);

/// Applies request.peers[first, last) in order (last is clamped to the number of peers), so a
/// driver can spread a large request over several turns of its loop. Never fails.
void apply_set_peers(wg::Device& device, wg::Now now, const UapiSetRequest& request,
                     std::size_t first, std::size_t last, InterfaceSettings& settings);

/// The UAPI get view of the device.
UapiDeviceState snapshot(const wg::Device& device, const InterfaceSettings& settings);

/// Snake-case name of a drop reason ("bad_mac1", "no_session"), for logs. Never fails.
std::string_view drop_reason_name(wg::DropReason reason);

/// Sum of the core's drop counters over all reasons.
uint64_t total_drops(const wg::DeviceStats& stats);

/// One log line of the core's drop counters: "drops total=N reason=N ..." listing only the
/// non-zero reasons in enum order (docs/dataplane.md, "Drop counters"). Never fails.
std::string format_drops(const wg::DeviceStats& stats);
/// The same line with the driver's own drops appended (counted in the total):
/// "handshake_queue_full=N" when handshake messages were dropped because the data path's
/// handshake queue was full (a flood). Never fails.
std::string format_drops(const wg::DeviceStats& stats, uint64_t handshake_queue_full);

}  // namespace weft::tunnel
