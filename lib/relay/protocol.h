// The relay protocol's wire constants (docs/connectivity.md, "Relay protocol"): frame types,
// sizes, the magic, the HTTP upgrade names and the protocol's timers. Implementation limits
// (queues, rates) live in the server and client configs. C++17-clean.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace weft::relay {

// The HTTP upgrade's names (control::kRelayPath, control::kRelayUpgradeToken) live with the
// control upgrade's in control/upgrade.h: one place for what the HTTP front routes.

/// The version a client puts in its ClientInfo and the server answers in ServerInfo.
inline constexpr uint16_t kProtocolVersion = 1;

/// Every frame: 1 type byte, then the payload length as 4 bytes big-endian, then the payload.
inline constexpr std::size_t kFrameHeaderSize = 5;
inline constexpr std::size_t kKeyLen = 32;
/// The largest packet a SendPacket / RecvPacket carries.
inline constexpr std::size_t kMaxPacketSize = 64 * 1024;
/// The largest payload of any frame: a packet behind a key. A longer length is garbage.
inline constexpr std::size_t kMaxFramePayload = kMaxPacketSize + kKeyLen;
inline constexpr std::size_t kMaxFrameSize = kFrameHeaderSize + kMaxFramePayload;

enum class FrameType : uint8_t {
  kServerKey = 0x01,      ///< server -> client, first: magic, relay public key, challenge
  kClientInfo = 0x02,     ///< client -> server: node key, nonce, sealed {version, challenge, flags}
  kServerInfo = 0x03,     ///< server -> client: accepted; version, rate limit, burst
  kSendPacket = 0x04,     ///< client -> server: destination node key + packet
  kRecvPacket = 0x05,     ///< server -> client: source node key + packet
  kKeepAlive = 0x06,      ///< server -> client after kKeepAliveInterval without a frame
  kNotePreferred = 0x07,  ///< client -> server: 1 byte, 1 = this relay is in my home region
  kPeerGone = 0x08,       ///< server -> client: node key + PeerGoneReason
  kPing = 0x0c,           ///< either side: 8 bytes, answered by a Pong with the same bytes
  kPong = 0x0d,
  kError = 0x0e,          ///< server -> client before it closes: code length, code, message
};

/// ServerKey's 8-byte magic, which also tells a client it reached a weft relay.
inline constexpr uint8_t kMagic[8] = {'W', 'E', 'F', 'T', 'R', 'L', 'Y', '1'};
inline constexpr std::size_t kChallengeSize = 32;
inline constexpr std::size_t kServerKeyPayload = sizeof(kMagic) + kKeyLen + kChallengeSize;
inline constexpr std::size_t kNonceSize = 24;
/// The sealed part of ClientInfo: version (u16 BE), the challenge, flags (u8).
inline constexpr std::size_t kClientInfoPlain = 2 + kChallengeSize + 1;
inline constexpr std::size_t kClientInfoPayload = kKeyLen + kNonceSize + kClientInfoPlain + 16;
/// ServerInfo: version (u16), rate limit (bytes/s, u64), burst (bytes, u64); all big-endian.
/// A longer ServerInfo is accepted (later versions may append).
inline constexpr std::size_t kServerInfoPayload = 2 + 8 + 8;
inline constexpr std::size_t kPingPayload = 8;
inline constexpr std::size_t kPeerGonePayload = kKeyLen + 1;
inline constexpr std::size_t kMaxErrorCode = 64;
inline constexpr std::size_t kMaxErrorMessage = 1024;

enum class PeerGoneReason : uint8_t {
  kDisconnected = 0,  ///< the peer was connected here and left
  kNotHere = 1,       ///< a packet was sent to a node key not connected to this relay
};

/// The server's KeepAlive after this long without writing a frame to a client.
inline constexpr std::chrono::seconds kKeepAliveInterval{60};
/// A connection must present a valid ClientInfo within this long of the upgrade.
inline constexpr std::chrono::seconds kAuthTimeout{5};

}  // namespace weft::relay
