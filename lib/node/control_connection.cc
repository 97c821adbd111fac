// A controlclient::Client under the control driver (control_connection.h): the adapter that
// gives the driver the client's control surface and hands its events to the caller.
#include "node/control_connection.h"

#include <utility>

namespace weft::node {

using controlclient::ClientState;

class ControlConnection::ClientCore final : public ControlCore {
 public:
  ClientCore(std::unique_ptr<controlclient::Client> c,
             std::function<void(ControlConnection&, const controlclient::Event&)> on_event)
      : client(std::move(c)), on_event_(std::move(on_event)) {}

  bool wants_connection(core::Now now) override { return client->wants_connection(now); }
  Status connected(core::Now now, core::Random& rng) override {
    return client->connected(now, rng);
  }
  void bytes(core::ByteView data, core::Now now, core::Random& rng) override {
    client->bytes(data, now, rng);
  }
  void disconnected(core::Now now) override { client->disconnected(now); }
  bool poll_transmit(controlclient::Transmit& out) override { return client->poll_transmit(out); }
  std::optional<core::Duration> next_deadline() override { return client->next_deadline(); }
  void on_deadline(core::Now now, core::Random& rng) override { client->on_deadline(now, rng); }
  bool waiting_to_connect() override { return client->state() == ClientState::kDisconnected; }
  bool dispatch_event() override {
    controlclient::Event e;
    if (!client->poll_event(e)) return false;
    // The handler may destroy the connection: nothing of it is touched afterwards.
    if (on_event_ && owner != nullptr) on_event_(*owner, e);
    return true;
  }

  std::unique_ptr<controlclient::Client> client;
  ControlConnection* owner = nullptr;  // null once the owner is destroyed

 private:
  std::function<void(ControlConnection&, const controlclient::Event&)> on_event_;
};

ControlConnection::~ControlConnection() {
  core_->owner = nullptr;
  driver_->stop();
}

Result<std::unique_ptr<ControlConnection>> ControlConnection::create(
    boost::asio::io_context& io, ControlDialer& dialer, const controlclient::ClientConfig& config,
    ControlConnectionOptions options) {
  auto client = controlclient::Client::create(config);
  if (!client) return client.error();
  std::unique_ptr<ControlConnection> conn(new ControlConnection());
  auto core = std::make_unique<ClientCore>(std::move(client).value(), std::move(options.on_event));
  core->owner = conn.get();
  conn->core_ = core.get();
  ControlDriverOptions d;
  d.clock = options.clock;
  d.rng = options.rng;
  if (options.on_dial_failed) {
    ControlConnection* self = conn.get();
    // Called only while the driver runs, which ends with the connection.
    d.on_dial_failed = [self, f = std::move(options.on_dial_failed)](const Error& e) {
      f(*self, e);
    };
  }
  conn->driver_ = std::make_unique<ControlDriver>(io, dialer, std::move(core), std::move(d));
  return conn;
}

void ControlConnection::start() { driver_->start(); }

void ControlConnection::stop() { driver_->stop(); }
void ControlConnection::reconnect() { driver_->reconnect(); }

Status ControlConnection::set_auth_key(const std::string& auth_key) {
  Status s = core_->client->set_auth_key(auth_key, driver_->now());
  if (s.ok()) driver_->post_drive();
  return s;
}

Status ControlConnection::set_endpoints(const std::vector<core::SocketAddress>& endpoints,
                                        uint16_t home_region) {
  Status s = core_->client->set_endpoints(endpoints, home_region, driver_->now());
  if (s.ok()) driver_->post_drive();
  return s;
}

const controlclient::Client& ControlConnection::client() const { return *core_->client; }
const ControlConnectionCounters& ControlConnection::counters() const {
  return driver_->counters();
}
const Error& ControlConnection::last_dial_error() const { return driver_->last_dial_error(); }
bool ControlConnection::connected() const { return driver_->connected(); }

}  // namespace weft::node
