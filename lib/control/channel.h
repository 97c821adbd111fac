// weft's control channel handshake (docs/control-plane.md): Noise IK between a node, proving its
// machine key, and the coordination server, known to the node by its static key; the protocol
// version is sent in clear and bound into the prologue. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "control/frame.h"
#include "control/noise_ik.h"
#include "control/transport.h"
#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"

namespace weft::control {

inline constexpr std::size_t kVersionSize = 2;
/// The node's first frame: prefix, clear version, IK message 1 whose payload is the version.
inline constexpr std::size_t kNodeHelloSize =
    kLengthPrefixSize + kVersionSize + kIkMessage1Overhead + kVersionSize;
/// The server's answer: prefix, IK message 2 whose payload is the server's version.
inline constexpr std::size_t kServerHelloSize =
    kLengthPrefixSize + kIkMessage2Overhead + kVersionSize;

/// The Noise prologue for a protocol version: "weft control v<version>". Both sides hash it, so
/// peers of different versions (or a version altered in transit) fail the handshake.
std::string prologue_for(uint16_t version);

/// The node (initiator). Calling contract: start once, then finish once with the server's
/// frame; any refusal is terminal (open a new connection and a new NodeHandshake).
class NodeHandshake {
 public:
  NodeHandshake(const core::MachinePrivateKey& machine, const core::MachinePublicKey& server,
                uint16_t version = kProtocolVersion);
  /// The same with the keys' IkStatics computed before (a client keeps them across connections).
  NodeHandshake(const core::MachinePrivateKey& machine, const core::MachinePublicKey& server,
                const IkStatics& statics, uint16_t version = kProtocolVersion);

  /// Writes the node's first frame (kNodeHelloSize bytes) to `out`.
  /// Errors: kBufferTooSmall, kLowOrderKey (the server key), kWrongState.
  Outcome start(core::Random& rng, core::MutableBytes out);
  /// The same with the ephemeral key's 32 random bytes drawn before (what the overload above
  /// draws from `rng`): a client draws them when it connects, in order with its other draws,
  /// and writes the frame only when the stream asks for bytes.
  Outcome start(const crypto::Key32& ephemeral_seed, core::MutableBytes out);
  /// Reads the server's frame from the start of `input` and starts `transport`.
  /// Errors: kTruncated (read more), kOversized, kMalformed (wrong size), kDecryptFailed (not
  /// the expected server, or tampered), kLowOrderKey, kVersionMismatch, kWrongState.
  Outcome finish(core::ByteView input, Transport& transport);

  /// Channel binding: equal on both sides after a successful handshake.
  const crypto::Key32& handshake_hash() const { return ik_.handshake_hash(); }

 private:
  /// The frame around message 1, which `write_message1(payload, body)` writes.
  template <typename WriteMessage1>
  Outcome write_hello(core::MutableBytes out, WriteMessage1&& write_message1);

  uint16_t version_;
  IkInitiator ik_;
};

/// What ServerHandshake::accept learned: `outcome.size` is the reply frame written to `out`;
/// `node_version` is the clear version (set whenever the frame carried one, so a refused node
/// can be told which version the server speaks); `node` is the proven machine key.
struct Accepted {
  Outcome outcome;
  uint16_t node_version = 0;
  core::MachinePublicKey node;
};

/// The coordination server (responder), one per connection. Calling contract: accept once.
class ServerHandshake {
 public:
  explicit ServerHandshake(const core::MachinePrivateKey& server,
                           uint16_t version = kProtocolVersion);

  /// Reads the node's first frame from the start of `input`, writes the reply frame
  /// (kServerHelloSize bytes) to `out` and starts `transport`.
  /// Errors: kTruncated (read more), kOversized, kMalformed, kVersionMismatch (checked on the
  /// clear version before any cryptography), kDecryptFailed, kLowOrderKey, kBufferTooSmall,
  /// kWrongState. Authorizing `node` is the caller's decision.
  Accepted accept(core::ByteView input, core::Random& rng, core::MutableBytes out,
                  Transport& transport);

  /// Channel binding: equal to the node's after a successful accept.
  const crypto::Key32& handshake_hash() const { return ik_.handshake_hash(); }

 private:
  uint16_t version_;
  IkResponder ik_;
};

}  // namespace weft::control
