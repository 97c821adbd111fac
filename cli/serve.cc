// `weft serve --state DIR --listen ADDR:PORT [...]`: the coordination server in the foreground.
// Exit codes: 0 stopped by SIGINT/SIGTERM, 1 the policy file is invalid or the store failed
// while running, 2 usage or setup error.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "commands.h"
#include "listen_address.h"
#include "dataplane/loop.h"
#include "serve/server.h"
#include "util/duration.h"

namespace weft::cli {
namespace {

// Reads a positive duration flag into `out` (left as is when the flag is empty).
bool positive_duration(const char* flag, const std::string& text, core::Duration& out) {
  if (text.empty()) return true;
  auto d = util::parse_duration(text, util::DurationDays::kAccepted);
  if (!d || d->count() <= 0) {
    std::cerr << "weft serve: " << flag << " " << text
              << " is not a positive duration such as 180d, 12h or 30m\n";
    return false;
  }
  out = std::chrono::duration_cast<core::Duration>(*d);
  return true;
}

}  // namespace

int run_serve(const ServeCliOptions& options) {
  serve::ServeOptions o;
  o.state_dir = options.state_dir;
  auto listen = parse_listen(options.listen);
  if (!listen) {
    std::cerr << "weft serve: --listen " << options.listen
              << " is not ADDRESS:PORT (a literal IPv4 address, or [IPv6]:PORT)\n";
    return 2;
  }
  o.listen = *listen;
  o.server_url = options.server_url;
  o.policy_file = options.policy_file;
  o.tls_cert_file = options.tls_cert;
  o.tls_key_file = options.tls_key;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    std::cerr << "weft serve: --tls-cert and --tls-key go together\n";
    return 2;
  }
  o.require_approval = options.require_approval;
  if (!positive_duration("--key-expiry", options.key_expiry, o.key_expiry) ||
      !positive_duration("--ephemeral-timeout", options.ephemeral_timeout, o.ephemeral_timeout))
    return 2;
  if (!options.dns_domain.empty()) o.dns_domain = options.dns_domain;
  o.relay_map_file = options.relay_map;
  o.embedded_relay = !options.no_embedded_relay;
  o.stun_port = options.stun_port;
  if (!options.oidc_issuer.empty()) {
    if (options.oidc_client_id.empty() || options.oidc_client_secret_file.empty()) {
      std::cerr << "weft serve: --oidc-issuer needs --oidc-client-id and "
                   "--oidc-client-secret-file\n";
      return 2;
    }
    std::ifstream f(options.oidc_client_secret_file);
    std::stringstream secret;
    secret << f.rdbuf();
    std::string text = secret.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!f || text.empty()) {
      std::cerr << "weft serve: cannot read the OIDC client secret from "
                << options.oidc_client_secret_file << "\n";
      return 2;
    }
    serve::OidcLoginConfig oc;
    oc.settings.issuer = options.oidc_issuer;
    oc.settings.client_id = options.oidc_client_id;
    oc.settings.client_secret = std::move(text);
    oc.settings.allowed = {options.oidc_allowed_domains, options.oidc_allowed_users,
                           options.oidc_allowed_groups};
    oc.ca_file = options.oidc_ca_file;
    o.oidc = std::move(oc);
  }

  dataplane::Loop loop;
  boost::asio::io_context& io = loop.io();
  auto server = serve::Server::start(loop, o, std::cerr);
  if (!server) {
    if (server.error().code == "serve.policy" || server.error().code == "relay.map") {
      std::cerr << server.error().detail << "\n";
      return 1;
    }
    std::cerr << "weft serve: " << server.error().detail << "\n";
    return 2;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    std::cerr << "weft serve: received " << (signo == SIGINT ? "SIGINT" : "SIGTERM")
              << ", shutting down\n";
    io.stop();
  });
  io.run();
  const bool healthy = (*server)->healthy();
  server->reset();
  return healthy ? 0 : 1;
}

}  // namespace weft::cli
