// A node's relay connections over simulated TCP (see relay-driver.h).
#include "relay-driver.h"

#include <utility>

#include "ns3/inet-socket-address.h"
#include "ns3/simulator.h"
#include "relay/protocol.h"

namespace weft::sim {
namespace {
/// The engine's relay calls return nothing for the data path: an idle output.
engine::Output idle() { return engine::Output{}; }
/// Rounds of requests, output and datagrams per Poll() before the rest waits for the next call.
constexpr int kMaxRounds = 64;
}  // namespace

RelayDriver::RelayDriver(CoreSlotOf<EngineCore>* slot, ns3::Ptr<ns3::Node> node)
    : m_slot(slot), m_node(node), m_buffer(relay::kMaxFrameSize) {}

RelayDriver::~RelayDriver() = default;

void RelayDriver::Poll() {
  // Handing a datagram to the engine runs Poll() again from the slot's after-call hook: the
  // outer loop picks up what it caused.
  if (m_polling || !m_slot->IsRunning()) return;
  m_polling = true;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool acted = false;
    engine::RelayRequest r;
    while (Engine().poll_relay_request(r)) {
      acted = true;
      if (r.kind == engine::RelayRequest::Kind::kDial) {
        Dial(r);
      } else {
        Close(r.link);
      }
    }
    acted = WriteOutput() || acted;
    acted = DeliverDatagrams() || acted;
    if (!acted) break;
  }
  m_polling = false;
}

void RelayDriver::Dial(const engine::RelayRequest& request) {
  ++m_stats.dials;
  m_dialTimes.push_back(ns3::Simulator::Now());
  const uint32_t link = request.link;
  if (!request.node.ipv4 || !request.node.ipv4->is_v4()) {
    // A sans-IO simulation resolves no names: a relay node needs its literal IPv4 address.
    ++m_stats.dial_failures;
    EngineCore& core = m_slot->GetCore();
    m_slot->Input([&](core::Now now, core::MutableBytes) {
      core.Engine().relay_dial_failed(link, now);
      return idle();
    });
    return;
  }
  auto stream = std::make_unique<StreamSocket>(
      [this, link](core::ByteView b) { OnBytes(link, b); }, [this, link] { OnClosed(link); });
  stream->SetDrainedHandler([this] { Poll(); });
  const ns3::InetSocketAddress to(
      ns3::Ipv4Address::Deserialize(request.node.ipv4->bytes().data()), request.node.relay_port);
  StreamSocket& s = *stream;
  m_links[link].stream = std::move(stream);
  s.Dial(m_node, to, ns3::Seconds(kDialTimeoutSeconds), [this, link] { OnConnected(link); });
}

void RelayDriver::ReconnectAll() {
  if (!m_slot->IsRunning()) return;
  std::vector<uint32_t> open;
  for (const auto& [link, l] : m_links) open.push_back(link);
  for (uint32_t link : open) {
    m_links.at(link).stream->Abort();  // no closed callback after Abort()
    OnClosed(link);
  }
}

void RelayDriver::Close(uint32_t link) {
  auto it = m_links.find(link);
  if (it == m_links.end()) return;
  ++m_stats.closes;
  it->second.stream->CloseAfterSending();
  Retire(link);
}

void RelayDriver::Retire(uint32_t link) {
  auto it = m_links.find(link);
  if (it == m_links.end()) return;
  m_ended.push_back(std::move(it->second.stream));
  m_links.erase(it);
}

void RelayDriver::OnConnected(uint32_t link) {
  auto it = m_links.find(link);
  if (it == m_links.end()) return;
  it->second.connected = true;
  ++m_stats.connections;
  EngineCore& core = m_slot->GetCore();
  m_slot->Input([&](core::Now now, core::MutableBytes) {
    core.Engine().relay_connected(link, now);
    return idle();
  });
}

void RelayDriver::OnBytes(uint32_t link, core::ByteView bytes) {
  m_stats.bytes_received += bytes.size;
  EngineCore& core = m_slot->GetCore();
  m_slot->Input([&](core::Now now, core::MutableBytes) {
    core.Engine().relay_bytes(link, bytes, now);
    return idle();
  });
}

void RelayDriver::OnClosed(uint32_t link) {
  auto it = m_links.find(link);
  if (it == m_links.end()) return;
  const bool connected = it->second.connected;
  Retire(link);
  EngineCore& core = m_slot->GetCore();
  if (connected) {
    ++m_stats.disconnects;
    m_slot->Input([&](core::Now now, core::MutableBytes) {
      core.Engine().relay_disconnected(link, now);
      return idle();
    });
  } else {
    ++m_stats.dial_failures;
    m_slot->Input([&](core::Now now, core::MutableBytes) {
      core.Engine().relay_dial_failed(link, now);
      return idle();
    });
  }
}

bool RelayDriver::WriteOutput() {
  bool any = false;
  for (;;) {
    // While a stream is backed up nothing is taken: the engine's bounded queues hold the rest
    // (and drop, counted, when full), as on Linux.
    for (const auto& entry : m_links) {
      if (entry.second.stream->QueuedBytes() > kMaxBacklog) return any;
    }
    uint32_t link = 0;
    std::size_t n = 0;
    if (!Engine().poll_relay_transmit(link, core::MutableBytes{m_buffer.data(), m_buffer.size()},
                                      n)) {
      return any;
    }
    any = true;
    auto it = m_links.find(link);
    if (it == m_links.end() || !it->second.connected) {
      ++m_stats.unsent;
      continue;
    }
    m_stats.bytes_sent += n;
    if (m_onTransmit) m_onTransmit(link, core::ByteView{m_buffer.data(), n});
    it->second.stream->Send(std::vector<uint8_t>(m_buffer.begin(), m_buffer.begin() + n));
  }
}

bool RelayDriver::DeliverDatagrams() {
  bool any = false;
  for (;;) {
    core::Path from;
    const std::size_t n =
        Engine().poll_relay_datagram(from, core::MutableBytes{m_buffer.data(), m_buffer.size()});
    if (n == 0) return any;
    any = true;
    ++m_stats.datagrams_in;
    EngineCore& core = m_slot->GetCore();
    const core::ByteView datagram{m_buffer.data(), n};
    if (m_onDatagramIn) m_onDatagramIn(true);
    m_slot->Input([&](core::Now now, core::MutableBytes out) {
      return core.Engine().receive_datagram(now, from, datagram, out);
    });
    if (m_onDatagramIn) m_onDatagramIn(false);
  }
}

}  // namespace weft::sim
