// A TCP listener and a deadline event for simulated servers (see stream-listener.h).
#include "stream-listener.h"

#include <utility>

#include "core-conversions.h"
#include "ns3/abort.h"
#include "ns3/inet-socket-address.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"

namespace weft::sim {

void StreamListener::Listen(ns3::Ptr<ns3::Node> node, uint16_t port, AcceptHandler on_accepted) {
  m_onAccepted = std::move(on_accepted);
  m_socket = ns3::Socket::CreateSocket(node, ns3::TcpSocketFactory::GetTypeId());
  NS_ABORT_MSG_IF(m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port)) != 0,
                  "cannot listen on port " << port);
  m_socket->Listen();
  m_socket->SetAcceptCallback(ns3::MakeCallback(&StreamListener::OnRequest, this),
                              ns3::MakeCallback(&StreamListener::OnAccepted, this));
}

void StreamListener::Close() {
  if (!m_socket) return;
  m_socket->SetAcceptCallback(
      ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
      ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>, const ns3::Address&>());
  m_socket->Close();
  m_socket = nullptr;
}

bool StreamListener::OnRequest(ns3::Ptr<ns3::Socket>, const ns3::Address&) { return true; }

void StreamListener::OnAccepted(ns3::Ptr<ns3::Socket> socket, const ns3::Address&) {
  if (m_onAccepted) m_onAccepted(socket);
}

void DeadlineEvent::Arm(std::optional<core::Duration> deadline, std::function<void()> fire) {
  if (!deadline) {
    m_event.Cancel();
    return;
  }
  const ns3::Time now = ns3::Simulator::Now();
  ns3::Time at = to_ns3_time(*deadline);
  if (at < now) at = now;
  m_fire = std::move(fire);
  if (m_event.IsRunning() && m_at == at) return;
  m_event.Cancel();
  m_at = at;
  m_event = ns3::Simulator::Schedule(at - now, &DeadlineEvent::Fire, this);
}

void DeadlineEvent::Fire() {
  if (m_fire) m_fire();
}

}  // namespace weft::sim
