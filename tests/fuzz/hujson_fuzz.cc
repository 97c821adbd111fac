// libFuzzer target for weft::hujson::parse: arbitrary bytes must give a value or clean errors,
// and any accepted document must survive a to_json -> parse -> to_json round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hujson/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  weft::hujson::ParseLimits limits;
  limits.max_depth = 64;  // keep the round trip's own depth well inside the limit as well
  const weft::hujson::ParseOutcome out = weft::hujson::parse(text, limits);
  if (out.value.has_value() != out.errors.empty()) std::abort();
  for (const auto& e : out.errors) {
    if (e.message.empty() || e.pos.line == 0 || e.pos.column == 0 || e.pos.offset > size) std::abort();
  }
  if (!out.value) return 0;
  const std::string json = weft::hujson::to_json(*out.value);
  const weft::hujson::ParseOutcome again = weft::hujson::parse(json, limits);
  if (!again.value || weft::hujson::to_json(*again.value) != json) std::abort();
  return 0;
}
