// The netmap cache (docs/control-plane.md, "Netmap cache"): the bytes a node persists after every
// netmap so that it can run offline, and their strict reader. The engine only makes and reads
// bytes; the Linux driver writes them atomically. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "control/messages.h"
#include "controlclient/netmap.h"
#include "core/bytes.h"
#include "core/key.h"
#include "core/time.h"
#include "util/result.h"

namespace weft::engine {

/// The first bytes of every cache file, whatever its format version.
inline constexpr uint8_t kCacheMagic[8] = {'W', 'E', 'F', 'T', 'N', 'M', 'A', 'P'};
/// The format this code writes and the only one it reads. A new layout of the payload is a new
/// version; the header (magic, version, length) and the trailing checksum never move.
/// 1: first. 2 (2026-12-03): the relay map's regions carry relay nodes (control capability 2).
/// 3 (2026-12-02): the map's DNS settings carry nameservers, search domains and split-DNS routes
/// (control capability 4), so a cache written before reads as another version, not as damage.
inline constexpr uint16_t kCacheFormatVersion = 3;
/// magic (8) · format version (u16) · payload length (u32).
inline constexpr std::size_t kCacheHeaderSize = sizeof(kCacheMagic) + 2 + 4;
/// BLAKE2s-256 over header and payload, after the payload.
inline constexpr std::size_t kCacheChecksumSize = 32;
/// A cache holds one full map, which the control channel bounds at 16 MiB, plus a few fields.
inline constexpr std::size_t kMaxCachePayload = control::kMaxMessageBytes + 4096;

/// What a restarted node needs to run without the coordination server.
struct CachedNetmap {
  /// The map as the control client held it (complete; seq, self, peers, filter, DNS, relays,
  /// policy version).
  controlclient::NetMap netmap;
  /// The server's id for this device.
  control::NodeId node{};
  /// The coordination server the map came from: a cache of another server is not applied.
  core::MachinePublicKey server_key{};
  /// When the node received this map (wall clock), for "using the netmap cached at ...".
  core::WallTime cached_at{};
};

/// The cache file's bytes. `cache.netmap` must be complete (asserted).
std::vector<uint8_t> encode_cache(const CachedNetmap& cache);

/// Reads a cache file's bytes, all or nothing. Checked in this order: the magic, the length
/// against the bytes present, the checksum over everything before it, the format version,
/// then the payload (exactly, with every limit of the control protocol's decoder).
/// Errors: "engine.cache_truncated" (fewer bytes than the header announces, including a file
/// cut inside its header), "engine.cache_checksum" (any damaged byte: the BLAKE2s-256 does not
/// match), "engine.cache_version" (an intact cache of another format version),
/// "engine.cache_malformed" (not a cache: wrong magic, bytes after the checksum, an oversized
/// length, or an intact payload that does not decode as this version or as a valid map).
Result<CachedNetmap> decode_cache(core::ByteView bytes);

}  // namespace weft::engine
