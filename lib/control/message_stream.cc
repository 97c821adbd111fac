// Chunking control messages into the channel's frames and reassembling them from raw stream
// bytes (docs/control-plane.md, "Messages": chunking).
#include "control/message_stream.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

namespace weft::control {
namespace {

/// A receiver keeps at most this much message buffer between messages, so one large map does
/// not pin its size for the connection's lifetime.
constexpr std::size_t kKeptMessageCapacity = 1u << 20;

Error transport_error(Refusal r) {
  return make_error("control.transport", std::string("frame refused: ") + to_string(r));
}

Error too_large() {
  return make_error("control.message_too_large",
                    "message over " + std::to_string(kMaxMessageBytes) + " bytes");
}

void advance(core::ByteView& v, std::size_t n) {
  v.data += n;
  v.size -= n;
}

}  // namespace

Status MessageSender::seal(core::ByteView message, Transport& transport,
                           std::vector<uint8_t>& out) {
  if (message.size > kMaxMessageBytes) return too_large();
  const std::size_t start = out.size();
  out.resize(start + sealed_message_size(message.size));
  std::size_t at = start;
  std::size_t done = 0;
  do {
    const std::size_t chunk = std::min(kMaxChunk, message.size - done);
    const bool final = done + chunk == message.size;
    plain_.resize(1 + chunk);
    plain_[0] = final ? kFinalChunk : kMoreChunks;
    if (chunk > 0) std::memcpy(plain_.data() + 1, message.data + done, chunk);
    const Outcome o = transport.seal(core::ByteView{plain_.data(), plain_.size()},
                                     core::MutableBytes{out.data() + at, out.size() - at});
    if (!o.ok()) {
      out.resize(start);
      return transport_error(o.refusal);
    }
    at += o.size;
    done += chunk;
  } while (done < message.size);
  return Ok{};
}

Received MessageReceiver::fail(Received r) {
  r.status = ReceiveStatus::kError;
  failed_ = true;
  failure_ = r;
  return r;
}

// Moves bytes of the straddling frame from `input` into frame_: first its length prefix, then
// exactly the body it announces. True when frame_ holds the whole frame.
bool MessageReceiver::fill_frame(core::ByteView& input, Received& failure) {
  if (frame_.size() < kLengthPrefixSize) {
    const std::size_t n = std::min(kLengthPrefixSize - frame_.size(), input.size);
    frame_.insert(frame_.end(), input.data, input.data + n);
    advance(input, n);
    if (frame_.size() < kLengthPrefixSize) return false;
  }
  std::size_t body = 0;
  for (std::size_t i = 0; i < kLengthPrefixSize; ++i) body = (body << 8) | frame_[i];
  if (body > kMaxFrameBody) {
    failure = fail(Received{ReceiveStatus::kError, {}, Refusal::kOversized,
                            transport_error(Refusal::kOversized)});
    return false;
  }
  const std::size_t n = std::min(kLengthPrefixSize + body - frame_.size(), input.size);
  frame_.insert(frame_.end(), input.data, input.data + n);
  advance(input, n);
  return frame_.size() == kLengthPrefixSize + body;
}

// Decrypts one whole frame straight into the tail of message_, then drops its flag byte.
Received MessageReceiver::open_frame(core::ByteView frame, Transport& transport) {
  const std::size_t body = frame.size - kLengthPrefixSize;
  const std::size_t overhead = kCounterSize + kTagSize;
  const std::size_t plain = body >= overhead ? body - overhead : 0;
  if (body >= overhead && plain == 0)
    return fail(Received{ReceiveStatus::kError, {}, Refusal::kNone,
                         make_error("control.malformed", "message frame without a flag byte")});
  // Known from the frame's length alone, so an oversized message costs no decryption.
  if (plain > 0 && message_.size() + (plain - 1) > kMaxMessageBytes)
    return fail(Received{ReceiveStatus::kError, {}, Refusal::kNone, too_large()});
  const std::size_t start = message_.size();
  message_.resize(start + plain);
  const Outcome o = transport.open(frame, core::MutableBytes{message_.data() + start, plain});
  if (!o.ok()) {
    message_.resize(start);
    return fail(Received{ReceiveStatus::kError, {}, o.refusal, transport_error(o.refusal)});
  }
  const uint8_t flag = message_[start];
  std::memmove(message_.data() + start, message_.data() + start + 1, plain - 1);
  message_.resize(start + plain - 1);
  if (flag == kMoreChunks) return Received{};
  if (flag != kFinalChunk) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", flag);
    const std::string detail = std::string("message frame flag ") + hex;
    return fail(Received{ReceiveStatus::kError, {}, Refusal::kNone,
                         make_error("control.malformed", detail)});
  }
  delivered_ = true;
  Received r;
  r.status = ReceiveStatus::kMessage;
  r.message = core::ByteView{message_.data(), message_.size()};
  return r;
}

Received MessageReceiver::poll(core::ByteView& input, Transport& transport) {
  if (failed_) return failure_;
  if (delivered_) {
    delivered_ = false;
    if (message_.capacity() > kKeptMessageCapacity) std::vector<uint8_t>().swap(message_);
    message_.clear();
  }
  for (;;) {
    Received r;
    if (frame_.empty()) {
      const FrameView whole = split_frame(input);
      if (whole.refusal == Refusal::kOversized)
        return fail(Received{ReceiveStatus::kError, {}, Refusal::kOversized,
                             transport_error(Refusal::kOversized)});
      if (whole.refusal == Refusal::kTruncated) {
        // A frame straddles this input and the next: keep its start (less than one frame).
        frame_.assign(input.data, input.data + input.size);
        advance(input, input.size);
        return Received{};
      }
      const core::ByteView frame{input.data, whole.frame_size};
      advance(input, whole.frame_size);
      r = open_frame(frame, transport);
    } else {
      Received failure;
      if (!fill_frame(input, failure)) return failure;  // kNeedMore, or the oversized error
      r = open_frame(core::ByteView{frame_.data(), frame_.size()}, transport);
      frame_.clear();
    }
    if (r.status != ReceiveStatus::kNeedMore) return r;
  }
}

}  // namespace weft::control
