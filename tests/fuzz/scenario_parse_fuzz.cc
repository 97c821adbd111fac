// libFuzzer target for scenario files (sim/scenario-parse.h, docs/scenarios.md): arbitrary bytes
// give a ScenarioSpec or positioned errors, never both, never a crash; an accepted spec is
// consistent (its names exist, its timeline is in order, nothing is judged after the end).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenario-parse.h"

using namespace weft::sim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Every policy file a scenario names exists and allows everything, except "missing".
  const FileReader read = [](const std::string& path, std::string& error) -> std::optional<std::string> {
    if (path.find("missing") != std::string::npos) {
      error = "no such file";
      return std::nullopt;
    }
    return std::string(R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]})");
  };
  const ParsedScenario p = parse_scenario(text, "fuzz/s.hujson", read);
  if (p.spec.has_value() == !p.errors.empty()) std::abort();
  for (const SpecError& e : p.errors) {
    if (e.message.empty() || e.pos.line == 0 || e.pos.column == 0) std::abort();
    if (format_error("f", e).empty()) std::abort();
  }
  if (!p.spec) return 0;
  const ScenarioSpec& s = *p.spec;
  auto known = [&](const std::string& n) { return n.empty() || n == "*" || s.FindNode(n) != nullptr; };
  for (std::size_t i = 0; i < s.timeline.size(); ++i) {
    const TimelineEvent& e = s.timeline[i];
    if (e.at > s.duration || (i > 0 && s.timeline[i - 1].at > e.at)) std::abort();
    if (!known(e.node) || !known(e.other)) std::abort();
  }
  for (const ExpectSpec& x : s.expect) {
    if (x.JudgedAt() > s.duration || !known(x.node) || !known(x.other)) std::abort();
    for (const std::string& o : x.others) {
      if (s.FindNode(o) == nullptr) std::abort();
    }
  }
  for (const TrafficSpec& t : s.traffic) {
    if (s.FindNode(t.from) == nullptr || s.FindNode(t.to) == nullptr || t.every.count() <= 0) {
      std::abort();
    }
  }
  return 0;
}
