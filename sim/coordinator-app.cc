// The coordinator core as an ns-3 application (see coordinator-app.h).
#include "coordinator-app.h"

#include <utility>

#include "core-conversions.h"
#include "ns3/abort.h"
#include "ns3/inet-socket-address.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"

namespace weft::sim {

NS_OBJECT_ENSURE_REGISTERED(CoordinatorApp);

ns3::TypeId CoordinatorApp::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::CoordinatorApp")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Weft")
                               .AddConstructor<CoordinatorApp>();
  return tid;
}

CoordinatorApp::CoordinatorApp() : m_timerAt(ns3::Seconds(-1)) {}

CoordinatorApp::~CoordinatorApp() = default;

core::Now CoordinatorApp::Now() const { return to_core_now(ns3::Simulator::Now(), m_wallEpoch); }

Status CoordinatorApp::Setup(const coord::CoordinatorConfig& config,
                             const coord::RegistryConfig& registry, uint16_t port, uint64_t seed,
                             core::WallTime wall_epoch) {
  m_port = port;
  m_wallEpoch = wall_epoch;
  m_random = std::make_unique<core::SeededRandom>(seed);
  auto created = coord::Coordinator::create(config, registry, m_store.state(), m_store, Now(),
                                            *m_random);
  if (!created) return created.error();
  m_core = std::move(created).value();
  return Ok{};
}

void CoordinatorApp::DoDispose() {
  m_timer.Cancel();
  m_connections.clear();
  m_closing.clear();
  m_listener = nullptr;
  m_core.reset();
  ns3::Application::DoDispose();
}

void CoordinatorApp::StartApplication() {
  NS_ABORT_MSG_IF(!m_core, "CoordinatorApp started without Setup()");
  m_listener = ns3::Socket::CreateSocket(GetNode(), ns3::TcpSocketFactory::GetTypeId());
  NS_ABORT_MSG_IF(m_listener->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), m_port)) != 0,
                  "coordinator cannot bind port " << m_port);
  m_listener->Listen();
  m_listener->SetAcceptCallback(ns3::MakeCallback(&CoordinatorApp::OnConnectionRequest, this),
                                ns3::MakeCallback(&CoordinatorApp::OnAccepted, this));
  AfterCall();
}

void CoordinatorApp::StopApplication() {
  m_timer.Cancel();
  if (m_listener) {
    m_listener->Close();
    m_listener = nullptr;
  }
}

bool CoordinatorApp::OnConnectionRequest(ns3::Ptr<ns3::Socket>, const ns3::Address&) {
  return true;
}

void CoordinatorApp::OnAccepted(ns3::Ptr<ns3::Socket> socket, const ns3::Address&) {
  const uint64_t id = m_nextConnection++;
  auto stream = std::make_unique<StreamSocket>([this, id](core::ByteView b) { OnBytes(id, b); },
                                               [this, id] { OnClosed(id); });
  stream->Adopt(socket);
  m_connections.emplace(id, std::move(stream));
  m_core->connection_opened(coord::ConnectionId{id}, Now());
  AfterCall();
}

void CoordinatorApp::OnBytes(uint64_t id, core::ByteView bytes) {
  m_core->connection_bytes(coord::ConnectionId{id}, bytes, Now(), *m_random);
  AfterCall();
}

void CoordinatorApp::OnClosed(uint64_t id) {
  auto it = m_connections.find(id);
  if (it == m_connections.end()) return;
  m_closing.push_back(std::move(it->second));  // not deleted inside its own callback
  m_connections.erase(it);
  m_core->connection_closed(coord::ConnectionId{id}, Now());
  AfterCall();
}

void CoordinatorApp::OnTimer() {
  m_core->on_deadline(Now(), *m_random);
  AfterCall();
}

void CoordinatorApp::AfterCall() {
  coord::Transmit t;
  std::vector<uint64_t> closed;
  while (m_core->poll_transmit(t)) {
    auto it = m_connections.find(t.connection.value);
    if (it == m_connections.end()) continue;  // already gone; the core was told
    if (!t.bytes.empty()) it->second->Send(t.bytes);
    if (t.close) {
      it->second->CloseAfterSending();
      m_closing.push_back(std::move(it->second));
      m_connections.erase(it);
      closed.push_back(t.connection.value);
    }
  }
  // The driver's close is reported back as any other end of a connection.
  const core::Now now = Now();
  for (uint64_t id : closed) m_core->connection_closed(coord::ConnectionId{id}, now);
  if (!closed.empty()) {
    AfterCall();
    return;
  }
  const std::optional<core::Duration> next = m_core->next_deadline();
  if (!next) {
    m_timer.Cancel();
    return;
  }
  ns3::Time at = to_ns3_time(*next);
  if (at < ns3::Simulator::Now()) at = ns3::Simulator::Now();
  if (m_timer.IsRunning() && m_timerAt == at) return;
  m_timer.Cancel();
  m_timerAt = at;
  m_timer = ns3::Simulator::Schedule(at - ns3::Simulator::Now(), &CoordinatorApp::OnTimer, this);
}

}  // namespace weft::sim
