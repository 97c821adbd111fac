// `weft status [--state DIR] [--json]`: the node's self and peers as a table like `tailscale
// status`, with one plain line when it runs from its cache (issue 9, "Local API").
#include <ctime>
#include <iostream>

#include "node/local_api_status.h"
#include "node/local_client.h"
#include "node_commands.h"

namespace weft::cli {
namespace {

/// Seconds east of UTC of the local time zone now, for clock times people read.
int64_t local_utc_offset(std::time_t now) {
  std::tm tm{};
  localtime_r(&now, &tm);
  return tm.tm_gmtoff;
}

}  // namespace

int run_status(const StatusOptions& o) {
  const std::string dir = o.state_dir.empty() ? kDefaultNodeStateDir : o.state_dir;
  auto answer = node::local_call(dir, R"({"op":"status"})");
  if (!answer.ok()) {
    std::cerr << "weft status: " << answer.error().detail << "\n";
    return 2;
  }
  if (auto e = node::answer_error(*answer)) {
    std::cerr << "weft status: " << e->detail << " (" << e->code << ")\n";
    return 1;
  }
  if (o.json) {
    std::cout << *answer << "\n";
    return 0;
  }
  auto view = node::status_from_json(*answer);
  if (!view.ok()) {
    std::cerr << "weft status: " << view.error().detail << "\n";
    return 2;
  }
  const std::time_t now = std::time(nullptr);
  std::cout << node::format_status(*view, {static_cast<int64_t>(now), local_utc_offset(now)});
  return 0;
}

}  // namespace weft::cli
