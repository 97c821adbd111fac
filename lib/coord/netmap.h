// How a registry device appears in netmaps (docs/control-plane.md, "Netmaps"): the Peer record
// its peers receive, and its DNS name. Pure functions; C++17-clean.
#pragma once

#include <string>
#include <string_view>

#include "control/messages.h"
#include "coord/device.h"

namespace weft::coord {

/// "host.domain" for a device's unique hostname.
std::string dns_name_of(std::string_view hostname, std::string_view dns_domain);

/// The device as its peers (and, for `self`, the device itself) see it: name, DNS name, owner
/// (empty for tagged devices: a tagged device belongs to no user in policy terms), tags, keys,
/// addresses (IPv4 first), allowed IPs (the addresses as /32 and /128), endpoints, home region,
/// online, key expiry. Nothing else of the registry leaves the server in a Peer.
control::Peer peer_of(const Device& device, std::string_view owner_email,
                      std::string_view dns_domain);

}  // namespace weft::coord
