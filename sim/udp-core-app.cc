// The ns-3 driver of one sans-IO core (see udp-core-app.h): UDP socket in and out, one timer
// event at next_deadline(), `now` taken from the simulator clock.
#include "udp-core-app.h"

#include "core-conversions.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

namespace weft::sim {

NS_LOG_COMPONENT_DEFINE("WeftUdpCoreApp");
NS_OBJECT_ENSURE_REGISTERED(UdpCoreApp);

namespace {
// Largest UDP payload: any datagram the simulated network can carry fits the input buffer.
constexpr std::size_t kMaxDatagram = 65535;
// A core emitting this many datagrams from one poll loop is broken; stop rather than spin.
constexpr int kMaxPollsPerCall = 100000;
// Where a stuck deadline is pushed so the simulation still advances (and the bug is counted).
const ns3::Time kStuckDeadlineBackoff = ns3::MilliSeconds(1);
}  // namespace

ns3::TypeId UdpCoreApp::GetTypeId() {
  static ns3::TypeId tid =
      ns3::TypeId("weft::sim::UdpCoreApp")
          .SetParent<ns3::Application>()
          .SetGroupName("Weft")
          .AddConstructor<UdpCoreApp>()
          .AddAttribute("Port", "UDP port the core's socket is bound to.",
                        ns3::UintegerValue(51820), ns3::MakeUintegerAccessor(&UdpCoreApp::m_port),
                        ns3::MakeUintegerChecker<uint16_t>())
          .AddTraceSource("TunnelRx", "An IP packet the core delivered to the tunnel.",
                          ns3::MakeTraceSourceAccessor(&UdpCoreApp::m_tunnelRxTrace),
                          "weft::sim::UdpCoreApp::BytesTracedCallback")
          .AddTraceSource("DatagramTx", "A UDP payload the core sent, with its destination.",
                          ns3::MakeTraceSourceAccessor(&UdpCoreApp::m_datagramTxTrace),
                          "weft::sim::UdpCoreApp::DatagramTracedCallback")
          .AddTraceSource("DatagramRx", "A UDP payload handed to the core, with its source.",
                          ns3::MakeTraceSourceAccessor(&UdpCoreApp::m_datagramRxTrace),
                          "weft::sim::UdpCoreApp::DatagramTracedCallback");
  return tid;
}

UdpCoreApp::UdpCoreApp()
    : m_port(51820),
      m_running(false),
      m_wallEpoch(default_wall_epoch()),
      m_timerAt(ns3::Seconds(-1)),
      m_lastTimerFiring(ns3::Seconds(-1)),
      m_in(kMaxDatagram),
      m_out(wg::output_capacity_for(kMaxDatagram)),
      m_drops{},
      m_timerFirings(0),
      m_stuckDeadlines(0),
      m_unsendable(0) {}

UdpCoreApp::~UdpCoreApp() = default;

void UdpCoreApp::SetCore(std::unique_ptr<SansIoCore> core) { m_core = std::move(core); }

ns3::Time UdpCoreApp::GetArmedDeadline() const {
  return m_timer.IsRunning() ? m_timerAt : ns3::Seconds(-1);
}

void UdpCoreApp::DoDispose() {
  m_timer.Cancel();
  m_socket = nullptr;
  m_core.reset();
  ns3::Application::DoDispose();
}

void UdpCoreApp::StartApplication() {
  NS_ABORT_MSG_IF(!m_core, "UdpCoreApp started without a core");
  m_socket = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
  NS_ABORT_MSG_IF(m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), m_port)) != 0,
                  "UdpCoreApp cannot bind port " << m_port);
  m_socket->SetRecvCallback(ns3::MakeCallback(&UdpCoreApp::HandleRead, this));
  m_running = true;
  Rearm();
}

void UdpCoreApp::StopApplication() {
  // A stopped node is silent: no socket, no timers; the core keeps its state untouched.
  m_running = false;
  m_timer.Cancel();
  if (m_socket) {
    m_socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    m_socket->Close();
    m_socket = nullptr;
  }
}

wg::Now UdpCoreApp::CoreNow() const { return to_core_now(ns3::Simulator::Now(), m_wallEpoch); }

wg::Output UdpCoreApp::InjectTunnelPacket(const uint8_t* data, std::size_t size) {
  if (!m_running) {
    return wg::Output{};
  }
  wg::Output first = m_core->send_packet(CoreNow(), wg::ByteView{data, size}, OutBuffer());
  Execute(first);
  Drain();
  Rearm();
  return first;
}

void UdpCoreApp::HandleRead(ns3::Ptr<ns3::Socket> socket) {
  ns3::Address from;
  while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from)) {
    if (!m_running || !ns3::InetSocketAddress::IsMatchingType(from)) {
      continue;
    }
    m_datagramRxTrace(packet, from);
    const std::size_t size = packet->CopyData(m_in.data(), static_cast<uint32_t>(m_in.size()));
    const wg::Path endpoint = to_endpoint(ns3::InetSocketAddress::ConvertFrom(from));
    Execute(m_core->receive_datagram(CoreNow(), endpoint, wg::ByteView{m_in.data(), size},
                                     OutBuffer()));
    Drain();
  }
  Rearm();
}

void UdpCoreApp::HandleTimer() {
  if (!m_running) {
    return;
  }
  ++m_timerFirings;
  m_lastTimerFiring = ns3::Simulator::Now();
  const wg::Now now = CoreNow();
  m_core->update_timers(now);
  Drain();
  const std::optional<wg::Duration> next = m_core->next_deadline();
  if (next && (*next <= now.mono || to_ns3_time(*next) <= ns3::Simulator::Now())) {
    // The core claims work is still due right after doing it (or its deadline is not on the
    // clock it was handed): counting it (the harness asserts zero) and backing off keeps the
    // simulation from spinning at one instant.
    ++m_stuckDeadlines;
    m_timerAt = ns3::Simulator::Now() + kStuckDeadlineBackoff;
    m_timer = ns3::Simulator::Schedule(kStuckDeadlineBackoff, &UdpCoreApp::HandleTimer, this);
    return;
  }
  Rearm();
}

void UdpCoreApp::Execute(const wg::Output& output) {
  switch (output.action) {
    case wg::Action::kSendDatagram: {
      ns3::InetSocketAddress to(ns3::Ipv4Address::GetAny(), 0);
      if (!to_inet_address(output.endpoint, &to) || !m_socket) {
        ++m_unsendable;
        return;
      }
      ns3::Ptr<ns3::Packet> packet =
          ns3::Create<ns3::Packet>(m_out.data(), static_cast<uint32_t>(output.size));
      m_datagramTxTrace(packet, to);
      m_socket->SendTo(packet, 0, to);
      return;
    }
    case wg::Action::kDeliverToTunnel:
      m_tunnelRxTrace(ns3::Create<ns3::Packet>(m_out.data(), static_cast<uint32_t>(output.size)));
      return;
    case wg::Action::kDrop:
      ++m_drops[static_cast<std::size_t>(output.drop)];
      return;
    case wg::Action::kNone:
      return;
  }
}

void UdpCoreApp::Drain() {
  for (int i = 0; i < kMaxPollsPerCall; ++i) {
    const wg::Output output = m_core->poll_transmit(CoreNow(), OutBuffer());
    if (output.action == wg::Action::kNone) {
      return;
    }
    Execute(output);
  }
  NS_FATAL_ERROR("core kept emitting after " << kMaxPollsPerCall << " polls");
}

void UdpCoreApp::Rearm() {
  if (!m_running) {
    return;
  }
  const std::optional<wg::Duration> next = m_core->next_deadline();
  if (!next) {
    m_timer.Cancel();
    return;
  }
  const ns3::Time now = ns3::Simulator::Now();
  ns3::Time at = to_ns3_time(*next);
  if (at < now) {
    at = now;
  }
  if (m_timer.IsRunning() && m_timerAt == at) {
    return;
  }
  m_timer.Cancel();
  m_timerAt = at;
  m_timer = ns3::Simulator::Schedule(at - now, &UdpCoreApp::HandleTimer, this);
}

}  // namespace weft::sim
