// WireGuard protocol constants: the values of the whitepaper section 6 ("Timers & Stateless UX")
// and the message formats of section 5.4. Implementation-chosen limits live apart, at the end.
// C++17-clean: included by the driver-facing header.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/time.h"

namespace weft::wg {

/// The core's monotonic time: a duration since an arbitrary epoch chosen by the driver.
using core::Duration;

// ---- Whitepaper section 6.1 ----
inline constexpr uint64_t kRekeyAfterMessages = uint64_t{1} << 60;
inline constexpr uint64_t kRejectAfterMessages = ~uint64_t{0} - (uint64_t{1} << 13);  // 2^64-2^13-1
inline constexpr Duration kRekeyAfterTime = std::chrono::seconds(120);
inline constexpr Duration kRejectAfterTime = std::chrono::seconds(180);
inline constexpr Duration kRekeyAttemptTime = std::chrono::seconds(90);
inline constexpr Duration kRekeyTimeout = std::chrono::seconds(5);
inline constexpr Duration kKeepaliveTimeout = std::chrono::seconds(10);
inline constexpr Duration kCookieRefreshTime = std::chrono::seconds(120);
/// Minimum spacing of initiations accepted from one peer (flood guard).
inline constexpr Duration kHandshakeInitiationRate = std::chrono::milliseconds(50);
/// Upper bound of the random jitter added to handshake retransmissions.
inline constexpr Duration kRekeyTimeoutJitterMax = std::chrono::milliseconds(334);
/// Handshake attempts before giving up: RekeyAttemptTime / RekeyTimeout.
inline constexpr int kMaxHandshakeAttempts = 18;
/// An initiator re-handshakes on receive when its session is this old (RejectAfterTime -
/// KeepaliveTimeout - RekeyTimeout), so it never sits on a session about to be rejected.
inline constexpr Duration kRekeyOnReceiveAge = kRejectAfterTime - kKeepaliveTimeout - kRekeyTimeout;
/// All key material is erased after this long without a new session.
inline constexpr Duration kZeroKeyMaterialAfter = 3 * kRejectAfterTime;

// ---- Whitepaper section 5.4: message types and sizes ----
inline constexpr uint8_t kMessageHandshakeInitiation = 1;
inline constexpr uint8_t kMessageHandshakeResponse = 2;
inline constexpr uint8_t kMessageCookieReply = 3;
inline constexpr uint8_t kMessageTransportData = 4;
inline constexpr std::size_t kHandshakeInitiationSize = 148;
inline constexpr std::size_t kHandshakeResponseSize = 92;
inline constexpr std::size_t kCookieReplySize = 64;
inline constexpr std::size_t kTransportHeaderSize = 16;
inline constexpr std::size_t kAeadTagSize = 16;
/// Smallest transport message: header plus the tag of an empty (keepalive) payload.
inline constexpr std::size_t kTransportMinSize = kTransportHeaderSize + kAeadTagSize;
/// Plaintext is padded to a multiple of this.
inline constexpr std::size_t kPaddingMultiple = 16;
inline constexpr std::size_t kTai64nSize = 12;
inline constexpr std::size_t kCookieSize = 16;
inline constexpr std::size_t kCookieNonceSize = 24;

// ---- Whitepaper section 5.4: protocol strings ----
inline constexpr char kConstruction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
inline constexpr char kIdentifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
inline constexpr char kLabelMac1[] = "mac1----";
inline constexpr char kLabelCookie[] = "cookie--";

// ---- Anti-replay (RFC 6479 as used by WireGuard): a ring of 128 64-bit blocks ----
inline constexpr std::size_t kReplayBitsPerBlock = 64;
inline constexpr std::size_t kReplayRingBlocks = 128;
/// Usable window: the ring minus one block, which is being recycled.
inline constexpr uint64_t kReplayWindowSize = (kReplayRingBlocks - 1) * kReplayBitsPerBlock;  // 8128

// ---- Implementation limits (not from the specification) ----
/// Packets held per peer while a handshake is in flight; the oldest is dropped beyond this.
inline constexpr std::size_t kMaxStagedPackets = 128;
/// Per-source handshake rate limit under load: sustained rate and burst (token bucket).
inline constexpr int kHandshakesPerSecondPerSource = 20;
inline constexpr int kHandshakeBurstPerSource = 5;
/// Default inner MTU: plaintext padding never grows a packet beyond it.
inline constexpr std::size_t kDefaultMtu = 1420;

}  // namespace weft::wg
