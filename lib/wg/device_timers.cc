// What each expired per-peer deadline does (whitepaper 6.2-6.5; wireguard-go timers.go
// "expired*" functions): retransmit or give up, keepalives, new handshake, key zeroing.
#include <algorithm>

#include "wg/device_impl.h"

namespace weft::wg {

void Device::Impl::update_timers(Now now) {
  const Duration t = now.mono;
  // Only the peers with a deadline at or before `now`, taken from the schedule; in id order,
  // so what they queue for poll_transmit does not depend on how the schedule was built.
  due.clear();
  deadlines.take_due(t, due);
  std::sort(due.begin(), due.end());
  for (PeerId id : due) {
    Peer& p = *peers[id];
    touch(p);  // taken out of the schedule: refile_touched() files it again
    PeerTimers& tm = p.timers;
    if (PeerTimers::due(tm.retransmit_handshake, t)) {
      tm.retransmit_handshake.reset();
      if (tm.handshake_attempts > kMaxHandshakeAttempts) {
        // Gave up after RekeyAttemptTime: drop what waited for the session, and schedule the
        // erasure of whatever keys remain.
        tm.send_keepalive.reset();
        p.staged.clear();
        p.flush_pending = false;
        if (!tm.zero_key_material) tm.zero_key_material = t + kZeroKeyMaterialAfter;
      } else {
        ++tm.handshake_attempts;
        request_initiation(t, p, /*is_retry=*/true);
      }
    }
    if (PeerTimers::due(tm.send_keepalive, t)) {
      tm.send_keepalive.reset();
      request_keepalive(p);
      if (tm.need_another_keepalive) {
        tm.need_another_keepalive = false;
        tm.send_keepalive = t + kKeepaliveTimeout;
      }
    }
    if (PeerTimers::due(tm.new_handshake, t)) {
      // Data went out but nothing came back for KeepaliveTimeout + RekeyTimeout.
      tm.new_handshake.reset();
      request_initiation(t, p, false);
    }
    if (PeerTimers::due(tm.zero_key_material, t)) {
      tm.zero_key_material.reset();
      clear_sessions(p);
      p.staged.clear();
      p.flush_pending = false;
    }
    if (PeerTimers::due(tm.persistent_keepalive, t)) {
      tm.persistent_keepalive.reset();
      if (p.persistent_keepalive > Duration::zero()) request_keepalive(p);
    }
  }
}

}  // namespace weft::wg
