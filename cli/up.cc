// `weft up --server URL [--authkey KEY | --force-reauth] --state DIR [--hostname NAME] [--interface NAME]
// [--port P] [--advertise-routes P,...] [--advertise-exit-node] [--exit-node PEER]`: the node
// agent in the foreground (docs/operations.md, "Running a node").
// Exit codes: 0 stopped by SIGINT/SIGTERM, 1 the node failed while running, 2 setup errors
// (state directory, server, not root, name or port taken).
#include <csignal>
#include <iostream>
#include <string>

#include <boost/asio/signal_set.hpp>

#include "commands.h"
#include "node/agent.h"
#include "version.h"

namespace weft::cli {

int run_up(const UpOptions& options) {
  node::AgentSettings settings;
  if (!options.state_dir.empty()) settings.state_dir = options.state_dir;
  settings.server_url = options.server;
  settings.ca_file = options.ca_file;
  settings.auth_key = options.auth_key;
  settings.force_reauth = options.force_reauth;
  settings.accept_dns = options.accept_dns;
  settings.hostname = options.hostname;
  if (!options.interface.empty()) settings.interface_name = options.interface;
  settings.port = options.port;
  for (const auto& text : options.advertise_routes) {
    auto prefix = util::IpPrefix::parse(text, /*strict=*/true);
    if (!prefix || prefix->bits() == 0) {
      std::cerr << "weft up: --advertise-routes: " << text
                << " is not a route such as 10.0.0.0/24 (no host bits; use "
                   "--advertise-exit-node for 0.0.0.0/0)\n";
      return 2;
    }
    settings.routes.advertise_routes.push_back(*prefix);
  }
  settings.routes.advertise_exit_node = options.advertise_exit_node;
  settings.routes.snat_subnet_routes = options.snat_subnet_routes;
  settings.routes.exit_node = options.exit_node;
  settings.routes.exit_node_allow_lan_access = options.exit_node_allow_lan_access;
  settings.client_version = version();
  settings.threads = options.threads;
  settings.offloads = options.offloads == "on";
  settings.log = [](std::string_view line) { std::cerr << "weft up: " << line << std::endl; };

  auto agent = node::Agent::start(settings);
  if (!agent.ok()) {
    std::cerr << "weft up: " << agent.error().detail << " (" << agent.error().code << ")\n";
    return 2;
  }
  boost::asio::signal_set signals((*agent)->loop().io(), SIGINT, SIGTERM);
  signals.async_wait([&agent](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    (*agent)->stop(std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                   ", removing " + (*agent)->interface_name() + " and stopping");
  });
  auto status = (*agent)->run();
  signals.cancel();
  if (!status.ok()) {
    std::cerr << "weft up: " << status.error().detail << "\n";
    return 1;
  }
  return 0;
}

}  // namespace weft::cli
