// The relay server core as an ns-3 application (see relay-server-app.h).
#include "relay-server-app.h"

#include <utility>

#include "core-conversions.h"
#include "ns3/abort.h"
#include "ns3/simulator.h"

namespace weft::sim {
namespace {
// Output is copied out of the core in pieces this big (RelayService's chunk).
constexpr std::size_t kChunk = 64 * 1024;
}  // namespace

NS_OBJECT_ENSURE_REGISTERED(RelayServerApp);

ns3::TypeId RelayServerApp::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::RelayServerApp")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Weft")
                               .AddConstructor<RelayServerApp>();
  return tid;
}

RelayServerApp::RelayServerApp() : m_chunk(kChunk) {}

RelayServerApp::~RelayServerApp() = default;

core::Now RelayServerApp::Now() const { return to_core_now(ns3::Simulator::Now(), m_wallEpoch); }

void RelayServerApp::Setup(const relay::ServerConfig& config, uint16_t port, uint64_t seed,
                           core::WallTime wall_epoch) {
  m_port = port;
  m_wallEpoch = wall_epoch;
  m_random = std::make_unique<core::SeededRandom>(seed);
  relay::ServerConfig c = config;
  c.verify_clients = false;  // no verifier answers kVerify here
  m_core = std::make_unique<relay::Server>(c, *m_random);
}

void RelayServerApp::DoDispose() {
  m_timer.Cancel();
  m_connections.clear();
  m_ended.clear();
  m_listener.Close();
  m_core.reset();
  ns3::Application::DoDispose();
}

void RelayServerApp::StartApplication() {
  NS_ABORT_MSG_IF(!m_core, "RelayServerApp started without Setup()");
  m_listener.Listen(GetNode(), m_port, [this](ns3::Ptr<ns3::Socket> s) { OnAccepted(s); });
  AfterCall();
}

void RelayServerApp::StopApplication() {
  m_timer.Cancel();
  m_listener.Close();
}

void RelayServerApp::OnAccepted(ns3::Ptr<ns3::Socket> socket) {
  const relay::ConnId id = m_nextConnection++;
  auto stream = std::make_unique<StreamSocket>([this, id](core::ByteView b) { OnBytes(id, b); },
                                               [this, id] { OnClosed(id); });
  stream->Adopt(socket);
  stream->SetDrainedHandler([this, id] {
    Flush(id);
    AfterCall();
  });
  m_connections.emplace(id, std::move(stream));
  m_core->accept(id, Now());
  AfterCall();
}

void RelayServerApp::OnBytes(relay::ConnId id, core::ByteView bytes) {
  m_core->receive(id, bytes, Now());
  AfterCall();
}

void RelayServerApp::OnClosed(relay::ConnId id) {
  auto it = m_connections.find(id);
  if (it == m_connections.end()) return;
  m_ended.push_back(std::move(it->second));
  m_connections.erase(it);
  m_core->closed(id, Now());
  AfterCall();
}

void RelayServerApp::OnTimer() {
  m_core->update_timers(Now());
  AfterCall();
}

void RelayServerApp::AfterCall() {
  relay::ServerEvent e;
  while (m_core->poll_event(e)) {
    if (e.kind == relay::ServerEventKind::kCutOff) ++m_cutOffs;
  }
  relay::ConnId id = 0;
  while (m_core->poll_writable(id)) Flush(id);
  m_timer.Arm(m_core->next_deadline(), [this] { OnTimer(); });
}

void RelayServerApp::Flush(relay::ConnId id) {
  auto it = m_connections.find(id);
  if (it == m_connections.end()) return;
  StreamSocket& stream = *it->second;
  while (stream.QueuedBytes() < kHighWater) {
    const relay::ConnOutput o = m_core->poll_output(id, core::MutableBytes{m_chunk.data(), kChunk});
    if (o.size == 0 && !o.close) return;
    if (o.size > 0) {
      stream.Send(std::vector<uint8_t>(m_chunk.begin(), m_chunk.begin() + o.size));
    }
    if (o.close) {
      // The core's close (after an Error frame): carried out, then reported back as any end.
      stream.CloseAfterSending();
      m_ended.push_back(std::move(it->second));
      m_connections.erase(it);
      m_core->closed(id, Now());
      return;
    }
  }
}

}  // namespace weft::sim
