// Fuzz target: the engine's echo reply parser (lib/engine/ping.h) on decrypted packets a peer
// chose. Nothing may crash or read outside the input; an accepted reply's addresses are of one
// family, and the echo request built back from it parses as a request, never as a reply.
#include <cstdint>
#include <cstdlib>

#include "engine/ping.h"
#include "filter/packet.h"

using namespace weft;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto reply = engine::parse_echo_reply(core::ByteView{data, size});
  if (!reply) return 0;
  if (reply->from.family() != reply->to.family()) std::abort();
  const auto request = engine::echo_request(reply->to, reply->from, reply->id, reply->seq);
  if (engine::parse_echo_reply(core::ByteView{request.data(), request.size()})) std::abort();
  filter::PacketInfo info;
  if (filter::parse_packet(core::ByteView{request.data(), request.size()}, info) !=
          filter::ParseError::kNone ||
      !info.is_echo_request() || info.icmp_id != reply->id || info.dst != reply->from)
    std::abort();
  return 0;
}
