// `weft sim run`: runs weft-sim (sim/weft-sim.cc) once per scenario file, one after the other,
// with the caller's stdout and stderr; JSON results are gathered into one array. weft-sim is a
// separate program because ns-3's headers need C++17 while cli/ is C++20, and because a fresh
// process per file keeps each run deterministic for its seed (ns-3's state is global).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "sim_command.h"

extern char** environ;

namespace weft::cli {
namespace {

/// $WEFT_SIM, else weft-sim beside this executable.
std::optional<std::string> find_weft_sim() {
  if (const char* env = std::getenv("WEFT_SIM"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  const std::filesystem::path beside = self.parent_path() / "weft-sim";
  if (::access(beside.c_str(), X_OK) != 0) return std::nullopt;
  return beside.string();
}

/// Runs `argv` and waits; its exit code, or 2 when it could not run or died of a signal.
int run_and_wait(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int err = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
      err != 0) {
    std::cerr << "weft sim: cannot run " << args[0] << ": " << std::strerror(err) << "\n";
    return 2;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 2;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::cerr << "weft sim: " << args[0] << " ended by signal " << WTERMSIG(status) << "\n";
  return 2;
}

}  // namespace

int run_sim(const SimRunOptions& options) {
  const std::optional<std::string> weft_sim = find_weft_sim();
  if (!weft_sim) {
    std::cerr << "weft sim: weft-sim (the ns-3 harness, built from sim/) is not beside this "
                 "weft; name it with WEFT_SIM=PATH\n";
    return 2;
  }
  const bool json = options.format == "json";
  int worst = 0;
  if (json) std::cout << "[" << std::flush;
  for (std::size_t i = 0; i < options.files.size(); ++i) {
    if (json && i > 0) std::cout << "," << std::flush;
    std::vector<std::string> args = {*weft_sim, options.files[i], "--format", options.format};
    if (!options.pcap_dir.empty()) {
      args.push_back("--pcap");
      args.push_back(options.pcap_dir);
    }
    if (options.seed) {
      args.push_back("--seed");
      args.push_back(std::to_string(*options.seed));
    }
    const int code = run_and_wait(args);
    worst = std::max(worst, code == 0 || code == 1 ? code : 2);
  }
  if (json) std::cout << "]\n" << std::flush;
  return worst;
}

}  // namespace weft::cli
