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

/// A dialling TCP socket that can be given up as Linux gives one up: a connect that times out
/// closes a socket in SYN_SENT without a segment on the wire (tcp_close sends neither FIN nor
/// RST from SYN_SENT), where ns-3's Close() sends a RST. Those resets were an eighth of the
/// packets of an outage run, each one crossing the NATs and the backbone to the cut link.
class DialSocket : public ns3::TcpSocketBase {
 public:
  explicit DialSocket(const ns3::TcpSocketBase& from) : ns3::TcpSocketBase(from) {}

  /// TcpSocketBase::Close(), after releasing the endpoint first when the dial is still in
  /// SYN_SENT (ns-3 then has no endpoint to send its RST from, and the socket closes as it
  /// would otherwise) or never left CLOSED (Connect() found no route: the endpoint Bind() took
  /// is released too). Whoever gives the dial up (a timeout, a node's crash, a client done with
  /// it) closes it so.
  int Close() override;
};

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
  static ns3::Ptr<DialSocket> CreateSocket(ns3::Ptr<ns3::Node> node);

 protected:
  void DoDispose() override;

 private:
  ns3::Ptr<ns3::TcpSocketBase> m_template;
  ns3::Ptr<ns3::TcpL4Protocol> m_tcp;
};

}  // namespace weft::sim
