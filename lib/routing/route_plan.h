// The routing planner: from a tunnel's allowed IPs, its interface prefixes and the `Table`
// setting, the routes and policy rules wg-quick(8) would install, in its order. Pure (no OS
// calls, C++17-clean); lib/dataplane/policy_routing carries a plan out over rtnetlink.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/ip_prefix.h"

namespace weft::routing {

/// The main routing table (RT_TABLE_MAIN).
inline constexpr uint32_t kMainTable = 254;
/// The first table wg-quick tries for default routes, and the fwmark it then uses.
inline constexpr uint32_t kFirstPolicyTable = 51820;

/// wg-quick's `Table =`: `auto` (or absent) routes into the main table, with policy routing for
/// default routes; `off` installs no routes; a number (or a name wg-quick would pass on to
/// `ip`, here only numbers) routes everything into that table and adds no rules.
struct TableSetting {
  enum class Mode { kAuto, kOff, kNumber };
  Mode mode = Mode::kAuto;
  uint32_t number = 0;  // kNumber only

  /// "auto", "off" (any case), or a decimal table number 1..2^32-1 ("main" is 254). nullopt
  /// for anything else.
  static std::optional<TableSetting> parse(std::string_view text);
  /// The config-file spelling: "auto", "off" or the number.
  std::string to_string() const;
  bool operator==(const TableSetting& o) const { return mode == o.mode && number == o.number; }
};

struct PlannedRoute {
  util::IpPrefix destination;
  uint32_t table = kMainTable;
  bool operator==(const PlannedRoute& o) const {
    return destination == o.destination && table == o.table;
  }
};

/// A rule of wg-quick's full-tunnel policy routing, per address family:
///  - kNotMarkedToTable: "not fwmark M lookup T" — everything but the tunnel's own (marked) UDP
///    looks up table T, which holds the default route into the tunnel;
///  - kMainSuppressDefault: "lookup main suppress_prefixlength 0" — the main table still wins
///    for everything more specific than a default route (the LAN, the peers' own routes).
struct PlannedRule {
  enum class Kind { kNotMarkedToTable, kMainSuppressDefault };
  Kind kind = Kind::kNotMarkedToTable;
  bool ipv6 = false;
  uint32_t fwmark = 0;  // kNotMarkedToTable only
  uint32_t table = kMainTable;
  bool operator==(const PlannedRule& o) const {
    return kind == o.kind && ipv6 == o.ipv6 && fwmark == o.fwmark && table == o.table;
  }
};

struct PlanInput {
  TableSetting table;
  /// Every peer's allowed IPs (masked prefixes; duplicates are fine).
  std::vector<util::IpPrefix> allowed_ips;
  /// Prefixes the interface's own addresses already route (Address = 10.0.0.2/24 makes the
  /// kernel route 10.0.0.0/24): wg-quick adds no route that one of these already covers.
  std::vector<util::IpPrefix> interface_prefixes;
  /// The configured FwMark (0: none). With one, default routes use table = fwmark.
  uint32_t fwmark = 0;
  /// Whether a routing table already holds routes (wg-quick then tries the next number).
  /// Asked only for full-tunnel plans without a FwMark; null means "all tables are empty".
  std::function<bool(uint32_t table)> table_in_use;
};

struct RoutePlan {
  /// The mark the tunnel's own UDP socket must carry so its datagrams skip the tunnel's table
  /// (set only when the plan chose it; 0: leave the socket's mark as configured).
  uint32_t set_fwmark = 0;
  /// The table of the default routes (0 when the plan has none).
  uint32_t policy_table = 0;
  std::vector<PlannedRoute> routes;  // in wg-quick's order: longest prefix first
  std::vector<PlannedRule> rules;    // in install order
  /// net.ipv4.conf.all.src_valid_mark=1, which wg-quick sets for an IPv4 default route (so
  /// reverse-path checks see the mark of replies restored from conntrack).
  bool src_valid_mark = false;
};

/// wg-quick(8)'s add_route for every allowed IP, longest prefix first:
///  - Table = off: nothing;
///  - Table = N: every prefix, default routes included, into table N, no rules;
///  - auto: default routes (/0) go into the policy table (FwMark if configured, else the first
///    of 51820, 51821, ... that `table_in_use` says is empty; the plan then sets that mark) with
///    the rules "not fwmark T lookup T" and "lookup main suppress_prefixlength 0" for their
///    family; other prefixes go into the main table unless an interface prefix or an
///    earlier-planned route of the main table covers them.
/// Never fails.
RoutePlan plan_routes(const PlanInput& input);

}  // namespace weft::routing
