// The node's inbound packet filter (docs/control-plane.md, "Packet filter"): a straight ladder of
// check -> drop(reason) per inbound packet; rules for new traffic, the flow table for replies.
#include "filter/packet_filter.h"

namespace weft::filter {
namespace {

/// A later fragment starting inside the first 80 bytes of its datagram could overwrite the ports
/// or TCP flags the first fragment was judged by (RFC 1858, section 3: overlapping fragments).
/// 80 = the largest IPv4 header (60) + a TCP header (20), as Tailscale's net/packet does.
constexpr uint32_t kMinLaterFragmentOffset = 80;
/// The transport bytes a decision reads: TCP's ports through its flags (byte 13); UDP, SCTP and
/// ICMP read fewer.
constexpr std::size_t kJudgedTransportBytes = 14;

/// A first fragment whose judged bytes reach past kMinLaterFragmentOffset of the fragmentable
/// part: a later fragment at or beyond that offset, which passes, could overlap and rewrite
/// them. IPv4 places the transport header at offset 0; IPv6 can put extension headers (a long
/// destination options header) before it, after the fragment header.
bool judged_bytes_reach_later_fragments(const PacketInfo& p) {
  return p.fragment == Fragment::kFirst &&
         p.transport_offset - p.fragmentable_offset + kJudgedTransportBytes > kMinLaterFragmentOffset;
}

FlowKey key_of(const util::IpAddress& local, const util::IpAddress& remote, uint16_t local_port,
               uint16_t remote_port, uint8_t protocol) {
  FlowKey k;
  k.local = local.bytes();
  k.remote = remote.bytes();
  k.local_port = local_port;
  k.remote_port = remote_port;
  k.protocol = protocol;
  k.v6 = local.is_v4() ? 0 : 1;
  return k;
}

/// The flow an outbound packet belongs to: ICMP echo by its id, port-less protocols by addresses.
FlowKey outbound_key(const PacketInfo& p) {
  if (p.is_icmp()) return key_of(p.src, p.dst, p.icmp_id, 0, p.protocol);
  return key_of(p.src, p.dst, p.src_port, p.dst_port, p.protocol);
}

/// The flow an inbound packet would answer: outbound_key() of the packet it replies to.
FlowKey reply_key(const PacketInfo& p) {
  if (p.is_icmp()) return key_of(p.dst, p.src, p.icmp_id, 0, p.protocol);
  return key_of(p.dst, p.src, p.dst_port, p.src_port, p.protocol);
}

FlowClass class_of(const PacketInfo& p) {
  if (p.protocol == kProtoTcp) return FlowClass::kTcpTransitory;
  if (p.protocol == kProtoUdp || p.protocol == kProtoSctp) return FlowClass::kUdp;
  return FlowClass::kOther;
}

/// TCP flows are transitory until the remote answers, and again once closing (RFC 5382 REQ-5).
FlowClass tcp_class(uint8_t bits) {
  const bool closing = (bits & kFlowReset) || ((bits & kFlowFinIn) && (bits & kFlowFinOut));
  return (bits & kFlowAnswered) && !closing ? FlowClass::kTcp : FlowClass::kTcpTransitory;
}

bool is_pure_syn(const PacketInfo& p) { return (p.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn; }

/// A packet that only makes sense as an answer: dropped as kNoFlow rather than kNotAllowed, so a
/// reply after its flow expired reads differently from a denied connection attempt.
bool is_reply_shaped(const PacketInfo& p) {
  return (p.protocol == kProtoTcp && !is_pure_syn(p)) || p.is_echo_reply();
}

}  // namespace

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::kNone: return "none";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kFragmentOverlap: return "fragment_overlap";
    case DropReason::kNotAllowed: return "not_allowed";
    case DropReason::kNoFlow: return "no_flow";
    case DropReason::kCount: break;
  }
  return "unknown";
}

PacketFilter::PacketFilter(const FilterLimits& limits)
    : limits_(limits),
      flows_(limits.max_flows,
             {limits.tcp_idle, limits.tcp_transitory_idle, limits.udp_idle, limits.other_idle}) {}

void PacketFilter::set_rules(const std::vector<control::FilterRule>& rules) {
  stats_.rules_ignored += rules_.assign(rules);
}

bool PacketFilter::allowed_by_rules(const PacketInfo& p) const {
  return rules_.allows(p.protocol, p.src, p.dst, p.has_ports(), p.dst_port);
}

void PacketFilter::sync_flow_stats() {
  stats_.flows_created = flows_.created();
  stats_.flows_expired = flows_.expired();
  stats_.flows_evicted = flows_.evicted();
}

Decision PacketFilter::accept_by_rule() {
  sync_flow_stats();
  ++stats_.accepted_by_rule;
  return Decision{true, DropReason::kNone};
}

Decision PacketFilter::accept_as_reply() {
  sync_flow_stats();
  ++stats_.accepted_as_reply;
  return Decision{true, DropReason::kNone};
}

Decision PacketFilter::drop(DropReason reason) {
  sync_flow_stats();
  ++stats_.drops[static_cast<std::size_t>(reason)];
  return Decision{false, reason};
}

Decision PacketFilter::check_inbound(core::Now now, core::ByteView ip_packet) {
  flows_.expire(now.mono);
  PacketInfo p;
  if (parse_packet(ip_packet, p) != ParseError::kNone) return drop(DropReason::kMalformed);
  // Later fragments carry no ports to judge. The first fragment was judged; without it the
  // receiver cannot reassemble, so a later one alone delivers nothing (Tailscale passes them too).
  if (p.fragment == Fragment::kLater) {
    if (p.fragment_offset < kMinLaterFragmentOffset) return drop(DropReason::kFragmentOverlap);
    sync_flow_stats();
    ++stats_.accepted_fragments;
    return Decision{true, DropReason::kNone};
  }
  if (judged_bytes_reach_later_fragments(p)) return drop(DropReason::kFragmentOverlap);
  if (p.is_icmp_error()) return check_icmp_error(now, p, ip_packet);
  // A reply to a flow this node opened (ICMP: only echo replies answer a flow).
  if (!p.is_icmp() || p.is_echo_reply()) {
    if (Flow* f = flows_.find(now.mono, reply_key(p))) {
      FlowClass cls = f->cls;
      if (p.protocol == kProtoTcp) {
        if (p.tcp_flags & kTcpAck) f->tcp |= kFlowAnswered;
        if (p.tcp_flags & kTcpFin) f->tcp |= kFlowFinIn;
        if (p.tcp_flags & kTcpRst) f->tcp |= kFlowReset;
        cls = tcp_class(f->tcp);
      }
      flows_.touch(now.mono, *f, cls);
      return accept_as_reply();
    }
  }
  if (allowed_by_rules(p)) return accept_by_rule();
  return drop(is_reply_shaped(p) ? DropReason::kNoFlow : DropReason::kNotAllowed);
}

// An ICMP error passes when the rules admit ICMP from its sender, or when the packet it quotes
// is one this node sent: on a flow it opened, or as a reply to traffic the rules admit (path MTU
// discovery needs "fragmentation needed" for both).
Decision PacketFilter::check_icmp_error(core::Now now, const PacketInfo& p, core::ByteView bytes) {
  if (allowed_by_rules(p)) return accept_by_rule();
  const std::size_t quoted_at = p.transport_offset + 8;  // the ICMP header; parse checked it fits
  const core::ByteView quoted{bytes.data + quoted_at, p.length - quoted_at};
  PacketInfo q;
  if (parse_quoted_packet(quoted, q) != ParseError::kNone) return drop(DropReason::kMalformed);
  if (q.src != p.dst || q.fragment == Fragment::kLater) return drop(DropReason::kNoFlow);
  // Looked up, not touched: an error does not keep a flow alive.
  if (flows_.find(now.mono, outbound_key(q))) return accept_as_reply();
  if (rules_.allows(q.protocol, q.dst, q.src, q.has_ports(), q.src_port)) return accept_as_reply();
  return drop(DropReason::kNoFlow);
}

void PacketFilter::note_outbound(core::Now now, core::ByteView ip_packet) {
  flows_.expire(now.mono);
  PacketInfo p;
  if (parse_packet(ip_packet, p) != ParseError::kNone) {
    ++stats_.outbound_malformed;
    sync_flow_stats();
    return;
  }
  // Later fragments belong to the flow their first fragment recorded; ICMP other than an echo
  // request (replies, errors) opens nothing.
  if (p.fragment == Fragment::kLater || (p.is_icmp() && !p.is_echo_request())) return sync_flow_stats();
  const FlowKey key = outbound_key(p);
  if (Flow* f = flows_.find(now.mono, key)) {
    FlowClass cls = f->cls;
    if (p.protocol == kProtoTcp) {
      if (is_pure_syn(p)) f->tcp = 0;  // the 5-tuple reused by a new connection
      if (p.tcp_flags & kTcpFin) f->tcp |= kFlowFinOut;
      if (p.tcp_flags & kTcpRst) f->tcp |= kFlowReset;
      cls = tcp_class(f->tcp);
    }
    flows_.touch(now.mono, *f, cls);
    return sync_flow_stats();
  }
  if (p.protocol == kProtoTcp) {
    // Only a connection this node opens is a flow: its SYN. A SYN+ACK or data without a flow
    // answers a connection the rules admitted, and must stop when the rules stop admitting it.
    if (is_pure_syn(p)) flows_.insert(now.mono, key, FlowClass::kTcpTransitory);
    return sync_flow_stats();
  }
  // UDP and the rest cannot tell an opening packet from an answer. A packet the rules would
  // admit back needs no flow (and must not outlive the rule); any other opens one.
  const bool answer_admitted =
      !p.is_icmp() && rules_.allows(p.protocol, p.dst, p.src, p.has_ports(), p.src_port);
  if (!answer_admitted) flows_.insert(now.mono, key, class_of(p));
  sync_flow_stats();
}

void PacketFilter::expire(core::Now now) {
  flows_.expire(now.mono);
  sync_flow_stats();
}

void PacketFilter::clear_flows() {
  flows_.clear();
  sync_flow_stats();
}

std::optional<core::Duration> PacketFilter::next_deadline() const { return flows_.next_deadline(); }

}  // namespace weft::filter
