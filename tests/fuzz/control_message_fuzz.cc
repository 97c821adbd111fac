// Fuzz target: the control messages' decoders (lib/control/message_codec.h) on untrusted bytes.
// The input is decoded as a node message and as a server message; nothing may crash, and
// whatever decodes must re-encode to exactly the input (the encoding is canonical) and decode
// again to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "control/message_codec.h"

using namespace weft::control;
using weft::core::ByteView;

namespace {

bool same(const std::vector<uint8_t>& bytes, const uint8_t* data, std::size_t size) {
  return bytes.size() == size && (size == 0 || std::memcmp(bytes.data(), data, size) == 0);
}

template <class Decode>
void check_round_trip(const uint8_t* data, std::size_t size, Decode decode) {
  const auto first = decode(ByteView{data, size});
  if (!first.ok()) {
    if (first.error().code != "control.malformed" &&
        first.error().code != "control.unknown_message")
      std::abort();
    return;
  }
  const std::vector<uint8_t> bytes = encode(first.value());
  if (!same(bytes, data, size)) std::abort();
  const auto second = decode(ByteView{bytes.data(), bytes.size()});
  if (!second.ok() || !same(encode(second.value()), data, size)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  check_round_trip(data, size, decode_node_message);
  check_round_trip(data, size, decode_server_message);
  (void)capability_version_of(ByteView{data, size});
  return 0;
}
