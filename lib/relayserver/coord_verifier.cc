// The coordination server verifier (coord_verifier.h): a cache in front of one control
// connection that is opened when a question needs it and dropped when it fails.
#include "relayserver/coord_verifier.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "relayserver/verify_channel.h"
#include "stream/byte_pump.h"

namespace weft::relayserver {

struct CoordVerifier::State : std::enable_shared_from_this<CoordVerifier::State> {
  enum class Phase : uint8_t { kIdle, kConnecting, kOpen };
  struct Cached {
    bool allowed = false;
    core::Duration expires{};
  };

  State(boost::asio::io_context& io, CoordVerifierOptions o, const core::MachinePrivateKey& m,
        core::Random& r, const runtime::MonotonicClock& c)
      : options(std::move(o)), machine(m), rng(r), clock(c), timer(io) {}

  void verify(const core::NodePublicKey& key, std::function<void(bool)> done) {
    const core::Duration now = clock.now().mono;
    auto hit = cache.find(key);
    if (hit != cache.end() && hit->second.expires > now) {
      ++counters.cache_hits;
      done(hit->second.allowed);
      return;
    }
    auto& list = waiters[key];
    list.push_back(std::move(done));
    if (list.size() > 1) return;  // already asked
    to_ask.push_back(key);
    if (phase == Phase::kOpen) {
      send_questions();
    } else if (phase == Phase::kIdle) {
      connect();
    }
    arm_timeout();
  }

  void connect() {
    phase = Phase::kConnecting;
    std::weak_ptr<State> weak = weak_from_this();
    if (!server_key) {
      dialer->fetch_key([weak](Result<core::MachinePublicKey> key) {
        auto s = weak.lock();
        if (!s || s->phase != Phase::kConnecting) return;
        if (!key.ok()) return s->fail("cannot fetch the server's key: " + key.error().detail);
        s->server_key = *key;
        s->dial();
      });
      return;
    }
    dial();
  }

  void dial() {
    std::weak_ptr<State> weak = weak_from_this();
    dialer->dial([weak](node::DialResult r) {
      auto s = weak.lock();
      if (!s || s->phase != Phase::kConnecting) {
        if (r.stream) r.stream->close();
        return;
      }
      if (!r.ok()) return s->fail(r.error.code + ": " + r.error.detail);
      s->opened(std::move(r.stream));
    });
  }

  void opened(std::shared_ptr<stream::BytePump> pump) {
    ++counters.connections;
    stream = std::move(pump);
    channel = std::make_unique<VerifyChannel>(machine, *server_key);
    if (auto st = channel->start(rng); !st.ok()) return fail(st.error().detail);
    phase = Phase::kOpen;
    std::weak_ptr<State> weak = weak_from_this();
    stream::PumpHandlers h;
    h.bytes = [weak](core::ByteView data) {
      if (auto s = weak.lock()) s->on_bytes(data);
    };
    h.closed = [weak](stream::PumpEnd end) {
      auto s = weak.lock();
      if (s && s->phase == Phase::kOpen) {
        s->fail(std::string("the verification connection ended: ") + stream::to_string(end));
      }
    };
    stream->start(std::move(h));
    send_questions();
  }

  void send_questions() {
    for (const auto& key : to_ask) {
      ++counters.asked;
      if (auto st = channel->ask(key); !st.ok()) return fail(st.error().detail);
    }
    to_ask.clear();
    flush();
  }

  void flush() {
    auto bytes = channel->take_output();
    if (!bytes.empty() && stream) stream->send(std::move(bytes));
  }

  void on_bytes(core::ByteView data) {
    if (phase != Phase::kOpen) return;
    if (auto st = channel->receive(data); !st.ok()) {
      return fail(st.error().code + ": " + st.error().detail);
    }
    flush();
    control::VerifyNodeResponse answer;
    const core::Duration now = clock.now().mono;
    while (channel && channel->poll_answer(answer)) {
      ++(answer.allowed ? counters.allowed : counters.refused);
      if (cache.size() >= options.max_cached) cache.clear();
      cache[answer.node_key] = Cached{
          answer.allowed, now + (answer.allowed ? options.allowed_ttl : options.refused_ttl)};
      answer_waiters(answer.node_key, answer.allowed);
    }
    arm_timeout();
  }

  void answer_waiters(const core::NodePublicKey& key, bool allowed) {
    auto it = waiters.find(key);
    if (it == waiters.end()) return;
    auto list = std::move(it->second);
    waiters.erase(it);
    for (auto& done : list) done(allowed);
  }

  void arm_timeout() {
    if (waiters.empty()) {
      timer.cancel();
      return;
    }
    timer.expires_after(options.answer_timeout);
    std::weak_ptr<State> weak = weak_from_this();
    timer.async_wait([weak](const boost::system::error_code& ec) {
      auto s = weak.lock();
      if (!ec && s && !s->waiters.empty()) s->fail("no answer from the coordination server in time");
    });
  }

  /// Ends the connection and refuses every open question (fail closed); the next question
  /// connects again.
  void fail(const std::string& why) {
    if (options.log) options.log("relay: client verification: " + why);
    phase = Phase::kIdle;
    if (stream) stream->close();
    stream.reset();
    channel.reset();
    to_ask.clear();
    timer.cancel();
    auto all = std::move(waiters);
    waiters.clear();
    for (auto& [key, list] : all) {
      for (auto& done : list) {
        ++counters.failed;
        done(false);
      }
    }
  }

  CoordVerifierOptions options;
  core::MachinePrivateKey machine;
  core::Random& rng;
  const runtime::MonotonicClock& clock;
  boost::asio::steady_timer timer;
  std::unique_ptr<node::ControlDialer> dialer;
  std::optional<core::MachinePublicKey> server_key;
  Phase phase = Phase::kIdle;
  std::shared_ptr<stream::BytePump> stream;
  std::unique_ptr<VerifyChannel> channel;
  std::vector<core::NodePublicKey> to_ask;
  std::map<core::NodePublicKey, std::vector<std::function<void(bool)>>> waiters;
  std::map<core::NodePublicKey, Cached> cache;
  CoordVerifierCounters counters;
};

Result<std::unique_ptr<CoordVerifier>> CoordVerifier::create(boost::asio::io_context& io,
                                                             CoordVerifierOptions options,
                                                             const core::MachinePrivateKey& machine,
                                                             core::Random& rng,
                                                             const runtime::MonotonicClock& clock) {
  options.dial.upgrade = node::Upgrade::kControl;
  auto dialer = node::ControlDialer::create(io, options.server_url, options.dial);
  if (!dialer.ok()) return dialer.error();
  auto state = std::make_shared<State>(io, std::move(options), machine, rng, clock);
  state->dialer = std::move(*dialer);
  return std::unique_ptr<CoordVerifier>(new CoordVerifier(std::move(state)));
}

CoordVerifier::~CoordVerifier() {
  state_->phase = State::Phase::kIdle;
  if (state_->stream) state_->stream->close();
  state_->timer.cancel();
}

void CoordVerifier::verify(const core::NodePublicKey& node_key, std::function<void(bool)> done) {
  state_->verify(node_key, std::move(done));
}

const CoordVerifierCounters& CoordVerifier::counters() const { return state_->counters; }

}  // namespace weft::relayserver
