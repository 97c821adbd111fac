// StreamPump: the byte pump over plain TCP (readiness, then reads into a per-thread buffer)
// and over TLS (reads into a per-connection buffer); queued in-order writes; closing with a
// linger so the last bytes are not lost to a reset.
#include "stream/stream_pump.h"

#include <array>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

namespace weft::stream {
namespace {

// Plain TCP reads at most this many buffers per readiness before letting other connections
// run, so one fast sender cannot starve the loop.
constexpr int kReadsPerWakeup = 4;
constexpr std::size_t kPlainReadBuffer = 64 * 1024;
// Writes gather at most this many queued sends into one call.
constexpr std::size_t kMaxGather = 64;

bool is_eof(const boost::system::error_code& ec) {
  // A TLS peer that closes TCP without close_notify reads as stream_truncated; the frames
  // above are length-prefixed and authenticated, so that is no more than an EOF to us.
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace

const char* to_string(PumpEnd end) {
  switch (end) {
    case PumpEnd::kPeerClosed:
      return "peer closed";
    case PumpEnd::kReadFailed:
      return "read failed";
    case PumpEnd::kWriteFailed:
      return "write failed";
    case PumpEnd::kSlowReader:
      return "slow reader";
    case PumpEnd::kClosedHere:
      return "closed here";
  }
  return "unknown";
}

template <class Stream>
void StreamPump<Stream>::start(PumpHandlers handlers) {
  if (started_) return;
  started_ = true;
  handlers_ = std::move(handlers);
  boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->reported_) {  // ended before start: still tell, exactly once
      auto h = std::move(self->handlers_);
      if (h.closed) h.closed(self->end_);
      return;
    }
    std::vector<uint8_t> early = std::move(self->leftover_);
    if (!early.empty() && !self->deliver(early.data(), early.size())) return;
    self->read();
  });
}

template <class Stream>
bool StreamPump<Stream>::send(std::vector<uint8_t> bytes, bool close_after) {
  if (state_ != State::kOpen) return false;
  if (queued_ + bytes.size() > limits_.max_queued_bytes) {
    report(PumpEnd::kSlowReader);
    abort();
    return false;
  }
  queued_ += bytes.size();
  if (!bytes.empty()) queue_.push_back(std::move(bytes));
  if (close_after) {
    report(PumpEnd::kClosedHere);
    begin_closing();
  }
  write();
  return true;
}

template <class Stream>
void StreamPump<Stream>::close() {
  if (state_ == State::kClosed) return;
  report(PumpEnd::kClosedHere);
  abort();
}

template <class Stream>
void StreamPump<Stream>::read() {
  if (reading_ || state_ == State::kClosed) return;
  if (state_ == State::kOpen && !started_) return;  // the HTTP phase reads for itself
  reading_ = true;
  auto self = this->shared_from_this();
  if constexpr (kTls) {
    tls_buffer_.resize(limits_.tls_read_buffer);
    stream_.async_read_some(boost::asio::buffer(tls_buffer_),
                            [self](const boost::system::error_code& ec, std::size_t n) {
                              self->reading_ = false;
                              self->on_tls_read(ec, n);
                            });
  } else {
    if (!nonblocking_) {
      boost::system::error_code ignored;
      socket().non_blocking(true, ignored);  // a failure shows as an error of the first read
      nonblocking_ = true;
    }
    socket().async_wait(boost::asio::ip::tcp::socket::wait_read,
                        [self](const boost::system::error_code& ec) {
                          self->reading_ = false;
                          self->on_readable(ec);
                        });
  }
}

template <class Stream>
void StreamPump<Stream>::on_readable(const boost::system::error_code& ec) {
  if (state_ == State::kClosed || read_ended(ec)) return;
  thread_local std::array<uint8_t, kPlainReadBuffer> buffer;
  for (int i = 0; i < kReadsPerWakeup; ++i) {
    boost::system::error_code rec;
    std::size_t n = socket().read_some(boost::asio::buffer(buffer), rec);
    if (rec == boost::asio::error::would_block || rec == boost::asio::error::try_again) break;
    if (read_ended(rec) || !deliver(buffer.data(), n)) return;
  }
  read();
}

template <class Stream>
void StreamPump<Stream>::on_tls_read(const boost::system::error_code& ec, std::size_t n) {
  if (state_ == State::kClosed) return;
  if (n > 0 && !deliver(tls_buffer_.data(), n)) return;
  if (read_ended(ec)) return;
  read();
}

template <class Stream>
bool StreamPump<Stream>::read_ended(const boost::system::error_code& ec) {
  if (!ec) return false;
  if (is_eof(ec)) {
    on_eof();
  } else {
    report(PumpEnd::kReadFailed);
    abort();
  }
  return true;
}

template <class Stream>
bool StreamPump<Stream>::deliver(const uint8_t* data, std::size_t n) {
  if (state_ == State::kOpen && handlers_.bytes) handlers_.bytes(core::ByteView{data, n});
  return state_ != State::kClosed;  // the handler may have closed the pump
}

template <class Stream>
void StreamPump<Stream>::on_eof() {
  switch (state_) {
    case State::kOpen:
      report(PumpEnd::kPeerClosed);
      abort();
      return;
    case State::kClosing:  // the peer is done sending; it may still read our last bytes
      return;
    case State::kLingering:
    case State::kClosed:
      abort();
      return;
  }
}

template <class Stream>
void StreamPump<Stream>::write() {
  if (write_pending_ || state_ == State::kClosed) return;
  if (queue_.empty()) {
    if (state_ == State::kClosing) shut_down();
    return;
  }
  writing_.clear();
  for (const auto& b : queue_) {
    writing_.push_back(boost::asio::buffer(b));
    if (writing_.size() == kMaxGather) break;
  }
  write_pending_ = true;
  boost::asio::async_write(
      stream_, writing_,
      [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        self->write_pending_ = false;
        if (self->state_ == State::kClosed) {
          self->queue_.clear();  // kept by abort() while this write could still read it
          return;
        }
        if (ec) {
          self->report(PumpEnd::kWriteFailed);
          self->abort();
          return;
        }
        for (std::size_t i = 0; i < self->writing_.size(); ++i) {
          self->queued_ -= self->queue_.front().size();
          self->queue_.pop_front();
        }
        self->writing_.clear();
        // Told before the next write starts, so a driver that pulls output on demand (the
        // relay) refills the queue behind this write instead of waiting for another one.
        if (self->queue_.empty() && self->state_ == State::kOpen && self->handlers_.drained) {
          self->handlers_.drained();
        }
        self->write();
      });
}

// TLS too ends with a TCP half-close rather than close_notify: an SSL shutdown cannot run
// beside the read that drains the peer, and the peer reads truncation as EOF (see is_eof).
template <class Stream>
void StreamPump<Stream>::shut_down() {
  state_ = State::kLingering;
  boost::system::error_code ignored;
  socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  read();
}

template <class Stream>
void StreamPump<Stream>::begin_closing() {
  state_ = State::kClosing;
  linger_timer_.expires_after(limits_.linger);
  linger_timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->abort();
  });
  read();
}

template <class Stream>
void StreamPump<Stream>::report(PumpEnd end) {
  if (reported_) return;
  reported_ = true;
  end_ = end;
  if (!started_) return;  // start() reports it
  boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    auto h = std::move(self->handlers_);  // dropping them breaks cycles through captures
    if (h.closed) h.closed(self->end_);
  });
}

template <class Stream>
void StreamPump<Stream>::abort() {
  state_ = State::kClosed;
  if (!write_pending_) queue_.clear();
  queued_ = 0;
  linger_timer_.cancel();
  boost::beast::get_lowest_layer(stream_).close();
}

template class StreamPump<TcpStream>;
template class StreamPump<TlsStream>;

}  // namespace weft::stream
