// The unchanged STUN server core (weft::stun::Server, docs/connectivity.md "STUN") as a simulator
// core, as `weft derp` runs one beside each relay: Binding requests in, answers out; no timers.
#pragma once

#include <optional>

#include "core-slot.h"
#include "stun/message.h"
#include "stun/server.h"

namespace weft::sim {

/// A stun::Server behind the interface lib/core/drive.h and CoreSlotOf ask for.
class StunCore {
 public:
  stun::Output receive_datagram(core::Now, const core::Path& from, core::ByteView datagram,
                                core::MutableBytes out) {
    if (!from.is_udp()) return stun::Output{};
    return m_server.receive_datagram(from.udp, datagram, out);
  }
  /// Stateless: one answer per request, nothing queued.
  stun::Output poll_transmit(core::Now, core::MutableBytes) { return stun::Output{}; }
  void update_timers(core::Now) {}
  std::optional<core::Duration> next_deadline() const { return std::nullopt; }

  const stun::ServerStats& Stats() const { return m_server.stats(); }

 private:
  stun::Server m_server;
};

template <>
struct CoreTraits<StunCore> {
  static constexpr std::size_t kOutputCapacity = stun::kMaxEncodedSize;
  static constexpr std::size_t kDropReasons = stun::kDropReasonCount;
  static Effect effect(const stun::Output& output) {
    switch (output.action) {
      case stun::Action::kSendDatagram:
        return Effect::Send(output.size, core::Path::to_udp(output.to));
      case stun::Action::kDrop:
        return Effect::Drop(output.drop);
      case stun::Action::kNone:
        break;
    }
    return Effect{};
  }
};

}  // namespace weft::sim
