// The control channel after its handshake: one CipherState per direction (Noise spec rev. 34,
// section 5.1) sealing application messages into frames (control/frame.h). C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

#include "control/frame.h"
#include "core/bytes.h"
#include "crypto/crypto.h"
#include "wg/noise_symmetric.h"

namespace weft::control {

/// Bytes a sealed frame takes for a plaintext of `plain_size` bytes.
constexpr std::size_t sealed_frame_size(std::size_t plain_size) {
  return kLengthPrefixSize + kCounterSize + plain_size + kTagSize;
}

/// A frame body is counter (8 bytes, big-endian) || ChaChaPoly(k, nonce = counter, ad = empty,
/// plain): the ciphertext is exactly Noise's transport message and the counter its nonce.
/// The channel runs over an ordered stream, so the receiver expects exactly its next counter:
/// a lower one is a replay, a higher one a gap; both are refused before any decryption.
/// Calling contract: empty until IkInitiator/IkResponder::finish starts it; seal and open may
/// then be called any number of times. Non-copyable; wipes its keys.
class Transport {
 public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  /// Installs the two directions' keys with their counters at zero (called by the handshakes).
  void start(const crypto::Key32& send_key, const crypto::Key32& recv_key);
  bool started() const { return send_.has_key() && recv_.has_key(); }

  /// Seals `plain` into one frame in `out` (sealed_frame_size(plain.size) bytes).
  /// Errors: kWrongState (not started), kOversized (plain over kMaxPlaintext), kBufferTooSmall,
  /// kNonceExhausted. Nothing is written and no counter is used on error.
  Outcome seal(core::ByteView plain, core::MutableBytes out);
  /// Opens the first frame of `input` into `plain_out`; `consumed` is that frame's size.
  /// Errors: kWrongState, kTruncated (a partial frame: read more), kOversized, kMalformed (body
  /// shorter than counter + tag), kReplayed, kCounterGap, kBufferTooSmall, kDecryptFailed.
  /// A refused frame leaves the receive counter unchanged.
  Outcome open(core::ByteView input, core::MutableBytes plain_out);

  uint64_t send_counter() const { return send_.nonce(); }
  uint64_t recv_counter() const { return recv_.nonce(); }

 private:
  wg::CipherState send_;
  wg::CipherState recv_;
};

}  // namespace weft::control
