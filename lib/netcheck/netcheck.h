// The netcheck core (sans-IO; docs/connectivity.md, "Netcheck"): STUN Binding requests to every
// relay node of the relay map, several tries per region staggered, a per-probe timeout and a
// total budget; the answers make a Report. The node engine runs one every ~30 s on its shared
// UDP socket, `weft netcheck` on a socket of its own. C++17-clean.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "control/messages.h"
#include "core/bytes.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "netcheck/report.h"
#include "stun/message.h"

namespace weft::netcheck {

struct Options {
  /// Requests per region and address family, spread over the region's STUN servers in turn
  /// (Tailscale's netcheck makes 3).
  int tries_per_region = 3;
  /// Gap between a region's tries: a lost first request costs this much, not a whole timeout.
  core::Duration try_spacing = std::chrono::milliseconds(100);
  /// How long one request waits for its answer.
  core::Duration probe_timeout = std::chrono::seconds(1);
  /// The whole check ends this long after it started, answered or not (`weft netcheck`: 5 s).
  core::Duration budget = std::chrono::seconds(5);
};

/// Why a received STUN datagram taught nothing. Counted in Stats::drops[reason].
enum class DropReason : uint8_t {
  kNone = 0,
  kNotStun,             ///< not STUN at all: not consumed, the driver passes it on
  kMalformed,           ///< STUN, but it did not decode
  kUnknownTransaction,  ///< no request of this check has that transaction id
  kDuplicate,           ///< the request was already answered
  kLate,                ///< the request had timed out, or the check is over
  kNotSuccess,          ///< an error response (or a request/indication) for our transaction
  kUnknownAttribute,    ///< a response with unknown comprehension-required attributes
  kNoAddress,           ///< a success response without a (XOR-)MAPPED-ADDRESS
  kCount
};
inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

enum class Action : uint8_t {
  kNone,          ///< nothing to send now
  kSendDatagram,  ///< send out[0, size) to `to`
};

struct Output {
  Action action = Action::kNone;
  std::size_t size = 0;
  core::SocketAddress to{};
};

inline bool is_idle(const Output& o) { return o.action == Action::kNone; }

/// What receive_datagram() made of a datagram.
struct Received {
  bool consumed = false;  ///< a STUN message: nobody else wants it
  DropReason drop = DropReason::kNone;  ///< kNone: an answer was recorded
};

struct Stats {
  uint64_t requests_sent = 0;
  uint64_t answers = 0;
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t drops_of(DropReason r) const { return drops[static_cast<std::size_t>(r)]; }
};

/// One netcheck run.
///
/// Calling contract (single-threaded; every entry point takes `now`):
///  - after construction and after any call, drain poll_transmit() until it returns kNone and
///    send each datagram from the check's socket;
///  - a datagram received on that socket -> receive_datagram(); one that is not consumed
///    belongs to someone else (WireGuard on the node's shared socket);
///  - when next_deadline() passes -> update_timers();
///  - when done() -> report(). next_deadline() is nullopt then.
/// A relay node is probed at its literal ipv4 / ipv6 (else its host, when that is a literal
/// address) when its stun_port is not 0; a node without a literal address of a family is not
/// probed over that family. Never throws.
class Netcheck {
 public:
  /// Plans the probes; transaction ids come from `random` (used only here). `now` starts the
  /// budget.
  Netcheck(const std::vector<control::RelayRegion>& regions, core::Now now, core::Random& random,
           const Options& options = Options{});
  Netcheck(const Netcheck&) = delete;
  Netcheck& operator=(const Netcheck&) = delete;

  /// Emits the next request that is due, or kNone. `out` should hold stun::kMaxEncodedSize
  /// bytes (a smaller buffer sends nothing).
  Output poll_transmit(core::Now now, core::MutableBytes out);
  /// Handles one datagram received from `from`.
  Received receive_datagram(core::Now now, const core::SocketAddress& from, core::ByteView datagram);
  /// Times out unanswered requests, and ends the check when the budget is spent.
  void update_timers(core::Now now);
  /// When update_timers() or poll_transmit() next has work; nullopt once done.
  std::optional<core::Duration> next_deadline() const;

  /// True when every request was answered or gave up (or was not needed), or the budget is
  /// spent. A map without any STUN server is done at once.
  bool done() const;
  /// What the answers so far say (final once done()).
  Report report() const;
  const Stats& stats() const { return stats_; }
  /// The number of requests planned (at most tries_per_region per region and family).
  std::size_t planned_probes() const { return probes_.size(); }

 private:
  enum class ProbeState : uint8_t { kPending, kSent, kAnswered, kFailed, kTimedOut, kSkipped };
  struct Probe {
    uint16_t region = 0;
    core::SocketAddress to{};
    core::Duration at{};  ///< when it is due
    stun::TransactionId id{};
    ProbeState state = ProbeState::kPending;
    core::Duration sent_at{};
    core::Duration rtt{};
    core::SocketAddress mapped{};
    uint32_t answer_order = 0;
  };

  bool destination_answered(const core::SocketAddress& to) const;
  bool settled(const Probe& p) const;
  Received drop(DropReason reason, bool consumed = true);

  std::vector<Probe> probes_;
  core::Duration deadline_{};
  Options options_;
  bool over_ = false;
  uint32_t answers_ = 0;
  Stats stats_;
};

const char* to_string(DropReason reason);

}  // namespace weft::netcheck
