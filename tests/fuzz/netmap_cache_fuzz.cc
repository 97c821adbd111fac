// Fuzz target: the netmap cache reader (lib/engine/netmap_cache.h) on untrusted file bytes. The
// input is read as is and, so that mutations reach the payload decoder past the checksum, again
// with its checksum recomputed. Nothing may crash; a refusal carries one of the cache's codes;
// whatever is accepted re-encodes to bytes that read back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "engine/netmap_cache.h"

using namespace weft;
using namespace weft::engine;

namespace {

void check(const std::vector<uint8_t>& input) {
  const auto first = decode_cache(core::ByteView{input.data(), input.size()});
  if (!first.ok()) {
    const std::string& code = first.error().code;
    if (code != "engine.cache_truncated" && code != "engine.cache_checksum" &&
        code != "engine.cache_version" && code != "engine.cache_malformed")
      std::abort();
    return;
  }
  // Peers are kept by id, so an accepted map listing them out of order re-encodes sorted; from
  // there on the encoding is a fixed point.
  const std::vector<uint8_t> bytes = encode_cache(first.value());
  const auto second = decode_cache(core::ByteView{bytes.data(), bytes.size()});
  if (!second.ok() || encode_cache(second.value()) != bytes) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::vector<uint8_t> input(data, data + size);
  check(input);
  if (input.size() >= kCacheHeaderSize + kCacheChecksumSize) {
    const std::size_t covered = input.size() - kCacheChecksumSize;
    const crypto::Hash32 sum = crypto::blake2s256(input.data(), covered);
    std::memcpy(input.data() + covered, sum.data(), sum.size());
    check(input);
  }
  return 0;
}
