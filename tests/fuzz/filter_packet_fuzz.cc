// Fuzz target: the packet filter (lib/filter) on arbitrary bytes. The input is a script of
// records [control byte][length, 2 bytes big-endian][packet]: bit 0 of the control byte picks
// note_outbound() or check_inbound(), the other bits advance the clock. Every packet also goes
// through parse_packet() and parse_quoted_packet(). Checks: nothing reads out of bounds, parsed
// offsets lie inside the packet, both parse forms agree, the table keeps its bound, every
// inbound packet is accepted or dropped with a reason and counted once.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "filter/packet.h"
#include "filter/packet_filter.h"

using namespace weft;
using namespace weft::filter;

namespace {

constexpr std::size_t kMaxFlows = 64;  // small, so the fuzzer reaches eviction

control::FilterRule rule(std::vector<const char*> sources, uint16_t proto, uint16_t first, uint16_t last) {
  control::FilterRule r;
  for (const char* s : sources) r.sources.push_back(*util::IpPrefix::parse(s));
  r.destinations = {*util::IpPrefix::parse("100.64.0.1"), *util::IpPrefix::parse("fd7a:115c:a1e0::1")};
  r.protocol = proto;
  r.port_first = first;
  r.port_last = last;
  return r;
}

const std::vector<control::FilterRule>& rules() {
  static const std::vector<control::FilterRule> r = {
      rule({"100.64.0.0/10", "fd7a:115c:a1e0::/48"}, kProtoTcp, 22, 22),
      rule({"100.64.0.0/24", "fd7a:115c:a1e0::/64"}, kProtoUdp, 53, 60),
      rule({"100.64.0.2", "fd7a:115c:a1e0::2"}, kAnyProtocol, 0, 65535),
      rule({"0.0.0.0/0", "::/0"}, kProtoIcmp, 0, 65535),
  };
  return r;
}

void check(bool ok) {
  if (!ok) std::abort();
}

void check_parse(const uint8_t* data, std::size_t size) {
  const core::ByteView bytes{data, size};
  PacketInfo info;
  const ParseError e = parse_packet(bytes, info);
  const auto result = parse_packet(bytes);
  check((e == ParseError::kNone) == result.ok());
  if (e == ParseError::kNone) {
    check(info.length <= size && info.transport_offset <= info.length);
    check(result->src == info.src && result->dst == info.dst && result->protocol == info.protocol &&
          result->src_port == info.src_port && result->dst_port == info.dst_port);
  } else {
    check(result.error().code.rfind("filter.", 0) == 0);
  }
  PacketInfo quoted;
  if (parse_quoted_packet(bytes, quoted) == ParseError::kNone) check(quoted.transport_offset <= size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  FilterLimits limits;
  limits.max_flows = kMaxFlows;
  PacketFilter f(limits);
  f.set_rules(rules());
  core::Duration now{};
  uint64_t inbound = 0;
  std::size_t at = 0;
  while (at + 3 <= size) {
    const uint8_t control = data[at];
    std::size_t len = static_cast<std::size_t>(data[at + 1]) << 8 | data[at + 2];
    at += 3;
    if (len > size - at) len = size - at;
    // Copied, so that a read past the packet is a read past an allocation.
    const std::vector<uint8_t> packet(data + at, data + at + len);
    at += len;
    const long step = control >> 1;
    now += std::chrono::seconds(step * step);  // up to 4.5 h: every idle timeout is reachable
    check_parse(packet.data(), packet.size());
    const core::ByteView view{packet.data(), packet.size()};
    if (control & 1) {
      f.note_outbound(core::Now{now, {}}, view);
    } else {
      const Decision d = f.check_inbound(core::Now{now, {}}, view);
      check(d.accept == (d.drop == DropReason::kNone));
      ++inbound;
    }
    check(f.flow_count() <= kMaxFlows);
  }
  const FilterStats& s = f.stats();
  uint64_t counted = s.accepted_by_rule + s.accepted_as_reply + s.accepted_fragments;
  for (std::size_t r = 1; r < kDropReasonCount; ++r) counted += s.drops[r];
  check(counted == inbound && s.drops[0] == 0);
  check(s.flows_created == s.flows_expired + s.flows_evicted + f.flow_count());
  return 0;
}
