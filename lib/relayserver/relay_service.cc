// The relay service (relay_service.h): the one place the relay core meets the io_context.
#include "relayserver/relay_service.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/drive.h"
#include "core/key_text.h"

namespace weft::relayserver {

// The largest piece of output handed to the stream at once: frames are copied out of the
// core's queue in pieces this big, so a busy connection costs one allocation per piece, not
// per packet.
constexpr std::size_t kChunk = 64 * 1024;

struct RelayService::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::optional<core::Duration> armed;
};

RelayService::RelayService(boost::asio::io_context& io, RelayServiceConfig config,
                           Transport& transport, core::Random& rng,
                           const runtime::MonotonicClock& clock)
    : config_(std::move(config)),
      transport_(transport),
      clock_(clock),
      server_(
          [&] {
            relay::ServerConfig c = config_.server;
            c.verify_clients = config_.verifier != nullptr;
            return c;
          }(),
          rng),
      timer_(std::make_unique<Timer>(io)),
      alive_(std::make_shared<bool>(true)) {}

RelayService::~RelayService() {
  *alive_ = false;
  timer_->timer.cancel();
}

void RelayService::opened(uint64_t id) {
  server_.accept(id, clock_.now());
  settle();
}

void RelayService::bytes(uint64_t id, core::ByteView data) {
  server_.receive(id, data, clock_.now());
  settle();
}

void RelayService::closed(uint64_t id) {
  server_.closed(id, clock_.now());
  settle();
}

void RelayService::drained(uint64_t id) {
  flush(id);
  arm();
}

void RelayService::settle() {
  relay::ServerEvent e;
  while (server_.poll_event(e)) {
    if (e.kind == relay::ServerEventKind::kVerify && config_.verifier) {
      std::weak_ptr<bool> alive = alive_;
      const uint64_t conn = e.conn;
      config_.verifier->verify(e.node_key, [this, alive, conn](bool allowed) {
        auto a = alive.lock();
        if (!a || !*a) return;
        server_.verified(conn, allowed, clock_.now());
        settle();
      });
    } else if (e.kind == relay::ServerEventKind::kCutOff && config_.log) {
      config_.log(std::string("relay: cut off connection ") + std::to_string(e.conn) + " (" +
                  relay::to_code(e.reason) + ")" +
                  (e.node_key.is_zero() ? "" : " node " + core::key_to_base64(e.node_key.bytes)));
    }
  }
  relay::ConnId id;
  while (server_.poll_writable(id)) flush(id);
  arm();
}

void RelayService::flush(uint64_t id) {
  while (transport_.queued_bytes(id) < config_.high_water) {
    chunk_.resize(kChunk);
    relay::ConnOutput o = server_.poll_output(id, core::MutableBytes{chunk_.data(), chunk_.size()});
    if (o.size == 0 && !o.close) return;
    chunk_.resize(o.size);
    if (o.close) {
      if (o.size > 0) {
        transport_.send(id, std::move(chunk_), /*close_after=*/true);
      } else {
        transport_.close(id);
      }
      return;
    }
    if (!transport_.send(id, std::move(chunk_), false)) return;
  }
}

void RelayService::arm() {
  auto deadline = server_.next_deadline();
  if (deadline == timer_->armed) return;
  timer_->armed = deadline;
  if (!deadline) {
    timer_->timer.cancel();
    return;
  }
  timer_->timer.expires_at(clock_.at(*deadline));
  std::weak_ptr<bool> alive = alive_;
  timer_->timer.async_wait([this, alive](const boost::system::error_code& ec) {
    auto a = alive.lock();
    if (ec || !a || !*a) return;
    timer_->armed.reset();
    server_.update_timers(clock_.now());
    settle();
  });
}

}  // namespace weft::relayserver
