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
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>

#include "netns.h"
#include "offload/gro_coalesce.h"
#include "offload/packets.h"
#include "offload/tso_split.h"
#include "runtime/netlink.h"
#include "runtime/sys_error.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "runtime/unique_fd.h"

using namespace weft::runtime;
using weft::util::IpAddress;
namespace offload = weft::offload;
using offload::testing::Bytes;
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

/// The peer side of one TCP connection through a vnet-hdr TUN, played by the test: it reads
/// what the kernel sends (splitting super-packets with lib/offload) and writes what a peer
/// would answer. Addresses 10.0.0.1 or fd00::1 (the kernel's, on the TUN) and 10.0.0.2 or
/// fd00::2 (the peer's), as tests/offload/packets.h builds them.
struct TcpPeer {
  explicit TcpPeer(TunDevice& t) : tun(t), buf(TunDevice::kTunMaxRead) {}

  /// Reads one packet from the TUN into segments; false on a timeout.
  bool read_segments(std::vector<Bytes>& out) {
    if (!wait_readable(tun.fd())) return false;
    auto r = tun.read(buf.data(), buf.size());
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE(*r >= kTunVnetHdrSize);
    const auto hdr = offload::parse_virtio_net_hdr(weft::core::ByteView{buf.data(), *r});
    BOOST_REQUIRE(hdr.has_value());
    if ((hdr->gso_type & 0x7f) == (v6 ? offload::kVirtioNetHdrGsoTcpV6 : offload::kVirtioNetHdrGsoTcpV4)) {
      ++super_packets;
      max_gso_segments = std::max<std::size_t>(max_gso_segments, (*r - kTunVnetHdrSize) / hdr->gso_size);
    }
    std::vector<Bytes> storage(64, Bytes(2048));
    std::vector<offload::Segment> segs;
    for (auto& b : storage) segs.push_back(offload::Segment::over(b.data(), b.size()));
    const auto res = offload::split(*hdr, weft::core::ByteView{buf.data() + kTunVnetHdrSize, *r - kTunVnetHdrSize},
                                    segs.data(), segs.size());
    BOOST_REQUIRE_MESSAGE(res.ok(), offload::error_name(res.error));
    for (std::size_t i = 0; i < res.count; ++i) {
      out.emplace_back(storage[i].begin(), storage[i].begin() + static_cast<std::ptrdiff_t>(segs[i].size));
    }
    return true;
  }

  /// A packet of ours, addressed to the client's source address as its SYN showed it.
  Bytes packet(const offload::testing::TcpSpec& s, const Bytes& payload) const {
    Bytes p = offload::testing::tcp_packet(s, payload);
    const std::size_t dst = v6 ? 24 : 16;
    std::copy(client_address.begin(), client_address.end(), p.begin() + static_cast<std::ptrdiff_t>(dst));
    offload::testing::fix_ipv4_checksum(p);
    offload::testing::set_tcp_checksum(p, false);
    return p;
  }

  /// Our TCP packet to the kernel's socket, behind an all-zero (GSO_NONE) header.
  void write_plain(const Bytes& packet) {
    uint8_t hdr[kTunVnetHdrSize] = {};
    const weft::core::ByteView pieces[] = {{hdr, sizeof(hdr)}, {packet.data(), packet.size()}};
    auto w = tun.write_pieces(pieces, 2);
    BOOST_REQUIRE_MESSAGE(w.ok(), (w.ok() ? std::string() : w.error().detail));
  }

  offload::testing::TcpSpec spec() const {
    offload::testing::TcpSpec s;
    s.v6 = v6;
    s.src_last = 2;
    s.dst_last = 1;
    s.src_port = 5201;
    s.dst_port = client_port;
    s.seq = next_seq;
    s.ack = acked;
    s.window = 0xffff;
    return s;
  }

  TunDevice& tun;
  std::vector<uint8_t> buf;
  bool v6 = false;
  Bytes client_address;
  uint16_t client_port = 0;
  uint32_t next_seq = 70000;  // our sequence number
  uint32_t acked = 0;         // the client's, next expected
  std::size_t super_packets = 0;
  std::size_t max_gso_segments = 0;
};

bool is_tcp_to_peer(const Bytes& p) {
  if (p.size() >= 60 && (p[0] >> 4) == 6) return p[6] == 6 && p[39] == 2 && offload::testing::get16(p, 42) == 5201;
  return p.size() >= 40 && (p[0] >> 4) == 4 && p[9] == 6 && p[19] == 2 &&
         offload::testing::get16(p, offload::testing::ip_header_size(p) + 2) == 5201;
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

/// One TCP connection from a kernel socket to the test's peer through a vnet-hdr TUN: 40000
/// bytes out as super-packets split by lib/offload, 11500 bytes in as one coalesced GSO write.
void tcp_super_packets_both_ways(bool v6) {
  using namespace offload::testing;
  ScopedNetns ns;
  // Duplicate address detection off for the TUN, and the loopback up (IPv6 local routes go
  // through it); the address may still take a moment (see the bind below).
  BOOST_REQUIRE(std::system("sysctl -qw net.ipv6.conf.default.accept_dad=0 && ip link set lo up") == 0);
  auto tun = TunDevice::create("weftgso%d", TunOptions{true});
  BOOST_REQUIRE_MESSAGE(tun.ok(), (tun.ok() ? std::string() : tun.error().detail));
  BOOST_REQUIRE_MESSAGE(tun->vnet_hdr(), "offloads refused: " + tun->offload_refusal());
  BOOST_TEST(tun->offload_refusal().empty());
  auto nl = Netlink::open();
  BOOST_REQUIRE(nl.ok());
  BOOST_REQUIRE(nl->add_address(tun->ifindex(), *IpAddress::parse(v6 ? "fd00::1" : "10.0.0.1"), v6 ? 64 : 24).ok());
  BOOST_REQUIRE(nl->set_link_up(tun->ifindex()).ok());

  UniqueFd client(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  BOOST_REQUIRE(client.valid());
  // Bound to the TUN's address: while a fresh IPv6 address was not yet usable, source address
  // selection picked ::1, and the SYN left with a source no reply can reach.
  sockaddr_storage from{}, to{};
  socklen_t to_len = 0;
  if (v6) {
    auto& f = reinterpret_cast<sockaddr_in6&>(from);
    auto& a = reinterpret_cast<sockaddr_in6&>(to);
    f.sin6_family = a.sin6_family = AF_INET6;
    a.sin6_port = htons(5201);
    BOOST_REQUIRE(::inet_pton(AF_INET6, "fd00::1", &f.sin6_addr) == 1);
    BOOST_REQUIRE(::inet_pton(AF_INET6, "fd00::2", &a.sin6_addr) == 1);
    to_len = sizeof(a);
  } else {
    auto& f = reinterpret_cast<sockaddr_in&>(from);
    auto& a = reinterpret_cast<sockaddr_in&>(to);
    f.sin_family = a.sin_family = AF_INET;
    a.sin_port = htons(5201);
    f.sin_addr.s_addr = htonl(0x0a000001);
    a.sin_addr.s_addr = htonl(0x0a000002);
    to_len = sizeof(a);
  }
  // A fresh IPv6 address may still be tentative for a moment: wait until it can be bound.
  int bound = -1;
  for (int tries = 0; tries < 300 && bound != 0; ++tries) {
    bound = ::bind(client.get(), reinterpret_cast<sockaddr*>(&from), to_len);
    if (bound != 0 && errno != EADDRNOTAVAIL) break;
    if (bound != 0) ::usleep(10000);
  }
  BOOST_REQUIRE_MESSAGE(bound == 0, "bind: " << std::strerror(errno));
  const int rc = ::connect(client.get(), reinterpret_cast<sockaddr*>(&to), to_len);
  BOOST_REQUIRE_MESSAGE(rc < 0 && errno == EINPROGRESS, "connect: " << std::strerror(errno));

  // Handshake: the SYN out, our SYN-ACK (MSS 1000, window scale 7) in.
  TcpPeer peer(*tun);
  peer.v6 = v6;
  const std::size_t ip = v6 ? 40 : 20;
  std::vector<Bytes> segs;
  Bytes syn;
  while (syn.empty()) {
    BOOST_REQUIRE_MESSAGE(peer.read_segments(segs), "no SYN from the kernel");
    for (const Bytes& p : segs) {
      if (is_tcp_to_peer(p) && (p[ip + 13] & 0x02) != 0) syn = p;
    }
    segs.clear();
  }
  BOOST_TEST(tcp_checksum_valid(syn));  // completed from the partial checksum
  peer.client_port = get16(syn, ip);
  const std::size_t at = v6 ? 8 : 12, len = v6 ? 16 : 4;
  peer.client_address.assign(syn.begin() + static_cast<std::ptrdiff_t>(at), syn.begin() + static_cast<std::ptrdiff_t>(at + len));
  peer.acked = get32(syn, ip + 4) + 1;
  TcpSpec synack = peer.spec();
  synack.flags = 0x12;
  synack.options = {2, 4, 0x03, 0xe8, 1, 3, 3, 7};
  peer.write_plain(peer.packet(synack, {}));
  peer.next_seq += 1;

  // Kernel -> TUN: 40000 bytes leave as super-packets that split into valid 1000-byte segments.
  const Bytes sent = pattern(40000, 3);
  std::size_t written = 0;
  Bytes received;
  for (int rounds = 0; received.size() < sent.size() && rounds < 1000; ++rounds) {
    if (written < sent.size()) {
      const ssize_t w = ::send(client.get(), sent.data() + written, sent.size() - written, MSG_NOSIGNAL);
      if (w > 0) written += static_cast<std::size_t>(w);
    }
    BOOST_REQUIRE_MESSAGE(peer.read_segments(segs), "no data from the kernel");
    for (const Bytes& p : segs) {
      if (!is_tcp_to_peer(p)) continue;
      BOOST_REQUIRE(tcp_checksum_valid(p) && ipv4_checksum_valid(p));
      const std::size_t headers = ip + tcp_header_size(p);
      if (p.size() == headers || get32(p, ip + 4) != peer.acked) continue;  // pure ACKs, retransmits
      BOOST_TEST(p.size() - headers <= 1000u);
      received.insert(received.end(), p.begin() + static_cast<std::ptrdiff_t>(headers), p.end());
      peer.acked += static_cast<uint32_t>(p.size() - headers);
    }
    segs.clear();
    TcpSpec ack = peer.spec();
    ack.flags = 0x10;
    peer.write_plain(peer.packet(ack, {}));
  }
  BOOST_TEST(received == sent);
  BOOST_TEST_MESSAGE("super-packets read: " << peer.super_packets << ", largest " << peer.max_gso_segments
                                            << " segments");
  BOOST_TEST(peer.super_packets > 0u);

  // TUN -> kernel: 12 segments of ours, coalesced into one GSO write, arrive whole.
  std::vector<Bytes> ours;
  const Bytes reply = pattern(11500, 9);
  for (std::size_t off = 0; off < reply.size(); off += 1000) {
    TcpSpec s = peer.spec();
    s.id = static_cast<uint16_t>(100 + off / 1000);
    const std::size_t n = std::min<std::size_t>(1000, reply.size() - off);
    ours.push_back(peer.packet(s, Bytes(reply.begin() + static_cast<std::ptrdiff_t>(off),
                                       reply.begin() + static_cast<std::ptrdiff_t>(off + n))));
    peer.next_seq += static_cast<uint32_t>(n);
  }
  offload::GroCoalescer gro(64);
  std::vector<offload::GroPacket> batch;
  for (Bytes& p : ours) batch.push_back({p.data(), p.size()});
  BOOST_REQUIRE_EQUAL(gro.coalesce(batch.data(), batch.size()), 1u);
  const offload::GroGroup& g = gro.group(0);
  BOOST_REQUIRE_EQUAL(g.count, 12u);
  uint8_t hdr[kTunVnetHdrSize];
  offload::encode_virtio_net_hdr(g.hdr, hdr);
  std::vector<weft::core::ByteView> pieces(1 + g.count);
  pieces[0] = {hdr, sizeof(hdr)};
  BOOST_REQUIRE_EQUAL(gro.pieces(g, pieces.data() + 1, g.count), g.count);
  auto w = tun->write_pieces(pieces.data(), pieces.size());
  BOOST_REQUIRE_MESSAGE(w.ok(), (w.ok() ? std::string() : w.error().detail));
  BOOST_TEST(*w == kTunVnetHdrSize + g.size);
  Bytes got;
  while (got.size() < reply.size()) {
    BOOST_REQUIRE_MESSAGE(wait_readable(client.get()), "the coalesced write never reached the socket");
    uint8_t rbuf[16384];
    const ssize_t r = ::recv(client.get(), rbuf, sizeof(rbuf), 0);
    BOOST_REQUIRE(r > 0);
    got.insert(got.end(), rbuf, rbuf + r);
  }
  BOOST_TEST(got == reply);
}

BOOST_AUTO_TEST_CASE(carries_ipv4_tcp_super_packets_both_ways_with_offloads) { tcp_super_packets_both_ways(false); }

BOOST_AUTO_TEST_CASE(carries_ipv6_tcp_super_packets_both_ways_with_offloads) { tcp_super_packets_both_ways(true); }

BOOST_AUTO_TEST_CASE(falls_back_to_the_plain_mode_when_offloads_are_refused) {
  ScopedNetns ns;
  TunOptions options;
  options.offloads = true;
  options.offload_flags |= 0x4000;  // no such TUN_F_ bit: TUNSETOFFLOAD says EINVAL
  auto tun = TunDevice::create("weftfb%d", options);
  BOOST_REQUIRE_MESSAGE(tun.ok(), (tun.ok() ? std::string() : tun.error().detail));
  BOOST_TEST(!tun->vnet_hdr());
  BOOST_TEST(tun->offload_refusal().find("TUNSETOFFLOAD") == 0u, tun->offload_refusal());
  BOOST_TEST(tun->name() == "weftfb0");  // the refused one was deleted, its name free again
  BOOST_TEST(::if_nametoindex("weftfb1") == 0u);
  // Plain reads: a UDP datagram towards the tunnel comes out without a header.
  auto nl = Netlink::open();
  BOOST_REQUIRE(nl.ok());
  BOOST_REQUIRE(nl->add_address(tun->ifindex(), *IpAddress::parse("100.64.0.1"), 24).ok());
  BOOST_REQUIRE(nl->set_link_up(tun->ifindex()).ok());
  auto sock = UdpSocket::bind(weft::core::SocketAddress{*IpAddress::parse("100.64.0.1"), 0});
  BOOST_REQUIRE(sock.ok());
  SendItem item{reinterpret_cast<const uint8_t*>("x"), 1, weft::core::SocketAddress{*IpAddress::parse("100.64.0.2"), 9}};
  BOOST_REQUIRE(sock->send_batch(&item, 1).ok());
  std::array<uint8_t, 2048> buf{};
  bool found = false;
  for (int attempts = 0; attempts < 20 && !found; ++attempts) {
    BOOST_REQUIRE(wait_readable(tun->fd()));
    auto r = tun->read(buf.data(), buf.size());
    BOOST_REQUIRE(r.ok());
    found = *r == 29 && buf[0] == 0x45 && buf[9] == 17;
  }
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_SUITE_END()
