// `weft up` as a composition (agent.h): state directory, TUN + UDP data path over the node
// engine, the control driver, and the engine's events carried out.
#include "node/agent.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <optional>

#include <boost/asio/steady_timer.hpp>

#include "core/key_text.h"
#include "crypto/crypto.h"
#include "dataplane/data_core.h"
#include "dataplane/datapath.h"
#include "dataplane/interface_setup.h"
#include "dataplane/limits.h"
#include "dns/netmap_view.h"
#include "node/control_dial.h"
#include "node/control_driver.h"
#include "node/engine_control.h"
#include "node/host_info.h"
#include "node/local_api.h"
#include "node/local_endpoints.h"
#include "node/magic_dns.h"
#include "node/relay_driver.h"
#include "node/tailnet_interface.h"
#include "runtime/system_random.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"

namespace weft::node {
namespace {

// TCP keepalive on the control stream: a path that went silent (the server cut off, not down)
// ends the stream within 15 + 3 x 5 = 30 s, and the client's unreachable retries (every
// 1.4-1.8 s) find the server within 2 s of its return. Without it the stream survives any cut
// shorter than three keepalive intervals (3 min) and changes wait for the server's TCP
// retransmission timer, which doubles up to 2 min (docs/control-plane.md, "Control client").
constexpr std::chrono::seconds kStreamKeepaliveIdle{15};
constexpr std::chrono::seconds kStreamKeepaliveInterval{5};
constexpr int kStreamKeepaliveProbes = 3;
// How often the interfaces' addresses are read again: a node that moves (a new address, another
// network) reports its new endpoints, and its netcheck runs, within this (issue 11).
constexpr std::chrono::seconds kEndpointRefreshInterval{5};

/// "12:03:11", local time, for log lines a person reads next to other logs.
std::string clock_time(core::WallTime t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::localtime_r(&s, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string peers_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " peer" : " peers"); }

std::string addresses_text(const std::vector<util::IpAddress>& addresses) {
  std::string out;
  for (const auto& a : addresses) out += (out.empty() ? "" : ", ") + a.to_string();
  return out;
}

std::string endpoints_text(const std::vector<core::SocketAddress>& endpoints) {
  std::string out;
  for (const auto& e : endpoints) out += (out.empty() ? "" : ", ") + e.to_string();
  return out.empty() ? "none" : out;
}

std::string own_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return hostname_label(buf);
}

}  // namespace

std::string hostname_label(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, name.find('.'))) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out.push_back(c);
    if (out.size() == control::kMaxHostnameBytes) break;
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

struct Agent::Impl final : LocalApiHandler {
  AgentSettings settings;
  // Declaration order is teardown order reversed: sources go before the loop.
  dataplane::Loop loop;
  runtime::SystemRandom rng;
  std::unique_ptr<NodeState> state;
  std::string server_url;
  std::unique_ptr<ControlDialer> dialer;
  std::unique_ptr<engine::Engine> engine;
  std::optional<dataplane::DataCoreOf<engine::Engine>> core;
  std::optional<runtime::TunDevice> tun;
  std::unique_ptr<dataplane::DataPath> path;
  std::unique_ptr<ControlDriver> control;
  std::unique_ptr<RelayDriver> relays;
  std::unique_ptr<MagicDns> magic_dns;  // 100.100.100.100; resolv.conf restored when it goes
  std::unique_ptr<NodeRouting> routing;  // before the interface goes: routes and rules restored
  std::optional<bool> logged_exit;        // the exit node was offered at the last netmap
  uint16_t logged_home = 0;
  std::unique_ptr<LocalApi> api;  // DIR/weft.sock: weft status, ping, down
  std::optional<boost::asio::steady_timer> endpoint_timer;  // report_endpoints() again
  std::optional<std::vector<core::SocketAddress>> local;    // the endpoints last read
  Status result = Ok{};
  std::vector<util::IpAddress> configured;  // addresses on the interface
  std::optional<std::size_t> logged_peers;
  bool logged_from_cache = false;
  /// Set at the first failed dial or lost stream of an outage; reset by the server's netmap.
  std::optional<core::WallTime> offline_since;
  bool was_connected = false;
  uint64_t registered_as = 0;  // node id of the last registration logged
  bool reregistered = false;   // the auth key was handed back after coord.node_key_expired
  bool rejoining = false;      // ... and the new node key is not registered yet

  void log(const std::string& line) const {
    if (settings.log) settings.log(line);
  }

  void stop(std::string_view reason, Status status) {
    log(std::string(reason));
    result = std::move(status);
    loop.stop();
  }

  void on_event(const engine::Event& e) {
    switch (e.kind) {
      case engine::EventKind::kRegistered:
        // Every connection registers again; only a change is news.
        if (registered_as != e.node.value)
          log("registered with " + server_url + " as node " + std::to_string(e.node.value));
        registered_as = e.node.value;
        break;
      case engine::EventKind::kPendingApproval:
        log("registered as node " + std::to_string(e.node.value) +
            ", pending approval: the operator runs `weft admin nodes approve " +
            std::to_string(e.node.value) + "`");
        break;
      case engine::EventKind::kLoginRequired:
        // The wording `tailscale up` uses, so people and scripts find the link.
        log("To authenticate, visit: " + e.url);
        break;
      case engine::EventKind::kNetmapApplied:
        on_netmap(e);
        break;
      case engine::EventKind::kCacheWrite:
        if (auto s = state->write_cache(e.cache); !s.ok())
          log("cannot write the netmap cache: " + s.error().detail);
        break;
      case engine::EventKind::kKeyRotated:
        if (auto s = state->save_node_key(e.node_key); !s.ok()) {
          log("node key rotated, but cannot persist it: " + s.error().detail);
        } else {
          log(std::string(rejoining ? "registered again under a new node key "
                                    : "node key rotated (the server asked); new key ") +
              core::key_to_base64(engine->node_public_key().bytes));
          rejoining = false;
        }
        break;
      case engine::EventKind::kStopped:
        if (auto s = state->delete_cache(); !s.ok()) log(s.error().detail);
        logged_peers.reset();
        if (reregister_after_expiry(e)) break;
        log("out of the tailnet: " + e.message + " (" + e.code +
            "); every peer removed and the cache deleted; " +
            (e.code == "control.removed"
                 ? std::string("a removed machine cannot come back: join with a new --state "
                               "directory and a new auth key")
                 : std::string("run weft up with --authkey to join again")));
        break;
      case engine::EventKind::kPingReply:
        if (api) api->ping_reply(e.ping_peer, e.ping_seq, e.ping_rtt);
        break;
      case engine::EventKind::kDiscoPong:
        if (api) api->disco_pong(e.ping_seq, e.ping_rtt, e.ping_via, e.ping_relay_code);
        break;
    }
  }

  void on_netmap(const engine::Event& e) {
    if (e.addresses != configured && !e.addresses.empty()) {
      const auto layout = tailnet_layout(e.addresses, static_cast<uint32_t>(wg::kDefaultMtu));
      auto skipped = dataplane::configure_interface(*tun, layout);
      std::vector<util::IpAddress> applied = e.addresses;
      if (!skipped.ok()) {
        // Hosts with IPv6 disabled (common in VMs and containers) refuse the IPv6 address; the
        // tailnet still works over IPv4 rather than not at all. Addresses already added are
        // accepted again (EEXIST), so the IPv4-only layout can simply be applied anew.
        auto v4 = layout;
        v4.addresses.clear();
        for (const auto& a : layout.addresses)
          if (a.address.is_v4()) v4.addresses.push_back(a);
        v4.routes.clear();
        for (const auto& r : layout.routes)
          if (r.address().is_v4()) v4.routes.push_back(r);
        if (v4.addresses.size() != layout.addresses.size() && !v4.addresses.empty()) {
          const std::string why = skipped.error().detail;
          skipped = dataplane::configure_interface(*tun, v4);
          if (skipped.ok()) {
            log("IPv6 is not available on " + tun->name() + " (" + why +
                "); the tailnet runs over IPv4 only on this node");
            applied.clear();
            for (const auto& a : v4.addresses) applied.push_back(a.address);
          }
        }
      }
      if (!skipped.ok()) {
        log("cannot configure " + tun->name() + ": " + skipped.error().detail);
      } else {
        configured = e.addresses;
        log("interface " + tun->name() + " has " + addresses_text(applied));
      }
    }
    apply_routes();
    apply_dns();
    if (e.from_cache) {
      const auto st = engine_status();
      log("running from cache (netmap cached at " +
          (st.netmap_time ? clock_time(*st.netmap_time) : std::string("?")) + ", policy version " +
          std::to_string(st.policy_version) + ", " + peers_text(e.peers) +
          ") until the coordination server answers");
      logged_peers = e.peers;
      logged_from_cache = true;
      return;
    }
    if (offline_since) {
      log("coordination server reachable again (unreachable since " + clock_time(*offline_since) +
          "); resynchronised");
      offline_since.reset();
    }
    if (!logged_peers || *logged_peers != e.peers || logged_from_cache) {
      log("netmap applied: " + peers_text(e.peers));
      logged_peers = e.peers;
      logged_from_cache = false;
    }
  }

  // Routers' routes and the exit node's default routes for the netmap in use (node_routes.h).
  void apply_routes() {
    const controlclient::NetMap* map = engine->netmap();
    if (!routing || map == nullptr || configured.empty()) return;
    const engine::Engine::ExitNode exit = engine->exit_node();
    const std::string& wanted = settings.routes.exit_node;
    if (!wanted.empty() && (!logged_exit || *logged_exit != exit.offered)) {
      if (!exit.node)
        log("exit node " + wanted + " is not a peer in the netmap");
      else if (!exit.offered)
        log("exit node " + wanted + " is not offered by the server: it must advertise and be " +
            "approved as an exit node, and the policy must grant this node autogroup:internet");
      logged_exit = exit.offered;
    }
    routing->apply(subnet_routes_of(map->peers), exit.offered);
  }

  // MagicDNS for the netmap in use, once the interface has its addresses (magic_dns.h).
  void apply_dns() {
    if (!magic_dns || configured.empty()) return;
    auto view = path->with_core([&] {
      const controlclient::NetMap* map = engine->netmap();
      return map == nullptr ? std::nullopt
                            : std::optional(std::make_pair(dns::netmap_resolver_config(*map),
                                                           dns::netmap_search_domains(map->dns)));
    });
    if (view) magic_dns->apply(std::move(view->first), view->second);
  }

  // `weft up --authkey KEY` on the state directory of an expired node: the registration with
  // the stored (expired) node key is refused, and the client, told so, draws a new node key for
  // the next registration that carries a pre-auth key. The key given to this start is that one,
  // so it is handed back once; without this the node would stop and ask for what it was given.
  bool reregister_after_expiry(const engine::Event& e) {
    if (e.code != "coord.node_key_expired" || settings.auth_key.empty() || reregistered) {
      return false;
    }
    reregistered = true;
    rejoining = true;
    log("the node key expired (" + e.code +
        "): registering again with the pre-auth key given and a new node key");
    const core::Now t = loop.clock().now();
    Status s = path->with_core([&] { return engine->set_auth_key(settings.auth_key, t); });
    if (!s.ok()) {
      log("cannot register again: " + s.error().detail);
      rejoining = false;  // no registration is on its way: the node stops (the caller says so)
      return false;
    }
    path->after_core_change();
    control->post_drive();
    return true;
  }

  void on_dial_failed(const Error& e) {
    if (offline_since) return;  // one line per outage
    offline_since = loop.clock().now().wall;
    log("coordination server unreachable since " + clock_time(*offline_since) + ": " + e.detail +
        (logged_peers ? "; keeping the netmap in use" : "") + "; retrying");
  }

  // After every event of the data path: the control side's share of it.
  void after_event() {
    control->drive();
    relays->drive();
    log_home_region();
    const bool now_connected = control->connected();
    // A stream the client ended itself (out of the tailnet, or a new registration on its way)
    // is no outage: no reconnect follows, or one that is already logged.
    if (was_connected && !now_connected && !offline_since && !control->stopped() && !rejoining &&
        !client_stopped()) {
      offline_since = loop.clock().now().wall;
      log("control stream to " + server_url + " lost at " + clock_time(*offline_since) +
          "; reconnecting" + (logged_peers ? ", keeping the netmap in use" : ""));
    }
    was_connected = now_connected;
  }

  // One line when the home relay region changes (docs/connectivity.md, "Home region").
  void log_home_region() {
    const auto st = engine_status_home();
    if (st.first == logged_home) return;
    logged_home = st.first;
    if (st.first != 0) log("home relay region " + st.second + " (" + std::to_string(st.first) + ")");
  }

  std::pair<uint16_t, std::string> engine_status_home() {
    return path->with_core([&] {
      const uint16_t home = engine->home_region();
      const control::RelayRegion* r = nullptr;
      if (const controlclient::NetMap* map = engine->netmap())
        for (const auto& g : map->relays)
          if (g.id == home) r = &g;
      return std::make_pair(home, r != nullptr ? r->code : std::string());
    });
  }

  bool client_stopped() {
    return path->with_core(
        [&] { return engine->client().state() == controlclient::ClientState::kStopped; });
  }

  // ---- the local API (LocalApiHandler) ----
  engine::EngineStatus status() override { return engine_status(); }
  Status send_ping(const util::IpAddress& peer, uint16_t seq) override {
    const core::Now t = loop.clock().now();
    Status s = path->with_core([&] { return engine->ping(t, peer, seq); });
    path->after_core_change();  // the request (or a handshake first) leaves now
    return s;
  }
  Status send_disco_ping(const util::IpAddress& peer, uint16_t seq) override {
    const core::Now t = loop.clock().now();
    Status s = path->with_core([&] { return engine->disco_ping(t, peer, seq); });
    path->after_core_change();  // direct pings leave now (relayed ones through the relay links)
    return s;
  }
  void down() override {
    stop("weft down: removing " + tun->name() + " and stopping", Ok{});
  }

  engine::EngineStatus engine_status() {
    const core::Now t = loop.clock().now();
    return path->with_core([&] { return engine->status(t); });
  }

  Status bind_server();
  void load_cache();
  bool report_endpoints();
  void refresh_endpoints_later();
};

Status Agent::Impl::bind_server() {
  const auto& bound = state->server();
  std::string url = settings.server_url;
  if (url.empty()) {
    if (!bound) {
      return make_error("node.no_server", state->dir() +
                                              " is not registered with a coordination server: "
                                              "give --server URL (and --authkey KEY, or log in "
                                              "when the server has an identity provider)");
    }
    url = bound->url;
  }
  auto parsed = util::parse_server_url(url);
  if (!parsed.ok()) return parsed.error();
  server_url = parsed->to_string();
  if (bound) {
    auto was = util::parse_server_url(bound->url);
    if (!was.ok() || was->to_string() != server_url) {
      return make_error("node.server_mismatch",
                        state->dir() + " belongs to " + bound->url +
                            "; use another --state directory for " + url);
    }
  }
  DialOptions options;
  options.ca_file = settings.ca_file;
  // The client's contract: a connect unanswered this long is a failed dial, retried soon.
  options.connect_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(controlclient::ClientConfig{}.dial_timeout);
  options.keepalive_idle = kStreamKeepaliveIdle;
  options.keepalive_interval = kStreamKeepaliveInterval;
  options.keepalive_probes = kStreamKeepaliveProbes;
  if (!settings.routes.exit_node.empty()) options.mark = kExitFwmark;
  auto dialer_made = ControlDialer::create(loop.io(), server_url, options);
  if (!dialer_made.ok()) return dialer_made.error();
  dialer = std::move(*dialer_made);
  if (bound) return Ok{};
  // First start: the server's key, kept from now on (over http, trusted on first use).
  std::optional<Result<core::MachinePublicKey>> got;
  dialer->fetch_key([&got](Result<core::MachinePublicKey> r) { got = std::move(r); });
  while (!got) loop.io().run_one();
  if (!got->ok()) return got->error();
  if (auto s = state->save_server({url, **got}); !s.ok()) return s;
  log("coordination server " + server_url + " has key " + core::key_to_base64((*got)->bytes) +
      " (kept in " + state->path("server") + ")");
  return Ok{};
}

void Agent::Impl::load_cache() {
  auto bytes = state->read_cache();
  if (!bytes.ok()) {
    log("netmap cache not used: " + bytes.error().detail + "; waiting for the coordination server");
    return;
  }
  if (!*bytes) return;
  const core::Now t = loop.clock().now();
  Status s = path->with_core([&] { return engine->load_cache(core::ByteView{(*bytes)->data(), (*bytes)->size()}, t); });
  if (!s.ok()) {
    log("netmap cache " + state->path("netmap.cache") + " refused: " + s.error().detail + " (" +
        s.error().code + "); waiting for the coordination server");
  }
}

// At start and every kEndpointRefreshInterval: the engine hears of a changed list only (it
// reports it to the server and runs a netcheck then). True when the engine was told.
bool Agent::Impl::report_endpoints() {
  auto endpoints = local_endpoints(path->listen_port(), tun->name());
  if (!endpoints.ok()) {
    log("no endpoints to report: " + endpoints.error().detail);
    return false;
  }
  if (endpoints->size() > control::kMaxEndpoints) endpoints->resize(control::kMaxEndpoints);
  if (local == *endpoints) return false;
  // The control stream and relay connections may be bound to an address that is gone; they
  // would stay silent until their keepalives give up (about 30 s), so they start again now.
  const bool address_gone =
      local && std::any_of(local->begin(), local->end(), [&](const core::SocketAddress& old) {
        return std::none_of(endpoints->begin(), endpoints->end(),
                            [&](const core::SocketAddress& e) { return e.address == old.address; });
      });
  if (local)
    log("local endpoints changed: " + endpoints_text(*local) + " -> " + endpoints_text(*endpoints) +
        (address_gone ? "; reconnecting to the coordination server and the relays" : ""));
  local = *endpoints;
  const core::Now t = loop.clock().now();
  Status s = path->with_core([&] { return engine->set_endpoints(*endpoints, t); });
  if (!s.ok()) log("endpoints refused: " + s.error().detail);
  if (address_gone) {
    control->reconnect();
    relays->reconnect_all();
  }
  return true;
}

void Agent::Impl::refresh_endpoints_later() {
  endpoint_timer->expires_after(kEndpointRefreshInterval);
  endpoint_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (report_endpoints()) path->after_core_change();  // the report and netcheck leave now
    refresh_endpoints_later();
  });
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() = default;

Result<std::unique_ptr<Agent>> Agent::start(const AgentSettings& settings) {
  if (settings.threads < 0 || settings.threads > dataplane::kMaxThreads)
    return make_error("config.invalid", "threads must be 0 (one per CPU core) to 64");
  auto impl = std::make_unique<Impl>();
  Impl& d = *impl;
  d.settings = settings;

  auto state = NodeState::open(settings.state_dir, d.rng);
  if (!state.ok()) return state.error();
  d.state = std::move(*state);
  if (auto s = d.bind_server(); !s.ok()) return s.error();
  // Before the interface: a second node on this directory stops here, touching nothing.
  auto api = LocalApi::open(d.loop.io(), d.state->dir(), d);
  if (!api.ok()) return api.error();
  d.api = std::move(*api);

  engine::EngineConfig config;
  auto& c = config.client;
  c.machine_key = d.state->machine_key();
  c.server_key = d.state->server()->key;
  c.node_key = d.state->node_key();
  c.auth_key = settings.auth_key;
  c.force_reauth = settings.force_reauth;
  c.hostinfo.hostname = settings.hostname.empty() ? own_hostname() : settings.hostname;
  c.hostinfo.os = "linux";
  c.hostinfo.os_version = kernel_release();
  c.hostinfo.client_version =
      settings.client_version.empty() ? "weft" : "weft " + settings.client_version;
  c.hostinfo.advertised_routes = advertised_routes(settings.routes);
  auto engine = engine::Engine::create(config, d.rng);
  if (!engine.ok()) return engine.error();
  d.engine = std::move(*engine);

  auto tun = runtime::TunDevice::create(settings.interface_name,
                                        runtime::TunOptions{.offloads = settings.offloads});
  if (!tun.ok()) return tun.error();
  d.tun = std::move(*tun);
  if (!d.tun->offload_refusal().empty()) {
    d.log("TUN offloads refused by the kernel (" + d.tun->offload_refusal() +
          "): plain packets, one per read and write");
  }
  auto udp = runtime::UdpSocket::bind_any(settings.port);
  if (!udp.ok()) return udp.error();

  d.core.emplace(*d.engine);
  d.path = std::make_unique<dataplane::DataPath>(d.loop, *d.core, *d.tun, std::move(*udp),
                                                 dataplane::resolve_threads(settings.threads),
                                                 settings.offloads);
  d.path->on_fatal([&d](const Error& e) { d.stop(e.detail, e); });
  d.path->on_log([&d](std::string_view line) { d.log(std::string(line)); });
  ControlDriverOptions options;
  options.clock = &d.loop.clock();
  options.rng = &d.rng;
  options.on_dial_failed = [&d](const Error& e) { d.on_dial_failed(e); };
  d.control = std::make_unique<ControlDriver>(
      d.loop.io(), *d.dialer,
      std::make_unique<EngineControl>(*d.engine, *d.path,
                                      [&d](const engine::Event& e) { d.on_event(e); }),
      std::move(options));
  d.relays = std::make_unique<RelayDriver>(d.loop.io(), d.loop.clock(), *d.path, *d.engine,
                                           settings.ca_file,
                                           [&d](const std::string& line) { d.log(line); });
  d.path->on_after_event([&d](core::Now) { d.after_event(); });
  d.magic_dns = std::make_unique<MagicDns>(d.loop.io(), d.tun->ifindex(), d.tun->name(),
                                           settings.accept_dns,
                                           [&d](std::string_view line) { d.log(std::string(line)); });
  d.engine->set_exit_node(settings.routes.exit_node);
  if (!settings.routes.exit_node.empty()) d.relays->set_mark(kExitFwmark);
  d.routing = std::make_unique<NodeRouting>(d.tun->ifindex(), d.tun->name(), *d.path,
                                            settings.routes,
                                            [&d](std::string_view line) { d.log(std::string(line)); });
  if (auto s = d.routing->start(); !s.ok()) return s.error();

  d.load_cache();
  d.report_endpoints();
  d.log("node key " + core::key_to_base64(d.engine->node_public_key().bytes) + ", interface " +
        d.tun->name() + ", UDP port " + std::to_string(d.path->listen_port()) + ", server " +
        d.server_url + ", state " + d.state->dir() + ", local API " + d.api->path());
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

dataplane::Loop& Agent::loop() { return impl_->loop; }

Status Agent::run() {
  Impl& d = *impl_;
  if (auto s = d.path->start(); !s.ok()) return s;
  d.log("offloads " + std::string(d.settings.offloads ? "on" : "off") + ": " +
        d.path->offload_summary());
  d.control->start();
  d.endpoint_timer.emplace(d.loop.io());
  d.refresh_endpoints_later();
  d.loop.run();
  d.relays->close_all();
  d.control->stop();
  d.path->stop();
  const dataplane::DataPathCounters& c = d.path->counters();
  d.log("data path: udp in " + std::to_string(c.udp_datagrams_in) + ", udp out " +
        std::to_string(c.udp_datagrams_out) + ", tun in " + std::to_string(c.tun_packets_in) +
        ", tun out " + std::to_string(c.tun_packets_out) + "; offloads: " +
        dataplane::format_offload_counters(c.offload));
  return d.result;
}

void Agent::stop(std::string_view reason) { impl_->stop(reason, Ok{}); }

engine::EngineStatus Agent::status() { return impl_->engine_status(); }
const std::string& Agent::interface_name() const { return impl_->tun->name(); }
uint16_t Agent::listen_port() const { return impl_->path->listen_port(); }

}  // namespace weft::node
