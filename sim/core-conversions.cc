// Conversions between ns-3's simulated world and the core-neutral value types (see
// core-conversions.h).
#include "core-conversions.h"

#include <chrono>

namespace weft::sim {

core::WallTime default_wall_epoch() { return core::WallTime(std::chrono::seconds(1767225600)); }

core::Now to_core_now(ns3::Time t, core::WallTime wall_epoch) {
  core::Now now;
  now.mono = core::Duration(t.GetNanoSeconds());
  now.wall = wall_epoch + std::chrono::duration_cast<core::WallTime::duration>(now.mono);
  return now;
}

ns3::Time to_ns3_time(core::Duration mono) {
  return ns3::NanoSeconds(static_cast<int64_t>(mono.count()));
}

core::Path to_path(const ns3::InetSocketAddress& address) {
  uint8_t bytes[4];
  address.GetIpv4().Serialize(bytes);
  return core::Path::v4(bytes[0], bytes[1], bytes[2], bytes[3], address.GetPort());
}

bool to_inet_address(const core::Path& path, ns3::InetSocketAddress* out) {
  if (!path.is_udp() || !path.udp.address.is_v4()) {
    return false;
  }
  *out = ns3::InetSocketAddress(ns3::Ipv4Address::Deserialize(path.udp.address.bytes().data()),
                                path.udp.port);
  return true;
}

}  // namespace weft::sim
