// The control channel's frames: a 4-byte big-endian length, then the body (Noise spec rev. 34,
// section 13: "length-prefixed" application messages, at most 65535 bytes each). C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"

namespace weft::control {

// ---- Protocol constants (docs/control-plane.md) ----
/// The control protocol version bound into the prologue and sent in clear in the first frame.
inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kLengthPrefixSize = 4;
/// Noise's maximum message length (section 3): no frame body may exceed it.
inline constexpr std::size_t kMaxFrameBody = 65535;
inline constexpr std::size_t kDhSize = 32;
inline constexpr std::size_t kTagSize = 16;
/// A transport frame body: the 8-byte big-endian send counter, then ciphertext and tag.
inline constexpr std::size_t kCounterSize = 8;
inline constexpr std::size_t kMaxPlaintext = kMaxFrameBody - kCounterSize - kTagSize;
inline constexpr std::size_t kMaxFrameSize = kLengthPrefixSize + kMaxFrameBody;

/// Why a call refused its input or could not write its output. Every refusal leaves the object
/// usable only as documented by the call (a failed handshake is terminal).
enum class Refusal : uint8_t {
  kNone = 0,
  kTruncated,        // fewer bytes than the length prefix announces (read more, then retry)
  kOversized,        // the length prefix exceeds kMaxFrameBody, or the plaintext kMaxPlaintext
  kMalformed,        // a body of the wrong size for its message
  kVersionMismatch,  // the first frame's clear version is not the server's
  kDecryptFailed,    // bad tag: forged or tampered bytes, a wrong key or a wrong prologue
  kLowOrderKey,      // a Diffie-Hellman result was all zero
  kReplayed,         // a transport counter below the next expected one
  kCounterGap,       // a transport counter above the next expected one (frames were lost)
  kNonceExhausted,   // the sending counter reached 2^64 - 1
  kBufferTooSmall,   // the caller's output buffer cannot hold the result
  kWrongState,       // the call does not fit the object's state (e.g. no keys yet)
};

const char* to_string(Refusal r);

/// What a frame parse, seal or open produced: `refusal` is kNone on success; `consumed` is the
/// input bytes used (a whole frame), `size` the bytes written to the caller's output.
struct Outcome {
  Refusal refusal = Refusal::kNone;
  std::size_t consumed = 0;
  std::size_t size = 0;
  bool ok() const { return refusal == Refusal::kNone; }
};

/// The body of the first whole frame at the start of `input`.
struct FrameView {
  Refusal refusal = Refusal::kNone;  // kTruncated or kOversized, else kNone
  core::ByteView body;
  std::size_t frame_size = 0;  // prefix + body: the bytes to consume
};

/// Splits off the first frame. kOversized is known from the prefix alone, so a stream reader
/// can drop the connection without buffering the announced length.
FrameView split_frame(core::ByteView input);
/// Writes the 4-byte length prefix for a body of `body_size` bytes (<= kMaxFrameBody).
void write_length_prefix(std::size_t body_size, uint8_t* out);

}  // namespace weft::control
