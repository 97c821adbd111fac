// A control stream over simulated TCP (see stream-socket.h).
#include "stream-socket.h"

#include <algorithm>
#include <utility>

#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "tcp-socket-template.h"

namespace weft::sim {
namespace {
// Largest write handed to the socket at once (the socket splits it into segments anyway).
constexpr uint32_t kMaxWrite = 64 * 1024;
}  // namespace

StreamSocket::StreamSocket(BytesHandler on_bytes, Handler on_closed)
    : m_onBytes(std::move(on_bytes)), m_onClosed(std::move(on_closed)) {}

StreamSocket::~StreamSocket() { Abort(); }

void StreamSocket::Attach(ns3::Ptr<ns3::Socket> socket) {
  m_socket = socket;
  m_socket->SetRecvCallback(ns3::MakeCallback(&StreamSocket::OnRead, this));
  m_socket->SetSendCallback(ns3::MakeCallback(&StreamSocket::OnSendSpace, this));
  m_socket->SetCloseCallbacks(ns3::MakeCallback(&StreamSocket::OnPeerClose, this),
                              ns3::MakeCallback(&StreamSocket::OnError, this));
}

void StreamSocket::Detach() {
  m_dialTimer.Cancel();
  if (!m_socket) return;
  m_socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
  m_socket->SetSendCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>, uint32_t>());
  m_socket->SetCloseCallbacks(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>(),
                              ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
  m_socket->SetConnectCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>(),
                               ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
}

void StreamSocket::Dial(ns3::Ptr<ns3::Node> node, const ns3::InetSocketAddress& to,
                        ns3::Time timeout, Handler on_connected) {
  m_onConnected = std::move(on_connected);
  Attach(TcpSocketTemplate::CreateSocket(node));
  m_socket->SetConnectCallback(ns3::MakeCallback(&StreamSocket::OnConnected, this),
                               ns3::MakeCallback(&StreamSocket::OnConnectFailed, this));
  m_socket->Bind();
  m_dialTimer = ns3::Simulator::Schedule(timeout, &StreamSocket::OnDialTimeout, this);
  m_socket->Connect(to);
}

void StreamSocket::Adopt(ns3::Ptr<ns3::Socket> socket) {
  Attach(socket);
  m_connected = true;
}

void StreamSocket::OnConnected(ns3::Ptr<ns3::Socket>) {
  m_dialTimer.Cancel();
  m_connected = true;
  Flush();
  if (m_onConnected) m_onConnected();
}

void StreamSocket::OnConnectFailed(ns3::Ptr<ns3::Socket>) { Ended(); }

void StreamSocket::OnDialTimeout() {
  // The dial is given up, as a driver's connect timeout (a DialSocket closes without a reset).
  ns3::Ptr<ns3::Socket> socket = m_socket;
  Detach();
  if (socket) socket->Close();
  m_socket = nullptr;
  if (m_onClosed) m_onClosed();
}

void StreamSocket::OnRead(ns3::Ptr<ns3::Socket> socket) {
  while (m_onBytes) {
    ns3::Ptr<ns3::Packet> packet = socket->Recv();
    if (!packet) break;
    if (packet->GetSize() == 0) break;
    const uint32_t size = packet->GetSize();
    if (m_readBuffer.size() < size) m_readBuffer.resize(size);
    packet->CopyData(m_readBuffer.data(), size);
    m_bytesReceived += size;
    // The handler may end this connection (a refused frame): stop reading then.
    const ns3::Ptr<ns3::Socket> still = m_socket;
    m_onBytes(core::ByteView{m_readBuffer.data(), size});
    if (m_socket != still || !m_socket) return;
  }
}

void StreamSocket::OnSendSpace(ns3::Ptr<ns3::Socket>, uint32_t) {
  const bool waiting = !m_queue.empty();
  Flush();
  if (waiting && m_queue.empty() && m_socket && m_onDrained) m_onDrained();
}

void StreamSocket::OnPeerClose(ns3::Ptr<ns3::Socket>) { Ended(); }

void StreamSocket::OnError(ns3::Ptr<ns3::Socket>) { Ended(); }

void StreamSocket::Ended() {
  ns3::Ptr<ns3::Socket> socket = m_socket;
  Detach();
  m_socket = nullptr;
  m_connected = false;
  if (socket) socket->Close();
  if (m_onClosed) m_onClosed();
}

void StreamSocket::Send(const std::vector<uint8_t>& bytes) {
  m_queue.insert(m_queue.end(), bytes.begin(), bytes.end());
  Flush();
}

void StreamSocket::Flush() {
  if (!m_socket || !m_connected) return;
  std::vector<uint8_t> chunk;
  while (!m_queue.empty()) {
    const uint32_t room = std::min<uint32_t>(m_socket->GetTxAvailable(), kMaxWrite);
    if (room == 0) return;  // OnSendSpace continues
    const std::size_t n = std::min<std::size_t>(room, m_queue.size());
    chunk.assign(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(n));
    const int sent = m_socket->Send(chunk.data(), static_cast<uint32_t>(n), 0);
    if (sent <= 0) return;
    m_bytesSent += static_cast<uint64_t>(sent);
    m_queue.erase(m_queue.begin(), m_queue.begin() + sent);
  }
  if (m_closeWhenFlushed) {
    ns3::Ptr<ns3::Socket> socket = m_socket;
    Detach();
    m_socket = nullptr;
    m_connected = false;
    socket->Close();
  }
}

void StreamSocket::CloseAfterSending() {
  m_onBytes = nullptr;
  m_onClosed = nullptr;
  m_onConnected = nullptr;
  m_onDrained = nullptr;
  if (!m_connected || m_queue.empty()) {
    Abort();
    return;
  }
  // Reads are no longer wanted, but the socket must stay until the queue is in it.
  m_closeWhenFlushed = true;
  m_socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
  Flush();
}

void StreamSocket::Abort() {
  ns3::Ptr<ns3::Socket> socket = m_socket;
  Detach();
  m_socket = nullptr;
  m_connected = false;
  m_queue.clear();
  if (socket) socket->Close();
}

}  // namespace weft::sim
