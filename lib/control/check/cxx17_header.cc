// Build-time guard: the control channel headers must compile as C++17, because ns-3 units will
// drive the channel. Compiled with CXX_STANDARD 17.
#include "control/channel.h"
#include "control/codec.h"
#include "control/frame.h"
#include "control/message_codec.h"
#include "control/message_stream.h"
#include "control/messages.h"
#include "control/noise_ik.h"
#include "control/transport.h"

namespace weft::control {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static std::size_t cxx17_probe(Transport& t, core::Random& rng) {
  uint8_t buf[sealed_frame_size(1)];
  const uint8_t one = 1;
  Outcome o = t.seal(core::ByteView{&one, 1}, core::MutableBytes{buf, sizeof buf});
  NodeHandshake node(core::MachinePrivateKey{}, core::MachinePublicKey{});
  uint8_t hello[kNodeHelloSize];
  Outcome s = node.start(rng, core::MutableBytes{hello, sizeof hello});
  return o.size + s.size + split_frame(core::ByteView{buf, sizeof buf}).frame_size;
}

[[maybe_unused]] static std::size_t cxx17_message_probe(Transport& t) {
  const std::vector<uint8_t> bytes = encode(NodeMessage{KeepAlive{}});
  const core::ByteView view{bytes.data(), bytes.size()};
  Reader r(view);
  uint8_t type = 0;
  r.u8(type, "type");
  std::vector<uint8_t> out;
  MessageSender sender;
  MessageReceiver receiver;
  core::ByteView in{out.data(), out.size()};
  const bool sealed = sender.seal(view, t, out).ok();
  return decode_server_message(view).ok() + sealed + type +
         static_cast<std::size_t>(receiver.poll(in, t).status) + sealed_message_size(1);
}

}  // namespace weft::control
