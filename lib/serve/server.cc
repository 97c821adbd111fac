// `weft serve`: the coordinator core between the control listener, the admin socket, one timer
// and the SQLite store, all on one io_context thread (docs/operations.md).
#include "serve/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ostream>
#include <utility>

#include "control/upgrade.h"
#include "coord/coordinator.h"
#include "coord/policy_outcome.h"
#include "coord/registry.h"
#include "core/key_text.h"
#include "dataplane/loop.h"
#include "policy/pipeline.h"
#include "relay/relay_map.h"
#include "relayserver/relay_service.h"
#include "relayserver/stun_listener.h"
#include "serve/relay_route.h"
#include "util/server_url.h"
#include "runtime/bounded_read.h"
#include "runtime/clock.h"
#include "runtime/system_random.h"
#include "serve/admin_api.h"
#include "serve/admin_socket.h"
#include "serve/api_http.h"
#include "serve/api_routes.h"
#include "serve/control_listener.h"
#include "serve/state_dir.h"
#include "serve/state_store.h"
#include "store/database.h"

namespace weft::serve {
namespace {

constexpr std::size_t kMaxPolicyBytes = 16u << 20;

std::string findings_text(const std::string& file, const coord::PolicyOutcome& o) {
  std::string out;
  for (const auto& f : o.findings) {
    if (!f.error) continue;
    out += file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) +
           ": error: " + f.message + "\n";
  }
  for (const auto& t : o.failed_tests) out += file + ":" + t + "\n";  // "L:C: error: test failed: ..."
  if (!out.empty()) out.pop_back();
  return out;
}

crypto::Key32 random_key(core::Random& rng) {
  crypto::Key32 k{};
  rng.fill(k.data(), k.size());
  return k;
}

// The embedded relay's region: reachable where nodes reach the server (--server-url), else at
// the listen address when that is a real one. Nullopt: nodes could not find it.
std::optional<control::RelayRegion> embedded_region(const ServeOptions& o, uint16_t port,
                                                    uint16_t stun_port) {
  control::RelayNode node;
  node.name = "embedded";
  if (!o.server_url.empty()) {
    auto url = util::parse_server_url(o.server_url);
    if (!url.ok()) return std::nullopt;
    node.host = url->host;
    node.relay_port = url->port;
    node.tls = url->tls;
  } else {
    const auto& b = o.listen.address.bytes();
    if (std::all_of(b.begin(), b.begin() + (o.listen.address.is_v4() ? 4 : 16),
                    [](uint8_t x) { return x == 0; }))
      return std::nullopt;  // 0.0.0.0 or ::
    node.host = o.listen.address.to_string();
    node.relay_port = port;
    node.tls = !o.tls_cert_file.empty();
  }
  if (auto a = util::IpAddress::parse(node.host)) (a->is_v4() ? node.ipv4 : node.ipv6) = a;
  node.stun_port = stun_port;
  return control::RelayRegion{kEmbeddedRegionId, kEmbeddedRegionCode, "embedded in weft serve",
                              {node}};
}

// Fills the literal addresses of relay nodes named only by DNS, from this server's view of DNS at
// start, so that nodes can measure them by STUN (their sans-IO cores do not resolve names, and
// a relay map without addresses would read as "no UDP" in every netcheck).
void resolve_relay_addresses(std::vector<control::RelayRegion>& regions, std::ostream& log) {
  for (auto& region : regions) {
    for (auto& node : region.nodes) {
      if (node.ipv4 || node.ipv6) continue;
      addrinfo hints{};
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* found = nullptr;
      if (::getaddrinfo(node.host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
        log << "weft serve: relay node " << node.name << " (" << node.host
            << "): the name does not resolve here; nodes cannot measure it by STUN (give "
               "\"ipv4\"/\"ipv6\" in the relay map)\n";
        continue;
      }
      for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        if (a->ai_family == AF_INET && !node.ipv4) {
          const auto* in = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
          std::array<uint8_t, 4> b{};
          std::memcpy(b.data(), &in->sin_addr, 4);
          node.ipv4 = util::IpAddress::v4(b);
        } else if (a->ai_family == AF_INET6 && !node.ipv6) {
          const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
          std::array<uint8_t, 16> b{};
          std::memcpy(b.data(), &in6->sin6_addr, 16);
          node.ipv6 = util::IpAddress::v6(b);
        }
      }
      ::freeaddrinfo(found);
    }
  }
}

}  // namespace

struct Server::State final : ConnectionSink, relayserver::Verifier, LoginSink {
  State(dataplane::Loop& loop, std::ostream& log)
      : loop(loop), io(loop.io()), log(log), timer(io) {}

  dataplane::Loop& loop;
  boost::asio::io_context& io;
  std::ostream& log;
  runtime::MonotonicClock clock;
  runtime::SystemRandom rng;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<SqliteStateStore> store;
  std::unique_ptr<coord::Coordinator> coordinator;
  RelayRoute relay_route;
  std::unique_ptr<relayserver::RelayService> relay;
  std::unique_ptr<relayserver::StunListener> stun;
  std::vector<control::RelayRegion> relay_map;
  std::unique_ptr<ControlListener> listener;
  std::unique_ptr<AdminSocket> admin;
  std::unique_ptr<OidcLogin> oidc;
  boost::asio::steady_timer timer;
  std::string public_key;
  bool stopped_unhealthy = false;

  // The embedded relay serves the tailnet's devices only: the registry answers, on the loop
  // (never inside the relay core's own call).
  void verify(const core::NodePublicKey& node_key, std::function<void(bool)> done) override {
    boost::asio::post(io, [this, node_key, done = std::move(done)] {
      done(coordinator && coordinator->node_key_allowed(node_key, clock.now().wall));
    });
  }

  // A login at the identity provider ended (OidcLogin): the coordinator registers or refuses
  // the node waiting under `login_id`.
  bool login_waiting(std::string_view login_id) override {
    return coordinator && coordinator->login_waiting(login_id);
  }
  Result<coord::LoginResult> complete_login(std::string_view login_id,
                                            const coord::ProvenIdentity& who) override {
    auto r = coordinator->complete_login(login_id, who, clock.now(), rng);
    after_call();
    return r;
  }
  void refuse_login(std::string_view login_id, const std::string& code,
                    const std::string& message) override {
    coordinator->refuse_login(login_id, code, message, clock.now());
    after_call();
  }

  void opened(uint64_t id) override {
    coordinator->connection_opened(coord::ConnectionId{id}, clock.now());
    after_call();
  }
  void bytes(uint64_t id, core::ByteView data) override {
    coordinator->connection_bytes(coord::ConnectionId{id}, data, clock.now(), rng);
    after_call();
  }
  void closed(uint64_t id) override {
    coordinator->connection_closed(coord::ConnectionId{id}, clock.now());
    after_call();
  }

  // After every call into the core: hand its bytes to the listener, write its log lines,
  // re-arm the one timer, and stop when the store failed (the core's memory is ahead of the
  // disk).
  void after_call() {
    coord::Transmit t;
    while (coordinator->poll_transmit(t)) {
      if (listener) listener->send(t.connection.value, std::move(t.bytes), t.close);
      t.bytes.clear();
    }
    bool logged = false;
    for (std::string line; coordinator->poll_log(line); logged = true)
      log << "weft serve: " << line << "\n";
    if (logged) log.flush();
    if (!coordinator->healthy() && !stopped_unhealthy) {
      stopped_unhealthy = true;
      log << "weft serve: a write to the state database failed; stopping so that a restart "
             "rebuilds the server from what is on disk\n";
      io.stop();
      return;
    }
    arm();
  }

  void arm() {
    auto at = coordinator->next_deadline();
    if (!at) {
      timer.cancel();
      return;
    }
    timer.expires_at(clock.at(*at));
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled or re-armed
      coordinator->on_deadline(clock.now(), rng);
      after_call();
    });
  }
};

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}
Server::~Server() {
  if (state_) {
    state_->timer.cancel();
    state_->admin.reset();
    state_->listener.reset();
    state_->relay_route.set_listener(nullptr);
    state_->stun.reset();
  }
}

uint16_t Server::port() const { return state_->listener->port(); }
uint16_t Server::stun_port() const { return state_->stun ? state_->stun->port() : 0; }
const std::vector<control::RelayRegion>& Server::relay_map() const { return state_->relay_map; }
const std::string& Server::public_key() const { return state_->public_key; }
bool Server::healthy() const { return state_->coordinator->healthy(); }

Result<std::unique_ptr<Server>> Server::start(dataplane::Loop& loop,
                                              const ServeOptions& options, std::ostream& log) {
  boost::asio::io_context& io = loop.io();
  auto s = std::make_unique<State>(loop, log);
  const std::string& dir = options.state_dir;

  std::string policy_text;
  if (!options.policy_file.empty()) {
    auto file = runtime::read_bounded_file(options.policy_file, kMaxPolicyBytes);
    if (!file) return make_error("serve.policy", options.policy_file + ": " + file.error().detail);
    policy_text = std::move(file->bytes);
  }
  // At first start (no database yet) the file is checked before anything is created, so a bad
  // policy leaves no state behind that a later start would use with another policy.
  struct stat db_stat {};
  const bool first_start = ::stat((dir + "/state.db").c_str(), &db_stat) != 0;
  if (first_start && !policy_text.empty()) {
    coord::PolicyOutcome o =
        coord::policy_outcome_of(policy::check_policy(policy_text, policy::RunTests::kYes));
    if (!o.valid) return make_error("serve.policy", findings_text(options.policy_file, o));
  }
  std::vector<control::RelayRegion> relays;
  if (!options.relay_map_file.empty()) {
    auto file = runtime::read_bounded_file(options.relay_map_file, kMaxPolicyBytes);
    if (!file) return make_error("serve.relay_map", options.relay_map_file + ": " + file.error().detail);
    auto parsed = relay::parse_relay_map(file->bytes, options.relay_map_file);
    if (!parsed) return parsed.error();
    relays = std::move(parsed).value();
    for (const auto& r : relays) {
      if (options.embedded_relay && (r.id == kEmbeddedRegionId || r.code == kEmbeddedRegionCode))
        return make_error("relay.map", options.relay_map_file + ": region id " +
                                           std::to_string(kEmbeddedRegionId) + " and code \"" +
                                           kEmbeddedRegionCode +
                                           "\" are the embedded relay's; use others or "
                                           "--no-embedded-relay");
    }
  }
  if (auto st = prepare_state_dir(dir); !st) return st.error();

  auto server_key = load_or_create_key_file(
      dir + "/server.key", crypto::x25519_private_from_random(random_key(s->rng)));
  if (!server_key) return server_key.error();
  auto auth_secret = load_or_create_key_file(dir + "/authkey.secret", random_key(s->rng));
  if (!auth_secret) return auth_secret.error();

  core::KeyBytes pub{};
  const crypto::Key32 pub32 = crypto::x25519_public(*server_key);
  std::copy(pub32.begin(), pub32.end(), pub.begin());
  s->public_key = core::key_to_base64(pub);

  auto db = store::Database::open(dir + "/state.db");
  if (!db) return db.error();
  s->db = std::move(db).value();
  s->store = std::make_unique<SqliteStateStore>(*s->db);
  auto restored = load_state(*s->db);
  if (!restored) return restored.error();

  // The HTTP front opens before the coordinator exists (nothing reaches it before the loop
  // runs): the embedded relay's region needs the port it bound.
  if (options.embedded_relay) {
    relayserver::RelayServiceConfig rc;
    crypto::Key32 seed = random_key(s->rng);
    rc.server.private_key = core::RelayPrivateKey(crypto::x25519_private_from_random(seed));
    crypto::secure_zero(seed.data(), seed.size());
    rc.verifier = s.get();
    rc.log = [&log](const std::string& line) { log << "weft serve: relay: " << line << "\n"; };
    s->relay = std::make_unique<relayserver::RelayService>(io, std::move(rc), s->relay_route,
                                                           s->rng, s->clock);
    s->relay_route.attach(*s->relay);
  }
  ControlListenerConfig lc;
  // The HTTP admin API (docs/identity.md, "Admin API"): requests reach the coordinator only
  // once the loop runs, after it exists.
  lc.routes.push_back({std::string(kApiPrefix), kMaxApiBody, [raw = s.get()](const HttpRequest& r) {
                         ApiOutcome out =
                             handle_api_request(*raw->coordinator, r, raw->clock.now(), raw->rng);
                         if (!out.log.empty()) raw->log << "weft serve: " << out.log << "\n";
                         raw->after_call();
                         return out.answer;
                       }});
  if (options.oidc) {
    if (options.server_url.empty()) {
      return make_error("serve.oidc", "--oidc-issuer needs --server-url: the login links and "
                                      "the provider's redirect URI are made from it");
    }
    auto base = util::parse_server_url(options.server_url);
    if (!base) return base.error();
    OidcLoginConfig oc = *options.oidc;
    oc.settings.redirect_uri = base->to_string() + kCallbackPath;
    s->oidc = std::make_unique<OidcLogin>(io, std::move(oc), *s, s->clock, s->rng, log);
    lc.web = [oidc = s->oidc.get()](std::string_view target, std::function<void(WebAnswer)> reply) {
      return oidc->handle(target, std::move(reply));
    };
  }
  lc.listen = options.listen;
  lc.server_key = s->public_key;
  if (!options.tls_cert_file.empty()) {
    lc.tls = TlsFiles{options.tls_cert_file, options.tls_key_file};
  }
  auto listener = ControlListener::open(io, lc, s.get(), s->relay ? &s->relay_route : nullptr);
  if (!listener) return listener.error();
  s->listener = std::move(listener).value();
  s->relay_route.set_listener(s->listener.get());
  if (s->relay) {
    // The STUN socket opens last (below), once the admin socket showed that no other server
    // runs on this state directory; its port is the one asked for.
    auto region = embedded_region(options, s->listener->port(), options.stun_port);
    if (region) {
      relays.push_back(std::move(*region));
    } else {
      log << "weft serve: the embedded relay is not announced to nodes: give --server-url "
             "(the listen address "
          << options.listen.address.to_string() << " is not one nodes can dial)\n";
    }
  }
  resolve_relay_addresses(relays, log);
  s->relay_map = relays;
  s->listener->set_relay_map(relay::relay_map_json(relays));

  coord::CoordinatorConfig config;
  config.server_key.bytes = *server_key;
  config.auth_key_secret = *auth_secret;
  config.dns_domain = options.dns_domain;
  config.relays = std::move(relays);
  if (s->oidc) {
    config.login_url_prefix = util::parse_server_url(options.server_url)->to_string() + kLoginPath;
  }
  coord::RegistryConfig registry;
  registry.require_approval = options.require_approval;
  registry.key_expiry = options.key_expiry;
  registry.ephemeral_timeout = options.ephemeral_timeout;
  // First start: the file (checked above) becomes version 1.
  if (restored->policies.empty()) config.initial_policy = policy_text;
  auto coordinator = coord::Coordinator::create(config, registry, *restored, *s->store,
                                                s->clock.now(), s->rng);
  if (!coordinator) return coordinator.error();
  s->coordinator = std::move(coordinator).value();
  const auto& history = s->coordinator->policy_history();
  if (!policy_text.empty() && (history.empty() || history.back().text != policy_text)) {
    coord::PolicyOutcome o = s->coordinator->set_policy(policy_text, s->clock.now());
    if (!o.valid) return make_error("serve.policy", findings_text(options.policy_file, o));
    log << "weft serve: applied policy " << options.policy_file << " as version " << o.version
        << "\n";
  }


  State* raw = s.get();
  auto admin = AdminSocket::open(io, dir + "/admin.sock", [raw](std::string_view request) {
    std::string answer =
        handle_admin_request(*raw->coordinator, request, raw->clock.now(), raw->rng);
    raw->after_call();
    return answer;
  });
  if (!admin) return admin.error();
  s->admin = std::move(admin).value();
  if (s->relay && options.stun_port != 0) {
    core::SocketAddress at = options.listen;
    at.port = options.stun_port;
    auto stun = relayserver::StunListener::open(loop, at);
    if (!stun) return stun.error();
    s->stun = std::move(stun).value();
  }
  s->arm();
  if (s->oidc) s->oidc->start();

  log << "weft serve: listening on " << options.listen.address.to_string() << ":"
      << s->listener->port() << ", state in " << dir << ", server key " << s->public_key
      << ", policy version " << (history.empty() ? 0 : history.back().version) << ", "
      << s->coordinator->registry().devices().size() << " devices";
  if (s->relay) {
    log << ", embedded relay key " << core::key_to_base64(s->relay->public_key().bytes);
    if (s->stun) log << ", STUN on UDP port " << s->stun->port();
  }
  log << ", " << s->relay_map.size() << " relay region" << (s->relay_map.size() == 1 ? "" : "s")
      << "\n";
  log.flush();
  return std::unique_ptr<Server>(new Server(std::move(s)));
}

}  // namespace weft::serve
