// Text and JSON reports of a scenario run (see scenario-report.h).
#include "scenario-report.h"

#include <cstdio>

#include "hujson/value.h"

namespace weft::sim {
namespace {

std::string seconds(SimTime t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(t.count()) / 1e9);
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out;
  hujson::append_json_string(out, s);
  return out;
}

}  // namespace

std::string report_text(const ScenarioResult& r) {
  std::string out = "scenario " + r.name + " (" + r.path + "), seed " + std::to_string(r.seed) +
                    "\n";
  if (!r.setup_error.empty()) {
    return out + "ERROR " + r.path + ":" + r.setup_error + "\n";
  }
  int passed = 0, failed = 0;
  for (const JudgedExpectation& e : r.expectations) {
    ++(e.ok ? passed : failed);
    out += std::string(e.ok ? "PASS " : "FAIL ") + e.spec->text + " [" + seconds(e.judged_at) +
           " s: " + e.observed + "]\n";
    if (!e.ok) {
      out += "  at " + r.path + ":" + std::to_string(e.spec->pos.line) + ":" +
             std::to_string(e.spec->pos.column) + "; what happened before:\n";
      for (const std::string& line : e.excerpt) out += "    " + line + "\n";
      if (e.excerpt.empty()) out += "    (nothing recorded for its nodes)\n";
    }
  }
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "%d passed, %d failed; %s s simulated in %.2f s (%llu events, %.0f events/s)\n",
                passed, failed, seconds(r.simulated).c_str(), r.wall_seconds,
                static_cast<unsigned long long>(r.events),
                r.wall_seconds > 0 ? static_cast<double>(r.events) / r.wall_seconds : 0.0);
  return out + buf;
}

std::string report_json(const ScenarioResult& r) {
  std::string out = "{\"name\":" + json_string(r.name) + ",\"path\":" + json_string(r.path) +
                    ",\"seed\":" + std::to_string(r.seed) +
                    ",\"passed\":" + (r.Passed() ? "true" : "false");
  if (!r.setup_error.empty()) out += ",\"error\":" + json_string(r.setup_error);
  char buf[160];
  std::snprintf(buf, sizeof buf, ",\"simulated_seconds\":%s,\"wall_seconds\":%.3f,\"events\":%llu",
                seconds(r.simulated).c_str(), r.wall_seconds,
                static_cast<unsigned long long>(r.events));
  out += buf;
  out += ",\"expectations\":[";
  for (std::size_t i = 0; i < r.expectations.size(); ++i) {
    const JudgedExpectation& e = r.expectations[i];
    out += std::string(i ? "," : "") + "{\"text\":" + json_string(e.spec->text) +
           ",\"line\":" + std::to_string(e.spec->pos.line) +
           ",\"column\":" + std::to_string(e.spec->pos.column) +
           ",\"ok\":" + (e.ok ? "true" : "false") + ",\"judged_at\":" + seconds(e.judged_at) +
           ",\"observed\":" + json_string(e.observed);
    if (!e.ok) {
      out += ",\"excerpt\":[";
      for (std::size_t k = 0; k < e.excerpt.size(); ++k) {
        out += (k ? "," : "") + json_string(e.excerpt[k]);
      }
      out += "]";
    }
    out += "}";
  }
  return out + "]}";
}

}  // namespace weft::sim
