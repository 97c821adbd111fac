// TCP sockets copied from a per-node template (see tcp-socket-template.h).
#include "tcp-socket-template.h"

#include "ns3/abort.h"
#include "ns3/tcp-socket-factory.h"

namespace weft::sim {

NS_OBJECT_ENSURE_REGISTERED(TcpSocketTemplate);

ns3::TypeId TcpSocketTemplate::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::TcpSocketTemplate")
                               .SetParent<ns3::Object>()
                               .SetGroupName("Weft")
                               .AddConstructor<TcpSocketTemplate>();
  return tid;
}

int DialSocket::Close() {
  // CLOSED with an endpoint: Bind() allocated one and Connect() found no route.
  if (m_state == ns3::TcpSocket::SYN_SENT || m_state == ns3::TcpSocket::CLOSED) {
    DeallocateEndPoint();
  }
  return ns3::TcpSocketBase::Close();
}

ns3::Ptr<DialSocket> TcpSocketTemplate::CreateSocket(ns3::Ptr<ns3::Node> node) {
  ns3::Ptr<TcpSocketTemplate> self = node->GetObject<TcpSocketTemplate>();
  if (!self) {
    self = ns3::CreateObject<TcpSocketTemplate>();
    self->m_tcp = node->GetObject<ns3::TcpL4Protocol>();
    self->m_template = ns3::DynamicCast<ns3::TcpSocketBase>(
        ns3::Socket::CreateSocket(node, ns3::TcpSocketFactory::GetTypeId()));
    NS_ABORT_MSG_IF(!self->m_tcp || !self->m_template, "a TCP socket template needs ns-3's TCP");
    node->AggregateObject(self);
  }
  // As CopyObject<TcpSocketBase> would, with the subclass's (empty) additions.
  ns3::Ptr<DialSocket> socket(new DialSocket(*ns3::PeekPointer(self->m_template)), false);
  self->m_tcp->AddSocket(socket);
  return socket;
}

void TcpSocketTemplate::DoDispose() {
  m_template = nullptr;
  m_tcp = nullptr;
  ns3::Object::DoDispose();
}

}  // namespace weft::sim
