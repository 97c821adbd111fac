// The relay's frame codec (docs/connectivity.md, "Relay protocol"): the 5-byte header, a
// reassembler that hands out whole frames without copying those that arrive in one piece, and
// the typed payloads with exact length checks. C++17-clean.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "relay/protocol.h"
#include "util/result.h"

namespace weft::relay {

inline void put_u32(uint8_t* out, uint32_t v) {
  out[0] = static_cast<uint8_t>(v >> 24);
  out[1] = static_cast<uint8_t>(v >> 16);
  out[2] = static_cast<uint8_t>(v >> 8);
  out[3] = static_cast<uint8_t>(v);
}
inline uint32_t get_u32(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}
inline void put_u64(uint8_t* out, uint64_t v) {
  put_u32(out, static_cast<uint32_t>(v >> 32));
  put_u32(out + 4, static_cast<uint32_t>(v));
}
inline uint64_t get_u64(const uint8_t* in) { return (uint64_t{get_u32(in)} << 32) | get_u32(in + 4); }

/// Writes a frame header for `payload_size` bytes of `type` into out[0, kFrameHeaderSize).
inline void put_header(uint8_t* out, FrameType type, std::size_t payload_size) {
  out[0] = static_cast<uint8_t>(type);
  put_u32(out + 1, static_cast<uint32_t>(payload_size));
}

/// One whole frame; the payload view is valid only during the callback that receives it.
struct Frame {
  uint8_t type = 0;  ///< a FrameType, or an unknown type (skipped by the receiver's rules)
  core::ByteView payload;
};

/// Reassembles frames from a byte stream. Frames wholly inside one feed() are handed out in
/// place; only a frame split across reads is copied (into a buffer that keeps its capacity,
/// so a steady stream allocates nothing per frame).
class FrameReader {
 public:
  /// Hands every whole frame in `data` to `on_frame(const Frame&) -> bool` (false stops: the
  /// rest is discarded, the caller is closing). Returns false when the stream is garbage (a
  /// length above kMaxFramePayload); the reader then stays failed.
  template <class OnFrame>
  bool feed(core::ByteView data, OnFrame&& on_frame) {
    if (failed_) return false;
    const uint8_t* p = data.data;
    std::size_t n = data.size;
    if (!partial_.empty()) {
      // Complete the header, then the payload, of the frame begun in an earlier read.
      if (partial_.size() < kFrameHeaderSize) {
        std::size_t take = std::min(n, kFrameHeaderSize - partial_.size());
        partial_.insert(partial_.end(), p, p + take);
        p += take;
        n -= take;
        if (partial_.size() < kFrameHeaderSize) return true;
        if (get_u32(partial_.data() + 1) > kMaxFramePayload) return fail();
      }
      const std::size_t want = kFrameHeaderSize + get_u32(partial_.data() + 1);
      std::size_t take = std::min(n, want - partial_.size());
      partial_.insert(partial_.end(), p, p + take);
      p += take;
      n -= take;
      if (partial_.size() < want) return true;
      Frame f{partial_[0], {partial_.data() + kFrameHeaderSize, want - kFrameHeaderSize}};
      bool go_on = on_frame(static_cast<const Frame&>(f));
      partial_.clear();
      if (!go_on) return true;
    }
    while (n >= kFrameHeaderSize) {
      const uint32_t len = get_u32(p + 1);
      if (len > kMaxFramePayload) return fail();
      if (n < kFrameHeaderSize + len) break;
      Frame f{p[0], {p + kFrameHeaderSize, len}};
      p += kFrameHeaderSize + len;
      n -= kFrameHeaderSize + len;
      if (!on_frame(static_cast<const Frame&>(f))) return true;
    }
    if (n > 0) {
      if (n >= kFrameHeaderSize && get_u32(p + 1) > kMaxFramePayload) return fail();
      partial_.assign(p, p + n);
    }
    return true;
  }

  bool failed() const { return failed_; }
  /// Bytes of an unfinished frame held.
  std::size_t buffered() const { return partial_.size(); }
  /// Forgets everything (a new connection).
  void reset() {
    partial_.clear();
    failed_ = false;
  }

 private:
  bool fail() {
    failed_ = true;
    partial_.clear();
    return false;
  }
  std::vector<uint8_t> partial_;
  bool failed_ = false;
};

// ---- typed payloads (each parser checks the exact length; errors "relay.malformed") ----

struct ServerKeyFrame {
  core::RelayPublicKey relay_key;
  std::array<uint8_t, kChallengeSize> challenge{};
};
Result<ServerKeyFrame> parse_server_key(core::ByteView payload);
/// Appends the whole frame (header included) to `out`.
void append_server_key(std::vector<uint8_t>& out, const ServerKeyFrame& f);

struct ServerInfoFrame {
  uint16_t version = kProtocolVersion;
  uint64_t rate_bytes_per_second = 0;
  uint64_t burst_bytes = 0;
};
/// Accepts a longer payload (fields appended by later versions).
Result<ServerInfoFrame> parse_server_info(core::ByteView payload);
void append_server_info(std::vector<uint8_t>& out, const ServerInfoFrame& f);

struct PeerGoneFrame {
  core::NodePublicKey peer;
  PeerGoneReason reason = PeerGoneReason::kDisconnected;
};
/// An unknown reason byte is kept as is (later versions may add reasons).
Result<PeerGoneFrame> parse_peer_gone(core::ByteView payload);

struct ErrorFrame {
  std::string code;
  std::string message;
};
/// Errors "relay.malformed": empty or overlong code, overlong message.
Result<ErrorFrame> parse_error(core::ByteView payload);
/// Truncates code and message to their limits.
void append_error(std::vector<uint8_t>& out, const ErrorFrame& f);

}  // namespace weft::relay
