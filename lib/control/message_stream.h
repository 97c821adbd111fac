// Whole control messages (up to kMaxMessageBytes) over the channel's frames (docs/control-plane.md,
// "Messages": chunking): each frame's plaintext is one flag byte (kFinalChunk or kMoreChunks)
// and a chunk of the message. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "control/frame.h"
#include "control/messages.h"
#include "control/transport.h"
#include "core/bytes.h"
#include "util/result.h"

namespace weft::control {

/// The flag byte that starts every frame's plaintext; any other value is malformed.
inline constexpr uint8_t kMoreChunks = 0x00;
inline constexpr uint8_t kFinalChunk = 0x01;
/// The message bytes one frame carries after its flag byte.
inline constexpr std::size_t kMaxChunk = kMaxPlaintext - 1;

/// Bytes on the stream for a message of `message_size` bytes (an empty message is one frame).
constexpr std::size_t sealed_message_size(std::size_t message_size) {
  const std::size_t full = message_size / kMaxChunk;
  const std::size_t rest = message_size % kMaxChunk;
  const std::size_t frames = full + (rest > 0 || full == 0 ? 1 : 0);
  return frames * sealed_frame_size(1) + message_size;
}

/// Splits messages into frames. Calling contract: one sender per connection direction, used
/// with that direction's started Transport; a failed seal ends the connection.
class MessageSender {
 public:
  /// Appends every frame of `message` to `out` (sealed_message_size(message.size) bytes).
  /// Errors: "control.message_too_large" (over kMaxMessageBytes: nothing sealed, `out` and the
  /// transport unchanged); "control.transport" (Transport::seal refused, e.g. not started or
  /// nonce exhausted: `out` is restored to its size, but frames sealed before the refusal
  /// used their counters, so the peer would see a gap: close the connection).
  Status seal(core::ByteView message, Transport& transport, std::vector<uint8_t>& out);

 private:
  std::vector<uint8_t> plain_;  // flag + chunk, reused between frames
};

enum class ReceiveStatus : uint8_t {
  kNeedMore,  // every input byte was taken; call again with the next bytes from the socket
  kMessage,   // `message` is complete; input bytes after it are left in `input`
  kError,     // the stream is broken: close the connection
};

/// What MessageReceiver::poll produced.
struct Received {
  ReceiveStatus status = ReceiveStatus::kNeedMore;
  /// kMessage: the whole message, owned by the receiver and valid until its next poll.
  core::ByteView message;
  /// kError from the frame layer (split_frame / Transport::open); kNone for other errors.
  Refusal refusal = Refusal::kNone;
  /// kError: "control.transport", "control.message_too_large" or "control.malformed".
  Error error;
};

/// Reassembles messages from the raw bytes of the stream, in whatever pieces recv() returned.
/// It holds at most one partial frame (copied only when a frame straddles two inputs; whole
/// frames are opened straight from the caller's bytes) and the message being assembled, into
/// which each chunk is decrypted directly.
///
/// Calling contract: give each buffer recv() returned to poll(), and call poll() again with
/// the same (advanced) view until it returns kNeedMore; handle each kMessage before the next
/// call. An error is terminal: every later call returns it again. Non-copyable.
///
///   core::ByteView in{buf, n};
///   for (;;) {
///     Received r = receiver.poll(in, transport);
///     if (r.status == ReceiveStatus::kNeedMore) break;          // in.size == 0
///     if (r.status == ReceiveStatus::kError) return close(r.error);
///     handle(decode_node_message(r.message));
///   }
class MessageReceiver {
 public:
  MessageReceiver() = default;
  MessageReceiver(const MessageReceiver&) = delete;
  MessageReceiver& operator=(const MessageReceiver&) = delete;

  /// Takes bytes from the front of `input` (advancing it) until a message is complete or the
  /// input is used up. Errors (kError): "control.transport" with `refusal` (an oversized frame
  /// length, known from its 4-byte prefix; or Transport::open's kMalformed, kReplayed,
  /// kCounterGap, kDecryptFailed, kWrongState); "control.message_too_large" (the chunks pass
  /// kMaxMessageBytes: refused at that frame, before decrypting it); "control.malformed" (a
  /// frame without a flag byte, or a flag other than 0x00 / 0x01).
  Received poll(core::ByteView& input, Transport& transport);

  /// Bytes held now: the partial frame and the message assembled so far.
  std::size_t buffered() const { return frame_.size() + message_.size(); }

 private:
  bool fill_frame(core::ByteView& input, Received& failure);
  Received open_frame(core::ByteView frame, Transport& transport);
  Received fail(Received r);

  std::vector<uint8_t> frame_;    // a frame that straddles inputs
  std::vector<uint8_t> message_;  // the message being assembled (or just delivered)
  bool delivered_ = false;        // message_ was returned: clear it on the next poll
  bool failed_ = false;
  Received failure_;
};

}  // namespace weft::control
