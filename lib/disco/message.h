// Discovery messages (docs/connectivity.md, "Discovery"): ping, pong and call-me-maybe, sealed
// between two nodes' discovery keys and sent directly over UDP or through a relay. Sans-IO and
// C++17-clean: the nonce comes from the caller, nothing here keeps state.
//
// Wire format (all integers big-endian):
//   magic (6) · sender disco public key (32) · nonce (24) · sealed payload (plaintext + 16)
// sealed with XChaCha20-Poly1305 under key = BLAKE2s-256("weft disco v1" || X25519(own private,
// peer public)), the 38 header bytes (magic + sender key) as associated data. The project's own
// AEAD (crypto::xaead_*) instead of NaCl box's XSalsa20-Poly1305: same security shape (X25519 +
// 24-byte random nonces + Poly1305), no second cipher in the crypto facade.
// Plaintext: type (1) · version (1, = 0) · body
//   kPing (1):        tx id (12) · sender node public key (32)   [later bytes ignored]
//   kPong (2):        tx id (12) · observed source: IPv6 or IPv4-mapped address (16) · port (2)
//                     (all zero when the ping came through a relay)
//                                                                  [later bytes ignored]
//   kCallMeMaybe (3): 0..kMaxCallMeMaybeEndpoints × (address (16) · port (2)), nothing else
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "core/path.h"
#include "util/result.h"

namespace weft::disco {

/// The first bytes of every discovery datagram. 0x77 is never a WireGuard message type, and
/// its top bits 01 are forbidden in STUN, so the demultiplexer can never confuse the three.
inline constexpr std::array<uint8_t, 6> kMagic = {0x77, 0x65, 0x66, 0x74, 0xf0, 0x9f};
inline constexpr std::size_t kKeyLen = 32;
inline constexpr std::size_t kNonceLen = 24;
inline constexpr std::size_t kTagLen = 16;
inline constexpr std::size_t kHeaderLen = kMagic.size() + kKeyLen;          // associated data
inline constexpr std::size_t kOverhead = kHeaderLen + kNonceLen + kTagLen;  // around plaintext
inline constexpr std::size_t kTxIdLen = 12;
inline constexpr std::size_t kEndpointLen = 18;
/// Call-me-maybe carries at most this many endpoints (more are not sent; a message with more
/// is malformed).
inline constexpr std::size_t kMaxCallMeMaybeEndpoints = 32;
/// The largest sealed message (a full call-me-maybe).
inline constexpr std::size_t kMaxMessageSize =
    kOverhead + 2 + kMaxCallMeMaybeEndpoints * kEndpointLen;

using TxId = std::array<uint8_t, kTxIdLen>;
using Nonce = std::array<uint8_t, kNonceLen>;

enum class MessageType : uint8_t { kPing = 1, kPong = 2, kCallMeMaybe = 3 };

const char* to_string(MessageType t);

/// A path probe. The receiver answers with a pong on the path it came from.
struct Ping {
  TxId tx{};
  core::NodePublicKey node_key{};  ///< the sender's node key (must match the netmap's)
};

/// The answer to a ping: its tx id and the source address the ping was seen from (what the
/// sender looks like from here: its NAT mapping for this path).
struct Pong {
  TxId tx{};
  core::SocketAddress src{};
};

/// "Ping me at these addresses": the sender's endpoints, so that both sides send pings at the
/// same time and each NAT sees outbound traffic before the other's pings arrive.
struct CallMeMaybe {
  std::vector<core::SocketAddress> endpoints;
};

/// One decoded message: `type` says which member is set.
struct Message {
  MessageType type = MessageType::kPing;
  Ping ping;
  Pong pong;
  CallMeMaybe call_me_maybe;
};

/// True when `datagram` starts with kMagic (the demultiplexer's test).
bool has_magic(core::ByteView datagram);

/// The sender's disco key of a datagram with the magic, without opening it (to look up the
/// shared key); nullopt when the datagram is shorter than kOverhead or lacks the magic.
std::optional<core::DiscoPublicKey> peek_sender(core::ByteView datagram);

/// The plaintext of `m` (type, version, body); call-me-maybe endpoints beyond
/// kMaxCallMeMaybeEndpoints are left out.
std::vector<uint8_t> encode_plaintext(const Message& m);

/// Parses a plaintext; IPv4-mapped addresses come back as plain IPv4. Errors: "disco.malformed"
/// (shorter than type and version or than its type's body, a call-me-maybe whose body is not a
/// whole number of endpoints or has too many, an endpoint with port 0 or the unspecified address
/// :: or ::ffff:0.0.0.0 — except a pong's all-zero source, which means the ping came through a
/// relay and decodes to a default SocketAddress; details in the message), "disco.version" (version byte not 0, checked
/// before the type), "disco.unknown_type".
Result<Message> decode_plaintext(core::ByteView plaintext);

/// The symmetric key two discovery keys share (either side derives the same one): a small value
/// the engine keeps per peer, so that a datagram costs no Diffie-Hellman. Wiped when dropped.
class SharedKey {
 public:
  /// nullopt when the X25519 result is all zero (a low-order peer key).
  static std::optional<SharedKey> derive(const core::DiscoPrivateKey& own,
                                         const core::DiscoPublicKey& peer);
  ~SharedKey();
  SharedKey(const SharedKey&) = default;
  SharedKey& operator=(const SharedKey&) = default;

  /// Seals `m` from `sender` (this node's disco public key) into `out`; returns the size, or 0
  /// when `out` is smaller than the message.
  std::size_t seal(const core::DiscoPublicKey& sender, const Nonce& nonce, const Message& m,
                   core::MutableBytes out) const;
  /// Opens a datagram sealed under this key. Errors: "disco.short" (below kOverhead),
  /// "disco.magic", "disco.auth" (the tag does not verify: another key, or altered bytes), then
  /// decode_plaintext()'s. Never reads beyond datagram.size.
  Result<Message> open(core::ByteView datagram) const;

 private:
  SharedKey() = default;
  std::array<uint8_t, kKeyLen> key_{};
};

}  // namespace weft::disco
