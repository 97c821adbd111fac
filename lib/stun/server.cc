// The STUN server core: RFC 8489 section 6.3 (receiving a request) for the Binding method, as a
// ladder of check -> drop(reason).
#include "stun/server.h"

namespace weft::stun {

Output Server::drop(DropReason reason) {
  ++stats_.drops[static_cast<std::size_t>(reason)];
  Output o;
  o.action = Action::kDrop;
  o.drop = reason;
  return o;
}

Output Server::receive_datagram(const core::SocketAddress& from, core::ByteView datagram,
                                core::MutableBytes out) {
  Message m;
  switch (decode(datagram, m)) {
    case DecodeError::kNone: break;
    case DecodeError::kNotStun: return drop(DropReason::kNotStun);
    case DecodeError::kBadFingerprint: return drop(DropReason::kBadFingerprint);
    case DecodeError::kBadLength:
    case DecodeError::kMalformedAttribute: return drop(DropReason::kMalformed);
  }
  // Section 6.3: indications and responses are never answered.
  if (m.message_class != MessageClass::kRequest) return drop(DropReason::kNotRequest);
  if (m.method != kMethodBinding) return drop(DropReason::kUnsupportedMethod);
  ++stats_.requests;
  Output o;
  o.to = from;
  // Section 6.3.1.1: unknown comprehension-required attributes get 420 listing them.
  if (m.unknown_required_count > 0) {
    o.size = encode_binding_error(m.transaction_id, kErrorUnknownAttribute, "Unknown Attribute",
                                  m.unknown_required.data(), m.unknown_required_count, out);
    if (o.size == 0) return drop(DropReason::kBufferTooSmall);
    ++stats_.error_responses;
  } else {
    o.size = encode_binding_success(m.transaction_id, from, out);
    if (o.size == 0) return drop(DropReason::kBufferTooSmall);
    ++stats_.success_responses;
  }
  o.action = Action::kSendDatagram;
  return o;
}

const char* to_string(DropReason reason) {
  switch (reason) {
    case DropReason::kNone: return "none";
    case DropReason::kNotStun: return "not_stun";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kBadFingerprint: return "bad_fingerprint";
    case DropReason::kNotRequest: return "not_request";
    case DropReason::kUnsupportedMethod: return "unsupported_method";
    case DropReason::kBufferTooSmall: return "buffer_too_small";
    case DropReason::kCount: break;
  }
  return "unknown";
}

}  // namespace weft::stun
