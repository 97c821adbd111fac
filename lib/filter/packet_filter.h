// The node's inbound packet filter (docs/control-plane.md, "Packet filter"): packets decrypted from
// the tunnel pass when a rule of the netmap's filter admits them or when they answer a flow this
// node opened (a bounded connection table with idle timeouts). Sans-IO; C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "control/messages.h"
#include "core/bytes.h"
#include "core/time.h"
#include "filter/flow_table.h"
#include "filter/packet.h"
#include "filter/rule_set.h"

namespace weft::filter {

/// Bounds and idle timeouts of the flow table. The defaults follow the NAT behaviour RFCs, which
/// ask the same of a stateful middlebox: a flow must outlive what applications expect to idle.
struct FilterLimits {
  /// Flows held at most; a new flow beyond it evicts the least recently used one (counted).
  /// 16,384 flows cost about 1.2 MiB (64-byte flows + the hash table); the table starts with
  /// room for FlowTable::kInitialFlows and doubles as flows arrive, so a quiet node holds ~20 KiB.
  std::size_t max_flows = 16384;
  /// An established TCP connection: RFC 5382 REQ-5 asks at least 2 h 4 min, so that a quiet
  /// connection kept by TCP keepalives (first probe after 2 h, RFC 1122) survives from either end.
  core::Duration tcp_idle = std::chrono::minutes(124);
  /// A TCP connection not yet answered, or closing (FIN both ways, or RST): RFC 5382 REQ-5's
  /// transitory timeout, 4 min (2 MSL), enough for retransmitted SYNs and the last ACKs.
  core::Duration tcp_transitory_idle = std::chrono::minutes(4);
  /// UDP and SCTP: RFC 4787 REQ-5 asks at least 2 min.
  core::Duration udp_idle = std::chrono::minutes(2);
  /// ICMP echo and other protocols: 30 s, as Linux conntrack's ICMP timeout (a ping is answered
  /// within seconds).
  core::Duration other_idle = std::chrono::seconds(30);
};

/// Why check_inbound() dropped a packet. Every drop is counted in FilterStats::drops[reason].
enum class DropReason : uint8_t {
  kNone = 0,
  kMalformed,        ///< parse_packet() refused it (truncated, bad header, bad extension chain)
  kFragmentOverlap,  ///< a later fragment inside the first 80 bytes, or a first fragment whose
                     ///< ports or flags lie beyond them: could be rewritten (RFC 1858)
  kNotAllowed,       ///< no rule admits it and it answers no flow
  kNoFlow,           ///< shaped as a reply (TCP without SYN, SYN+ACK, echo reply, ICMP error) to no flow
  kCount
};
inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

/// "malformed", "not_allowed", ... Never fails.
const char* to_string(DropReason r);

struct FilterStats {
  uint64_t accepted_by_rule = 0;
  uint64_t accepted_as_reply = 0;  ///< answered a flow (or an ICMP error about one)
  uint64_t accepted_fragments = 0; ///< later fragments, passed as Tailscale does (see the docs)
  uint64_t flows_created = 0;
  uint64_t flows_expired = 0;      ///< reclaimed after their idle timeout
  uint64_t flows_evicted = 0;      ///< pushed out, still live, by a new flow in a full table
  uint64_t outbound_malformed = 0; ///< note_outbound() packets that did not parse (not recorded)
  uint64_t rules_ignored = 0;      ///< set_rules() entries with an invalid protocol or port range
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t drops_of(DropReason r) const { return drops[static_cast<std::size_t>(r)]; }
};

/// The verdict on one inbound packet; when !accept, `drop` says why (already counted).
struct Decision {
  bool accept = false;
  DropReason drop = DropReason::kNone;
};

/// The inbound filter of one node.
///
/// Calling contract (single-threaded; no clock inside, `now` comes in):
///  - each netmap's filter                          -> set_rules()
///  - an IP packet read from the TUN device, before it is encrypted -> note_outbound()
///  - an IP packet decrypted from the tunnel, before it is written to the TUN device ->
///    check_inbound(); write it only when the decision accepts.
/// Flows expire lazily on these calls (no timer is needed); expire() and next_deadline() are for
/// a driver that wants flow_count() exact while idle. check_inbound() and note_outbound() never
/// allocate and never fail: a packet they cannot parse is dropped (inbound) or not recorded
/// (outbound), and counted. Not copyable.
class PacketFilter {
 public:
  explicit PacketFilter(const FilterLimits& limits = {});
  PacketFilter(const PacketFilter&) = delete;
  PacketFilter& operator=(const PacketFilter&) = delete;

  /// Replaces the rules (each new netmap); the flow table is kept. Rules with a protocol above
  /// 256 or port_last < port_first are ignored and counted (FilterStats::rules_ignored).
  void set_rules(const std::vector<control::FilterRule>& rules);

  /// An IP packet decrypted from the tunnel, about to be written to the TUN device.
  Decision check_inbound(core::Now now, core::ByteView ip_packet);

  /// An IP packet read from the TUN device, about to be encrypted: records its flow so replies
  /// pass (TCP from its SYN, UDP and other protocols from any packet the rules would not
  /// already admit back, ICMP from an echo request).
  void note_outbound(core::Now now, core::ByteView ip_packet);

  /// Whether the rules alone admit a packet with these fields (ports ignored where the protocol
  /// has none). Allocation-free; for tests and `weft status`.
  bool allowed_by_rules(const PacketInfo& packet) const;

  /// Reclaims flows idle past their timeout (the calls above do this lazily too).
  void expire(core::Now now);
  /// Forgets every flow this node opened: their replies need a rule again (a node that left the
  /// tailnet, whose earlier connections must not outlive it).
  void clear_flows();
  /// When the next flow would expire; nullopt when the table is empty.
  std::optional<core::Duration> next_deadline() const;

  const FilterStats& stats() const { return stats_; }
  /// Flows held (those already expired but not yet reclaimed included: call expire() first for
  /// an exact count).
  std::size_t flow_count() const { return flows_.size(); }
  const FilterLimits& limits() const { return limits_; }

 private:
  Decision accept_by_rule();
  Decision accept_as_reply();
  Decision drop(DropReason reason);
  Decision check_icmp_error(core::Now now, const PacketInfo& p, core::ByteView bytes);
  void sync_flow_stats();

  FilterLimits limits_;
  RuleSet rules_;
  FlowTable flows_;
  FilterStats stats_;
};

}  // namespace weft::filter
