// A test double of a sans-IO core for checking the ns-3 adapter alone: a one-round "handshake"
// that stages packets until answered, XOR "encryption", and a keepalive timer.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "sans-io-core.h"

namespace weft::sim {

/// Wire format (first byte): 1 hello, 2 hello-ack, 4 data (payload XOR 0x5a), 5 keepalive.
/// A keepalive is sent `keepalive` after the last datagram this side sent, while a session
/// exists; so every send moves the deadline and the adapter must re-arm its one event.
class FakeCore final : public SansIoCore {
 public:
  FakeCore(const wg::Path& peer, wg::Duration keepalive);

  wg::Output receive_datagram(wg::Now now, const wg::Path& from, wg::ByteView datagram,
                              wg::MutableBytes out) override;
  wg::Output send_packet(wg::Now now, wg::ByteView ip_packet, wg::MutableBytes out) override;
  wg::Output poll_transmit(wg::Now now, wg::MutableBytes out) override;
  void update_timers(wg::Now now) override;
  std::optional<wg::Duration> next_deadline() const override;

  /// Every `now` the core was handed, in call order.
  const std::vector<wg::Now>& Calls() const { return m_calls; }
  uint32_t KeepalivesSent() const { return m_keepalivesSent; }
  uint32_t KeepalivesReceived() const { return m_keepalivesReceived; }
  /// update_timers() calls that found nothing due (spurious wake-ups).
  uint32_t IdleTimerCalls() const { return m_idleTimerCalls; }

 private:
  wg::Output Emit(wg::Now now, uint8_t type, const uint8_t* body, std::size_t size,
                  wg::MutableBytes out);

  wg::Path m_peer;
  wg::Duration m_keepalive;
  bool m_session = false;
  bool m_helloPending = false;
  bool m_keepalivePending = false;
  std::deque<std::vector<uint8_t>> m_staged;
  std::optional<wg::Duration> m_lastSent;
  std::vector<wg::Now> m_calls;
  uint32_t m_keepalivesSent = 0;
  uint32_t m_keepalivesReceived = 0;
  uint32_t m_idleTimerCalls = 0;
};

}  // namespace weft::sim
