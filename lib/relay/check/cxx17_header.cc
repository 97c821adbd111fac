// Build-time guard: the relay cores' headers must compile as C++17, because ns-3 units drive
// them. Compiled with CXX_STANDARD 17.
#include "relay/auth.h"
#include "relay/byte_ring.h"
#include "relay/client.h"
#include "relay/frame.h"
#include "relay/protocol.h"
#include "relay/server.h"

namespace weft::relay {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(Server& server, Client& client) {
  const core::Now now{};
  uint8_t buf[64];
  ConnId conn = 0;
  ServerEvent se;
  ClientEvent ce;
  core::NodePublicKey src;
  FrameReader reader;
  bool fed = reader.feed(core::ByteView{buf, 0}, [](const Frame&) { return true; });
  const bool polled = server.poll_writable(conn) || server.poll_event(se) ||
                      client.poll_event(ce) ||
                      client.poll_packet(src, core::MutableBytes{buf, sizeof(buf)}) > 0;
  return fed && polled && server.poll_output(conn, core::MutableBytes{buf, 1}).close &&
         server.next_deadline().has_value() && client.next_deadline().has_value() &&
         to_string(client.state()) != nullptr && to_code(CutReason::kFlood) != nullptr &&
         client.send_packet(now, src, core::ByteView{buf, 1});
}

}  // namespace weft::relay
