#define BOOST_TEST_MODULE runtime_udp_socket
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "netns.h"
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

/// A datagram as received: its bytes and the GRO segment size of the slot it came in.
struct Received {
  std::string bytes;
  std::size_t slot_segment_size = 0;
  weft::core::SocketAddress from;
};

// Receives with GRO-sized slots until `want` datagrams arrived, cutting coalesced slots apart.
std::vector<Received> receive_split(UdpSocket& s, std::size_t want) {
  std::vector<Received> out;
  std::vector<std::vector<uint8_t>> bufs(8, std::vector<uint8_t>(kGroBufferSize));
  while (out.size() < want) {
    BOOST_REQUIRE(wait_readable(s.fd()));
    std::vector<RecvSlot> slots(bufs.size());
    for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = RecvSlot::over(bufs[i].data(), bufs[i].size());
    auto r = s.receive_batch(slots.data(), slots.size());
    BOOST_REQUIRE(r.ok());
    for (std::size_t i = 0; i < *r; ++i) {
      std::vector<RecvSlot> parts(UdpSocket::kMaxGsoSegments);
      const std::size_t n = split_coalesced(slots[i], parts.data(), parts.size());
      BOOST_REQUIRE(n <= parts.size());
      for (std::size_t k = 0; k < n; ++k) {
        BOOST_TEST((parts[k].from == slots[i].from));
        out.push_back({std::string(reinterpret_cast<const char*>(parts[k].data), parts[k].size),
                       slots[i].segment_size, parts[k].from});
      }
    }
  }
  return out;
}

// Receives until `want` datagrams arrived (a batch may return fewer than were sent).
std::vector<std::string> receive(UdpSocket& s, std::size_t want, std::vector<weft::core::SocketAddress>* from) {
  std::vector<std::string> out;
  for (const Received& r : receive_split(s, want)) {
    out.push_back(r.bytes);
    if (from) from->push_back(r.from);
  }
  return out;
}

/// `count` datagrams of `size` bytes (the last `last` bytes), each filled with its index.
std::vector<std::string> datagrams(std::size_t count, std::size_t size, std::size_t last) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.emplace_back(i + 1 < count ? size : last, static_cast<char>('a' + i % 26));
  }
  return out;
}

std::vector<SendItem> items_to(const std::vector<std::string>& payloads, const weft::core::SocketAddress& to) {
  std::vector<SendItem> items;
  for (const auto& p : payloads) items.push_back({reinterpret_cast<const uint8_t*>(p.data()), p.size(), to});
  return items;
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

BOOST_AUTO_TEST_CASE(gso_sends_runs_that_arrive_as_the_same_datagrams) {
  auto a = UdpSocket::bind(loopback4(0));
  auto b = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok() && b.ok());
  BOOST_REQUIRE_MESSAGE(a->enable_offloads(UdpOffloads{true, false}).gso, "this kernel has UDP_SEGMENT (Linux >= 4.18)");
  const auto payloads = datagrams(21, 1000, 300);
  const auto items = items_to(payloads, loopback4(b->local_port()));
  auto sent = a->send_batch(items.data(), items.size());
  BOOST_REQUIRE(sent.ok());
  BOOST_TEST(*sent == 21u);
  BOOST_TEST(a->offloads().gso);
  const auto got = receive_split(*b, 21);  // b without GRO: the kernel segments for it
  BOOST_REQUIRE_EQUAL(got.size(), 21u);
  for (std::size_t i = 0; i < 21; ++i) {
    BOOST_TEST(got[i].bytes == payloads[i]);
    BOOST_TEST(got[i].slot_segment_size == 0u);
  }
}

BOOST_AUTO_TEST_CASE(gro_receives_coalesced_datagrams_that_split_apart) {
  auto a = UdpSocket::bind(loopback4(0));
  auto b = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok() && b.ok());
  BOOST_REQUIRE(a->enable_offloads(UdpOffloads{true, false}).gso);
  BOOST_REQUIRE_MESSAGE(b->enable_offloads(UdpOffloads{false, true}).gro, "this kernel has UDP_GRO (Linux >= 5.0)");
  const auto payloads = datagrams(11, 1200, 500);
  const auto items = items_to(payloads, loopback4(b->local_port()));
  auto sent = a->send_batch(items.data(), items.size());
  BOOST_REQUIRE(sent.ok() && *sent == 11u);
  const auto got = receive_split(*b, 11);
  BOOST_REQUIRE_EQUAL(got.size(), 11u);
  // Loopback hands the GSO message to a GRO socket whole: one slot of 11 datagrams.
  BOOST_TEST(got[0].slot_segment_size == 1200u);
  for (std::size_t i = 0; i < 11; ++i) BOOST_TEST(got[i].bytes == payloads[i]);
}

BOOST_AUTO_TEST_CASE(gso_keeps_item_order_across_destinations_and_sizes) {
  auto a = UdpSocket::bind(loopback4(0));
  auto b = UdpSocket::bind(loopback4(0));
  auto c = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok() && b.ok() && c.ok());
  BOOST_REQUIRE(a->enable_offloads(UdpOffloads{true, false}).gso);
  // b: 3 x 800, then a longer one (starts a new run), c: 2 x 100 in between; an empty one.
  const std::vector<std::string> to_b = {std::string(800, 'a'), std::string(800, 'b'),
                                         std::string(800, 'c'), std::string(900, 'd'),
                                         std::string(900, 'e'), std::string()};
  const std::vector<std::string> to_c = {std::string(100, 'x'), std::string(100, 'y')};
  std::vector<SendItem> items;
  auto add = [&](const std::string& p, const UdpSocket& dst) {
    items.push_back({reinterpret_cast<const uint8_t*>(p.data()), p.size(), loopback4(dst.local_port())});
  };
  add(to_b[0], *b);
  add(to_b[1], *b);
  add(to_c[0], *c);
  add(to_c[1], *c);
  add(to_b[2], *b);
  add(to_b[3], *b);
  add(to_b[4], *b);
  add(to_b[5], *b);
  std::size_t done = 0;
  while (done < items.size()) {
    auto sent = a->send_batch(items.data() + done, items.size() - done);
    BOOST_REQUIRE(sent.ok());
    done += *sent;
  }
  const auto got_b = receive_split(*b, to_b.size());
  const auto got_c = receive_split(*c, to_c.size());
  for (std::size_t i = 0; i < to_b.size(); ++i) BOOST_TEST(got_b[i].bytes == to_b[i]);
  for (std::size_t i = 0; i < to_c.size(); ++i) BOOST_TEST(got_c[i].bytes == to_c[i]);
}

BOOST_AUTO_TEST_CASE(a_refused_segmentation_turns_gso_off_and_still_delivers) {
  ScopedNetns ns;
  // Segments above the MTU make udp_send_skb refuse the GSO message (EINVAL); sent one by one
  // they are fragmented and arrive whole.
  BOOST_REQUIRE(std::system("ip link set lo mtu 1280 up") == 0);
  auto a = UdpSocket::bind(loopback4(0));
  auto b = UdpSocket::bind(loopback4(0));
  BOOST_REQUIRE(a.ok() && b.ok());
  BOOST_REQUIRE(a->enable_offloads(UdpOffloads{true, false}).gso);
  const auto payloads = datagrams(4, 1400, 1400);
  const auto items = items_to(payloads, loopback4(b->local_port()));
  auto sent = a->send_batch(items.data(), items.size());
  BOOST_REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? std::string() : sent.error().detail));
  BOOST_TEST(*sent == 4u);
  BOOST_TEST(!a->offloads().gso);
  const auto got = receive_split(*b, 4);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(got[i].bytes == payloads[i]);
}

BOOST_AUTO_TEST_CASE(split_coalesced_gives_views_or_asks_for_room) {
  std::vector<uint8_t> buf(2500);
  RecvSlot slot = RecvSlot::over(buf.data(), buf.size());
  slot.size = 2500;
  slot.segment_size = 1000;
  slot.from = loopback4(7);
  std::array<RecvSlot, 3> out{};
  BOOST_TEST(split_coalesced(slot, out.data(), 2) == 3u);
  BOOST_TEST(out[0].data == nullptr);  // too little room: nothing written
  BOOST_REQUIRE(split_coalesced(slot, out.data(), 3) == 3u);
  BOOST_TEST(out[1].data == buf.data() + 1000);
  BOOST_TEST(out[2].size == 500u);
  BOOST_TEST((out[2].from == slot.from));
  slot.segment_size = 0;
  BOOST_TEST(split_coalesced(slot, out.data(), 3) == 1u);
  BOOST_TEST(out[0].size == 2500u);
}

BOOST_AUTO_TEST_SUITE_END()
