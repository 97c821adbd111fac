// STUN message codec (RFC 8489 sections 5, 6 and 14): a straight ladder of bounds checks over
// the header and the attribute list, and a small writer for the three Binding messages weft sends.
#include "stun/message.h"

#include <cstring>

namespace weft::stun {
namespace {

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t get32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

// Section 5: the class bits C0 (bit 4) and C1 (bit 8) are interleaved with the method's.
uint16_t message_type(uint16_t method, MessageClass c) {
  const uint16_t cls = static_cast<uint16_t>(c);
  return static_cast<uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                               ((method & 0x0F80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7));
}

// Comprehension-required attributes weft can parse or may safely ignore (section 18.3 and
// ICE's): anything else below 0x8000 is "unknown" and makes a request fail with 420.
bool known_required(uint16_t type) {
  switch (type) {
    case kAttrMappedAddress:
    case kAttrUsername:
    case kAttrMessageIntegrity:
    case kAttrErrorCode:
    case kAttrUnknownAttributes:
    case kAttrRealm:
    case kAttrNonce:
    case kAttrMessageIntegritySha256:
    case kAttrPasswordAlgorithm:
    case kAttrUserhash:
    case kAttrXorMappedAddress:
    case kAttrPriority:
    case kAttrUseCandidate:
      return true;
    default:
      return false;
  }
}

// Section 14.2: what an XOR-MAPPED-ADDRESS is XORed with: the cookie, then the transaction id.
std::array<uint8_t, 16> xor_key(const TransactionId& id) {
  std::array<uint8_t, 16> key{};
  key[0] = static_cast<uint8_t>(kMagicCookie >> 24);
  key[1] = static_cast<uint8_t>(kMagicCookie >> 16);
  key[2] = static_cast<uint8_t>(kMagicCookie >> 8);
  key[3] = static_cast<uint8_t>(kMagicCookie);
  std::memcpy(key.data() + 4, id.data(), id.size());
  return key;
}

// Section 14.1 / 14.2: family, port and address, XORed with the cookie (and for IPv6 the
// transaction id) when `xored`. The value's size must match its family exactly.
bool decode_address(const uint8_t* v, std::size_t len, bool xored, const TransactionId& id,
                    core::SocketAddress& out) {
  if (len < 4) return false;
  const std::array<uint8_t, 16> key = xor_key(id);
  const uint16_t port = get16(v + 2);
  out.port = xored ? static_cast<uint16_t>(port ^ (kMagicCookie >> 16)) : port;
  if (v[1] == 0x01) {
    if (len != 8) return false;
    std::array<uint8_t, 4> a{};
    for (std::size_t i = 0; i < 4; ++i) a[i] = static_cast<uint8_t>(v[4 + i] ^ (xored ? key[i] : 0));
    out.address = util::IpAddress::v4(a);
    return true;
  }
  if (v[1] == 0x02) {
    if (len != 20) return false;
    std::array<uint8_t, 16> a{};
    for (std::size_t i = 0; i < 16; ++i) a[i] = static_cast<uint8_t>(v[4 + i] ^ (xored ? key[i] : 0));
    out.address = util::IpAddress::v6(a);
    return true;
  }
  return false;
}

// Writes into a caller's buffer; `ok` turns false (and stays) on the first overrun.
class Writer {
 public:
  explicit Writer(core::MutableBytes out) : out_(out) {}
  void u8(uint8_t v) {
    if (!room(1)) return;
    out_.data[n_++] = v;
  }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(const uint8_t* p, std::size_t len) {
    if (!room(len)) return;
    if (len > 0) std::memcpy(out_.data + n_, p, len);
    n_ += len;
  }
  void pad() {
    while (ok_ && n_ % 4 != 0) u8(0);
  }
  std::size_t size() const { return n_; }
  bool ok() const { return ok_; }
  uint8_t* data() { return out_.data; }

 private:
  bool room(std::size_t len) {
    if (!ok_ || out_.size - n_ < len) ok_ = false;
    return ok_;
  }
  core::MutableBytes out_;
  std::size_t n_ = 0;
  bool ok_ = true;
};

void header(Writer& w, MessageClass c, const TransactionId& id) {
  w.u16(message_type(kMethodBinding, c));
  w.u16(0);  // length, patched by finish()
  w.u32(kMagicCookie);
  w.bytes(id.data(), id.size());
}

void attribute(Writer& w, uint16_t type, const uint8_t* value, std::size_t len) {
  w.u16(type);
  w.u16(static_cast<uint16_t>(len));
  w.bytes(value, len);
  w.pad();
}

void set_length(Writer& w, std::size_t body) {
  w.data()[2] = static_cast<uint8_t>(body >> 8);
  w.data()[3] = static_cast<uint8_t>(body);
}

// SOFTWARE, then FINGERPRINT over everything before it with the length already counting it.
std::size_t finish(Writer& w) {
  attribute(w, kAttrSoftware, reinterpret_cast<const uint8_t*>(kSoftware), sizeof(kSoftware) - 1);
  if (!w.ok() || w.size() + 8 > kMaxEncodedSize) return 0;
  set_length(w, w.size() + 8 - kHeaderSize);
  const uint32_t fp = crc32(w.data(), w.size()) ^ kFingerprintXor;
  w.u16(kAttrFingerprint);
  w.u16(4);
  w.u32(fp);
  return w.ok() ? w.size() : 0;
}

}  // namespace

uint32_t crc32(const uint8_t* data, std::size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) c = kCrcTable[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool looks_like_stun(core::ByteView b) {
  return b.size >= kHeaderSize && (b.data[0] & 0xC0) == 0 && b.size % 4 == 0 &&
         get32(b.data + 4) == kMagicCookie;
}

DecodeError decode(core::ByteView b, Message& m) {
  m = Message{};
  // Section 6: the top two bits are zero, the length counts whole 4-byte words, and a message
  // without the magic cookie is RFC 3489's, which weft does not speak.
  if (!looks_like_stun(b)) return DecodeError::kNotStun;
  const std::size_t length = get16(b.data + 2);
  if (kHeaderSize + length != b.size) return DecodeError::kBadLength;
  const uint16_t type = get16(b.data);
  m.method = static_cast<uint16_t>((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
  m.message_class = static_cast<MessageClass>(((type >> 4) & 1) | ((type >> 7) & 2));
  std::memcpy(m.transaction_id.data(), b.data + 8, kTransactionIdSize);

  bool after_integrity = false;
  std::size_t at = kHeaderSize;
  while (at < b.size) {
    if (b.size - at < 4) return DecodeError::kMalformedAttribute;
    const uint16_t atype = get16(b.data + at);
    const std::size_t alen = get16(b.data + at + 2);
    const std::size_t padded = (alen + 3) & ~std::size_t{3};
    if (b.size - at - 4 < padded) return DecodeError::kMalformedAttribute;
    const uint8_t* v = b.data + at + 4;
    if (atype == kAttrFingerprint) {
      // Section 14.7: the last attribute, CRC-32 of everything before it, xor "STUN".
      if (alen != 4 || at + 8 != b.size) return DecodeError::kBadFingerprint;
      if ((crc32(b.data, at) ^ kFingerprintXor) != get32(v)) return DecodeError::kBadFingerprint;
      m.has_fingerprint = true;
    } else if (after_integrity) {
      // Section 14.5: only FINGERPRINT may follow MESSAGE-INTEGRITY; anything else is ignored.
    } else if (atype == kAttrXorMappedAddress) {
      core::SocketAddress a;
      if (!decode_address(v, alen, true, m.transaction_id, a)) return DecodeError::kMalformedAttribute;
      if (!m.xor_mapped_address) m.xor_mapped_address = a;
    } else if (atype == kAttrMappedAddress) {
      core::SocketAddress a;
      if (!decode_address(v, alen, false, m.transaction_id, a)) return DecodeError::kMalformedAttribute;
      if (!m.mapped_address) m.mapped_address = a;
    } else if (atype == kAttrErrorCode) {
      // Section 14.8: 21 reserved bits, the class (3..6) and the number (0..99).
      if (alen < 4) return DecodeError::kMalformedAttribute;
      const unsigned cls = v[2] & 0x07;
      const unsigned number = v[3];
      if (cls < 3 || cls > 6 || number > 99) return DecodeError::kMalformedAttribute;
      if (!m.error_code) {
        m.error_code = static_cast<uint16_t>(cls * 100 + number);
        m.error_reason = core::ByteView{v + 4, alen - 4};
      }
    } else if (atype == kAttrSoftware) {
      if (m.software.data == nullptr) m.software = core::ByteView{v, alen};
    } else if (atype == kAttrMessageIntegrity || atype == kAttrMessageIntegritySha256) {
      m.has_message_integrity = true;
      after_integrity = true;
    } else if (atype < 0x8000 && !known_required(atype)) {
      if (m.unknown_required_count < kMaxUnknownAttributes) {
        m.unknown_required[m.unknown_required_count] = atype;
      }
      ++m.unknown_required_count;
    }
    at += 4 + padded;
  }
  return DecodeError::kNone;
}

std::size_t encode_binding_request(const TransactionId& id, core::MutableBytes out) {
  Writer w(out);
  header(w, MessageClass::kRequest, id);
  return finish(w);
}

std::size_t encode_binding_success(const TransactionId& id, const core::SocketAddress& mapped,
                                   core::MutableBytes out) {
  Writer w(out);
  header(w, MessageClass::kSuccessResponse, id);
  const std::array<uint8_t, 16> key = xor_key(id);
  uint8_t value[20];
  const bool v4 = mapped.address.is_v4();
  const std::size_t alen = v4 ? 4 : 16;
  value[0] = 0;
  value[1] = v4 ? 0x01 : 0x02;
  const uint16_t port = static_cast<uint16_t>(mapped.port ^ (kMagicCookie >> 16));
  value[2] = static_cast<uint8_t>(port >> 8);
  value[3] = static_cast<uint8_t>(port);
  for (std::size_t i = 0; i < alen; ++i) {
    value[4 + i] = static_cast<uint8_t>(mapped.address.bytes()[i] ^ key[i]);
  }
  attribute(w, kAttrXorMappedAddress, value, 4 + alen);
  return finish(w);
}

std::size_t encode_binding_error(const TransactionId& id, uint16_t code, const char* reason,
                                 const uint16_t* unknown, std::size_t unknown_count,
                                 core::MutableBytes out) {
  if (code < 300 || code > 699) return 0;
  Writer w(out);
  header(w, MessageClass::kErrorResponse, id);
  uint8_t value[4 + 64] = {0, 0, static_cast<uint8_t>(code / 100), static_cast<uint8_t>(code % 100)};
  const std::size_t reason_len = reason ? strnlen(reason, 64) : 0;
  if (reason_len > 0) std::memcpy(value + 4, reason, reason_len);
  attribute(w, kAttrErrorCode, value, 4 + reason_len);
  if (unknown_count > 0) {
    if (unknown_count > kMaxUnknownAttributes) unknown_count = kMaxUnknownAttributes;
    uint8_t list[2 * kMaxUnknownAttributes];
    for (std::size_t i = 0; i < unknown_count; ++i) {
      list[2 * i] = static_cast<uint8_t>(unknown[i] >> 8);
      list[2 * i + 1] = static_cast<uint8_t>(unknown[i]);
    }
    attribute(w, kAttrUnknownAttributes, list, 2 * unknown_count);
  }
  return finish(w);
}

const char* to_string(DecodeError e) {
  switch (e) {
    case DecodeError::kNone: return "none";
    case DecodeError::kNotStun: return "not_stun";
    case DecodeError::kBadLength: return "bad_length";
    case DecodeError::kMalformedAttribute: return "malformed_attribute";
    case DecodeError::kBadFingerprint: return "bad_fingerprint";
  }
  return "unknown";
}

}  // namespace weft::stun
