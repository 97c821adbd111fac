// A byte pump over one upgraded HTTP connection (plain TCP or TLS): reads are handed to a
// callback as they arrive, sends are queued and written in order. Shared by the server's
// control listener and the node's dial; the Beast/Asio types stay behind this interface.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/bytes.h"

namespace weft::stream {

/// Why a pump stopped delivering bytes.
enum class PumpEnd : uint8_t {
  kPeerClosed,   // the peer closed its side (EOF, TLS close_notify or a truncated TLS stream)
  kReadFailed,   // a read failed (reset, TLS error)
  kWriteFailed,  // a write failed
  kSlowReader,   // send() would have queued more than PumpLimits::max_queued_bytes
  kClosedHere,   // close(), or send(..., close_after) was called
};

const char* to_string(PumpEnd end);

struct PumpLimits {
  /// Bytes accepted by send() and not yet written beyond which the peer counts as a slow
  /// reader and the connection is closed; the queue is what a peer that stops reading can
  /// make this process hold.
  std::size_t max_queued_bytes = 16u << 20;
  /// The read buffer of a TLS stream (kept per connection, since decrypted bytes wait in it).
  /// Plain TCP reads into one buffer per thread once the socket is readable, so ten thousand
  /// idle connections hold no read buffers.
  std::size_t tls_read_buffer = 16 * 1024;
  /// After close_after, how long the last bytes may take to be written and the peer to close
  /// its side, before the socket is closed regardless. Reading on until the peer's EOF keeps
  /// unread input from turning the close into a reset that destroys the last bytes in flight.
  std::chrono::milliseconds linger{5000};
};

struct PumpHandlers {
  /// Bytes read, in order. The view is valid only during the call.
  std::function<void(core::ByteView)> bytes;
  /// Called exactly once when the pump stops delivering bytes; then the handlers are dropped.
  std::function<void(PumpEnd)> closed;
  /// Optional: called when every byte accepted by send() has been written (the queue became
  /// empty) while the pump is open, for drivers that hold their output until the stream can
  /// take it. It may call send and close.
  std::function<void()> drained;
};

/// Calling contract: single-threaded, on the io_context's thread. Handlers are only ever
/// called from the io_context (never inside start, send or close), and may call send and
/// close themselves.
class BytePump {
 public:
  virtual ~BytePump() = default;
  BytePump() = default;
  BytePump(const BytePump&) = delete;
  BytePump& operator=(const BytePump&) = delete;

  /// Starts delivering: first the bytes that arrived together with the HTTP exchange, then
  /// what the stream reads. Call once.
  virtual void start(PumpHandlers handlers) = 0;
  /// Queues `bytes` behind earlier sends; with `close_after`, the connection is closed once
  /// they are written (and no further bytes are delivered). False, sending nothing, when the
  /// pump is no longer open, or when the queue limit is exceeded: then the pump closes with
  /// kSlowReader.
  virtual bool send(std::vector<uint8_t> bytes, bool close_after = false) = 0;
  /// Closes now, dropping unwritten bytes.
  virtual void close() = 0;
  /// True until the pump ended (or started closing).
  virtual bool is_open() const = 0;
  /// Bytes accepted by send() and not yet written.
  virtual std::size_t queued_bytes() const = 0;
};

}  // namespace weft::stream
