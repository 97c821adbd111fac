// A test double of a sans-IO core for checking the ns-3 adapter alone: a one-round "handshake"
// that stages packets until answered, XOR "encryption", a keepalive timer, and its own Output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core-slot.h"
#include "core/bytes.h"
#include "core/path.h"
#include "core/time.h"

namespace weft::sim {

enum class FakeDrop : uint8_t { kMalformed, kNoSession, kBufferTooSmall, kCount };

/// The fake's result type: not wg::Output, as no two cores share one.
struct FakeOutput {
  enum class Kind : uint8_t { kIdle, kSend, kDeliver, kDrop };
  Kind kind = Kind::kIdle;
  std::size_t size = 0;
  core::Path to{};
  FakeDrop drop = FakeDrop::kMalformed;
};

/// core/drive.h's idle test, found by argument-dependent lookup.
inline bool is_idle(const FakeOutput& o) { return o.kind == FakeOutput::Kind::kIdle; }

/// Wire format (first byte): 1 hello, 2 hello-ack, 4 data (payload XOR 0x5a), 5 keepalive.
/// A keepalive is sent `keepalive` after the last datagram this side sent, while a session
/// exists; so every send moves the deadline and the adapter must re-arm its one event.
class FakeCore {
 public:
  FakeCore(const core::Path& peer, core::Duration keepalive);
  FakeCore(const FakeCore&) = delete;
  FakeCore& operator=(const FakeCore&) = delete;

  FakeOutput receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                              core::MutableBytes out);
  FakeOutput send_packet(core::Now now, core::ByteView ip_packet, core::MutableBytes out);
  FakeOutput poll_transmit(core::Now now, core::MutableBytes out);
  void update_timers(core::Now now);
  std::optional<core::Duration> next_deadline() const;

  /// Every `now` the core was handed, in call order.
  const std::vector<core::Now>& Calls() const { return m_calls; }
  uint32_t KeepalivesSent() const { return m_keepalivesSent; }
  uint32_t KeepalivesReceived() const { return m_keepalivesReceived; }
  /// update_timers() calls that found nothing due (spurious wake-ups).
  uint32_t IdleTimerCalls() const { return m_idleTimerCalls; }

 private:
  FakeOutput Emit(core::Now now, uint8_t type, const uint8_t* body, std::size_t size,
                  core::MutableBytes out);

  core::Path m_peer;
  core::Duration m_keepalive;
  bool m_session = false;
  bool m_helloPending = false;
  bool m_keepalivePending = false;
  std::deque<std::vector<uint8_t>> m_staged;
  std::optional<core::Duration> m_lastSent;
  std::vector<core::Now> m_calls;
  uint32_t m_keepalivesSent = 0;
  uint32_t m_keepalivesReceived = 0;
  uint32_t m_idleTimerCalls = 0;
};

/// How the simulator reads a FakeOutput (shared by every test double that returns one).
struct FakeOutputTraits {
  static constexpr std::size_t kOutputCapacity = kMaxDatagram;
  static constexpr std::size_t kDropReasons = static_cast<std::size_t>(FakeDrop::kCount);
  static Effect effect(const FakeOutput& output);
};

template <>
struct CoreTraits<FakeCore> : FakeOutputTraits {};

}  // namespace weft::sim
