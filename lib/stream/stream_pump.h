// The BytePump over a Beast TCP stream or an Asio TLS stream on one. Internal to the drivers
// that speak HTTP first (control_listener.cc, node/control_dial.cc): it includes Beast, so
// nothing else should include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "stream/byte_pump.h"

namespace weft::stream {

using TcpStream = boost::beast::tcp_stream;
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

/// The HTTP phase uses stream() directly (Beast reads and writes); then start() hands the
/// connection to the pump. Held by shared_ptr: pending operations keep it alive.
template <class Stream>
class StreamPump final : public BytePump, public std::enable_shared_from_this<StreamPump<Stream>> {
 public:
  template <class... StreamArgs>
  explicit StreamPump(PumpLimits limits, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...),
        limits_(limits),
        linger_timer_(stream_.get_executor()) {}

  Stream& stream() { return stream_; }
  boost::asio::ip::tcp::socket& socket() { return boost::beast::get_lowest_layer(stream_).socket(); }
  /// Bytes read past the end of the HTTP exchange, delivered first by start().
  void set_leftover(const uint8_t* data, std::size_t size) { leftover_.assign(data, data + size); }
  /// Something the stream needs alive as long as the pump (its TLS context).
  void keep_alive(std::shared_ptr<void> thing) { keep_alive_ = std::move(thing); }

  void start(PumpHandlers handlers) override;
  bool send(std::vector<uint8_t> bytes, bool close_after = false) override;
  void close() override;
  bool is_open() const override { return state_ == State::kOpen; }
  std::size_t queued_bytes() const override { return queued_; }

 private:
  enum class State : uint8_t {
    kOpen,       // delivering reads, writing sends
    kClosing,    // close_after: writing the rest; reads are discarded
    kLingering,  // written and shut down: discarding reads until the peer's EOF
    kClosed,
  };
  static constexpr bool kTls = !std::is_same_v<Stream, TcpStream>;

  void read();
  void on_readable(const boost::system::error_code& ec);
  void on_tls_read(const boost::system::error_code& ec, std::size_t n);
  /// Hands bytes to the handler when open; returns false when the pump closed meanwhile.
  bool deliver(const uint8_t* data, std::size_t n);
  /// Ends reading on an EOF or a read error; false when `ec` is neither.
  bool read_ended(const boost::system::error_code& ec);
  void on_eof();
  void write();
  void shut_down();
  void report(PumpEnd end);
  void abort();
  void begin_closing();

  Stream stream_;
  PumpLimits limits_;
  boost::asio::steady_timer linger_timer_;
  std::shared_ptr<void> keep_alive_;
  PumpHandlers handlers_;
  std::vector<uint8_t> leftover_;
  std::vector<uint8_t> tls_buffer_;
  std::deque<std::vector<uint8_t>> queue_;
  std::vector<boost::asio::const_buffer> writing_;  // the buffers of the write in flight
  std::size_t queued_ = 0;
  State state_ = State::kOpen;
  bool started_ = false;
  bool reported_ = false;
  bool reading_ = false;
  bool write_pending_ = false;
  bool nonblocking_ = false;  // the plain socket's user-mode non-blocking flag is set
  PumpEnd end_ = PumpEnd::kClosedHere;
};

extern template class StreamPump<TcpStream>;
extern template class StreamPump<TlsStream>;

}  // namespace weft::stream
