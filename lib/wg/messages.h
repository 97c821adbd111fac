// WireGuard wire messages (whitepaper section 5.4): typed views of handshake_initiation (148),
// handshake_response (92), cookie_reply (64) and the transport data header (16), with exact
// length checks. Integers on the wire are little-endian.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "util/result.h"
#include "wg/constants.h"

namespace weft::wg {

struct HandshakeInitiation {
  uint32_t sender_index = 0;
  std::array<uint8_t, 32> unencrypted_ephemeral{};
  std::array<uint8_t, 32 + kAeadTagSize> encrypted_static{};
  std::array<uint8_t, kTai64nSize + kAeadTagSize> encrypted_timestamp{};
  std::array<uint8_t, 16> mac1{};
  std::array<uint8_t, 16> mac2{};
};

struct HandshakeResponse {
  uint32_t sender_index = 0;
  uint32_t receiver_index = 0;
  std::array<uint8_t, 32> unencrypted_ephemeral{};
  std::array<uint8_t, kAeadTagSize> encrypted_nothing{};
  std::array<uint8_t, 16> mac1{};
  std::array<uint8_t, 16> mac2{};
};

struct CookieReply {
  uint32_t receiver_index = 0;
  std::array<uint8_t, kCookieNonceSize> nonce{};
  std::array<uint8_t, kCookieSize + kAeadTagSize> encrypted_cookie{};
};

/// The transport header; the ciphertext (padded packet + tag) follows it in the datagram.
struct TransportHeader {
  uint32_t receiver_index = 0;
  uint64_t counter = 0;
};

/// Offsets of mac1 and mac2 in the two handshake messages: mac1 covers everything before it,
/// mac2 everything before mac2 (whitepaper 5.4.4).
inline constexpr std::size_t kInitiationMac1Offset = 116;
inline constexpr std::size_t kInitiationMac2Offset = 132;
inline constexpr std::size_t kResponseMac1Offset = 60;
inline constexpr std::size_t kResponseMac2Offset = 76;

/// The message type byte of a datagram, or 0 when it is empty or the reserved bytes are set.
uint8_t message_type(const uint8_t* data, std::size_t len);

/// Each parser fails with code "wg.malformed" when the length is not exactly the message's size
/// (transport: shorter than header + tag), the type byte is wrong, or reserved bytes are nonzero.
Result<HandshakeInitiation> parse_initiation(const uint8_t* data, std::size_t len);
Result<HandshakeResponse> parse_response(const uint8_t* data, std::size_t len);
Result<CookieReply> parse_cookie_reply(const uint8_t* data, std::size_t len);
Result<TransportHeader> parse_transport_header(const uint8_t* data, std::size_t len);

/// Serializers write exactly the message's size into `out` (caller guarantees room).
void serialize(const HandshakeInitiation& m, uint8_t* out);
void serialize(const HandshakeResponse& m, uint8_t* out);
void serialize(const CookieReply& m, uint8_t* out);
void serialize(const TransportHeader& h, uint8_t* out);

void store_le32(uint8_t* p, uint32_t v);
void store_le64(uint8_t* p, uint64_t v);
uint32_t load_le32(const uint8_t* p);
uint64_t load_le64(const uint8_t* p);

}  // namespace weft::wg
