// Fuzz target: UAPI framing and set parsing (lib/tunnel/uapi) on arbitrary connection bytes.
// Properties: never crashes; framing does not depend on how the bytes were split into reads
// (all at once vs. one byte at a time give the same requests, oversized ones included); the
// reader holds no more than the cap plus one read; parsed keys re-format to hex.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/uapi.h"

namespace {

using weft::tunnel::UapiRequestReader;

// Small limits so inputs of a few KiB reach the oversized path: `limit` bytes per request and
// four times that dropped before giving up.
std::vector<std::string> frame(std::string_view bytes, bool bytewise, std::size_t limit) {
  UapiRequestReader reader(limit, 4 * limit);
  std::size_t size = bytes.size();
  std::vector<std::string> out;
  auto drain = [&] {
    std::string body;
    while (true) {
      auto st = reader.next(&body);
      if (st == UapiRequestReader::Status::kNeedMore) return true;
      if (st == UapiRequestReader::Status::kInvalid) {
        out.push_back("<invalid>");
        return false;
      }
      if (st == UapiRequestReader::Status::kTooLarge) {
        out.push_back("<too large>");
      } else {
        out.push_back(st == UapiRequestReader::Status::kGet ? "<get>" : "set:" + body);
      }
      if (reader.finished()) return false;
      // Memory stays bounded however the bytes arrive (see UapiRequestReader::feed).
      if (reader.buffered() > limit + (bytewise ? 1 : size)) {
        std::abort();
      }
    }
  };
  if (bytewise) {
    for (char c : bytes) {
      reader.feed(std::string_view(&c, 1));
      if (!drain()) break;
    }
  } else {
    reader.feed(bytes);
    drain();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::size_t limit = size == 0 ? 64 : 8 + data[0] * 8;  // 8 .. 2048
  auto whole = frame(bytes, false, limit);
  auto pieces = frame(bytes, true, limit);
  // Byte-wise feeding may see a long garbage first line earlier, but never different requests.
  std::size_t common = whole.size() < pieces.size() ? whole.size() : pieces.size();
  for (std::size_t i = 0; i < common; ++i) {
    if (whole[i] != pieces[i] && whole[i] != "<invalid>" && pieces[i] != "<invalid>") {
      std::abort();
    }
  }
  for (const auto& r : whole) {
    if (r.rfind("set:", 0) != 0) continue;
    auto req = weft::tunnel::parse_set_body(std::string_view(r).substr(4));
    if (!req.ok()) continue;
    for (const auto& p : req->peers) {
      std::string hex = weft::core::key_to_hex(p.public_key.bytes);
      if (hex.size() != 64 || r.find(hex) == std::string::npos) {
        // The body spelled the key in some case; it must at least decode back to the same key.
        auto again = weft::core::key_from_hex(hex);
        if (!again || *again != p.public_key.bytes) std::abort();
      }
    }
  }
  // Direct parse of the raw bytes as a body too (the driver only passes framed bodies, but the
  // parser must hold on its own).
  (void)weft::tunnel::parse_set_body(bytes);
  return 0;
}
