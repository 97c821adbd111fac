// `weft sim run FILE...`: each scenario file run by weft-sim, the ns-3 harness built from sim/
// (C++17, ns-3), in a process of its own (docs/simulation.md, "weft sim").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weft::cli {

struct SimRunOptions {
  std::vector<std::string> files;
  std::string format = "text";  // text | json
  std::string pcap_dir;         // empty: no capture
  std::optional<uint64_t> seed;
};

/// Exit code: 0 every expectation of every file held, 1 one did not (or a file is not a valid
/// scenario), 2 usage or I/O errors, or weft-sim is missing.
int run_sim(const SimRunOptions& options);

}  // namespace weft::cli
