// rtnetlink message building (nlmsghdr + family header + rtattrs, NLMSG_ALIGN padding) and the
// ack exchange (NLMSG_ERROR with error 0), per rtnetlink(7) and netlink(7).
#include "runtime/netlink.h"

#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys_error.h"

namespace weft::runtime {
namespace {

// Appends `size` bytes at the end of msg, padded to NLMSG/RTA alignment (both 4).
void append(std::vector<uint8_t>& msg, const void* data, std::size_t size) {
  std::size_t at = msg.size();
  msg.resize(at + NLMSG_ALIGN(size), 0);
  std::memcpy(msg.data() + at, data, size);
}

void append_attr(std::vector<uint8_t>& msg, uint16_t type, const void* data, std::size_t size) {
  struct rtattr rta {};
  rta.rta_type = type;
  rta.rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
  append(msg, &rta, sizeof(rta));
  append(msg, data, size);
}

std::vector<uint8_t> start(uint16_t type, uint16_t flags) {
  std::vector<uint8_t> msg;
  struct nlmsghdr h {};
  h.nlmsg_type = type;
  h.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  append(msg, &h, sizeof(h));
  return msg;
}

uint8_t family_of(const util::IpAddress& a) { return a.is_v4() ? AF_INET : AF_INET6; }
std::size_t length_of(const util::IpAddress& a) { return a.is_v4() ? 4 : 16; }

}  // namespace

Result<Netlink> Netlink::open() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd.valid()) return errno_error("netlink_open", "socket(NETLINK_ROUTE)");
  struct sockaddr_nl local {};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0) {
    return errno_error("netlink_open", "bind netlink");
  }
  return Netlink(std::move(fd));
}

Status Netlink::transact(std::vector<uint8_t>& message, const char* what, int ok_errno) {
  auto* h = reinterpret_cast<nlmsghdr*>(message.data());
  h->nlmsg_len = static_cast<uint32_t>(message.size());
  h->nlmsg_seq = seq_++;
  struct sockaddr_nl kernel {};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = ::sendto(fd_.get(), message.data(), message.size(), 0,
                          reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  if (sent < 0) return errno_error("netlink", std::string("send ") + what);

  alignas(nlmsghdr) uint8_t buf[8192];
  while (true) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("netlink", std::string("receive ack for ") + what);
    }
    std::size_t len = static_cast<std::size_t>(n);
    for (auto* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
      if (r->nlmsg_seq != h->nlmsg_seq) continue;  // a stale reply of an earlier request
      if (r->nlmsg_type != NLMSG_ERROR) continue;
      if (r->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
        return make_error("runtime.netlink", std::string("truncated ack for ") + what);
      }
      int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error;
      if (err == 0 || err == ok_errno) return Ok{};
      return errno_error("netlink", what, err);
    }
  }
}

Status Netlink::set_link_up(int ifindex) {
  auto msg = start(RTM_NEWLINK, 0);
  struct ifinfomsg ifi {};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  append(msg, &ifi, sizeof(ifi));
  return transact(msg, "set link up");
}

Status Netlink::set_link_down(int ifindex) {
  auto msg = start(RTM_NEWLINK, 0);
  struct ifinfomsg ifi {};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  ifi.ifi_flags = 0;
  ifi.ifi_change = IFF_UP;
  append(msg, &ifi, sizeof(ifi));
  return transact(msg, "set link down");
}

Status Netlink::set_mtu(int ifindex, uint32_t mtu) {
  auto msg = start(RTM_NEWLINK, 0);
  struct ifinfomsg ifi {};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  append(msg, &ifi, sizeof(ifi));
  append_attr(msg, IFLA_MTU, &mtu, sizeof(mtu));
  return transact(msg, "set mtu");
}

Status Netlink::add_address(int ifindex, const util::IpAddress& address, int prefix_length) {
  auto msg = start(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg ifa {};
  ifa.ifa_family = family_of(address);
  ifa.ifa_prefixlen = static_cast<uint8_t>(prefix_length);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<uint32_t>(ifindex);
  append(msg, &ifa, sizeof(ifa));
  // On a point-to-point-less link IFA_LOCAL and IFA_ADDRESS are the same address.
  append_attr(msg, IFA_LOCAL, address.bytes().data(), length_of(address));
  append_attr(msg, IFA_ADDRESS, address.bytes().data(), length_of(address));
  return transact(msg, "add address", EEXIST);
}

Status Netlink::add_route(int ifindex, const util::IpPrefix& destination) {
  auto msg = start(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg rtm {};
  rtm.rtm_family = family_of(destination.address());
  rtm.rtm_dst_len = static_cast<uint8_t>(destination.bits());
  rtm.rtm_table = RT_TABLE_MAIN;
  rtm.rtm_protocol = RTPROT_BOOT;
  // IPv4 routes without a gateway are link-scoped (as `ip route add ... dev X` does); the
  // kernel wants universe scope for IPv6.
  rtm.rtm_scope = destination.address().is_v4() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  rtm.rtm_type = RTN_UNICAST;
  append(msg, &rtm, sizeof(rtm));
  append_attr(msg, RTA_DST, destination.address().bytes().data(),
              length_of(destination.address()));
  uint32_t oif = static_cast<uint32_t>(ifindex);
  append_attr(msg, RTA_OIF, &oif, sizeof(oif));
  return transact(msg, "add route", EEXIST);
}

}  // namespace weft::runtime
