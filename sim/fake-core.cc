// A test double of a sans-IO core for the ns-3 adapter (see fake-core.h).
#include "fake-core.h"

namespace weft::sim {
namespace {
constexpr uint8_t kHello = 1;
constexpr uint8_t kHelloAck = 2;
constexpr uint8_t kData = 4;
constexpr uint8_t kKeepalive = 5;
constexpr uint8_t kXor = 0x5a;

wg::Output drop(wg::DropReason reason) {
  wg::Output o;
  o.action = wg::Action::kDrop;
  o.drop = reason;
  return o;
}
}  // namespace

FakeCore::FakeCore(const wg::Path& peer, wg::Duration keepalive)
    : m_peer(peer), m_keepalive(keepalive) {}

wg::Output FakeCore::Emit(wg::Now now, uint8_t type, const uint8_t* body, std::size_t size,
                          wg::MutableBytes out) {
  if (out.size < size + 1) {
    return drop(wg::DropReason::kBufferTooSmall);
  }
  out.data[0] = type;
  for (std::size_t i = 0; i < size; ++i) {
    out.data[1 + i] = static_cast<uint8_t>(body[i] ^ kXor);
  }
  m_lastSent = now.mono;
  wg::Output o;
  o.action = wg::Action::kSendDatagram;
  o.size = size + 1;
  o.endpoint = m_peer;
  return o;
}

wg::Output FakeCore::receive_datagram(wg::Now now, const wg::Path& from, wg::ByteView datagram,
                                      wg::MutableBytes out) {
  m_calls.push_back(now);
  if (datagram.size == 0 || from != m_peer) {
    return drop(wg::DropReason::kMalformed);
  }
  switch (datagram.data[0]) {
    case kHello:
      m_session = true;
      return Emit(now, kHelloAck, nullptr, 0, out);
    case kHelloAck:
      m_session = true;
      return wg::Output{};  // staged packets leave through poll_transmit
    case kKeepalive:
      ++m_keepalivesReceived;
      return wg::Output{};
    case kData: {
      if (!m_session || out.size < datagram.size - 1) {
        return drop(wg::DropReason::kNoSession);
      }
      for (std::size_t i = 1; i < datagram.size; ++i) {
        out.data[i - 1] = static_cast<uint8_t>(datagram.data[i] ^ kXor);
      }
      wg::Output o;
      o.action = wg::Action::kDeliverToTunnel;
      o.size = datagram.size - 1;
      return o;
    }
    default:
      return drop(wg::DropReason::kMalformed);
  }
}

wg::Output FakeCore::send_packet(wg::Now now, wg::ByteView ip_packet, wg::MutableBytes out) {
  m_calls.push_back(now);
  if (!m_session) {
    m_staged.emplace_back(ip_packet.data, ip_packet.data + ip_packet.size);
    m_helloPending = m_staged.size() == 1;
    return wg::Output{};
  }
  return Emit(now, kData, ip_packet.data, ip_packet.size, out);
}

wg::Output FakeCore::poll_transmit(wg::Now now, wg::MutableBytes out) {
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
  return wg::Output{};
}

void FakeCore::update_timers(wg::Now now) {
  m_calls.push_back(now);
  const std::optional<wg::Duration> due = next_deadline();
  if (due && *due <= now.mono) {
    m_keepalivePending = true;
    m_lastSent = now.mono;  // the deadline moves on now, not when the keepalive is polled
  } else {
    ++m_idleTimerCalls;
  }
}

std::optional<wg::Duration> FakeCore::next_deadline() const {
  if (!m_session || !m_lastSent || m_keepalivePending) {
    return std::nullopt;
  }
  return *m_lastSent + m_keepalive;
}

}  // namespace weft::sim
