// Build-time guard: the discovery headers must compile as C++17, because ns-3 units drive the
// engine that includes them. Compiled with CXX_STANDARD 17.
#include "disco/message.h"

namespace weft::disco {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(const core::DiscoPrivateKey& own,
                                         const core::DiscoPublicKey& peer) {
  std::optional<SharedKey> key = SharedKey::derive(own, peer);
  if (!key) return false;
  std::array<uint8_t, kMaxMessageSize> buf{};
  Message m;
  m.type = MessageType::kCallMeMaybe;
  const std::size_t n = key->seal(peer, Nonce{}, m, core::MutableBytes{buf.data(), buf.size()});
  const core::ByteView d{buf.data(), n};
  const Result<Message> back = key->open(d);
  return has_magic(d) && peek_sender(d).has_value() && back.ok() &&
         decode_plaintext(core::ByteView{}).error().code.size() > 0 &&
         encode_plaintext(m).size() == 2 && to_string(m.type) != nullptr;
}

}  // namespace weft::disco
