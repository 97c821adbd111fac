// The node's inbound packet filter: rules first for new traffic, the flow table for replies
// (docs/control-plane.md, "Packet filter").
#include "filter/packet_filter.h"

namespace weft::filter {

const char* to_string(DropReason) { return "stub"; }

PacketFilter::PacketFilter(const FilterLimits& limits)
    : limits_(limits),
      flows_(limits.max_flows, {limits.tcp_idle, limits.tcp_transitory_idle, limits.udp_idle, limits.other_idle}) {}

void PacketFilter::set_rules(const std::vector<control::FilterRule>& rules) {
  stats_.rules_ignored += rules_.assign(rules);
}
Decision PacketFilter::check_inbound(core::Now, core::ByteView) { return drop(DropReason::kNotAllowed); }
void PacketFilter::note_outbound(core::Now, core::ByteView) {}
bool PacketFilter::allowed_by_rules(const PacketInfo&) const { return false; }
void PacketFilter::expire(core::Now) {}
std::optional<core::Duration> PacketFilter::next_deadline() const { return std::nullopt; }
Decision PacketFilter::drop(DropReason reason) {
  ++stats_.drops[static_cast<std::size_t>(reason)];
  return Decision{false, reason};
}

}  // namespace weft::filter
