// `weft tunnel --config FILE|NAME [--interface NAME] [--threads N] [--allow-hooks]`: the
// WireGuard data plane alone, from a wg-quick(8) config file; and `weft wireguard-go [-f]
// IFNAME`, the same data plane as wg-quick's userspace implementation. Exit codes of `tunnel`:
// 0 stopped by SIGINT/SIGTERM, 1 the tunnel failed while running, 2 invalid config or setup
// error (not root, name taken, port in use); of `wireguard-go`: 0 or 1, as wireguard-go.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
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

// The stop signals are held back while the tunnel comes up (routes, rules, DNS, hooks), so a
// SIGTERM then cannot kill the process half-way; the loop takes it as soon as it runs, and
// the way down removes everything that was set up.
class HeldSignals {
 public:
  HeldSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  /// After the loop's signal_set is registered: pending signals reach its handler.
  void release() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

// Runs a started tunnel until a signal or a fatal error; prints the driver's counters.
int run_started(tunnel::Tunnel& t, HeldSignals& held) {
  boost::asio::signal_set signals(t.loop().io(), SIGINT, SIGTERM, SIGUSR1);
  handle_signals(signals, t);
  held.release();
  auto status = t.run();
  signals.cancel();
  const auto c = t.counters();
  std::cerr << "weft tunnel: udp in " << c.path.udp_datagrams_in << " (" << c.path.udp_batches
            << " batches), udp out " << c.path.udp_datagrams_out << ", udp send dropped "
            << c.path.udp_send_dropped << ", tun in " << c.path.tun_packets_in << ", tun out "
            << c.path.tun_packets_out << ", tun write dropped " << c.path.tun_write_dropped
            << ", batches sealed/opened with workers " << c.path.crypto_parallel_batches
            << ", uapi requests " << c.uapi_requests << "\n";
  std::cerr << "weft tunnel: offloads: "
            << weft::dataplane::format_offload_counters(c.path.offload) << "\n";
  if (!status.ok()) {
    std::cerr << "weft tunnel: " << status.error().detail << "\n";
    return 1;
  }
  return 0;
}

tunnel::TunnelSettings base_settings() {
  tunnel::TunnelSettings settings;
  settings.log = [](std::string_view line) { std::cerr << "weft tunnel: " << line << "\n"; };
  return settings;
}

}  // namespace

int run_tunnel(const TunnelOptions& options) {
  std::string path = tunnel::config_path_for(options.config);
  auto parsed = tunnel::load_config_file(path);
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

  tunnel::TunnelSettings settings = base_settings();
  settings.interface_name =
      options.interface.empty() ? interface_from_path(path) : options.interface;
  if (!options.socket_dir.empty()) settings.socket_dir = options.socket_dir;
  settings.threads = options.threads;
  settings.offloads = options.offloads == "on";
  settings.allow_hooks = options.allow_hooks;
  settings.config_path = path;

  HeldSignals held;
  auto t = tunnel::Tunnel::start(parsed->config, settings);
  if (!t.ok()) {
    std::cerr << "weft tunnel: " << t.error().detail << "\n";
    return 2;
  }
  return run_started(**t, held);
}

int run_wireguard_go(const WireguardGoOptions& options) {
  // Like wireguard-go: the parent returns once the interface and its UAPI socket exist (wg-quick
  // runs `wg setconf` right after), the child carries on in its own session.
  int ready[2] = {-1, -1};
  if (!options.foreground) {
    if (::pipe2(ready, O_CLOEXEC) < 0) {
      std::perror("weft wireguard-go: pipe");
      return 1;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("weft wireguard-go: fork");
      return 1;
    }
    if (pid > 0) {
      ::close(ready[1]);
      char byte = 0;
      ssize_t n;
      while ((n = ::read(ready[0], &byte, 1)) < 0 && errno == EINTR) {
      }
      if (n == 1) return 0;
      int status = 0;
      ::waitpid(pid, &status, 0);
      return 1;
    }
    ::close(ready[0]);
    ::setsid();
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, 0);
      // wireguard-go keeps its output only when LOG_LEVEL asks for it.
      const char* level = std::getenv("LOG_LEVEL");
      if (level == nullptr || std::string(level) == "silent" || std::string(level).empty()) {
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::close(null);
    }
  }
  tunnel::TunnelSettings settings = base_settings();
  settings.interface_name = options.interface;
  settings.bare = true;
  HeldSignals held;
  auto t = tunnel::Tunnel::start(tunnel::TunnelConfig{}, settings);
  if (!t.ok()) {
    std::cerr << "weft wireguard-go: " << t.error().detail << "\n";
    return 1;
  }
  if (!options.foreground) {
    [[maybe_unused]] ssize_t n = ::write(ready[1], "1", 1);
    ::close(ready[1]);
  }
  return run_started(**t, held) == 0 ? 0 : 1;
}

}  // namespace weft::cli
