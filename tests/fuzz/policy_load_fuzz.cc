// libFuzzer target for the policy front end (weft::policy::load_policy and the text parsers of
// selectors, destinations, grant ip entries and posture conditions): any input must give a
// Policy or positioned findings, never a crash, and the result must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/load.h"
#include "policy/posture_expr.h"
#include "policy/selector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace weft::policy;

  // Short inputs also exercise the one-string parsers directly.
  if (size < 256) {
    auto s = parse_selector(text);
    if (!s && s.error().message.empty()) std::abort();
    auto d = parse_destination(text);
    if (!d && d.error().offset > size) std::abort();
    auto g = parse_grant_ip(text);
    if (g && g.value().ports.empty()) std::abort();
    auto p = parse_ports(text);
    if (p) {
      for (const auto& r : p.value())
        if (r.first > r.last) std::abort();
    }
    auto c = parse_posture_condition(text);
    if (c && c.value().attribute.find(':') == std::string_view::npos) std::abort();
  }

  const LoadResult r = load_policy(text);
  if (r.policy.has_value() == has_errors(r.diagnostics)) std::abort();
  for (std::size_t i = 0; i < r.diagnostics.size(); ++i) {
    const auto& d = r.diagnostics[i];
    if (d.message.empty()) std::abort();
    if (i > 0) {
      const auto& prev = r.diagnostics[i - 1].at;
      if (prev.line > d.at.line || (prev.line == d.at.line && prev.column > d.at.column)) std::abort();
    }
  }
  return 0;
}
