// `weft down [--state DIR]`: asks the running node to stop cleanly (it removes its interface and
// leaves), over its local API (issue 9, "Local API").
#include <iostream>

#include "node/local_client.h"
#include "node_commands.h"

namespace weft::cli {

int run_down(const DownOptions& o) {
  const std::string dir = o.state_dir.empty() ? kDefaultNodeStateDir : o.state_dir;
  auto answer = node::local_call(dir, R"({"op":"down"})");
  if (!answer.ok()) {
    std::cerr << "weft down: " << answer.error().detail << "\n";
    return 2;
  }
  if (auto e = node::answer_error(*answer)) {
    std::cerr << "weft down: " << e->detail << " (" << e->code << ")\n";
    return 1;
  }
  std::cout << "weft down: the node is stopping\n";
  return 0;
}

}  // namespace weft::cli
