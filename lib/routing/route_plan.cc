// wg-quick(8)'s routing, as data: add_route and add_default of wg-quick's cmd_up, decided
// without touching the system (route_plan.h).
#include "routing/route_plan.h"

#include <algorithm>
#include <cctype>

#include "util/decimal.h"

namespace weft::routing {

std::optional<TableSetting> TableSetting::parse(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  TableSetting t;
  if (lower == "auto") return t;
  if (lower == "off") {
    t.mode = Mode::kOff;
    return t;
  }
  if (lower == "main") {
    t.mode = Mode::kNumber;
    t.number = kMainTable;
    return t;
  }
  auto n = util::parse_decimal(text, 0xffffffffu);
  if (!n || *n == 0) return std::nullopt;
  t.mode = Mode::kNumber;
  t.number = static_cast<uint32_t>(*n);
  return t;
}

std::string TableSetting::to_string() const {
  switch (mode) {
    case Mode::kAuto:
      return "auto";
    case Mode::kOff:
      return "off";
    case Mode::kNumber:
      break;
  }
  return std::to_string(number);
}

RoutePlan plan_routes(const PlanInput& input) {
  RoutePlan plan;
  if (input.table.mode == TableSetting::Mode::kOff) return plan;

  // wg-quick sorts `wg show allowed-ips` with `sort -nr -k 2 -t /`: prefix length descending,
  // ties by the whole text, also descending.
  std::vector<util::IpPrefix> prefixes = input.allowed_ips;
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  std::stable_sort(prefixes.begin(), prefixes.end(),
                   [](const util::IpPrefix& a, const util::IpPrefix& b) {
                     if (a.bits() != b.bits()) return a.bits() > b.bits();
                     return a.to_string() > b.to_string();
                   });

  if (input.table.mode == TableSetting::Mode::kNumber) {
    for (const auto& p : prefixes) plan.routes.push_back({p, input.table.number});
    return plan;
  }

  std::vector<util::IpPrefix> main_routes = input.interface_prefixes;
  bool need_table = true;
  for (const auto& p : prefixes) {
    if (p.bits() != 0) {
      bool covered = std::any_of(main_routes.begin(), main_routes.end(),
                                 [&](const util::IpPrefix& r) { return r.contains(p); });
      if (!covered) {
        plan.routes.push_back({p, kMainTable});
        main_routes.push_back(p);
      }
      continue;
    }
    if (need_table) {
      // add_default: the table is the FwMark when one is set, else the first empty one from
      // 51820 on, which then also becomes the mark.
      need_table = false;
      if (input.fwmark != 0) {
        plan.policy_table = input.fwmark;
      } else {
        uint32_t table = kFirstPolicyTable;
        while (input.table_in_use && input.table_in_use(table) && table != 0xffffffffu) ++table;
        plan.policy_table = table;
        plan.set_fwmark = table;
      }
    }
    bool v6 = !p.address().is_v4();
    plan.routes.push_back({p, plan.policy_table});
    PlannedRule to_table;
    to_table.kind = PlannedRule::Kind::kNotMarkedToTable;
    to_table.ipv6 = v6;
    to_table.fwmark = plan.policy_table;
    to_table.table = plan.policy_table;
    plan.rules.push_back(to_table);
    PlannedRule suppress;
    suppress.kind = PlannedRule::Kind::kMainSuppressDefault;
    suppress.ipv6 = v6;
    suppress.table = kMainTable;
    plan.rules.push_back(suppress);
    if (!v6) plan.src_valid_mark = true;
  }
  return plan;
}

}  // namespace weft::routing
