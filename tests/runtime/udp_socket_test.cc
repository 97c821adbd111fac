#define BOOST_TEST_MODULE runtime_udp_socket
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "runtime/sys_error.h"
#include "runtime/udp_socket.h"

using namespace weft::runtime;
using weft::util::IpAddress;

namespace {

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 5000) == 1;
}

weft::core::SocketAddress loopback4(uint16_t port) { return {*IpAddress::parse("127.0.0.1"), port}; }

// Receives until `want` datagrams arrived (a batch may return fewer than were sent).
std::vector<std::string> receive(UdpSocket& s, std::size_t want, std::vector<weft::core::SocketAddress>* from) {
  std::vector<std::string> out;
  std::vector<std::array<uint8_t, 256>> bufs(UdpSocket::kMaxBatch);
  while (out.size() < want) {
    BOOST_REQUIRE(wait_readable(s.fd()));
    std::vector<RecvSlot> slots(bufs.size());
    for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = RecvSlot::over(bufs[i].data(), bufs[i].size());
    auto r = s.receive_batch(slots.data(), slots.size());
    BOOST_REQUIRE(r.ok());
    for (std::size_t i = 0; i < *r; ++i) {
      out.emplace_back(reinterpret_cast<const char*>(slots[i].data), slots[i].size);
      if (from) from->push_back(slots[i].from);
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(udp_socket)

BOOST_AUTO_TEST_CASE(sends_and_receives_a_batch_on_loopback) {
  auto a = UdpSocket::bind(loopback4(0));
  auto b = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(a->local_port() != 0);

  std::vector<std::string> payloads;
  for (int i = 0; i < 40; ++i) payloads.push_back("datagram-" + std::to_string(i));
  std::vector<SendItem> items;
  for (const auto& p : payloads) {
    items.push_back({reinterpret_cast<const uint8_t*>(p.data()), p.size(),
                     loopback4(b->local_port())});
  }
  auto sent = a->send_batch(items.data(), items.size());
  BOOST_REQUIRE(sent.ok());
  BOOST_TEST(*sent == items.size());

  std::vector<weft::core::SocketAddress> from;
  auto got = receive(*b, payloads.size(), &from);
  BOOST_TEST(got == payloads, boost::test_tools::per_element());
  for (const auto& f : from) BOOST_TEST((f == loopback4(a->local_port())));
}

BOOST_AUTO_TEST_CASE(reports_would_block_when_nothing_is_queued) {
  auto a = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok());
  std::array<uint8_t, 16> buf{};
  auto slot = RecvSlot::over(buf.data(), buf.size());
  auto r = a->receive_batch(&slot, 1);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(is_would_block(r.error()));
}

BOOST_AUTO_TEST_CASE(dual_stack_socket_reports_ipv4_peers_as_ipv4) {
  auto any = UdpSocket::bind_any(0);
  BOOST_REQUIRE(any.ok());
  auto v4 = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(v4.ok());
  const std::string msg = "to the dual-stack socket";
  SendItem item{reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                loopback4(any->local_port())};
  BOOST_REQUIRE(v4->send_batch(&item, 1).ok());
  std::vector<weft::core::SocketAddress> from;
  auto got = receive(*any, 1, &from);
  BOOST_TEST(got[0] == msg);
  BOOST_TEST(from[0].address.is_v4());  // not ::ffff:127.0.0.1
  BOOST_TEST(from[0].port == v4->local_port());

  // And back: a v4 destination through the v6 socket goes out v4-mapped.
  SendItem reply{reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), from[0]};
  BOOST_REQUIRE(any->send_batch(&reply, 1).ok());
  auto back = receive(*v4, 1, nullptr);
  BOOST_TEST(back[0] == msg);
}

BOOST_AUTO_TEST_CASE(refuses_a_port_in_use) {
  auto a = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok());
  auto b = UdpSocket::bind(loopback4(a->local_port()));
  BOOST_REQUIRE(!b.ok());
  BOOST_TEST(b.error().code == "runtime.udp_bind");
}

BOOST_AUTO_TEST_CASE(enlarges_kernel_buffers) {
  auto a = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok());
  int before = 0;
  socklen_t len = sizeof(before);
  BOOST_REQUIRE(::getsockopt(a->fd(), SOL_SOCKET, SO_RCVBUF, &before, &len) == 0);
  BOOST_REQUIRE(a->set_buffer_sizes(7 << 20).ok());
  int rcv = 0;
  int snd = 0;
  BOOST_REQUIRE(::getsockopt(a->fd(), SOL_SOCKET, SO_RCVBUF, &rcv, &len) == 0);
  BOOST_REQUIRE(::getsockopt(a->fd(), SOL_SOCKET, SO_SNDBUF, &snd, &len) == 0);
  BOOST_TEST(rcv >= before);
  if (::geteuid() == 0) {
    // The FORCE variants ignore net.core.rmem_max; the kernel reports twice the request.
    BOOST_TEST(rcv >= (7 << 20));
    BOOST_TEST(snd >= (7 << 20));
  }
}

BOOST_AUTO_TEST_SUITE_END()
