// Build-time guard: the STUN headers must compile as C++17, because ns-3 units drive the cores.
// Compiled with CXX_STANDARD 17.
#include "stun/message.h"
#include "stun/server.h"

namespace weft::stun {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(Server& server) {
  std::array<uint8_t, kMaxEncodedSize> buf{};
  const core::MutableBytes out{buf.data(), buf.size()};
  const std::size_t n = encode_binding_request(TransactionId{}, out);
  Message m;
  const DecodeError e = decode(core::ByteView{buf.data(), n}, m);
  const Output o = server.receive_datagram(core::SocketAddress{}, core::ByteView{buf.data(), n}, out);
  return e == DecodeError::kNone && !is_idle(o) && m.reflexive_address().has_value() &&
         server.stats().drops_of(DropReason::kMalformed) == 0 && to_string(o.drop) != nullptr;
}

}  // namespace weft::stun
