// The node loop on Boost.Asio (see loop.h). Readiness waits (async_wait) rather than Asio's own
// reads keep the batched recvmmsg/sendmmsg path: one wake-up, then up to a batch per call.
#include "dataplane/loop.h"

#include <unistd.h>

#include <boost/asio/post.hpp>

namespace weft::dataplane {

// The io_context is only ever used from the thread that runs it (the receive thread talks to
// the loop through an eventfd, signals arrive through Asio's self-pipe), so Asio may drop every
// lock in its scheduler and reactor.
Loop::Loop()
    : io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE), work_(boost::asio::make_work_guard(io_)) {}

void Loop::run() {
  io_.restart();
  io_.run();
}

void Loop::stop() { io_.stop(); }

ReadWatch::ReadWatch(Loop& loop, int fd, std::function<bool()> on_readable)
    : fd_(loop.io()), on_readable_(std::move(on_readable)) {
  // The stream_descriptor would close the descriptor on destruction; ~ReadWatch releases it.
  fd_.assign(fd);
}

ReadWatch::~ReadWatch() {
  stop();
  (void)fd_.release();
}

void ReadWatch::start() {
  if (running_) return;
  running_ = true;
  wait();
}

void ReadWatch::stop() {
  if (!running_) return;
  running_ = false;
  ++generation_;
  boost::system::error_code ignored;
  fd_.cancel(ignored);
}

void ReadWatch::rewatch(int fd) {
  bool was_running = running_;
  stop();
  (void)fd_.release();
  fd_.assign(fd);
  if (was_running) start();
}

void ReadWatch::wait() {
  uint64_t gen = generation_;
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                 [this, gen](const boost::system::error_code& ec) {
                   // An aborted wait may complete after this object is gone: touch nothing.
                   if (ec == boost::asio::error::operation_aborted) return;
                   if (gen != generation_ || !running_) return;
                   fire();
                 });
}

void ReadWatch::fire() {
  bool more = on_readable_();
  if (!running_) return;  // the callback stopped us
  if (!more) {
    wait();
    return;
  }
  uint64_t gen = generation_;
  boost::asio::post(fd_.get_executor(), [this, gen] {
    if (gen != generation_ || !running_) return;
    fire();
  });
}

DeadlineTimer::DeadlineTimer(Loop& loop, std::function<void()> on_expiry)
    : clock_(loop.clock()), timer_(loop.io()), on_expiry_(std::move(on_expiry)) {}

void DeadlineTimer::arm(std::optional<core::Duration> deadline) {
  if (!deadline) return;  // an armed timer firing with nothing due is harmless
  if (armed_ && *armed_ <= *deadline) return;
  armed_ = deadline;
  uint64_t gen = ++generation_;
  timer_.expires_at(clock_.at(*deadline));
  timer_.async_wait([this, gen](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted || gen != generation_) return;
    armed_.reset();
    on_expiry_();
  });
}

void DeadlineTimer::cancel() {
  ++generation_;
  armed_.reset();
  timer_.cancel();
}

}  // namespace weft::dataplane
