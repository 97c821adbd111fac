// Per-peer protocol timers as deadlines (whitepaper section 6; hooks named after events as in
// wireguard-linux timers.c). Hooks only arm or disarm deadlines; what an expired deadline does
// is the device's business (device_timers.cc).
#pragma once

#include <optional>

#include "wg/types.h"

namespace weft::wg {

class PeerTimers {
 public:
  /// Should be called after an authenticated data packet is sent.
  void data_sent(Duration now, Random& random);
  /// Should be called after an authenticated data packet is received.
  void data_received(Duration now);
  /// Should be called after any authenticated packet is sent (data, keepalive or handshake).
  void any_authenticated_packet_sent();
  /// Should be called after any authenticated packet is received (data, keepalive, handshake).
  void any_authenticated_packet_received();
  /// Should be called after any authenticated packet is sent or received.
  void any_authenticated_packet_traversal(Duration now, Duration persistent_keepalive);
  /// Should be called after a handshake initiation is sent.
  void handshake_initiated(Duration now, Random& random);
  /// Should be called after a handshake completes: response consumed (initiator) or first data
  /// packet on the new session (responder).
  void handshake_complete();
  /// Should be called after a new keypair is derived (either side).
  void session_derived(Duration now);
  /// Disarms everything (peer removed or keys zeroed).
  void stop_all();

  std::optional<Duration> next_deadline() const;
  static bool due(const std::optional<Duration>& t, Duration now) { return t && *t <= now; }

  std::optional<Duration> retransmit_handshake;
  std::optional<Duration> send_keepalive;
  std::optional<Duration> new_handshake;
  std::optional<Duration> zero_key_material;
  std::optional<Duration> persistent_keepalive;
  int handshake_attempts = 0;
  bool need_another_keepalive = false;

 private:
  /// Jitter in [0, RekeyTimeoutJitterMax). Drawn from a small generator seeded once from the
  /// injected randomness: data_sent() runs per packet, and a driver's RNG may be a syscall.
  Duration jitter(Random& random);
  uint64_t jitter_state_ = 0;
};

}  // namespace weft::wg
