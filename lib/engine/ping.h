// ICMP echo for `weft ping` (issue 9, "Local API"; RFC 792 and RFC 4443 section 4.1-4.2): the
// echo request the engine sends from the node's own address, the reply parsed back, and the
// bounded table of requests still waiting for one. Internal to lib/engine, C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/time.h"
#include "util/ip_prefix.h"

namespace weft::engine {

/// Requests kept waiting for a reply; a further one forgets the oldest (its reply, if it ever
/// comes, then goes to the TUN like any other packet). `weft ping -c N` has one or two out.
inline constexpr std::size_t kMaxPingsOutstanding = 64;

/// Bytes after the echo header: enough to recognise weft's requests in a capture.
inline constexpr std::size_t kPingPayloadSize = 16;

/// An IPv4 + ICMPv4 or IPv6 + ICMPv6 echo request from `src` to `dst` (one family, asserted),
/// with valid checksums and TTL / hop limit 64.
std::vector<uint8_t> echo_request(const util::IpAddress& src, const util::IpAddress& dst,
                                  uint16_t id, uint16_t seq);

/// The fields of an echo reply (ICMPv4 type 0, ICMPv6 type 129).
struct EchoReply {
  util::IpAddress from;
  util::IpAddress to;
  uint16_t id = 0;
  uint16_t seq = 0;
};

/// Parses `packet` as an unfragmented echo reply whose ICMP checksum verifies; nullopt for
/// anything else.
std::optional<EchoReply> parse_echo_reply(core::ByteView packet);

/// The requests sent and not yet answered, oldest first.
class PingTracker {
 public:
  /// Records a request to `peer` with `seq`, sent at `at`; a request with the same peer and
  /// seq still waiting is replaced.
  void sent(const util::IpAddress& peer, uint16_t seq, core::Duration at);
  /// The round trip of the request a reply from `peer` with `seq` answers (which it removes);
  /// nullopt when none waits.
  std::optional<core::Duration> answered(const util::IpAddress& peer, uint16_t seq,
                                         core::Duration now);
  std::size_t outstanding() const { return waiting_.size(); }

 private:
  struct Waiting {
    util::IpAddress peer;
    uint16_t seq = 0;
    core::Duration sent{};
  };
  std::deque<Waiting> waiting_;
};

}  // namespace weft::engine
