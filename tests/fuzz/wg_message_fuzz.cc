// Fuzz target: the four WireGuard message parsers (whitepaper 5.4). Whatever parses must
// serialize back to the same bytes; nothing may crash or read out of bounds.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "wg/messages.h"

using namespace weft::wg;

namespace {

template <class Msg>
void round_trip(const weft::Result<Msg>& m, const uint8_t* data, std::size_t size, std::size_t wire) {
  if (!m.ok()) return;
  std::vector<uint8_t> out(wire);
  serialize(*m, out.data());
  if (size < wire || std::memcmp(out.data(), data, wire) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  (void)message_type(data, size);
  round_trip(parse_initiation(data, size), data, size, kHandshakeInitiationSize);
  round_trip(parse_response(data, size), data, size, kHandshakeResponseSize);
  round_trip(parse_cookie_reply(data, size), data, size, kCookieReplySize);
  round_trip(parse_transport_header(data, size), data, size, kTransportHeaderSize);
  return 0;
}
