// Peer visibility: which devices each device may know about under the policy in force (exactly
// those it may reach or that may reach it), and its inbound packet filter; edge-indexed so that a
// change costs what it touches. Sans-IO, C++17-clean; docs/control-plane.md, "Peer visibility".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/messages.h"
#include "coord/ids.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::coord {

/// What the policy sees of a device: the registry's Device and its owner's User in policy terms.
/// A device with tags is tagged and has no owner for access control, even though `user` is set.
struct NodeIdentity {
  std::optional<std::string> user;   // the owner's e-mail ("alice@example.com")
  std::vector<std::string> tags;     // "tag:prod"
  std::vector<std::string> roles;    // the owner's role names ("admin"): autogroup:<role>
  std::vector<util::IpAddress> addresses;
  std::map<std::string, std::string> posture_attrs;  // "node:os" -> "linux"
  std::vector<std::string> groups;   // the owner's synced groups ("group:eng@example.com")

  friend bool operator==(const NodeIdentity& a, const NodeIdentity& b) {
    return a.user == b.user && a.tags == b.tags && a.roles == b.roles &&
           a.addresses == b.addresses && a.posture_attrs == b.posture_attrs &&
           a.groups == b.groups;
  }
  friend bool operator!=(const NodeIdentity& a, const NodeIdentity& b) { return !(a == b); }
};

/// What one call changed for one device that stays in the view.
struct NodeVisibilityDelta {
  DeviceId node;
  std::vector<DeviceId> peers_added;    // sorted
  std::vector<DeviceId> peers_removed;  // sorted
  /// The device's inbound_filter() may have changed: never false when it changed, sometimes
  /// true when it did not (see docs/control-plane.md). Always true for a device just added.
  bool filter_changed = false;
};

/// The deltas of one call, sorted by device; devices with nothing changed are absent. A client
/// that applies them in order to the peer sets it holds holds exactly peers_of() afterwards.
struct VisibilityChange {
  std::vector<NodeVisibilityDelta> nodes;
  /// Devices whose peer set was recomputed from the index: what the call cost (for tests and
  /// benchmarks). The other affected devices were updated from those recomputations.
  uint64_t recomputed = 0;

  bool empty() const { return nodes.empty(); }
};

/// Whether two filters hold the same rules in the same order.
bool same_filter(const std::vector<control::FilterRule>& a, const std::vector<control::FilterRule>& b);

/// The policy weft enforces when the operator gives none: everyone may reach everything, as
/// Tailscale's default policy file does.
inline constexpr std::string_view kDefaultPolicyText =
    R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]})";

/// The peer graph of the tailnet under one policy.
///
/// Calling contract: the caller adds only devices that take part in the tailnet (authorized);
/// a device that becomes pending, expired or removed is remove()d. Every mutating call returns
/// the VisibilityChange the caller turns into netmap deltas; peers_of() and inbound_filter() read
/// the state after the last call. Whether a peer's own entry changed content (name, keys,
/// endpoints) is the caller's business: it tells that device's peers_of(). Never throws.
///
/// Peers are symmetric: b is a peer of a iff a may send b some packet (any protocol, any port)
/// or b may send a some packet, as policy::Evaluator::decide answers it.
class Visibility {
 public:
  /// Checks and compiles `policy_text` (HuJSON, the Tailscale policy language; see
  /// docs/policy.md). Text that is empty or only whitespace means kDefaultPolicyText.
  /// The policy's own `tests` are not run here: the caller decides them against its registry.
  /// Errors: "coord.policy_invalid" (detail: every error as "LINE:COL: error: MESSAGE", one per
  /// line, as `weft acl check` prints them).
  static Result<std::unique_ptr<Visibility>> create(std::string_view policy_text);

  Visibility(const Visibility&) = delete;
  Visibility& operator=(const Visibility&) = delete;
  ~Visibility();

  /// Adds a device, or updates one already present (tags, owner, roles, addresses, posture).
  /// The device gets a delta with all its peers added and filter_changed when it is new; each of
  /// its peers gets the device in peers_added/peers_removed as their relation changed. Unchanged
  /// identity: an empty change. Cost: proportional to the device's candidate peers (the members
  /// of the policy keys its keys pair with), not to the tailnet. Never fails.
  VisibilityChange upsert(DeviceId id, const NodeIdentity& identity);

  /// Takes a device out of the view: each former peer gets it in peers_removed; the device
  /// itself gets no delta. Unknown device: an empty change. Cost: proportional to its peers.
  VisibilityChange remove(DeviceId id);

  /// Replaces the policy in force. Only devices whose policy keys changed, or that carry a key
  /// whose rules changed, are recomputed; the others get deltas from those recomputations.
  /// Errors: "coord.policy_invalid" as for create(); the old policy then stays in force.
  Result<VisibilityChange> set_policy(std::string_view policy_text);

  /// The device's peers, sorted; empty for a device not in the view. The reference is valid
  /// until the next upsert, remove or set_policy.
  const std::vector<DeviceId>& peers_of(DeviceId id) const;

  /// The device's inbound packet filter: one rule per (protocol, port range), sources sorted,
  /// destinations the device's own addresses (/32, /128). Protocol 256 is any protocol; a port
  /// range applies only to protocols with ports (TCP, UDP, SCTP). A source 0.0.0.0/0 with ::/0
  /// stands alone. Empty for a device not in the view, or that nothing may reach. Cost:
  /// proportional to the devices that may reach it.
  std::vector<control::FilterRule> inbound_filter(DeviceId id) const;

  /// The rules of `dst`'s inbound_filter() that list `src` as a source: `src`'s addresses per
  /// (protocol, port range), under the rules its keys, owner (autogroup:self) and posture satisfy
  /// towards `dst`. A rule the policy opens to 0.0.0.0/0 and ::/0, and an address the policy
  /// names by prefix, are left out (the filter lists no device there). The filter is the union of
  /// prefix_rules(dst) and contribution(s, dst) over every other device s. Empty when either is
  /// not in the view or src == dst. Cost: the pairs between their keys, not the tailnet.
  std::vector<control::FilterRule> contribution(DeviceId src, DeviceId dst) const;
  /// The rules of `dst`'s inbound_filter() whose sources the policy names by prefix ("*",
  /// autogroup:internet, IP sets and literals) rather than by device. Cost: the policy pairs
  /// into `dst`.
  std::vector<control::FilterRule> prefix_rules(DeviceId dst) const;
  /// The prefixes other filters list the device by (its addresses as /32 and /128); empty when
  /// it is not in the view.
  std::vector<util::IpPrefix> source_prefixes(DeviceId id) const;

  /// Who may reach a routed prefix (a subnet route, or an exit node's 0.0.0.0/0 or ::/0) and
  /// the rules a router's filter needs for it: docs/network-config.md, "Subnet routers".
  struct RoutedAccess {
    std::vector<DeviceId> sources;  // devices that may send some packet into `route`, sorted
    /// Filter rules whose destinations lie in `route`: the route itself under rules whose
    /// destination covers it, the narrower prefix under rules that name part of it.
    std::vector<control::FilterRule> rules;
  };
  /// An exit route (a /0) is reached by the rules whose destination is "*" or
  /// autogroup:internet; any other prefix by the rules whose destination covers part of it.
  /// Cost: the policy pairs into those destinations and their members, not the tailnet.
  RoutedAccess routed_access(const util::IpPrefix& route) const;

  bool contains(DeviceId id) const;
  /// Devices in the view.
  std::size_t size() const;

 private:
  struct State;
  explicit Visibility(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace weft::coord
