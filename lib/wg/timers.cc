// Timer hooks of whitepaper section 6.2-6.5, with the same arming rules as wireguard-go's
// timers.go: a timer that is already armed is left alone where the spec wants the earliest event.
#include "wg/timers.h"

#include <algorithm>

namespace weft::wg {

Duration PeerTimers::jitter(Random& random) {
  if (jitter_state_ == 0) {
    uint8_t b[8];
    random.fill(b, sizeof b);
    for (uint8_t x : b) jitter_state_ = jitter_state_ << 8 | x;
    // xorshift's one forbidden state; a broken RNG must not hang the core.
    if (jitter_state_ == 0) jitter_state_ = 0x9e3779b97f4a7c15ull;
  }
  // xorshift64: jitter only spreads retries out; it protects no secret.
  jitter_state_ ^= jitter_state_ << 13;
  jitter_state_ ^= jitter_state_ >> 7;
  jitter_state_ ^= jitter_state_ << 17;
  auto max = std::chrono::duration_cast<Duration>(kRekeyTimeoutJitterMax).count();
  return Duration(static_cast<Duration::rep>(jitter_state_ % static_cast<uint64_t>(max)));
}

void PeerTimers::data_sent(Duration now, Random& random) {
  if (!new_handshake) new_handshake = now + kKeepaliveTimeout + kRekeyTimeout + jitter(random);
}

void PeerTimers::data_received(Duration now) {
  if (!send_keepalive) {
    send_keepalive = now + kKeepaliveTimeout;
  } else {
    need_another_keepalive = true;
  }
}

void PeerTimers::any_authenticated_packet_sent() { send_keepalive.reset(); }

void PeerTimers::any_authenticated_packet_received() { new_handshake.reset(); }

void PeerTimers::any_authenticated_packet_traversal(Duration now, Duration persistent) {
  if (persistent > Duration::zero()) persistent_keepalive = now + persistent;
}

void PeerTimers::handshake_initiated(Duration now, Random& random) {
  retransmit_handshake = now + kRekeyTimeout + jitter(random);
}

void PeerTimers::handshake_complete() {
  retransmit_handshake.reset();
  handshake_attempts = 0;
}

void PeerTimers::session_derived(Duration now) { zero_key_material = now + kZeroKeyMaterialAfter; }

void PeerTimers::stop_all() {
  retransmit_handshake.reset();
  send_keepalive.reset();
  new_handshake.reset();
  zero_key_material.reset();
  persistent_keepalive.reset();
  handshake_attempts = 0;
  need_another_keepalive = false;
}

std::optional<Duration> PeerTimers::next_deadline() const {
  std::optional<Duration> best;
  for (const auto* t : {&retransmit_handshake, &send_keepalive, &new_handshake, &zero_key_material,
                        &persistent_keepalive}) {
    if (*t && (!best || **t < *best)) best = *t;
  }
  return best;
}

}  // namespace weft::wg
