// Build-time guard: the packet filter headers must compile as C++17, because the node engine's
// ns-3 driver includes them. Compiled with CXX_STANDARD 17.
#include "filter/flow_table.h"
#include "filter/packet.h"
#include "filter/packet_filter.h"
#include "filter/rule_set.h"

namespace weft::filter {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(PacketFilter& f, core::ByteView bytes) {
  const core::Now now{};
  f.set_rules({control::FilterRule{}});
  f.note_outbound(now, bytes);
  const Decision d = f.check_inbound(now, bytes);
  PacketInfo info;
  const ParseError e = parse_packet(bytes, info);
  const auto quoted = parse_quoted_packet(bytes, info);
  const auto result = parse_packet(bytes);
  f.expire(now);
  return d.accept && e == ParseError::kNone && quoted == e && result.ok() && info.has_ports() &&
         f.allowed_by_rules(info) && f.next_deadline().has_value() && f.flow_count() == 0 &&
         f.stats().drops_of(DropReason::kNoFlow) == 0 && to_string(d.drop) != nullptr &&
         to_string(e) != nullptr && f.limits().max_flows > 0;
}

}  // namespace weft::filter
