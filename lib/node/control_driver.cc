// The control driver (control_driver.h): one ControlCore between a ControlDialer's byte pumps
// and one steady_timer, with the core's calling contract carried out after every call into it.
#include "node/control_driver.h"

#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/system_random.h"

namespace weft::node {

namespace asio = boost::asio;

struct ControlDriver::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, ControlDialer& dialer, std::unique_ptr<ControlCore> c,
       ControlDriverOptions o)
      : io(io),
        dialer(dialer),
        core(std::move(c)),
        on_dial_failed(std::move(o.on_dial_failed)),
        clock(o.clock != nullptr ? o.clock : &own_clock),
        rng(o.rng != nullptr ? o.rng : &own_rng),
        timer(io) {}

  asio::io_context& io;
  ControlDialer& dialer;
  // Owned here, so that a consumer destroying the driver while an event is dispatched leaves
  // the core alive until the round that dispatched it has returned.
  std::unique_ptr<ControlCore> core;
  std::function<void(const Error&)> on_dial_failed;
  runtime::MonotonicClock own_clock;
  runtime::SystemRandom own_rng;
  const runtime::MonotonicClock* clock;
  core::Random* rng;
  asio::steady_timer timer;
  /// The deadline the timer waits for; a later deadline leaves it waiting (it re-arms when it
  /// fires), so the keepalive deadline moving with every message costs no timer operation.
  std::optional<core::Duration> armed_at;
  std::shared_ptr<stream::BytePump> stream;
  /// Counts streams: handlers of an earlier stream find a newer generation and do nothing.
  uint64_t generation = 0;
  ControlConnectionCounters counters;
  Error last_dial_error;
  bool started = false;
  bool stopped = false;
  bool dialing = false;
  bool driving = false;
  bool again = false;

  core::Now now() const { return clock->now(); }

  /// Runs `f` (a call into the core from a completion handler) as part of a round: a drive()
  /// it causes (the engine's adapter re-enters through the data path's hook) only asks for
  /// another round, so nothing is flushed before the stream is in place. drive() follows.
  template <class F>
  auto in_round(F&& f) {
    const bool was = driving;
    driving = true;
    auto r = f();
    driving = was;
    return r;
  }

  /// After any call into the core: its bytes to the stream, its events to the consumer, a dial
  /// when it wants one, the timer at its deadline. Re-entered from an event's consumer (a
  /// setter, stop), it only asks the running loop for another round.
  void drive() {
    if (stopped) return;
    if (driving) {
      again = true;
      return;
    }
    auto keep = shared_from_this();  // an event's consumer may destroy the owner
    driving = true;
    do {
      again = false;
      flush();
      while (!stopped && core->dispatch_event()) {
      }
      if (stopped) break;
      flush();
      maybe_dial();
      arm();
    } while (again && !stopped);
    driving = false;
  }

  void flush() {
    controlclient::Transmit t;
    while (core->poll_transmit(t)) {
      if (stream) {
        counters.bytes_sent += t.bytes.size();
        stream->send(std::move(t.bytes), t.close);
        // The core counts the connection as ended already; the pump writes what is queued.
        if (t.close) drop_stream();
      }
      t.bytes.clear();
    }
  }

  void drop_stream() {
    stream.reset();
    ++generation;
  }

  void maybe_dial() {
    if (!started || stopped || stream || dialing) return;
    if (!core->wants_connection(now())) return;
    dialing = true;
    ++counters.dials;
    std::weak_ptr<Impl> weak = weak_from_this();
    dialer.dial([weak](DialResult r) {
      auto self = weak.lock();
      if (!self || self->stopped) {
        if (r.stream) r.stream->close();
        return;
      }
      self->on_dialed(std::move(r));
    });
  }

  void on_dialed(DialResult r) {
    dialing = false;
    const core::Now t = now();
    if (!r.ok()) {
      ++counters.dial_failures;
      last_dial_error = std::move(r.error);
      // For the core, a connection that ended at once: it backs off as after any other.
      in_round([&] {
        if (core->connected(t, *rng).ok()) core->disconnected(t);
        return true;
      });
      if (on_dial_failed) {
        auto keep = shared_from_this();  // the handler may destroy the owner
        on_dial_failed(last_dial_error);
        if (stopped) return;
      }
      drive();
      return;
    }
    last_dial_error = Error{};
    if (!in_round([&] { return core->connected(t, *rng).ok(); })) {
      r.stream->close();
      drive();
      return;
    }
    stream = std::move(r.stream);
    const uint64_t gen = ++generation;
    std::weak_ptr<Impl> weak = weak_from_this();
    stream::PumpHandlers h;
    h.bytes = [weak, gen](core::ByteView data) {
      if (auto self = weak.lock()) self->on_bytes(gen, data);
    };
    h.closed = [weak, gen](stream::PumpEnd) {
      if (auto self = weak.lock()) self->on_closed(gen);
    };
    stream->start(std::move(h));
    drive();
  }

  void on_bytes(uint64_t gen, core::ByteView data) {
    if (gen != generation || stopped) return;
    counters.bytes_received += data.size;
    counters.last_read = now();
    in_round([&] {
      core->bytes(data, counters.last_read, *rng);
      return true;
    });
    drive();
  }

  void on_closed(uint64_t gen) {
    if (gen != generation || stopped) return;
    ++counters.disconnects;
    drop_stream();
    in_round([&] {
      core->disconnected(now());
      return true;
    });
    drive();
  }

  void arm() {
    std::optional<core::Duration> at = core->next_deadline();
    // While dialing, the core's deadline is the past reconnect time: the dial decides.
    if (dialing && core->waiting_to_connect()) at.reset();
    if (!at) {
      if (armed_at) {
        armed_at.reset();
        timer.cancel();
      }
      return;
    }
    if (armed_at && *armed_at <= *at) return;
    armed_at = at;
    timer.expires_at(clock->at(*at));
    std::weak_ptr<Impl> weak = weak_from_this();
    timer.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled or re-armed
      auto self = weak.lock();
      if (self && !self->stopped) self->on_timer();
    });
  }

  void on_timer() {
    // A wait re-armed after it completed still runs: resetting armed_at makes arm() re-arm.
    armed_at.reset();
    const core::Now t = now();
    if (auto at = core->next_deadline(); at && t.mono >= *at) {
      in_round([&] {
        core->on_deadline(t, *rng);
        return true;
      });
    }
    drive();
  }

  void reconnect() {
    if (stopped || !stream) return;
    const uint64_t gen = generation;  // a closed handler run by close() itself makes this a no-op
    stream->close();
    on_closed(gen);
  }

  void stop() {
    stopped = true;
    armed_at.reset();
    timer.cancel();
    if (stream) stream->close();
    drop_stream();
  }

  /// Setters run their drive from the io_context, so events never reach the consumer inside one.
  void post_drive() {
    std::weak_ptr<Impl> weak = weak_from_this();
    asio::post(io, [weak] {
      if (auto self = weak.lock(); self && !self->stopped) self->drive();
    });
  }
};

ControlDriver::ControlDriver(asio::io_context& io, ControlDialer& dialer,
                             std::unique_ptr<ControlCore> core, ControlDriverOptions options)
    : impl_(std::make_shared<Impl>(io, dialer, std::move(core), std::move(options))) {}

ControlDriver::~ControlDriver() { impl_->stop(); }

void ControlDriver::start() {
  if (impl_->started || impl_->stopped) return;
  impl_->started = true;
  impl_->post_drive();
}

void ControlDriver::stop() { impl_->stop(); }
void ControlDriver::post_drive() { impl_->post_drive(); }
void ControlDriver::drive() { impl_->drive(); }
void ControlDriver::reconnect() { impl_->reconnect(); }
core::Now ControlDriver::now() const { return impl_->now(); }
const ControlConnectionCounters& ControlDriver::counters() const { return impl_->counters; }
const Error& ControlDriver::last_dial_error() const { return impl_->last_dial_error; }
bool ControlDriver::connected() const { return impl_->stream != nullptr; }
bool ControlDriver::stopped() const { return impl_->stopped; }

}  // namespace weft::node
