// `weft tunnel --config FILE [--interface NAME] [--threads 1|2]`: the WireGuard data plane
// alone, from a wg(8) config file. Exit codes: 0 stopped by SIGINT/SIGTERM, 1 the tunnel failed
// while running, 2 invalid config or setup error (not root, name taken, port in use).
#include <csignal>
#include <iostream>
#include <string>

#include <boost/asio/signal_set.hpp>

#include "commands.h"
#include "tunnel/config_file.h"
#include "tunnel/tunnel.h"

namespace weft::cli {
namespace {

// wg-quick names the interface after the file: /etc/wireguard/wg0.conf -> wg0.
std::string interface_from_path(const std::string& path) {
  std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0) {
    name.resize(name.size() - 5);
  }
  return name;
}

// SIGINT and SIGTERM stop the tunnel; SIGUSR1 logs its drop counters (docs/dataplane.md).
void handle_signals(boost::asio::signal_set& signals, tunnel::Tunnel& t) {
  signals.async_wait([&signals, &t](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGUSR1) {
      t.log_drops();
      handle_signals(signals, t);
      return;
    }
    t.stop(std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
           ", shutting down");
  });
}

}  // namespace

int run_tunnel(const TunnelOptions& options) {
  auto parsed = tunnel::load_config_file(options.config);
  if (!parsed.ok()) {
    // config.invalid details are already "FILE:LINE: message" lines, like a compiler's.
    if (parsed.error().code != "config.invalid") std::cerr << "weft tunnel: ";
    std::cerr << parsed.error().detail << "\n";
    return 2;
  }
  for (const auto& warning : parsed->warnings) std::cerr << "weft tunnel: " << warning << "\n";
  if (parsed->note_count > 0) {
    std::cerr << tunnel::format_messages(parsed->notes, parsed->note_count, "notes") << "\n";
  }

  tunnel::TunnelSettings settings;
  settings.interface_name =
      options.interface.empty() ? interface_from_path(options.config) : options.interface;
  if (!options.socket_dir.empty()) settings.socket_dir = options.socket_dir;
  settings.threads = options.threads;
  settings.log = [](std::string_view line) { std::cerr << "weft tunnel: " << line << "\n"; };

  auto t = tunnel::Tunnel::start(parsed->config, settings);
  if (!t.ok()) {
    std::cerr << "weft tunnel: " << t.error().detail << "\n";
    return 2;
  }
  boost::asio::signal_set signals((*t)->loop().io(), SIGINT, SIGTERM, SIGUSR1);
  handle_signals(signals, **t);
  auto status = (*t)->run();
  signals.cancel();
  const auto c = (*t)->counters();
  std::cerr << "weft tunnel: udp in " << c.path.udp_datagrams_in << " (" << c.path.udp_batches
            << " batches), udp out " << c.path.udp_datagrams_out << ", udp send dropped "
            << c.path.udp_send_dropped << ", tun in " << c.path.tun_packets_in << ", tun out "
            << c.path.tun_packets_out << ", tun write dropped " << c.path.tun_write_dropped
            << ", uapi requests " << c.uapi_requests << "\n";
  if (!status.ok()) {
    std::cerr << "weft tunnel: " << status.error().detail << "\n";
    return 1;
  }
  return 0;
}

}  // namespace weft::cli
