// weft-sim: runs one scenario file in the ns-3 harness and prints its result; `weft sim run`
// runs it once per file (a fresh process each, so ns-3's global state never carries over and
// every file is deterministic for its seed). C++17 like all of sim/ (docs/architecture.md).
//
//   weft-sim FILE [--format text|json] [--pcap DIR] [--seed N] [--progress auto|always|never]
//
// Exit status: 0 every expectation held; 1 one failed, or the file is not a valid scenario;
// 2 a usage or I/O error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "hujson/value.h"
#include "ns3/global-value.h"
#include "ns3/string.h"
#include "presorted-scheduler.h"
#include "scenario-parse.h"
#include "scenario-report.h"
#include "scenario-runner.h"

using namespace weft::sim;

namespace {

constexpr std::size_t kMaxFileBytes = 32u << 20;

std::optional<std::string> read_text(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  std::string text = buffer.str();
  if (text.size() > kMaxFileBytes) {
    error = "larger than 32 MiB";
    return std::nullopt;
  }
  return text;
}

int usage(const char* message) {
  std::fprintf(stderr,
               "weft-sim: %s\nusage: weft-sim FILE [--format text|json] [--pcap DIR] [--seed N] "
               "[--progress auto|always|never]\n",
               message);
  return 2;
}

/// One line on the terminal, rewritten in place at most five times a second.
class Progress {
 public:
  explicit Progress(std::string name) : m_name(std::move(name)) {}
  void Show(SimTime reached, SimTime end, uint64_t events) {
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < std::chrono::milliseconds(200)) return;
    const double wall = std::chrono::duration<double>(now - m_start).count();
    std::fprintf(stderr, "\r%s: %.0f s of %.0f s simulated, %.0f events/s   ", m_name.c_str(),
                 static_cast<double>(reached.count()) / 1e9,
                 static_cast<double>(end.count()) / 1e9, wall > 0 ? events / wall : 0.0);
    std::fflush(stderr);
    m_shown = true;
    m_last = now;
  }
  void Clear() {
    if (m_shown) std::fprintf(stderr, "\r\033[K");
  }

 private:
  std::string m_name;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point m_last{};
  bool m_shown = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::string file, format = "text", pcap, progress = "auto";
  std::optional<uint64_t> seed;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--format") {
      if (!value(format) || (format != "text" && format != "json")) {
        return usage("--format takes text or json");
      }
    } else if (arg == "--pcap") {
      if (!value(pcap) || pcap.empty()) return usage("--pcap takes a directory");
    } else if (arg == "--seed") {
      if (!value(v) || v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
          v.size() > 19) {
        return usage("--seed takes a whole number");
      }
      seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (arg == "--progress") {
      if (!value(progress) || (progress != "auto" && progress != "always" && progress != "never")) {
        return usage("--progress takes auto, always or never");
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return usage(("unknown option " + arg).c_str());
    } else if (file.empty()) {
      file = arg;
    } else {
      return usage("one scenario file at a time (weft sim run takes several)");
    }
  }
  if (file.empty()) return usage("no scenario file");

  std::string error;
  const std::optional<std::string> text = read_text(file, error);
  if (!text) {
    std::fprintf(stderr, "%s: cannot read: %s\n", file.c_str(), error.c_str());
    return 2;
  }
  const ParsedScenario parsed = parse_scenario(*text, file, read_text);
  if (!parsed.spec) {
    for (const SpecError& e : parsed.errors) {
      std::fprintf(stderr, "%s\n", format_error(file, e).c_str());
    }
    if (format == "json") {
      std::string path;
      weft::hujson::append_json_string(path, file);
      std::printf("{\"path\":%s,\"passed\":false,\"error\":\"invalid scenario file\"}\n",
                  path.c_str());
    }
    return 1;
  }

  // Instead of ns-3's default std::map: the same order (time, then the order of scheduling),
  // without a node allocation per event, and the events scheduled up front (a 1,000-node
  // scenario's traffic, about a million) sorted once instead of deepening the heap of the rest
  // (presorted-scheduler.h).
  ns3::GlobalValue::Bind("SchedulerType",
                         ns3::StringValue(PresortedScheduler::GetTypeId().GetName()));
  RunOptions options;
  options.seed = seed ? *seed : parsed.spec->seed.value_or(1);
  options.pcap_dir = pcap;
  Progress bar(parsed.spec->name);
  const bool show = progress == "always" || (progress == "auto" && isatty(STDERR_FILENO));
  if (show) {
    options.progress = [&bar](SimTime reached, SimTime end, uint64_t events) {
      bar.Show(reached, end, events);
    };
  }
  const ScenarioResult result = run_scenario(*parsed.spec, options);
  bar.Clear();
  const std::string out = format == "json" ? report_json(result) + "\n" : report_text(result);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return result.Passed() ? 0 : 1;
}
