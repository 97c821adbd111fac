// Frame splitting and the refusal names of the control channel (docs/control-plane.md).
#include "control/frame.h"

#include <cassert>

namespace weft::control {

const char* to_string(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "none";
    case Refusal::kTruncated: return "truncated";
    case Refusal::kOversized: return "oversized";
    case Refusal::kMalformed: return "malformed";
    case Refusal::kVersionMismatch: return "version mismatch";
    case Refusal::kDecryptFailed: return "decrypt failed";
    case Refusal::kLowOrderKey: return "low-order key";
    case Refusal::kReplayed: return "replayed";
    case Refusal::kCounterGap: return "counter gap";
    case Refusal::kNonceExhausted: return "nonce exhausted";
    case Refusal::kBufferTooSmall: return "buffer too small";
    case Refusal::kWrongState: return "wrong state";
  }
  return "unknown";
}

FrameView split_frame(core::ByteView input) {
  FrameView v;
  if (input.size < kLengthPrefixSize) {
    v.refusal = Refusal::kTruncated;
    return v;
  }
  uint32_t len = 0;
  for (std::size_t i = 0; i < kLengthPrefixSize; ++i) len = (len << 8) | input.data[i];
  if (len > kMaxFrameBody) {
    v.refusal = Refusal::kOversized;
    return v;
  }
  if (input.size - kLengthPrefixSize < len) {
    v.refusal = Refusal::kTruncated;
    return v;
  }
  v.body = core::ByteView{input.data + kLengthPrefixSize, len};
  v.frame_size = kLengthPrefixSize + len;
  return v;
}

void write_length_prefix(std::size_t body_size, uint8_t* out) {
  assert(body_size <= kMaxFrameBody);
  for (std::size_t i = 0; i < kLengthPrefixSize; ++i)
    out[i] = static_cast<uint8_t>(body_size >> (8 * (kLengthPrefixSize - 1 - i)));
}

}  // namespace weft::control
