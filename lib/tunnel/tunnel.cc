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
#include "runtime/system_random.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "tunnel/device_config.h"
#include "tunnel/uapi_server.h"
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

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // Runs `f(device)` under the data path's core lock (the receive thread may be in the device).
  template <class F>
  auto with_device(F&& f) {
    return path->with_core([&] { return f(*device); });
  }
  wg::DeviceStats device_stats() {
    return with_device([](wg::Device& dev) { return dev.stats(); });
  }

  void log_drops() {
    wg::DeviceStats st = device_stats();
    uint64_t queue_full = path->handshake_queue_full();
    logged_drops = total_drops(st) + queue_full;
    log(format_drops(st, queue_full));
  }

  // Logs the counters when they changed since the last line, at most every kDropLogInterval.
  void schedule_drop_log() {
    drop_log_timer->expires_after(kDropLogInterval);
    drop_log_timer->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (total_drops(device_stats()) + path->handshake_queue_full() != logged_drops) {
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
};

Tunnel::Tunnel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Tunnel::~Tunnel() = default;

Result<std::unique_ptr<Tunnel>> Tunnel::start(const TunnelConfig& config,
                                              const TunnelSettings& options) {
  if (options.threads != 1 && options.threads != 2) {
    return Error{"config.invalid", "threads must be 1 or 2"};
  }
  auto impl = std::make_unique<Impl>();
  Impl& d = *impl;
  d.options = options;
  uint32_t mtu = config.interface.mtu.value_or(static_cast<uint32_t>(wg::kDefaultMtu));
  auto dev_config = device_config_from(config, mtu);
  if (!dev_config.ok()) return dev_config.error();
  d.settings.private_key = *config.interface.private_key;
  d.settings.fwmark = config.interface.fwmark.value_or(0);

  auto tun = runtime::TunDevice::create(options.interface_name);
  if (!tun.ok()) return tun.error();
  d.tun = std::move(*tun);
  dataplane::InterfaceLayout layout;
  layout.mtu = mtu;
  layout.addresses = config.interface.addresses;
  for (const auto& p : config.peers) {
    layout.routes.insert(layout.routes.end(), p.allowed_ips.begin(), p.allowed_ips.end());
  }
  auto skipped = dataplane::configure_interface(*d.tun, layout);
  if (!skipped.ok()) return skipped.error();
  for (const auto& r : *skipped) {
    d.log("not installing default route " + r.to_string() +
          " (route it yourself, e.g. with policy routing)");
  }

  auto udp = runtime::UdpSocket::bind_any(config.interface.listen_port.value_or(0));
  if (!udp.ok()) return udp.error();
  d.device = std::make_unique<wg::Device>(*dev_config, d.random);
  d.core.emplace(*d.device);
  d.path = std::make_unique<dataplane::DataPath>(d.loop, *d.core, *d.tun, std::move(*udp),
                                                 options.threads);
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
      [&](wg::Device& dev) { return add_configured_peers(dev, d.loop.clock().now(), config, d.settings); });
  if (!added.ok()) return added.error();

  d.drop_log_timer.emplace(d.loop.io());
  d.log("interface " + d.tun->name() + " up (mtu " + std::to_string(mtu) + ", " +
        std::to_string(options.threads) + (options.threads == 1 ? " thread" : " threads") +
        "), UDP port " + std::to_string(d.settings.listen_port) + ", public key " +
        core::key_to_base64(d.device->public_key().bytes) + ", UAPI " + d.uapi->path());
  return std::unique_ptr<Tunnel>(new Tunnel(std::move(impl)));
}

dataplane::Loop& Tunnel::loop() { return impl_->loop; }

Status Tunnel::run() {
  Impl& d = *impl_;
  if (auto s = d.path->start(); !s.ok()) return s;
  d.schedule_drop_log();
  d.loop.run();
  d.drop_log_timer->cancel();
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
