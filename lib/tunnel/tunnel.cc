// `weft tunnel` as a composition of the data-plane pieces: TUN + interface setup, the data path,
// the UAPI server and the drop-counter log, all on one node loop (docs/dataplane.md, "Driver").
#include "tunnel/tunnel.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>

#include <boost/asio/post.hpp>

#include "dataplane/data_core.h"
#include "dataplane/interface_setup.h"
#include "dataplane/limits.h"
#include "dataplane/policy_routing.h"
#include "offload/error.h"
#include "routing/route_plan.h"
#include "runtime/resolve.h"
#include "runtime/system_random.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "tunnel/device_config.h"
#include "tunnel/endpoint_resolve.h"
#include "tunnel/uapi_server.h"
#include "tunnel/wg_quick.h"
#include "wg/device.h"

namespace weft::tunnel {
namespace {

// The drop-counter line is logged when the counters changed, at most this often, so a flood of
// junk cannot turn into a flood of log lines; SIGUSR1 (cli/) logs it at once.
constexpr std::chrono::seconds kDropLogInterval{10};

// Peer updates of a UAPI set applied per turn of the loop: a few milliseconds of work, so a
// 10,000-peer set holds the data path for a slice at a time instead of for the whole request.
constexpr std::size_t kApplySlice = 500;

}  // namespace

struct Tunnel::Impl final : UapiHandler {
  TunnelSettings options;
  // Declaration order is teardown order reversed: sources go before the loop.
  dataplane::Loop loop;
  runtime::SystemRandom random;
  std::unique_ptr<wg::Device> device;
  std::optional<dataplane::DataCoreOf<wg::Device>> core;  // the device as the data path drives it
  InterfaceSettings settings;
  std::optional<runtime::TunDevice> tun;
  std::unique_ptr<dataplane::DataPath> path;
  std::unique_ptr<UapiServer> uapi;
  std::optional<boost::asio::steady_timer> drop_log_timer;
  Status result = Ok{};
  uint64_t logged_drops = 0;  // total_drops() when the drop line was last logged
  // The set request whose peer updates from `pending_next` on are still to be applied.
  std::optional<UapiSetRequest> pending;
  std::size_t pending_next = 0;
  bool slice_posted = false;
  // wg-quick's side of the tunnel.
  TunnelConfig config;       // the file's, for hooks, DNS and SaveConfig
  bool ipv6_ok = true;       // the UDP socket is dual-stack
  std::unique_ptr<dataplane::InstalledRouting> routing;
  std::unique_ptr<ResolvconfRegistration> dns;
  bool up = false;           // PostUp ran: the way down runs PreDown, SaveConfig, PostDown
  bool torn_down = false;
  struct HostPeer {
    wg::PublicKey key;
    HostEndpoint host;
    bool in_flight = false;
  };
  std::vector<HostPeer> host_peers;
  std::optional<boost::asio::steady_timer> reresolve_timer;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }
  std::function<void(std::string_view)> log_fn() const {
    return [this](std::string_view line) { log(std::string(line)); };
  }

  // Runs `f(device)` under the data path's core lock (the receive thread may be in the device).
  template <class F>
  auto with_device(F&& f) {
    return path->with_core([&] { return f(*device); });
  }
  wg::DeviceStats device_stats() {
    return with_device([](wg::Device& dev) { return dev.stats(); });
  }

  // Malformed super-packets the path dropped: TUN reads happen on this (the loop's) thread, so
  // its counters are current here.
  uint64_t offload_drops() const { return path->counters().offload.offload_dropped(); }

  void log_drops() {
    wg::DeviceStats st = device_stats();
    uint64_t queue_full = path->handshake_queue_full();
    logged_drops = total_drops(st) + queue_full + offload_drops();
    std::string line = format_drops(st, queue_full);
    // Apart from total= (the core's and the handshake queue's): the driver's own refusals.
    const auto& errors = path->counters().offload.tun_offload_errors;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (errors[i] == 0) continue;
      line += std::string(" offload_") +
              offload::error_name(static_cast<offload::OffloadError>(i)) + "=" +
              std::to_string(errors[i]);
    }
    log(line);
  }

  // Logs the counters when they changed since the last line, at most every kDropLogInterval.
  void schedule_drop_log() {
    drop_log_timer->expires_after(kDropLogInterval);
    drop_log_timer->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (total_drops(device_stats()) + path->handshake_queue_full() + offload_drops() !=
          logged_drops) {
        log_drops();
      }
      schedule_drop_log();
    });
  }

  void stop(std::string_view reason, Status status) {
    log(std::string(reason));
    result = std::move(status);
    loop.stop();
  }

  std::string get() override {
    finish_pending();
    return format_get_response(
        with_device([&](wg::Device& d) { return snapshot(d, settings); }));
  }

  // A set is answered once its interface part and first slice of peers are applied; the other
  // slices follow on later turns of the loop, with the data path served in between. Applying
  // peer updates cannot fail, so the answer is already final then, and every later request
  // (get or set) first applies what is left, so no client can see the request half done.
  std::string set(const std::string& body) override {
    finish_pending();
    auto req = parse_set_body(body);
    if (!req.ok()) {
      log("uapi: set refused: " + req.error().detail);
      return format_set_response(uapi_errno_for(req.error()));
    }
    core::Now t = loop.clock().now();
    DriverChanges ch = with_device([&](wg::Device& d) {
      spell_out_replace_peers(d, *req);  // wg setconf's removals are sliced too
      return apply_set_interface(d, t, *req, settings);
    });
    int err = 0;
    if (ch.listen_port) {
      if (auto s = path->rebind(*ch.listen_port); s.ok()) {
        settings.listen_port = path->listen_port();
        log("uapi: now listening on UDP port " + std::to_string(settings.listen_port));
      } else if (s.error().code == "runtime.udp_bind") {
        log("uapi: cannot rebind: " + s.error().detail);
        err = EADDRINUSE;
      } else {
        log("uapi: cannot restart the receive path: " + s.error().detail);
        err = EIO;
      }
    }
    if (ch.fwmark && !path->set_mark(*ch.fwmark).ok()) err = EIO;
    pending = std::move(*req);
    pending_next = 0;
    apply_slice();
    return format_set_response(err);
  }

  // Applies the next kApplySlice peer updates of the pending request; posts the next slice to
  // the loop while more remain.
  void apply_slice() {
    if (!pending) return;
    core::Now t = loop.clock().now();
    std::size_t first = pending_next;
    pending_next = std::min(first + kApplySlice, pending->peers.size());
    with_device([&](wg::Device& d) {
      apply_set_peers(d, t, *pending, first, pending_next, settings);
    });
    path->after_core_change();
    if (pending_next < pending->peers.size()) {
      post_slice();
    } else {
      pending.reset();
    }
  }

  // At most one slice is posted at a time, whichever request it ends up serving.
  void post_slice() {
    if (slice_posted) return;
    slice_posted = true;
    boost::asio::post(loop.io(), [this] {
      slice_posted = false;
      apply_slice();
    });
  }

  // Applies all that is left of the pending request now (its posted slices then find nothing).
  void finish_pending() {
    while (pending) apply_slice();
  }

  ~Impl() { teardown(); }


  // wg-quick's cmd_down order; also the undoing of a start that failed half-way (then without
  // hooks and SaveConfig, as wg-quick's trap does).
  void teardown() {
    if (torn_down) return;
    torn_down = true;
    if (reresolve_timer) reresolve_timer->cancel();
    if (up) {
      if (auto s = run_hooks(config.interface.pre_down, tun->name(), log_fn()); !s.ok()) {
        log(s.error().detail);
      }
      if (config.interface.save_config && !options.config_path.empty()) {
        finish_pending();
        auto state = with_device([&](wg::Device& d) { return snapshot(d, settings); });
        auto s = write_config_file(options.config_path,
                                   format_saved_config(state, config.interface));
        log(s.ok() ? "saved the running configuration to " + options.config_path
                   : s.error().detail);
      }
    }
    routing.reset();
    std::string name = tun ? tun->name() : options.interface_name;
    uapi.reset();
    path.reset();
    tun.reset();  // the interface, its addresses and routes go with the descriptor
    dns.reset();
    if (up) {
      if (auto s = run_hooks(config.interface.post_down, name, log_fn()); !s.ok()) {
        log(s.error().detail);
      }
    }
  }

  // Every kReresolveInterval: peers with a host-name endpoint and no recent handshake have
  // their name resolved on a helper thread (never on the data path); the answer is applied on
  // the loop if it differs from the endpoint in use.
  void schedule_reresolve() {
    reresolve_timer->expires_after(kReresolveInterval);
    reresolve_timer->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      reresolve_due();
      schedule_reresolve();
    });
  }

  void reresolve_due() {
    auto now = loop.clock().now().wall;
    for (std::size_t i = 0; i < host_peers.size(); ++i) {
      HostPeer& hp = host_peers[i];
      if (hp.in_flight) continue;
      auto last = with_device([&](wg::Device& d) {
        return d.peer_stats(d.find_peer(hp.key)).last_handshake;
      });
      if (!needs_reresolve(last, now)) continue;
      hp.in_flight = true;
      runtime::resolve_on_thread(
          loop.io(), hp.host.host, hp.host.port,
          [this, i](const boost::system::error_code& ec,
                    std::vector<boost::asio::ip::tcp::endpoint> found) {
            HostPeer& peer = host_peers[i];
            peer.in_flight = false;
            if (ec) {
              log("cannot resolve " + peer.host.host + ": " + ec.message());
              return;
            }
            std::vector<core::SocketAddress> candidates = to_socket_addresses(found);
            auto chosen = pick_endpoint(candidates, ipv6_ok);
            if (!chosen) return;
            bool changed = with_device([&](wg::Device& d) {
              wg::PeerId id = d.find_peer(peer.key);
              if (id == wg::kNoPeer) return false;
              auto current = d.peer_stats(id).endpoint;
              if (current.is_udp() && current.udp == *chosen) return false;
              d.set_endpoint(id, core::Path::to_udp(*chosen));
              return true;
            });
            if (changed) {
              log("endpoint " + peer.host.host + " now resolves to " + chosen->to_string());
              path->after_core_change();
            }
          });
    }
  }

};

Tunnel::Tunnel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Tunnel::~Tunnel() = default;

namespace {

bool has_hooks(const InterfaceConfig& itf) {
  return !itf.pre_up.empty() || !itf.post_up.empty() || !itf.pre_down.empty() ||
         !itf.post_down.empty();
}

// Prefixes the kernel routes for the interface's own addresses (none for a /32 or /128).
std::vector<util::IpPrefix> connected_prefixes(const std::vector<util::InterfaceAddress>& addrs) {
  std::vector<util::IpPrefix> out;
  for (const auto& a : addrs) {
    if (a.prefix_length < a.address.bit_length()) out.emplace_back(a.address, a.prefix_length);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Tunnel>> Tunnel::start(const TunnelConfig& file_config,
                                              const TunnelSettings& options) {
  if (options.threads < 0 || options.threads > dataplane::kMaxThreads) {
    return Error{"config.invalid", "threads must be 0 (one per CPU core) to 64"};
  }
  const int threads = dataplane::resolve_threads(options.threads);
  if (has_hooks(file_config.interface) && !options.allow_hooks) {
    return Error{"config.invalid",
                 "the config has PreUp/PostUp/PreDown/PostDown hooks (shell commands run as "
                 "root); weft tunnel runs them only with --allow-hooks"};
  }
  auto impl = std::make_unique<Impl>();
  Impl& d = *impl;
  d.options = options;
  d.config = file_config;
  const InterfaceConfig& itf = d.config.interface;
  uint32_t mtu = itf.mtu.value_or(static_cast<uint32_t>(wg::kDefaultMtu));
  TunnelConfig keyed = d.config;
  if (options.bare && !keyed.interface.private_key) keyed.interface.private_key.emplace();
  wg::DeviceConfig dev_config;
  dev_config.mtu = mtu;
  if (options.bare) {
    dev_config.private_key = *keyed.interface.private_key;
  } else {
    auto checked = device_config_from(keyed, mtu);
    if (!checked.ok()) return checked.error();
    dev_config = *checked;
  }
  d.settings.private_key = *keyed.interface.private_key;
  d.settings.fwmark = itf.fwmark.value_or(0);

  if (auto s = run_hooks(itf.pre_up, options.interface_name, d.log_fn()); !s.ok()) {
    return s.error();
  }
  auto tun = runtime::TunDevice::create(options.interface_name,
                                        runtime::TunOptions{.offloads = options.offloads});
  if (!tun.ok()) return tun.error();
  d.tun = std::move(*tun);
  if (!d.tun->offload_refusal().empty()) {
    d.log("TUN offloads refused by the kernel (" + d.tun->offload_refusal() +
          "): plain packets, one per read and write");
  }
  dataplane::InterfaceLayout layout;
  layout.mtu = mtu;
  layout.addresses = itf.addresses;  // routes: the planner's, below
  if (auto s = dataplane::configure_interface(*d.tun, layout); !s.ok()) return s.error();

  auto udp = runtime::UdpSocket::bind_any(itf.listen_port.value_or(0));
  if (!udp.ok()) return udp.error();
  d.ipv6_ok = udp->dual_stack();
  for (auto& p : keyed.peers) {
    if (!p.endpoint_host) continue;
    auto resolved = resolve_endpoint_now(*p.endpoint_host, d.ipv6_ok);
    if (!resolved.ok()) return resolved.error();
    d.log("endpoint " + p.endpoint_host->host + " resolves to " + resolved->to_string());
    p.endpoint = *resolved;
    d.host_peers.push_back({p.public_key, *p.endpoint_host, false});
  }
  d.device = std::make_unique<wg::Device>(dev_config, d.random);
  d.core.emplace(*d.device);
  d.path = std::make_unique<dataplane::DataPath>(d.loop, *d.core, *d.tun, std::move(*udp),
                                                 threads, options.offloads);
  d.path->on_log(d.log_fn());
  d.settings.listen_port = d.path->listen_port();
  if (d.settings.fwmark != 0) {
    if (auto s = d.path->set_mark(d.settings.fwmark); !s.ok()) return s.error();
  }
  d.path->on_fatal([&d](const Error& e) { d.stop(e.detail, e); });

  auto uapi = UapiServer::open(d.loop, options.socket_dir + "/" + d.tun->name() + ".sock", d,
                               [&d] {
                                 d.stop("UAPI socket " + d.uapi->path() +
                                            " was deleted, shutting down",
                                        Ok{});
                               });
  if (!uapi.ok()) return uapi.error();
  d.uapi = std::move(*uapi);

  Status added = d.with_device(
      [&](wg::Device& dev) { return add_configured_peers(dev, d.loop.clock().now(), keyed, d.settings); });
  if (!added.ok()) return added.error();

  if (!itf.dns_servers.empty()) {
    auto dns = ResolvconfRegistration::add(d.tun->name(), itf.dns_servers, itf.dns_search,
                                           d.log_fn());
    if (!dns.ok()) return dns.error();
    d.dns = std::move(*dns);
  }

  routing::PlanInput plan_input;
  plan_input.table = itf.table;
  for (const auto& p : keyed.peers) {
    plan_input.allowed_ips.insert(plan_input.allowed_ips.end(), p.allowed_ips.begin(),
                                  p.allowed_ips.end());
  }
  plan_input.interface_prefixes = connected_prefixes(itf.addresses);
  plan_input.fwmark = d.settings.fwmark;
  plan_input.table_in_use = dataplane::table_in_use_checker();
  routing::RoutePlan plan = routing::plan_routes(plan_input);
  if (plan.set_fwmark != 0) {
    if (auto s = d.path->set_mark(plan.set_fwmark); !s.ok()) return s.error();
    d.settings.fwmark = plan.set_fwmark;
  }
  auto installed = dataplane::InstalledRouting::install(d.tun->ifindex(), plan, d.log_fn());
  if (!installed.ok()) return installed.error();
  d.routing = std::move(*installed);
  if (plan.policy_table != 0) {
    d.log("full tunnel: default routes in table " + std::to_string(plan.policy_table) +
          ", the tunnel's UDP marked " + std::to_string(d.settings.fwmark) +
          " (rules: not fwmark " + std::to_string(d.settings.fwmark) + " lookup " +
          std::to_string(plan.policy_table) + ", lookup main suppress_prefixlength 0)");
  }

  if (auto s = run_hooks(itf.post_up, d.tun->name(), d.log_fn()); !s.ok()) return s.error();
  d.up = true;

  d.drop_log_timer.emplace(d.loop.io());
  d.reresolve_timer.emplace(d.loop.io());
  d.log("interface " + d.tun->name() + " up (mtu " + std::to_string(mtu) + ", " +
        std::to_string(threads) + (threads == 1 ? " thread" : " threads") +
        "), UDP port " + std::to_string(d.settings.listen_port) + ", public key " +
        core::key_to_base64(d.device->public_key().bytes) + ", UAPI " + d.uapi->path());
  return std::unique_ptr<Tunnel>(new Tunnel(std::move(impl)));
}

dataplane::Loop& Tunnel::loop() { return impl_->loop; }

Status Tunnel::run() {
  Impl& d = *impl_;
  if (auto s = d.path->start(); !s.ok()) return s;
  d.log("offloads " + std::string(d.options.offloads ? "on" : "off") + ": " +
        d.path->offload_summary());
  d.schedule_drop_log();
  if (!d.host_peers.empty()) d.schedule_reresolve();
  d.loop.run();
  d.drop_log_timer->cancel();
  d.reresolve_timer->cancel();
  d.log_drops();
  d.path->stop();
  return d.result;
}

void Tunnel::stop(std::string_view reason) { impl_->stop(reason, Ok{}); }

void Tunnel::log_drops() { impl_->log_drops(); }

const std::string& Tunnel::interface_name() const { return impl_->tun->name(); }
uint16_t Tunnel::listen_port() const { return impl_->settings.listen_port; }

TunnelCounters Tunnel::counters() const {
  TunnelCounters c;
  c.path = impl_->path->counters();
  c.uapi_requests = impl_->uapi->requests();
  return c;
}

}  // namespace weft::tunnel
