// The DNS sections of a scenario file (docs/scenarios.md, "DNS"): "resolvers" (test resolver
// hosts with fixed records) and DNS settings (the file's "dns" and the "dns" event's), read
// with positioned errors as the rest of the file. Internal to scenario-parse.cc; no ns-3.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hujson/value.h"
#include "scenario-parse.h"
#include "scenario-spec.h"

namespace weft::sim {

/// "resolvers": name -> {"records": {"NAME": "IPv4", ...}}; appended to spec.resolvers. Names
/// are host names that no node, the server or a relay has.
void parse_resolvers(const hujson::Value& v, ScenarioSpec& spec, std::vector<SpecError>& errors);

/// DNS settings as `weft admin dns set` takes them: {"nameservers": [RESOLVER...],
/// "search_domains": [DOMAIN...], "split": {DOMAIN: [RESOLVER...]}}, resolvers named by their
/// names in spec.resolvers. nullopt after an error (reported).
std::optional<DnsSettingsSpec> parse_dns_settings(const hujson::Value& v, const std::string& what,
                                                  const ScenarioSpec& spec,
                                                  std::vector<SpecError>& errors);

/// A DNS name as MagicDNS and the coordinator take it: labels of letters, digits, '-' and '_',
/// 1-63 bytes each, 253 in all; a final dot allowed. Lowercase without the final dot, or nullopt.
std::optional<std::string> normalized_dns_name(const std::string& text);

}  // namespace weft::sim
