// New TCP sockets for a node copied from one made through ns-3's socket factory: the same
// socket, without the attribute system's cost per socket (a node redials a dead server every
// 1.6 s through an outage, each dial a new socket).
#pragma once

#include "ns3/node.h"
#include "ns3/object.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-socket-base.h"

namespace weft::sim {

/// Aggregated to a node on its first dial. TcpL4Protocol::CreateSocket() builds a socket, its RTT
/// estimator, congestion control and recovery from their TypeIds, each object setting every
/// attribute to its default (ObjectBase::ConstructSelf): an eighth of a 100-node outage run.
/// TcpSocketBase's copy constructor (what a listening socket's Fork() uses) copies those
/// settings, forks the congestion control and recovery and copies the RTT estimator; copying a
/// socket that was never bound, connected or given callbacks gives what the factory gives, and
/// the copy is registered with the node's TCP as the factory's sockets are.
class TcpSocketTemplate : public ns3::Object {
 public:
  static ns3::TypeId GetTypeId();
  TcpSocketTemplate() = default;

  /// A new, unbound TCP socket on `node` (which must have TCP), as
  /// Socket::CreateSocket(node, TcpSocketFactory::GetTypeId()) returns.
  static ns3::Ptr<ns3::Socket> CreateSocket(ns3::Ptr<ns3::Node> node);

 protected:
  void DoDispose() override;

 private:
  ns3::Ptr<ns3::TcpSocketBase> m_template;
  ns3::Ptr<ns3::TcpL4Protocol> m_tcp;
};

}  // namespace weft::sim
