// The one way to drive a sans-IO core (conventions, "Sans-IO cores"): after any input, drain
// poll_transmit() until the core is idle; when the deadline passes, run the timers. Used by the
// Linux data path, its receive thread and the ns-3 adapter alike. C++17-clean.
//
// A Core has:  Output poll_transmit(Now, MutableBytes);  void update_timers(Now);
//              std::optional<Duration> next_deadline() const;
// and `is_idle(const Output&)` is found by argument-dependent lookup (true when the core has
// nothing more to emit). A Sink has:  MutableBytes buffer();  void execute(const Output&,
// MutableBytes buffer)  — the buffer it handed out, now holding the output's bytes.
#pragma once

#include <cstddef>
#include <optional>

#include "core/bytes.h"
#include "core/time.h"

namespace weft::core {

/// Polls per drain before a driver yields to its other inputs; a core with more to send is
/// drained again after the driver's next event, so this bounds latency, not correctness.
inline constexpr std::size_t kMaxPollsPerDrain = 4096;

struct DrainResult {
  std::size_t emitted = 0;  ///< outputs handed to the sink
  bool exhausted = false;   ///< stopped at the bound with the core still busy
};

/// Hands every pending output of `core` to `sink` (at most `max_polls`).
template <class Core, class Sink>
DrainResult drain_transmits(Core& core, Now now, Sink& sink,
                            std::size_t max_polls = kMaxPollsPerDrain) {
  DrainResult r;
  for (; r.emitted < max_polls; ++r.emitted) {
    MutableBytes buf = sink.buffer();
    auto out = core.poll_transmit(now, buf);
    if (is_idle(out)) return r;
    sink.execute(out, buf);
  }
  r.exhausted = true;
  return r;
}

/// Handles one input with `call(buffer)` (a lambda around receive_datagram, send_packet...),
/// executes its output, then drains.
template <class Core, class Sink, class Call>
DrainResult handle_input(Core& core, Now now, Sink& sink, Call&& call) {
  MutableBytes buf = sink.buffer();
  auto out = call(buf);
  sink.execute(out, buf);
  return drain_transmits(core, now, sink);
}

/// True when the core's deadline is set and not after `now`.
template <class Core>
bool deadline_due(const Core& core, Now now) {
  std::optional<Duration> d = core.next_deadline();
  return d && *d <= now.mono;
}

/// Runs the core's timers if they are due, then drains. Returns false (nothing done) when the
/// deadline had not passed: drivers may wake early (a deadline that moved later), which is
/// harmless.
template <class Core, class Sink>
bool on_deadline(Core& core, Now now, Sink& sink) {
  if (!deadline_due(core, now)) return false;
  core.update_timers(now);
  drain_transmits(core, now, sink);
  return true;
}

}  // namespace weft::core
