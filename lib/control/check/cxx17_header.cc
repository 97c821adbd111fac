// Build-time guard: the control channel headers must compile as C++17, because ns-3 units will
// drive the channel. Compiled with CXX_STANDARD 17.
#include "control/channel.h"
#include "control/frame.h"
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

}  // namespace weft::control
