// Parsing and serialization of the four WireGuard messages (whitepaper section 5.4).
// Layout: 1-byte type, 3 reserved zero bytes, then the fields in order, little-endian integers.
#include "wg/messages.h"

#include <cstring>

namespace weft::wg {
namespace {

Error malformed(const char* what) { return make_error("wg.malformed", what); }

bool header_ok(const uint8_t* data, uint8_t type) {
  return data[0] == type && data[1] == 0 && data[2] == 0 && data[3] == 0;
}

template <std::size_t N>
const uint8_t* take(const uint8_t* p, std::array<uint8_t, N>& out) {
  std::memcpy(out.data(), p, N);
  return p + N;
}

template <std::size_t N>
uint8_t* put(uint8_t* p, const std::array<uint8_t, N>& in) {
  std::memcpy(p, in.data(), N);
  return p + N;
}

void put_header(uint8_t* out, uint8_t type) {
  out[0] = type;
  out[1] = out[2] = out[3] = 0;
}

}  // namespace

void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void store_le64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t load_le32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint8_t message_type(const uint8_t* data, std::size_t len) {
  if (len < 4 || data[1] != 0 || data[2] != 0 || data[3] != 0) return 0;
  return data[0];
}

Result<HandshakeInitiation> parse_initiation(const uint8_t* data, std::size_t len) {
  if (len != kHandshakeInitiationSize) return malformed("handshake_initiation size");
  if (!header_ok(data, kMessageHandshakeInitiation)) return malformed("handshake_initiation header");
  HandshakeInitiation m;
  m.sender_index = load_le32(data + 4);
  const uint8_t* p = data + 8;
  p = take(p, m.unencrypted_ephemeral);
  p = take(p, m.encrypted_static);
  p = take(p, m.encrypted_timestamp);
  p = take(p, m.mac1);
  take(p, m.mac2);
  return m;
}

Result<HandshakeResponse> parse_response(const uint8_t* data, std::size_t len) {
  if (len != kHandshakeResponseSize) return malformed("handshake_response size");
  if (!header_ok(data, kMessageHandshakeResponse)) return malformed("handshake_response header");
  HandshakeResponse m;
  m.sender_index = load_le32(data + 4);
  m.receiver_index = load_le32(data + 8);
  const uint8_t* p = data + 12;
  p = take(p, m.unencrypted_ephemeral);
  p = take(p, m.encrypted_nothing);
  p = take(p, m.mac1);
  take(p, m.mac2);
  return m;
}

Result<CookieReply> parse_cookie_reply(const uint8_t* data, std::size_t len) {
  if (len != kCookieReplySize) return malformed("cookie_reply size");
  if (!header_ok(data, kMessageCookieReply)) return malformed("cookie_reply header");
  CookieReply m;
  m.receiver_index = load_le32(data + 4);
  const uint8_t* p = data + 8;
  p = take(p, m.nonce);
  take(p, m.encrypted_cookie);
  return m;
}

Result<TransportHeader> parse_transport_header(const uint8_t* data, std::size_t len) {
  if (len < kTransportMinSize) return malformed("transport_data size");
  if (!header_ok(data, kMessageTransportData)) return malformed("transport_data header");
  TransportHeader h;
  h.receiver_index = load_le32(data + 4);
  h.counter = load_le64(data + 8);
  return h;
}

void serialize(const HandshakeInitiation& m, uint8_t* out) {
  put_header(out, kMessageHandshakeInitiation);
  store_le32(out + 4, m.sender_index);
  uint8_t* p = out + 8;
  p = put(p, m.unencrypted_ephemeral);
  p = put(p, m.encrypted_static);
  p = put(p, m.encrypted_timestamp);
  p = put(p, m.mac1);
  put(p, m.mac2);
}

void serialize(const HandshakeResponse& m, uint8_t* out) {
  put_header(out, kMessageHandshakeResponse);
  store_le32(out + 4, m.sender_index);
  store_le32(out + 8, m.receiver_index);
  uint8_t* p = out + 12;
  p = put(p, m.unencrypted_ephemeral);
  p = put(p, m.encrypted_nothing);
  p = put(p, m.mac1);
  put(p, m.mac2);
}

void serialize(const CookieReply& m, uint8_t* out) {
  put_header(out, kMessageCookieReply);
  store_le32(out + 4, m.receiver_index);
  uint8_t* p = out + 8;
  p = put(p, m.nonce);
  put(p, m.encrypted_cookie);
}

void serialize(const TransportHeader& h, uint8_t* out) {
  put_header(out, kMessageTransportData);
  store_le32(out + 4, h.receiver_index);
  store_le64(out + 8, h.counter);
}

}  // namespace weft::wg
