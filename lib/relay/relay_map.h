// The relay map file (docs/connectivity.md, "Relay map"): HuJSON with the relay regions that
// `weft serve --relay-map` hands to every node and `weft netcheck --relay-map` probes, read into
// control::RelayRegion values, and written back as JSON (`GET /weft/relay-map`). C++17-clean.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/messages.h"
#include "util/result.h"

namespace weft::relay {

/// The STUN port a relay node gets when its entry does not say.
inline constexpr uint16_t kDefaultStunPort = 3478;

/// Reads a relay map:
///   { "regions": [ { "id": 1, "code": "fra", "name": "Frankfurt",
///                    "nodes": [ { "name": "fra1", "host": "relay1.example.com",
///                                 "ipv4": "192.0.2.7", "ipv6": "2001:db8::7",
///                                 "relayPort": 443, "stunPort": 3478, "tls": true } ] } ] }
/// `name` of a region defaults to its code; `host` defaults to the node's literal ipv4 (else
/// ipv6); `stunPort` to 3478 (0: no STUN); `tls` to false. Region ids (1..65535) and codes, and
/// node names, are unique in the map; every region has 1..16 nodes; unknown keys are mistakes.
/// Errors: "relay.map" with every finding as "FILE:LINE:COL: message", one per line.
Result<std::vector<control::RelayRegion>> parse_relay_map(std::string_view text,
                                                          std::string_view file_name);

/// The map in the same format, as compact JSON (what `parse_relay_map` reads back unchanged).
std::string relay_map_json(const std::vector<control::RelayRegion>& regions);

}  // namespace weft::relay
