// Conversions between ns-3's simulated world and a core's value types (see core-conversions.h).
#include "core-conversions.h"

#include <chrono>

namespace weft::sim {

wg::WallTime default_wall_epoch() { return wg::WallTime(std::chrono::seconds(1767225600)); }

wg::Now to_core_now(ns3::Time t, wg::WallTime wall_epoch) {
  wg::Now now;
  now.mono = wg::Duration(t.GetNanoSeconds());
  now.wall = wall_epoch + std::chrono::duration_cast<wg::WallTime::duration>(now.mono);
  return now;
}

ns3::Time to_ns3_time(wg::Duration mono) {
  return ns3::NanoSeconds(static_cast<int64_t>(mono.count()));
}

wg::Path to_endpoint(const ns3::InetSocketAddress& address) {
  uint8_t bytes[4];
  address.GetIpv4().Serialize(bytes);
  return wg::Path::v4(bytes[0], bytes[1], bytes[2], bytes[3], address.GetPort());
}

bool to_inet_address(const wg::Path& endpoint, ns3::InetSocketAddress* out) {
  if (!endpoint.is_udp() || !endpoint.udp.address.is_v4()) {
    return false;
  }
  *out = ns3::InetSocketAddress(ns3::Ipv4Address::Deserialize(endpoint.udp.address.bytes().data()),
                                endpoint.udp.port);
  return true;
}

}  // namespace weft::sim
