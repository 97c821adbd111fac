// The Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake as WireGuard uses it (whitepaper 5.4.2,
// 5.4.3, 5.4.5): creating and consuming initiation and response, and deriving transport keys.
// Pure functions over explicit state; randomness and timestamps come in as arguments.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "crypto/crypto.h"
#include "wg/messages.h"
#include "wg/types.h"

namespace weft::wg {

using Tai64n = std::array<uint8_t, kTai64nSize>;

/// TAI64N label of a wall-clock time, with the nanoseconds rounded down to a multiple of 2^24
/// so the timestamp does not leak a precise clock (as wireguard-go does).
Tai64n tai64n(WallTime t);
/// Big-endian comparison: true when a is later than b.
bool tai64n_after(const Tai64n& a, const Tai64n& b);

/// Our static key pair.
struct StaticIdentity {
  PrivateKey private_key;
  PublicKey public_key;
  bool has_key = false;
};

/// The per-peer handshake state (whitepaper 5.4: Ci/Hi, ephemeral, indices).
struct Handshake {
  enum class State : uint8_t { kZeroed, kInitiationCreated, kInitiationConsumed };
  State state = State::kZeroed;
  crypto::Key32 hash{};
  crypto::Key32 chaining_key{};
  crypto::Key32 local_ephemeral_private{};
  crypto::Key32 remote_ephemeral{};
  uint32_t local_index = 0;
  uint32_t remote_index = 0;
  PublicKey remote_static{};
  PresharedKey preshared_key{};
  crypto::Key32 static_static{};  ///< DH(our static, peer static), precomputed
  bool static_static_ok = false;
  Tai64n latest_timestamp{};      ///< greatest TAI64N accepted from this peer
  std::optional<Duration> last_initiation_consumed;

  Handshake() = default;
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;
  ~Handshake();
  /// Forgets the running handshake (keys, ephemeral, indices) but not the replay guard.
  void clear();
};

/// Recomputes DH(our static, peer static); call after either key changes.
void precompute_static_static(const StaticIdentity& id, Handshake& hs);

/// Initiator, step 1: fills every field of `out` but the macs and moves hs to
/// kInitiationCreated. `ephemeral_random` seeds the ephemeral key. False when a DH is zero.
bool create_initiation(const StaticIdentity& id, Handshake& hs, const crypto::Key32& ephemeral_random,
                       uint32_t local_index, const Tai64n& timestamp, HandshakeInitiation& out);

/// Responder, step 1 (before the peer is known): decrypts the initiator's static key.
struct InitiationScratch {
  crypto::Key32 hash{};
  crypto::Key32 chaining_key{};
  PublicKey remote_static{};
  ~InitiationScratch();
};
bool decrypt_initiation_static(const StaticIdentity& id, const HandshakeInitiation& msg,
                               InitiationScratch& scratch);

/// Responder, step 2 (peer found by its static key): decrypts the timestamp. Does not change hs.
std::optional<Tai64n> decrypt_initiation_timestamp(const Handshake& hs, InitiationScratch& scratch,
                                                   const HandshakeInitiation& msg);

/// Responder, step 3 (timestamp and flood checks passed): commits the initiation into hs.
void accept_initiation(Handshake& hs, const InitiationScratch& scratch,
                       const HandshakeInitiation& msg, const Tai64n& timestamp, Duration now);

/// Responder: builds the response (macs excluded). hs must be kInitiationConsumed.
bool create_response(Handshake& hs, const crypto::Key32& ephemeral_random, uint32_t local_index,
                     HandshakeResponse& out);

/// Initiator: consumes the response. hs must be kInitiationCreated with local_index equal to
/// msg.receiver_index. On failure hs is unchanged.
bool consume_response(const StaticIdentity& id, Handshake& hs, const HandshakeResponse& msg);

/// Transport keys from the final chaining key (whitepaper 5.4.5); clears hs afterwards.
struct SessionKeys {
  crypto::Key32 send{};
  crypto::Key32 recv{};
  uint32_t local_index = 0;
  uint32_t remote_index = 0;
  ~SessionKeys();
};
void derive_session(Handshake& hs, bool initiator, SessionKeys& out);

}  // namespace weft::wg
