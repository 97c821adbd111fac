// A test double of a sans-IO core for the ns-3 adapter (see fake-core.h).
#include "fake-core.h"

namespace weft::sim {
namespace {
constexpr uint8_t kHello = 1;
constexpr uint8_t kHelloAck = 2;
constexpr uint8_t kData = 4;
constexpr uint8_t kKeepalive = 5;
constexpr uint8_t kXor = 0x5a;

FakeOutput drop(FakeDrop reason) {
  FakeOutput o;
  o.kind = FakeOutput::Kind::kDrop;
  o.drop = reason;
  return o;
}
}  // namespace

Effect FakeOutputTraits::effect(const FakeOutput& output) {
  switch (output.kind) {
    case FakeOutput::Kind::kSend:
      return Effect::Send(output.size, output.to);
    case FakeOutput::Kind::kDeliver:
      return Effect::Deliver(output.size);
    case FakeOutput::Kind::kDrop:
      return Effect::Drop(output.drop);
    case FakeOutput::Kind::kIdle:
      break;
  }
  return Effect{};
}

FakeCore::FakeCore(const core::Path& peer, core::Duration keepalive)
    : m_peer(peer), m_keepalive(keepalive) {}

FakeOutput FakeCore::Emit(core::Now now, uint8_t type, const uint8_t* body, std::size_t size,
                          core::MutableBytes out) {
  if (out.size < size + 1) {
    return drop(FakeDrop::kBufferTooSmall);
  }
  out.data[0] = type;
  for (std::size_t i = 0; i < size; ++i) {
    out.data[1 + i] = static_cast<uint8_t>(body[i] ^ kXor);
  }
  m_lastSent = now.mono;
  FakeOutput o;
  o.kind = FakeOutput::Kind::kSend;
  o.size = size + 1;
  o.to = m_peer;
  return o;
}

FakeOutput FakeCore::receive_datagram(core::Now now, const core::Path& from,
                                      core::ByteView datagram, core::MutableBytes out) {
  m_calls.push_back(now);
  if (datagram.size == 0 || from != m_peer) {
    return drop(FakeDrop::kMalformed);
  }
  switch (datagram.data[0]) {
    case kHello:
      m_session = true;
      return Emit(now, kHelloAck, nullptr, 0, out);
    case kHelloAck:
      m_session = true;
      return FakeOutput{};  // staged packets leave through poll_transmit
    case kKeepalive:
      ++m_keepalivesReceived;
      return FakeOutput{};
    case kData: {
      if (!m_session || out.size < datagram.size - 1) {
        return drop(FakeDrop::kNoSession);
      }
      for (std::size_t i = 1; i < datagram.size; ++i) {
        out.data[i - 1] = static_cast<uint8_t>(datagram.data[i] ^ kXor);
      }
      FakeOutput o;
      o.kind = FakeOutput::Kind::kDeliver;
      o.size = datagram.size - 1;
      return o;
    }
    default:
      return drop(FakeDrop::kMalformed);
  }
}

FakeOutput FakeCore::send_packet(core::Now now, core::ByteView ip_packet, core::MutableBytes out) {
  m_calls.push_back(now);
  if (!m_session) {
    m_staged.emplace_back(ip_packet.data, ip_packet.data + ip_packet.size);
    m_helloPending = m_staged.size() == 1;
    return FakeOutput{};
  }
  return Emit(now, kData, ip_packet.data, ip_packet.size, out);
}

FakeOutput FakeCore::poll_transmit(core::Now now, core::MutableBytes out) {
  m_calls.push_back(now);
  if (m_helloPending) {
    m_helloPending = false;
    return Emit(now, kHello, nullptr, 0, out);
  }
  if (m_session && !m_staged.empty()) {
    std::vector<uint8_t> packet = std::move(m_staged.front());
    m_staged.pop_front();
    return Emit(now, kData, packet.data(), packet.size(), out);
  }
  if (m_keepalivePending) {
    m_keepalivePending = false;
    ++m_keepalivesSent;
    return Emit(now, kKeepalive, nullptr, 0, out);
  }
  return FakeOutput{};
}

void FakeCore::update_timers(core::Now now) {
  m_calls.push_back(now);
  const std::optional<core::Duration> due = next_deadline();
  if (due && *due <= now.mono) {
    m_keepalivePending = true;
    m_lastSent = now.mono;  // the deadline moves on now, not when the keepalive is polled
  } else {
    ++m_idleTimerCalls;
  }
}

std::optional<core::Duration> FakeCore::next_deadline() const {
  if (!m_session || !m_lastSent || m_keepalivePending) {
    return std::nullopt;
  }
  return *m_lastSent + m_keepalive;
}

}  // namespace weft::sim
