// `weft derp --listen ADDR:PORT [--stun-port P] [--tls-cert F --tls-key F]
// [--verify-clients URL] [--state DIR]`: the relay alone, in the foreground (serve/derp.h).
// Exit codes: 0 stopped by SIGINT/SIGTERM, 2 usage or setup error.
#include <csignal>
#include <iostream>
#include <optional>
#include <string>

#include <boost/asio/signal_set.hpp>

#include "commands.h"
#include "listen_address.h"
#include "core/key_text.h"
#include "dataplane/loop.h"
#include "serve/derp.h"

namespace weft::cli {

int run_derp(const DerpCliOptions& options) {
  serve::DerpOptions o;
  std::optional<core::SocketAddress> listen = parse_listen(options.listen);
  if (!listen) {
    std::cerr << "weft derp: --listen " << options.listen
              << " is not ADDRESS:PORT (a literal IPv4 address, or [IPv6]:PORT)\n";
    return 2;
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    std::cerr << "weft derp: --tls-cert and --tls-key go together\n";
    return 2;
  }
  o.listen = *listen;
  o.stun_port = options.stun_port;
  o.tls_cert_file = options.tls_cert;
  o.tls_key_file = options.tls_key;
  o.verify_clients_url = options.verify_clients;
  o.ca_file = options.ca_file;
  o.state_dir = options.state_dir;
  o.log = [](const std::string& line) { std::cerr << "weft derp: " << line << "\n"; };

  dataplane::Loop loop;
  auto derp = serve::Derp::open(loop, o);
  if (!derp.ok()) {
    std::cerr << "weft derp: " << derp.error().detail << " (" << derp.error().code << ")\n";
    return 2;
  }
  core::SocketAddress bound = o.listen;
  bound.port = (*derp)->port();
  std::cerr << "weft derp: relay " << core::key_to_base64((*derp)->public_key().bytes)
            << " on " << bound.to_string()
            << ((*derp)->stun_port() ? " stun " + std::to_string((*derp)->stun_port()) : "")
            << (o.tls_cert_file.empty() ? "" : " tls")
            << (o.verify_clients_url.empty() ? "" : " verifying clients with " +
                                                        o.verify_clients_url)
            << std::endl;
  boost::asio::signal_set signals(loop.io(), SIGINT, SIGTERM);
  signals.async_wait([&loop](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    std::cerr << "weft derp: received " << (signo == SIGINT ? "SIGINT" : "SIGTERM")
              << ", shutting down\n";
    loop.stop();
  });
  loop.run();
  derp->reset();
  return 0;
}

}  // namespace weft::cli
