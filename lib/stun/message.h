// STUN messages (RFC 8489, which obsoletes RFC 5389; sections 5, 6, 14): the header, the
// Binding method's request / success / error responses and the attributes weft reads and writes.
// Decoding never allocates (a server answers without it); C++17-clean (ns-3 drives the cores).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.h"
#include "core/path.h"

namespace weft::stun {

// ------------------------------------------------------- specification constants (RFC 8489)

inline constexpr uint32_t kMagicCookie = 0x2112A442;  // section 5
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kTransactionIdSize = 12;
inline constexpr uint32_t kFingerprintXor = 0x5354554e;  // section 14.7: "STUN"
inline constexpr uint16_t kMethodBinding = 0x001;

/// Attribute types (section 18.3; RESPONSE-ORIGIN and OTHER-ADDRESS from RFC 5780).
enum AttributeType : uint16_t {
  kAttrMappedAddress = 0x0001,
  kAttrUsername = 0x0006,
  kAttrMessageIntegrity = 0x0008,
  kAttrErrorCode = 0x0009,
  kAttrUnknownAttributes = 0x000A,
  kAttrRealm = 0x0014,
  kAttrNonce = 0x0015,
  kAttrMessageIntegritySha256 = 0x001C,
  kAttrPasswordAlgorithm = 0x001D,
  kAttrUserhash = 0x001E,
  kAttrXorMappedAddress = 0x0020,
  kAttrPriority = 0x0024,      // RFC 8445 (ICE connectivity checks are Binding requests)
  kAttrUseCandidate = 0x0025,  // RFC 8445
  kAttrSoftware = 0x8022,
  kAttrFingerprint = 0x8028,
};

/// Error codes weft's server sends (section 14.8).
inline constexpr uint16_t kErrorBadRequest = 400;
inline constexpr uint16_t kErrorUnknownAttribute = 420;

// ------------------------------------------------------------------- implementation limits

/// Unknown comprehension-required attribute types one decode remembers (a 420 answer lists
/// them); further ones are counted but not listed.
inline constexpr std::size_t kMaxUnknownAttributes = 8;
/// A buffer that holds any message weft encodes (the longest is a 420 error response).
inline constexpr std::size_t kMaxEncodedSize = 160;
/// What weft writes in SOFTWARE.
inline constexpr char kSoftware[] = "weft";

using TransactionId = std::array<uint8_t, kTransactionIdSize>;

enum class MessageClass : uint8_t { kRequest, kIndication, kSuccessResponse, kErrorResponse };

/// Why bytes did not decode as a STUN message.
enum class DecodeError : uint8_t {
  kNone = 0,
  kNotStun,          ///< too short, top two bits set, length not a multiple of 4, no magic cookie
  kBadLength,        ///< the header's length does not match the datagram's
  kMalformedAttribute,  ///< an attribute overruns the message or has the wrong size for its type
  kBadFingerprint,   ///< FINGERPRINT present but wrong, or not the last attribute
};

/// A decoded message. Views point into the decoded bytes (valid while they are).
struct Message {
  uint16_t method = 0;
  MessageClass message_class = MessageClass::kRequest;
  TransactionId transaction_id{};
  std::optional<core::SocketAddress> xor_mapped_address;
  std::optional<core::SocketAddress> mapped_address;  ///< RFC 3489 servers send only this
  std::optional<uint16_t> error_code;                 ///< 300..699
  core::ByteView error_reason{};
  core::ByteView software{};
  bool has_fingerprint = false;
  bool has_message_integrity = false;
  /// Comprehension-required attributes (type < 0x8000) weft does not know, in order.
  std::array<uint16_t, kMaxUnknownAttributes> unknown_required{};
  std::size_t unknown_required_count = 0;  ///< may exceed kMaxUnknownAttributes

  /// The address the server saw: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS.
  std::optional<core::SocketAddress> reflexive_address() const {
    return xor_mapped_address ? xor_mapped_address : mapped_address;
  }
};

/// True when `bytes` look like a STUN message at a glance (length, top bits, magic cookie):
/// how a shared UDP socket tells STUN from WireGuard (docs/architecture.md).
bool looks_like_stun(core::ByteView bytes);

/// Decodes one message. Unknown comprehension-optional attributes are skipped; unknown
/// comprehension-required ones are listed in unknown_required (the caller decides: a server
/// answers 420, a client discards the response). Attributes after MESSAGE-INTEGRITY other than
/// FINGERPRINT are ignored (section 14.5). Errors: the DecodeError values (never kNone).
/// Never allocates.
DecodeError decode(core::ByteView bytes, Message& out);

/// Writes a Binding request with SOFTWARE and FINGERPRINT. Returns the size, or 0 when `out` is
/// too small (kMaxEncodedSize bytes always fit any message of this file).
std::size_t encode_binding_request(const TransactionId& id, core::MutableBytes out);

/// Writes a Binding success response telling `mapped` (XOR-MAPPED-ADDRESS), with SOFTWARE and
/// FINGERPRINT. Returns the size, or 0 when `out` is too small.
std::size_t encode_binding_success(const TransactionId& id, const core::SocketAddress& mapped,
                                   core::MutableBytes out);

/// Writes a Binding error response with ERROR-CODE (`code` 300..699, `reason` cut to 64 bytes),
/// UNKNOWN-ATTRIBUTES when `unknown_count` > 0 (at most kMaxUnknownAttributes listed), SOFTWARE
/// and FINGERPRINT. Returns the size, or 0 when `out` is too small or `code` out of range.
std::size_t encode_binding_error(const TransactionId& id, uint16_t code, const char* reason,
                                 const uint16_t* unknown, std::size_t unknown_count,
                                 core::MutableBytes out);

/// CRC-32 (ISO-HDLC, as in zlib), what FINGERPRINT is made of (before the xor).
uint32_t crc32(const uint8_t* data, std::size_t size);

const char* to_string(DecodeError e);

}  // namespace weft::stun
