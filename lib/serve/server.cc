// `weft serve`: the coordinator core between the control listener, the admin socket, one timer
// and the SQLite store, all on one io_context thread (docs/operations.md).
#include "serve/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/stat.h>

#include <ostream>
#include <utility>

#include "coord/coordinator.h"
#include "coord/policy_outcome.h"
#include "coord/registry.h"
#include "core/key_text.h"
#include "policy/pipeline.h"
#include "relay/relay_map.h"
#include "runtime/bounded_read.h"
#include "runtime/clock.h"
#include "runtime/system_random.h"
#include "serve/admin_api.h"
#include "serve/admin_socket.h"
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

}  // namespace

struct Server::State final : ConnectionSink {
  State(boost::asio::io_context& io, std::ostream& log) : io(io), log(log), timer(io) {}

  boost::asio::io_context& io;
  std::ostream& log;
  runtime::MonotonicClock clock;
  runtime::SystemRandom rng;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<SqliteStateStore> store;
  std::unique_ptr<coord::Coordinator> coordinator;
  std::unique_ptr<ControlListener> listener;
  std::unique_ptr<AdminSocket> admin;
  boost::asio::steady_timer timer;
  std::string public_key;
  bool stopped_unhealthy = false;

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

  // After every call into the core: hand its bytes to the listener, re-arm the one timer, and
  // stop when the store failed (the core's memory is ahead of the disk).
  void after_call() {
    coord::Transmit t;
    while (coordinator->poll_transmit(t)) {
      if (listener) listener->send(t.connection.value, std::move(t.bytes), t.close);
      t.bytes.clear();
    }
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
  }
}

uint16_t Server::port() const { return state_->listener->port(); }
const std::string& Server::public_key() const { return state_->public_key; }
bool Server::healthy() const { return state_->coordinator->healthy(); }

Result<std::unique_ptr<Server>> Server::start(boost::asio::io_context& io,
                                              const ServeOptions& options, std::ostream& log) {
  auto s = std::make_unique<State>(io, log);
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
  }
  if (auto st = prepare_state_dir(dir); !st) return st.error();

  auto server_key = load_or_create_key_file(
      dir + "/server.key", crypto::x25519_private_from_random(random_key(s->rng)));
  if (!server_key) return server_key.error();
  auto auth_secret = load_or_create_key_file(dir + "/authkey.secret", random_key(s->rng));
  if (!auth_secret) return auth_secret.error();

  auto db = store::Database::open(dir + "/state.db");
  if (!db) return db.error();
  s->db = std::move(db).value();
  s->store = std::make_unique<SqliteStateStore>(*s->db);
  auto restored = load_state(*s->db);
  if (!restored) return restored.error();

  coord::CoordinatorConfig config;
  config.server_key.bytes = *server_key;
  config.auth_key_secret = *auth_secret;
  config.dns_domain = options.dns_domain;
  config.relays = std::move(relays);
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

  core::KeyBytes pub{};
  const crypto::Key32 pub32 = crypto::x25519_public(*server_key);
  std::copy(pub32.begin(), pub32.end(), pub.begin());
  s->public_key = core::key_to_base64(pub);

  ControlListenerConfig lc;
  lc.listen = options.listen;
  lc.server_key = s->public_key;
  if (!options.tls_cert_file.empty()) {
    lc.tls = TlsFiles{options.tls_cert_file, options.tls_key_file};
  }
  auto listener = ControlListener::open(io, lc, *s);
  if (!listener) return listener.error();
  s->listener = std::move(listener).value();

  State* raw = s.get();
  auto admin = AdminSocket::open(io, dir + "/admin.sock", [raw](std::string_view request) {
    std::string answer =
        handle_admin_request(*raw->coordinator, request, raw->clock.now(), raw->rng);
    raw->after_call();
    return answer;
  });
  if (!admin) return admin.error();
  s->admin = std::move(admin).value();
  s->arm();

  log << "weft serve: listening on " << options.listen.address.to_string() << ":"
      << s->listener->port() << ", state in " << dir << ", server key " << s->public_key
      << ", policy version " << (history.empty() ? 0 : history.back().version) << ", "
      << s->coordinator->registry().devices().size() << " devices\n";
  log.flush();
  return std::unique_ptr<Server>(new Server(std::move(s)));
}

}  // namespace weft::serve
