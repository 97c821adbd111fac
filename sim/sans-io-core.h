// The narrow interface the ns-3 adapter drives: one sans-IO core (design brief, "sans-IO cores,
// two drivers"). Mirrors the calling contract of weft::wg::Device so a test double can stand in.
#pragma once

#include <optional>

#include "wg/device.h"

namespace weft::sim {

/// A protocol core as the simulator sees it: datagrams and tunnel packets in, actions out,
/// timers as one absolute deadline on the driver's monotonic clock. Never throws.
///
/// The adapter calls poll_transmit() after every other entry point until it returns
/// wg::Action::kNone, and re-arms its single timer from next_deadline() after every call.
class SansIoCore {
 public:
  virtual ~SansIoCore() = default;

  /// A datagram arrived on the core's UDP socket from `from`.
  virtual wg::Output receive_datagram(wg::Now now, const wg::Path& from, wg::ByteView datagram,
                                      wg::MutableBytes out) = 0;
  /// The tunnel handed the core an IP packet to send.
  virtual wg::Output send_packet(wg::Now now, wg::ByteView ip_packet, wg::MutableBytes out) = 0;
  /// The next pending datagram, or wg::Action::kNone when nothing is pending.
  virtual wg::Output poll_transmit(wg::Now now, wg::MutableBytes out) = 0;
  /// Runs every timer due at `now`.
  virtual void update_timers(wg::Now now) = 0;
  /// Earliest time (on the `now.mono` clock) update_timers() has work; nullopt = none armed.
  virtual std::optional<wg::Duration> next_deadline() const = 0;
};

}  // namespace weft::sim
