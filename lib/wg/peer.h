// The state the device keeps per peer (whitepaper section 2's cryptokey routing entry plus the
// handshake, sessions, timers and staged packets of sections 5 and 6). Internal to lib/wg.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/keypair.h"
#include "wg/noise.h"
#include "wg/timers.h"

namespace weft::wg {

struct Peer {
  Peer() = default;
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  PeerId id = kNoPeer;
  PublicKey public_key{};
  Path endpoint{};
  Duration persistent_keepalive{0};
  Handshake handshake;
  CookieGenerator cookies;
  Keypairs keypairs;
  PeerTimers timers;

  /// Packets waiting for a session; an empty entry is a keepalive request.
  std::deque<std::vector<uint8_t>> staged;
  /// When the last initiation was queued: initiations are at most one per RekeyTimeout.
  std::optional<Duration> last_initiation_sent;
  bool initiation_pending = false;
  bool flush_pending = false;
  bool in_pending_list = false;
  /// Listed in Device::Impl::touched: its timers may have moved since it was last filed.
  bool touched = false;
  /// DH(our static, its static) is computed at the first handshake that needs it, not when the
  /// peer is added: adding ten thousand peers must not cost ten thousand X25519 operations.
  bool static_static_stale = true;
  /// An initiator's "last minute" re-handshake (on receive, near RejectAfterTime) went out.
  bool sent_last_minute_handshake = false;

  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
  std::optional<WallTime> last_handshake;
};

}  // namespace weft::wg
