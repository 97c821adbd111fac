// The node's relay connections on the loop (relay_driver.h): one ControlDialer dial with the
// relay upgrade per request, the pump's bytes into the engine, the engine's output into the
// pump, and relayed datagrams into DataPath::receive_relayed.
#include "node/relay_driver.h"

#include <utility>

#include "node/control_dial.h"
#include "relay/protocol.h"

namespace weft::node {
namespace {

/// Output waiting in a pump beyond which the engine's relay queues keep it (and drop, counted,
/// when full) instead of this process's memory.
constexpr std::size_t kMaxPumpBacklog = 1u << 20;

std::string relay_url(const control::RelayNode& node) {
  std::string host = node.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // an IPv6 literal
  return std::string(node.tls ? "https://" : "http://") + host + ":" +
         std::to_string(node.relay_port);
}

}  // namespace

struct RelayDriver::Link {
  uint16_t region = 0;
  std::string url;
  std::unique_ptr<ControlDialer> dialer;
  std::shared_ptr<stream::BytePump> pump;
};

RelayDriver::RelayDriver(boost::asio::io_context& io, const runtime::MonotonicClock& clock,
                         dataplane::DataPath& path, engine::Engine& engine, std::string ca_file,
                         std::function<void(const std::string&)> log)
    : io_(io),
      clock_(clock),
      path_(path),
      engine_(engine),
      ca_file_(std::move(ca_file)),
      log_(std::move(log)),
      buffer_(relay::kMaxFrameSize),
      alive_(std::make_shared<bool>(true)) {}

RelayDriver::~RelayDriver() {
  *alive_ = false;
  close_all();
}

void RelayDriver::close_all() {
  for (auto& [id, link] : links_) {
    (void)id;
    if (link->pump) link->pump->close();
  }
  links_.clear();
}

void RelayDriver::reconnect_all() {
  std::vector<uint32_t> open;
  for (const auto& [id, link] : links_)
    if (link->pump) open.push_back(id);
  for (uint32_t id : open) {
    if (auto it = links_.find(id); it != links_.end() && it->second->pump)
      it->second->pump->close();
    on_closed(id);  // a no-op when close() already ran the closed handler
  }
}

void RelayDriver::drive() {
  if (driving_) return;  // receive_relayed -> after_core_change -> hook -> here again
  driving_ = true;
  for (int round = 0; round < 8; ++round) {
    std::vector<engine::RelayRequest> requests;
    path_.with_core([&] {
      engine::RelayRequest r;
      while (engine_.poll_relay_request(r)) requests.push_back(std::move(r));
    });
    for (const auto& r : requests) {
      if (r.kind == engine::RelayRequest::Kind::kDial) {
        dial(r);
      } else if (auto it = links_.find(r.link); it != links_.end()) {
        if (it->second->pump) it->second->pump->close();
        links_.erase(it);
      }
    }
    const bool wrote = write_output();
    const bool delivered = deliver_datagrams();
    if (delivered) path_.after_core_change();  // sends and timers of what they caused
    if (requests.empty() && !wrote && !delivered) break;
  }
  driving_ = false;
}

void RelayDriver::dial(const engine::RelayRequest& request) {
  auto link = std::make_unique<Link>();
  link->region = request.region;
  link->url = relay_url(request.node);
  DialOptions options;
  options.upgrade = Upgrade::kRelay;
  options.ca_file = ca_file_;
  options.timeout = std::chrono::seconds(10);
  options.connect_timeout = std::chrono::seconds(3);
  options.keepalive_idle = std::chrono::seconds(15);
  options.keepalive_interval = std::chrono::seconds(5);
  options.keepalive_probes = 3;
  options.mark = mark_;
  options.pump.max_queued_bytes = 4 * kMaxPumpBacklog;
  ++counters_.dials;
  const uint32_t id = request.link;
  auto dialer = ControlDialer::create(io_, link->url, options);
  if (!dialer.ok()) {
    ++counters_.dial_failures;
    if (log_) log_("relay region " + std::to_string(request.region) + ": " + dialer.error().detail);
    const core::Now now = clock_.now();
    path_.with_core([&] { engine_.relay_dial_failed(id, now); });
    return;
  }
  link->dialer = std::move(*dialer);
  std::weak_ptr<bool> alive = alive_;
  link->dialer->dial([this, alive, id](DialResult r) {
    if (alive.expired() || !*alive.lock()) return;
    if (r.ok()) {
      on_dialed(id, std::move(r.stream));
    } else {
      on_dialed(id, std::move(r.error));
    }
  });
  links_[id] = std::move(link);
}

void RelayDriver::on_dialed(uint32_t id, Result<std::shared_ptr<stream::BytePump>> pump) {
  auto it = links_.find(id);
  const core::Now now = clock_.now();
  if (it == links_.end()) {  // closed while dialing
    if (pump.ok()) (*pump)->close();
    return;
  }
  Link& link = *it->second;
  if (!pump.ok()) {
    ++counters_.dial_failures;
    if (log_) log_("relay " + link.url + " unreachable: " + pump.error().detail);
    links_.erase(it);
    path_.with_core([&] { engine_.relay_dial_failed(id, now); });
    path_.after_core_change();
    return;
  }
  link.pump = std::move(*pump);
  link.dialer.reset();
  stream::PumpHandlers handlers;
  handlers.bytes = [this, id](core::ByteView data) { on_bytes(id, data); };
  handlers.closed = [this, id](stream::PumpEnd) { on_closed(id); };
  link.pump->start(std::move(handlers));
  path_.with_core([&] { engine_.relay_connected(id, now); });
  path_.after_core_change();
}

void RelayDriver::on_bytes(uint32_t id, core::ByteView data) {
  if (links_.find(id) == links_.end()) return;
  counters_.bytes_received += data.size;
  const core::Now now = clock_.now();
  path_.with_core([&] { engine_.relay_bytes(id, data, now); });
  deliver_datagrams();
  path_.after_core_change();
}

void RelayDriver::on_closed(uint32_t id) {
  auto it = links_.find(id);
  if (it == links_.end()) return;  // closed here at the engine's request
  links_.erase(it);
  const core::Now now = clock_.now();
  path_.with_core([&] { engine_.relay_disconnected(id, now); });
  path_.after_core_change();
}

bool RelayDriver::deliver_datagrams() {
  bool any = false;
  for (;;) {
    core::Path from;
    const core::Now now = clock_.now();
    const std::size_t n = path_.with_core([&] {
      return engine_.poll_relay_datagram(from, core::MutableBytes{buffer_.data(), buffer_.size()});
    });
    if (n == 0) return any;
    any = true;
    ++counters_.datagrams_in;
    path_.receive_relayed(now, from, core::ByteView{buffer_.data(), n});
  }
}

bool RelayDriver::write_output() {
  bool any = false;
  for (auto& [id, link] : links_) {
    if (!link->pump) continue;  // still dialing: the engine holds its packets
    // A connection whose socket is slow keeps its output in the engine's bounded queues (where
    // drops are counted); the others are still written.
    while (link->pump->queued_bytes() <= kMaxPumpBacklog) {
      const uint32_t lid = id;
      const std::size_t n = path_.with_core([&] {
        return engine_.poll_relay_transmit_of(lid, core::MutableBytes{buffer_.data(), buffer_.size()});
      });
      if (n == 0) break;
      any = true;
      if (link->pump->send(std::vector<uint8_t>(buffer_.begin(), buffer_.begin() + n)))
        counters_.bytes_sent += n;
    }
  }
  return any;
}

}  // namespace weft::node
