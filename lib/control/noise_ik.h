// Noise_IK_25519_ChaChaPoly_BLAKE2s (Noise spec rev. 34, sections 5.3 and 7.5):
//   <- s  ...  -> e, es, s, ss  <- e, ee, se
// over wg::SymmetricState, with any prologue and payloads (the weft channel and the cacophony
// known-answer vectors both drive it). C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

#include "control/frame.h"
#include "core/bytes.h"
#include "core/random.h"
#include "crypto/crypto.h"
#include "wg/noise_symmetric.h"

namespace weft::control {

inline constexpr char kNoiseIkName[] = "Noise_IK_25519_ChaChaPoly_BLAKE2s";
/// Message sizes without payload: e + encrypted s + payload tag, and e + payload tag.
inline constexpr std::size_t kIkMessage1Overhead = kDhSize + (kDhSize + kTagSize) + kTagSize;
inline constexpr std::size_t kIkMessage2Overhead = kDhSize + kTagSize;

class Transport;

/// What an initiator derives from its own static key and the responder's alone: its static
/// public key (the "s" token) and DH(s, rs) (the "ss" token). They are the same on every
/// handshake between the two keys, so a caller that handshakes again and again (a node redialing
/// its server through an outage) computes them once: two of message 1's four X25519 operations.
/// Copies are independent; each wipes its secret when dropped.
struct IkStatics {
  IkStatics() = default;
  IkStatics(const crypto::Key32& local_static_private, const crypto::Key32& remote_static_public);
  IkStatics(const IkStatics& other) = default;
  IkStatics& operator=(const IkStatics& other) = default;
  ~IkStatics();

  crypto::Key32 s_pub{};
  crypto::Key32 ss{};  ///< DH(s, rs); all zero when `ss_ok` is false
  bool ss_ok = false;  ///< false: the remote static is a low-order point (kLowOrderKey)
};

/// The initiator's side: write message 1, read message 2, then split into a Transport.
/// Calling contract: write_message1 once, read_message2 once, finish once; any refusal makes
/// the handshake terminal (kWrongState afterwards). Non-copyable; wipes its secrets.
class IkInitiator {
 public:
  /// `prologue` is hashed at once; the view is not kept.
  IkInitiator(const crypto::Key32& local_static_private, const crypto::Key32& remote_static_public,
              core::ByteView prologue);
  /// The same with `statics` computed before for these two keys (IkStatics(local, remote)).
  IkInitiator(const crypto::Key32& local_static_private, const crypto::Key32& remote_static_public,
              core::ByteView prologue, const IkStatics& statics);
  IkInitiator(const IkInitiator&) = delete;
  IkInitiator& operator=(const IkInitiator&) = delete;
  ~IkInitiator();

  /// -> e, es, s, ss, payload. Writes kIkMessage1Overhead + payload.size bytes to `out`.
  /// Errors: kBufferTooSmall, kOversized (message over kMaxFrameBody), kLowOrderKey (remote
  /// static), kWrongState.
  Outcome write_message1(core::Random& rng, core::ByteView payload, core::MutableBytes out);
  /// The same with the ephemeral key's 32 random bytes drawn before (what the overload above
  /// draws from `rng`), so a caller can draw them in order and write the message later.
  Outcome write_message1(const crypto::Key32& ephemeral_seed, core::ByteView payload,
                         core::MutableBytes out);
  /// <- e, ee, se, payload. Writes the payload (msg.size - kIkMessage2Overhead bytes).
  /// Errors: kMalformed (short), kBufferTooSmall, kLowOrderKey, kDecryptFailed, kWrongState.
  Outcome read_message2(core::ByteView msg, core::MutableBytes payload_out);
  /// Split (Noise 5.2): the initiator sends with the first key. Errors: kWrongState.
  Refusal finish(Transport& transport);

  /// The handshake hash h (channel binding), meaningful after read_message2.
  const crypto::Key32& handshake_hash() const { return ss_.hash(); }

 private:
  enum class Step : uint8_t { kWrite1, kRead2, kSplit, kDone, kFailed };
  Outcome fail(Refusal r);
  /// What write_message1 refuses before any work (state and sizes), kNone if nothing.
  Refusal message1_refusal(std::size_t payload_size, std::size_t out_size) const;

  wg::SymmetricState ss_;
  crypto::Key32 s_{};   // local static private
  crypto::Key32 e_{};   // local ephemeral private
  crypto::Key32 rs_{};  // remote static public
  IkStatics statics_;   // s_pub and DH(s_, rs_)
  Step step_ = Step::kWrite1;
};

/// The responder's side: read message 1 (learning the initiator's static key), write message 2,
/// then split. Same calling contract and errors as IkInitiator.
class IkResponder {
 public:
  IkResponder(const crypto::Key32& local_static_private, core::ByteView prologue);
  IkResponder(const IkResponder&) = delete;
  IkResponder& operator=(const IkResponder&) = delete;
  ~IkResponder();

  /// Reads message 1 and writes its payload (msg.size - kIkMessage1Overhead bytes).
  Outcome read_message1(core::ByteView msg, core::MutableBytes payload_out);
  /// Writes kIkMessage2Overhead + payload.size bytes.
  Outcome write_message2(core::Random& rng, core::ByteView payload, core::MutableBytes out);
  /// Split (Noise 5.2): the responder sends with the second key.
  Refusal finish(Transport& transport);

  /// The initiator's static public key, valid after read_message1 succeeded.
  const crypto::Key32& remote_static() const { return rs_; }
  const crypto::Key32& handshake_hash() const { return ss_.hash(); }

 private:
  enum class Step : uint8_t { kRead1, kWrite2, kSplit, kDone, kFailed };
  Outcome fail(Refusal r);

  wg::SymmetricState ss_;
  crypto::Key32 s_{};
  crypto::Key32 e_{};
  crypto::Key32 re_{};
  crypto::Key32 rs_{};
  Step step_ = Step::kRead1;
};

}  // namespace weft::control
