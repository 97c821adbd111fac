// The netmap cache's bytes (docs/control-plane.md, "Netmap cache"): header, payload (the map as
// the control protocol's MapResponse), BLAKE2s-256 over both; read all or nothing.
#include "engine/netmap_cache.h"

#include <cassert>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

#include "control/codec.h"
#include "control/message_codec.h"
#include "crypto/crypto.h"

namespace weft::engine {
namespace {

constexpr std::size_t kMagicSize = sizeof(kCacheMagic);

Error cache_error(const char* code, std::string detail) {
  return make_error(code, "netmap cache: " + std::move(detail));
}

control::MapResponse to_map_response(const controlclient::NetMap& map) {
  control::MapResponse m;
  m.seq = map.seq;
  m.self = map.self;
  m.peers.reserve(map.peers.size());
  for (const auto& entry : map.peers) m.peers.push_back(entry.second);
  m.filter = map.filter;
  m.dns = map.dns;
  m.relays = map.relays;
  m.policy_version = map.policy_version;
  return m;
}

std::vector<uint8_t> encode_payload(const CachedNetmap& cache) {
  std::vector<uint8_t> out;
  control::Writer w(out);
  w.u64(cache.node.value);
  w.fixed(cache.server_key.bytes.data(), cache.server_key.bytes.size());
  w.i64(std::chrono::duration_cast<std::chrono::nanoseconds>(cache.cached_at.time_since_epoch())
            .count());
  const std::vector<uint8_t> map =
      control::encode(control::ServerMessage{to_map_response(cache.netmap)});
  w.count(map.size());
  w.fixed(map.data(), map.size());
  return out;
}

Result<CachedNetmap> decode_payload(core::ByteView payload) {
  CachedNetmap cache;
  control::Reader r(payload);
  int64_t cached_ns = 0;
  std::size_t map_size = 0;
  r.u64(cache.node.value, "node");
  r.fixed(cache.server_key.bytes.data(), cache.server_key.bytes.size(), "server_key");
  r.i64(cached_ns, "cached_at");
  r.count(map_size, control::kMaxMessageBytes, 1, "map");
  const std::size_t map_at = r.offset();
  if (!r.ok()) return cache_error("engine.cache_malformed", control::malformed(r.error()).detail);
  if (map_at + map_size != payload.size) {
    return cache_error("engine.cache_malformed",
                       "map: trailing bytes at byte " + std::to_string(map_at + map_size));
  }
  cache.cached_at = core::WallTime(
      std::chrono::duration_cast<core::WallTime::duration>(std::chrono::nanoseconds(cached_ns)));

  auto message = control::decode_server_message(core::ByteView{payload.data + map_at, map_size});
  if (!message.ok()) return cache_error("engine.cache_malformed", "map: " + message.error().detail);
  auto* full = std::get_if<control::MapResponse>(&message.value());
  if (full == nullptr) return cache_error("engine.cache_malformed", "map: not a full map");
  auto applied = controlclient::replace_netmap(cache.netmap, std::move(*full));
  if (!applied.ok()) {
    return cache_error("engine.cache_malformed", "map: " + applied.error().detail);
  }
  return cache;
}

void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
uint16_t get_u16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t get_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

std::vector<uint8_t> encode_cache(const CachedNetmap& cache) {
  assert(cache.netmap.complete);
  const std::vector<uint8_t> payload = encode_payload(cache);
  std::vector<uint8_t> out(kCacheHeaderSize + payload.size() + kCacheChecksumSize);
  std::memcpy(out.data(), kCacheMagic, kMagicSize);
  put_u16(out.data() + kMagicSize, kCacheFormatVersion);
  put_u32(out.data() + kMagicSize + 2, static_cast<uint32_t>(payload.size()));
  std::memcpy(out.data() + kCacheHeaderSize, payload.data(), payload.size());
  const std::size_t covered = kCacheHeaderSize + payload.size();
  const crypto::Hash32 sum = crypto::blake2s256(out.data(), covered);
  std::memcpy(out.data() + covered, sum.data(), sum.size());
  return out;
}

Result<CachedNetmap> decode_cache(core::ByteView bytes) {
  // The magic first: a file cut inside it is a truncated cache, other bytes are not a cache.
  const std::size_t magic_present = bytes.size < kMagicSize ? bytes.size : kMagicSize;
  if (magic_present > 0 && std::memcmp(bytes.data, kCacheMagic, magic_present) != 0) {
    return cache_error("engine.cache_malformed", "not a weft netmap cache (wrong magic)");
  }
  if (bytes.size < kCacheHeaderSize) {
    return cache_error("engine.cache_truncated", std::to_string(bytes.size) +
                                                     " bytes, shorter than the header");
  }
  const uint16_t version = get_u16(bytes.data + kMagicSize);
  const std::size_t payload_size = get_u32(bytes.data + kMagicSize + 2);
  if (payload_size > kMaxCachePayload) {
    return cache_error("engine.cache_malformed",
                       "payload length " + std::to_string(payload_size) + " over the maximum");
  }
  const std::size_t covered = kCacheHeaderSize + payload_size;
  const std::size_t expected = covered + kCacheChecksumSize;
  if (bytes.size < expected) {
    return cache_error("engine.cache_truncated", std::to_string(bytes.size) + " of " +
                                                     std::to_string(expected) + " bytes");
  }
  if (bytes.size > expected) {
    return cache_error("engine.cache_malformed", std::to_string(bytes.size - expected) +
                                                     " bytes after the checksum");
  }
  // The checksum before the version: a damaged version field is damage, not another version.
  const crypto::Hash32 sum = crypto::blake2s256(bytes.data, covered);
  if (!crypto::constant_time_equal(sum.data(), bytes.data + covered, sum.size())) {
    return cache_error("engine.cache_checksum", "checksum mismatch (the file is damaged)");
  }
  if (version != kCacheFormatVersion) {
    return cache_error("engine.cache_version", "format version " + std::to_string(version) +
                                                   ", this weft reads version " +
                                                   std::to_string(kCacheFormatVersion));
  }
  return decode_payload(core::ByteView{bytes.data + kCacheHeaderSize, payload_size});
}

}  // namespace weft::engine
