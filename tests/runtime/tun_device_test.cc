#define BOOST_TEST_MODULE runtime_tun_device
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include "netns.h"
#include "runtime/netlink.h"
#include "runtime/sys_error.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "runtime/unique_fd.h"

using namespace weft::runtime;
using weft::util::IpAddress;
using weft::util::IpPrefix;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  BOOST_REQUIRE_MESSAGE(p != nullptr, "popen " + cmd);
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p)) out += buf;
  ::pclose(p);
  return out;
}

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 5000) == 1;
}

uint16_t ipv4_checksum(const uint8_t* h, std::size_t n) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{h[i]} << 8) | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tun_device)

BOOST_AUTO_TEST_CASE(configures_tun_address_route_and_mtu_in_a_namespace) {
  ScopedNetns ns;
  auto tun = TunDevice::create("wefttest%d");
  BOOST_REQUIRE_MESSAGE(tun.ok(), (tun.ok() ? std::string() : tun.error().detail));
  BOOST_TEST(tun->name().rfind("wefttest", 0) == 0);
  BOOST_TEST(tun->ifindex() > 0);

  auto nl = Netlink::open();
  BOOST_REQUIRE(nl.ok());
  BOOST_REQUIRE(nl->set_mtu(tun->ifindex(), 1380).ok());
  BOOST_REQUIRE(nl->add_address(tun->ifindex(), *IpAddress::parse("100.64.0.1"), 24).ok());
  BOOST_REQUIRE(nl->add_address(tun->ifindex(), *IpAddress::parse("fd7a:115c::1"), 64).ok());
  // Adding the same address twice is not an error (a restart over a kept interface).
  BOOST_REQUIRE(nl->add_address(tun->ifindex(), *IpAddress::parse("100.64.0.1"), 24).ok());
  BOOST_REQUIRE(nl->set_link_up(tun->ifindex()).ok());
  BOOST_REQUIRE(nl->add_route(tun->ifindex(), *IpPrefix::parse("198.51.100.0/24")).ok());
  BOOST_REQUIRE(nl->add_route(tun->ifindex(), *IpPrefix::parse("198.51.100.0/24")).ok());

  std::string addr = run("ip -o addr show dev " + tun->name());
  BOOST_TEST(addr.find("inet 100.64.0.1/24") != std::string::npos, addr);
  BOOST_TEST(addr.find("inet6 fd7a:115c::1/64") != std::string::npos, addr);
  std::string link = run("ip -o link show dev " + tun->name());
  BOOST_TEST(link.find("mtu 1380") != std::string::npos, link);
  BOOST_TEST(link.find(",UP") != std::string::npos, link);
  std::string route = run("ip -4 route show dev " + tun->name());
  BOOST_TEST(route.find("198.51.100.0/24") != std::string::npos, route);
}

BOOST_AUTO_TEST_CASE(reports_kernel_errors_from_netlink) {
  ScopedNetns ns;
  auto nl = Netlink::open();
  BOOST_REQUIRE(nl.ok());
  auto st = nl->set_link_up(987654);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "runtime.netlink");
  BOOST_TEST(st.error().detail.find("No such device") != std::string::npos, st.error().detail);
}

BOOST_AUTO_TEST_CASE(carries_packets_between_the_kernel_and_the_tun_fd) {
  ScopedNetns ns;
  auto tun = TunDevice::create("weftio0");
  BOOST_REQUIRE(tun.ok());
  auto nl = Netlink::open();
  BOOST_REQUIRE(nl.ok());
  BOOST_REQUIRE(nl->add_address(tun->ifindex(), *IpAddress::parse("100.64.0.1"), 24).ok());
  BOOST_REQUIRE(nl->set_link_up(tun->ifindex()).ok());

  std::array<uint8_t, 2048> buf{};
  // Nothing queued yet: a nonblocking read says "would block", not an error.
  {
    auto r = tun->read(buf.data(), buf.size());
    // The kernel may already have queued IPv6 router solicitations etc.; only check the kind.
    if (!r.ok()) BOOST_TEST(is_would_block(r.error()));
  }

  // Kernel -> TUN: a datagram to a peer address in the tunnel subnet comes out of the fd.
  auto sock = UdpSocket::bind(weft::core::SocketAddress{*IpAddress::parse("100.64.0.1"), 0});
  BOOST_REQUIRE(sock.ok());
  const char payload[] = "hello tun";
  SendItem item{reinterpret_cast<const uint8_t*>(payload), sizeof(payload),
                weft::core::SocketAddress{*IpAddress::parse("100.64.0.2"), 4000}};
  BOOST_REQUIRE(sock->send_batch(&item, 1).ok());
  bool found = false;
  for (int attempts = 0; attempts < 20 && !found; ++attempts) {
    BOOST_REQUIRE(wait_readable(tun->fd()));
    auto r = tun->read(buf.data(), buf.size());
    BOOST_REQUIRE(r.ok());
    // Skip anything that is not our IPv4/UDP packet (e.g. IPv6 neighbour discovery).
    if (*r < 28 || (buf[0] >> 4) != 4 || buf[9] != 17) continue;
    BOOST_TEST(*r == 28 + sizeof(payload));
    BOOST_TEST(std::memcmp(buf.data() + 16, "\x64\x40\x00\x02", 4) == 0);  // dst 100.64.0.2
    BOOST_TEST(std::memcmp(buf.data() + 28, payload, sizeof(payload)) == 0);
    found = true;
  }
  BOOST_TEST(found);

  // TUN -> kernel: a hand-built IPv4/UDP packet from 100.64.0.2 reaches the local socket.
  uint8_t pkt[28 + 4] = {0x45, 0, 0, 32, 0, 0, 0x40, 0, 64, 17, 0, 0, 100, 64, 0, 2,
                         100, 64, 0, 1};
  uint16_t sport = htons(4000), dport = htons(sock->local_port()), ulen = htons(12);
  std::memcpy(pkt + 20, &sport, 2);
  std::memcpy(pkt + 22, &dport, 2);
  std::memcpy(pkt + 24, &ulen, 2);  // UDP checksum 0: not computed (allowed for IPv4)
  std::memcpy(pkt + 28, "ping", 4);
  uint16_t csum = htons(ipv4_checksum(pkt, 20));
  std::memcpy(pkt + 10, &csum, 2);
  auto w = tun->write(pkt, sizeof(pkt));
  BOOST_REQUIRE(w.ok());
  BOOST_TEST(*w == sizeof(pkt));

  BOOST_REQUIRE(wait_readable(sock->fd()));
  std::array<uint8_t, 64> rbuf{};
  auto slot = RecvSlot::over(rbuf.data(), rbuf.size());
  auto got = sock->receive_batch(&slot, 1);
  BOOST_REQUIRE(got.ok());
  BOOST_REQUIRE_EQUAL(*got, 1u);
  BOOST_TEST(slot.size == 4u);
  BOOST_TEST(std::memcmp(rbuf.data(), "ping", 4) == 0);
  BOOST_TEST(slot.from.address.to_string() == "100.64.0.2");
  BOOST_TEST(slot.from.port == 4000);
}

BOOST_AUTO_TEST_CASE(refuses_an_existing_persistent_tun_and_leaves_it_as_it_was) {
  ScopedNetns ns;
  // What `ip tuntap add mode tun name weftkeep0` makes: a TUN that outlives its descriptor.
  {
    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    BOOST_REQUIRE(fd.valid());
    struct ifreq ifr {};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strcpy(ifr.ifr_name, "weftkeep0");
    BOOST_REQUIRE(::ioctl(fd.get(), TUNSETIFF, &ifr) == 0);
    BOOST_REQUIRE(::ioctl(fd.get(), TUNSETPERSIST, 1) == 0);
  }
  unsigned index = ::if_nametoindex("weftkeep0");
  BOOST_REQUIRE(index != 0);

  auto tun = TunDevice::create("weftkeep0");
  BOOST_REQUIRE(!tun.ok());
  BOOST_TEST(tun.error().code == "runtime.tun_exists");
  BOOST_TEST(tun.error().detail.find("interface weftkeep0 already exists") == 0u,
             tun.error().detail);
  BOOST_TEST(tun.error().detail.find("ip link del weftkeep0") != std::string::npos);
  BOOST_TEST(::if_nametoindex("weftkeep0") == index);  // the same link, still there
  std::string link = run("ip -o link show dev weftkeep0");
  BOOST_TEST(link.find(",UP") == std::string::npos, link);
  BOOST_TEST(run("ip -o addr show dev weftkeep0").empty());

  // Any other kind of link is refused the same way, before TUNSETIFF.
  auto lo = TunDevice::create("lo");
  BOOST_REQUIRE(!lo.ok());
  BOOST_TEST(lo.error().code == "runtime.tun_exists");
}

BOOST_AUTO_TEST_CASE(names_a_template_with_the_first_free_number) {
  ScopedNetns ns;
  auto first = TunDevice::create("pw%d");
  BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? std::string() : first.error().detail));
  BOOST_TEST(first->name() == "pw0");
  BOOST_TEST(first->ifindex() == static_cast<int>(::if_nametoindex("pw0")));
  auto second = TunDevice::create("pw%d");
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(second->name() == "pw1");
}

BOOST_AUTO_TEST_CASE(rejects_an_overlong_interface_name) {
  auto tun = TunDevice::create("a-name-longer-than-15");
  BOOST_REQUIRE(!tun.ok());
  BOOST_TEST(tun.error().code == "runtime.tun_name");
}

BOOST_AUTO_TEST_SUITE_END()
