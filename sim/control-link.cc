// A node's control stream over simulated TCP (see control-link.h).
#include "control-link.h"

#include <utility>

#include "core-conversions.h"
#include "ns3/simulator.h"

namespace weft::sim {
namespace {
/// The engine's control calls return nothing for the data path: an idle output.
engine::Output idle() { return engine::Output{}; }
}  // namespace

ControlLink::ControlLink(CoreSlotOf<EngineCore>* slot, ns3::Ptr<ns3::Node> node,
                         const ns3::InetSocketAddress& server, core::WallTime wall_epoch,
                         EventHandler on_event)
    : m_slot(slot),
      m_node(node),
      m_server(server),
      m_onEvent(std::move(on_event)),
      m_wallEpoch(wall_epoch) {}

ControlLink::~ControlLink() = default;

void ControlLink::Crash() {
  if (m_stream) m_stream->Abort();
  DropStream();
}

void ControlLink::Poll() {
  // Sending and dialing do not call back into the engine synchronously, but an event handler
  // might (a scenario reacting to a netmap): no nested polls.
  if (m_polling || !m_slot->IsRunning()) return;
  m_polling = true;
  engine::Engine& e = Engine();
  engine::Event event;
  while (e.poll_event(event)) {
    if (event.kind == engine::EventKind::kCacheWrite) m_disk = event.cache;
    if (m_onEvent) m_onEvent(event);
  }
  controlclient::Transmit t;
  while (e.poll_control_transmit(t)) {
    if (!m_stream) continue;  // the connection already ended: nothing to write to
    if (!t.bytes.empty()) {
      m_stats.bytes_sent += t.bytes.size();
      m_stream->Send(t.bytes);
    }
    if (t.close) {
      // The engine counts this connection as ended already.
      ++m_stats.closes;
      m_stream->CloseAfterSending();
      m_closing.push_back(std::move(m_stream));
      m_streamConnected = false;
    }
  }
  // One connection or dial at a time; the engine's timer brings the next Poll when it is due.
  if (!m_stream && e.wants_control_connection(to_core_now(ns3::Simulator::Now(), m_wallEpoch))) {
    Dial();
  }
  m_polling = false;
}

void ControlLink::Reconnect() {
  if (!m_stream || !m_slot->IsRunning()) return;
  m_stream->Abort();  // no closed callback after Abort()
  OnClosed();
}

void ControlLink::Dial() {
  ++m_stats.dials;
  m_stream = std::make_unique<StreamSocket>([this](core::ByteView b) { OnBytes(b); },
                                            [this] { OnClosed(); });
  const core::Duration timeout = m_slot->GetCore().Config().client.dial_timeout;
  m_stream->Dial(m_node, m_server, to_ns3_time(timeout), [this] { OnConnected(); });
}

void ControlLink::OnConnected() {
  ++m_stats.connections;
  m_streamConnected = true;
  EngineCore& core = m_slot->GetCore();
  m_slot->Input([&](core::Now now, core::MutableBytes) {
    if (!core.Engine().control_connected(now, core.Random())) {
      // The engine did not want it after all (it stopped meanwhile): hang up.
      if (m_stream) m_stream->Abort();
      DropStream();
    }
    return idle();
  });
}

void ControlLink::OnBytes(core::ByteView bytes) {
  m_stats.bytes_received += bytes.size;
  EngineCore& core = m_slot->GetCore();
  m_slot->Input([&](core::Now now, core::MutableBytes) {
    core.Engine().control_bytes(bytes, now, core.Random());
    return idle();
  });
}

void ControlLink::OnClosed() {
  const bool connected = m_streamConnected;
  DropStream();
  EngineCore& core = m_slot->GetCore();
  if (connected) {
    ++m_stats.disconnects;
    m_slot->Input([&](core::Now now, core::MutableBytes) {
      core.Engine().control_disconnected(now);
      return idle();
    });
    return;
  }
  // A failed dial, reported as the engine's contract asks: connected, then disconnected.
  ++m_stats.dial_failures;
  m_slot->Input([&](core::Now now, core::MutableBytes) {
    if (core.Engine().control_connected(now, core.Random())) {
      core.Engine().control_disconnected(now);
    }
    // Bytes queued for that connection (the hello) have nowhere to go.
    controlclient::Transmit unsent;
    while (core.Engine().poll_control_transmit(unsent)) {
    }
    return idle();
  });
}

void ControlLink::DropStream() {
  m_streamConnected = false;
  if (m_stream) m_ended.push_back(std::move(m_stream));
}

}  // namespace weft::sim
