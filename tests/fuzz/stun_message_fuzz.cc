// Fuzz target: the STUN message decoder and the STUN server core (RFC 8489) on arbitrary
// datagrams. A decoded address must encode and decode back to itself; an answered request's
// response must decode and carry the source address; nothing may crash or read out of bounds.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "stun/message.h"
#include "stun/server.h"

using namespace weft;
using namespace weft::stun;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const core::ByteView in{data, size};
  Message m;
  const DecodeError e = decode(in, m);
  if (e == DecodeError::kNone && !looks_like_stun(in)) std::abort();
  uint8_t out[kMaxEncodedSize];
  if (e == DecodeError::kNone && m.reflexive_address()) {
    const core::SocketAddress a = *m.reflexive_address();
    const std::size_t n = encode_binding_success(m.transaction_id, a, core::MutableBytes{out, sizeof out});
    Message back;
    if (n == 0 || decode(core::ByteView{out, n}, back) != DecodeError::kNone) std::abort();
    if (back.xor_mapped_address != a || back.transaction_id != m.transaction_id) std::abort();
  }

  static Server server;
  const core::SocketAddress from = *core::SocketAddress::parse("[2001:db8::5]:3478");
  const Output o = server.receive_datagram(from, in, core::MutableBytes{out, sizeof out});
  if (o.action == Action::kSendDatagram) {
    Message answer;
    if (o.size > sizeof out || decode(core::ByteView{out, o.size}, answer) != DecodeError::kNone) {
      std::abort();
    }
    if (answer.message_class == MessageClass::kSuccessResponse && answer.xor_mapped_address != from) {
      std::abort();
    }
    if (answer.transaction_id != m.transaction_id) std::abort();
  } else if (o.action != Action::kDrop) {
    std::abort();
  }
  return 0;
}
