// Registry device -> netmap Peer (docs/control-plane.md, "Netmaps").
#include "coord/netmap.h"

namespace weft::coord {

std::string dns_name_of(std::string_view hostname, std::string_view dns_domain) {
  std::string name(hostname);
  if (!dns_domain.empty()) {
    name += '.';
    name.append(dns_domain);
  }
  return name;
}

control::Peer peer_of(const Device& device, std::string_view owner_email,
                      std::string_view dns_domain) {
  control::Peer p;
  p.id = control::NodeId{device.id.value};
  p.name = device.hostname;
  p.dns_name = dns_name_of(device.hostname, dns_domain);
  if (!device.tagged()) p.user = std::string(owner_email);
  p.tags = device.tags;
  p.node_key = device.node_key;
  p.disco_key = device.disco_key;
  if (device.addresses) {
    p.addresses = {device.addresses->v4, device.addresses->v6};
    p.allowed_ips = {util::IpPrefix(device.addresses->v4, 32),
                     util::IpPrefix(device.addresses->v6, 128)};
  }
  p.endpoints = device.endpoints;
  p.home_region = device.home_region;
  p.online = device.online;
  p.key_expiry = device.key_expiry;
  p.os = device.os;
  return p;
}

}  // namespace weft::coord
