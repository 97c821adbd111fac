// Fuzz target: the discovery message codec (lib/disco/message.h) on arbitrary bytes, taken three
// ways: as a plaintext (a decoded message must encode and decode to itself), as a datagram
// opened with fixed keys (what opens must re-seal and re-open to the same message; the seeds in
// tests/fuzz/corpus/disco_message_fuzz are sealed under these keys), and as a plaintext sealed
// by the wire format and opened (open must then agree with decode_plaintext). Nothing may crash
// or read beyond the input.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "disco/message.h"
#include "support/disco_samples.h"

using namespace weft;
using namespace weft::disco;

namespace {

const test::DiscoFuzzKeys& keys() {
  static const test::DiscoFuzzKeys k;
  return k;
}

bool same(const Message& x, const Message& y) {
  if (x.type != y.type) return false;
  switch (x.type) {
    case MessageType::kPing: return x.ping.tx == y.ping.tx && x.ping.node_key == y.ping.node_key;
    case MessageType::kPong: return x.pong.tx == y.pong.tx && x.pong.src == y.pong.src;
    case MessageType::kCallMeMaybe:
      return x.call_me_maybe.endpoints == y.call_me_maybe.endpoints;
  }
  return false;
}

// A decoded message has no mapped IPv4 left, no port 0 (but a pong through a relay, whose
// source is a default SocketAddress), and at most the limit of endpoints.
void check_decoded(const Message& m) {
  auto check = [](const core::SocketAddress& a) {
    if (a.port == 0) std::abort();
    const auto& b = a.address.bytes();
    if (!a.address.is_v4() && b[10] == 0xff && b[11] == 0xff &&
        std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; })) {
      std::abort();
    }
  };
  if (m.type == MessageType::kPong && m.pong.src != core::SocketAddress{}) check(m.pong.src);
  if (m.type == MessageType::kCallMeMaybe) {
    if (m.call_me_maybe.endpoints.size() > kMaxCallMeMaybeEndpoints) std::abort();
    for (const auto& e : m.call_me_maybe.endpoints) check(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const test::DiscoFuzzKeys& k = keys();
  // An exact-size copy, so that a read past the input is a heap overflow under ASan.
  const std::vector<uint8_t> input(data, data + size);
  const core::ByteView in{input.data(), input.size()};

  const Result<Message> plain = decode_plaintext(in);
  if (plain.ok()) {
    check_decoded(*plain);
    const std::vector<uint8_t> again = encode_plaintext(*plain);
    const Result<Message> back = decode_plaintext(core::ByteView{again.data(), again.size()});
    if (!back.ok() || !same(*back, *plain)) std::abort();
  }

  const Result<Message> opened = k.b_to_a.open(in);
  if (opened.ok()) {
    check_decoded(*opened);
    const auto sender = peek_sender(in);
    if (!sender || *sender != k.a) std::abort();
    Nonce nonce{};
    std::memcpy(nonce.data(), input.data() + kHeaderLen, kNonceLen);
    std::vector<uint8_t> resealed(kMaxMessageSize);
    const std::size_t n =
        k.a_to_b.seal(k.a, nonce, *opened, core::MutableBytes{resealed.data(), resealed.size()});
    if (n == 0) std::abort();
    resealed.resize(n);
    const Result<Message> reopened = k.b_to_a.open(core::ByteView{resealed.data(), n});
    if (!reopened.ok() || !same(*reopened, *opened)) std::abort();
  } else if (opened.error().code != "disco.short" && opened.error().code != "disco.magic" &&
             opened.error().code != "disco.auth") {
    std::abort();  // a decode error past a verified tag needs a sealed plaintext we never wrote
  }

  // The input as a plaintext sealed by the wire format: open() must say what decode_plaintext()
  // said.
  const std::vector<uint8_t> wrapped = test::disco_seal_raw(k.key, k.a, Nonce{}, in);
  const Result<Message> through = k.b_to_a.open(core::ByteView{wrapped.data(), wrapped.size()});
  if (through.ok() != plain.ok()) std::abort();
  if (through.ok() ? !same(*through, *plain) : through.error().code != plain.error().code) {
    std::abort();
  }
  return 0;
}
