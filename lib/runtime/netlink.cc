// rtnetlink message building (nlmsghdr + family header + rtattrs, NLMSG_ALIGN padding) and the
// ack exchange (NLMSG_ERROR with error 0), per rtnetlink(7) and netlink(7).
#include "runtime/netlink.h"

#include <linux/fib_rules.h>
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

Status Netlink::transact(std::vector<uint8_t>& message, const char* what, int ok_errno,
                         int* refused_errno) {
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
      if (refused_errno != nullptr) *refused_errno = err;
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
  return add_route(ifindex, destination, kMainTable);
}

namespace {

// A route through `ifindex` to `destination` in `table`, as `ip route add|del DST dev X table T`.
std::vector<uint8_t> route_message(uint16_t type, uint16_t flags, int ifindex,
                                   const util::IpPrefix& destination, uint32_t table) {
  auto msg = start(type, flags);
  struct rtmsg rtm {};
  rtm.rtm_family = family_of(destination.address());
  rtm.rtm_dst_len = static_cast<uint8_t>(destination.bits());
  rtm.rtm_table = static_cast<uint8_t>(table < 256 ? table : uint32_t{RT_TABLE_UNSPEC});
  rtm.rtm_protocol = static_cast<uint8_t>(type == RTM_NEWROUTE ? RTPROT_BOOT : 0);
  // IPv4 routes without a gateway are link-scoped (as `ip route add ... dev X` does); the
  // kernel wants universe scope for IPv6. A deletion matches any scope.
  rtm.rtm_scope = type == RTM_DELROUTE             ? RT_SCOPE_NOWHERE
                  : destination.address().is_v4() ? RT_SCOPE_LINK
                                                  : RT_SCOPE_UNIVERSE;
  rtm.rtm_type = RTN_UNICAST;
  append(msg, &rtm, sizeof(rtm));
  append_attr(msg, RTA_DST, destination.address().bytes().data(),
              length_of(destination.address()));
  append_attr(msg, RTA_TABLE, &table, sizeof(table));
  uint32_t oif = static_cast<uint32_t>(ifindex);
  append_attr(msg, RTA_OIF, &oif, sizeof(oif));
  return msg;
}

std::vector<uint8_t> rule_message(uint16_t type, uint16_t flags, const RouteRule& rule) {
  auto msg = start(type, flags);
  struct fib_rule_hdr frh {};
  frh.family = rule.ipv6 ? AF_INET6 : AF_INET;
  frh.table = static_cast<uint8_t>(rule.table < 256 ? rule.table : uint32_t{RT_TABLE_UNSPEC});
  frh.action = FR_ACT_TO_TBL;
  frh.flags = rule.invert ? FIB_RULE_INVERT : 0;
  append(msg, &frh, sizeof(frh));
  append_attr(msg, FRA_TABLE, &rule.table, sizeof(rule.table));
  if (rule.fwmark) append_attr(msg, FRA_FWMARK, &*rule.fwmark, sizeof(uint32_t));
  if (rule.suppress_prefixlength) {
    append_attr(msg, FRA_SUPPRESS_PREFIXLEN, &*rule.suppress_prefixlength, sizeof(uint32_t));
  }
  return msg;
}

}  // namespace

Status Netlink::add_route(int ifindex, const util::IpPrefix& destination, uint32_t table) {
  auto msg = route_message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, ifindex, destination, table);
  return transact(msg, "add route", EEXIST);
}

Result<bool> Netlink::delete_route(int ifindex, const util::IpPrefix& destination,
                                   uint32_t table) {
  auto msg = route_message(RTM_DELROUTE, 0, ifindex, destination, table);
  return transact_delete(msg, "delete route");
}

Status Netlink::add_rule(const RouteRule& rule) {
  auto msg = rule_message(RTM_NEWRULE, NLM_F_CREATE, rule);
  return transact(msg, "add rule");
}

Result<bool> Netlink::delete_rule(const RouteRule& rule) {
  auto msg = rule_message(RTM_DELRULE, 0, rule);
  return transact_delete(msg, "delete rule");
}

Result<bool> Netlink::transact_delete(std::vector<uint8_t>& message, const char* what) {
  int refused = 0;
  Status s = transact(message, what, 0, &refused);
  if (s.ok()) return true;
  if (refused == ENOENT || refused == ESRCH) return false;
  return s.error();
}

Result<bool> Netlink::table_has_routes(uint32_t table) {
  auto msg = start(RTM_GETROUTE, NLM_F_DUMP);
  struct rtmsg rtm {};
  rtm.rtm_family = AF_UNSPEC;
  append(msg, &rtm, sizeof(rtm));
  auto* h = reinterpret_cast<nlmsghdr*>(msg.data());
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h->nlmsg_len = static_cast<uint32_t>(msg.size());
  h->nlmsg_seq = seq_++;
  struct sockaddr_nl kernel {};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    return errno_error("netlink", "send route dump");
  }
  bool found = false;
  alignas(nlmsghdr) uint8_t buf[32768];
  while (true) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("netlink", "receive route dump");
    }
    std::size_t len = static_cast<std::size_t>(n);
    for (auto* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
      if (r->nlmsg_seq != h->nlmsg_seq) continue;
      if (r->nlmsg_type == NLMSG_DONE) return found;
      if (r->nlmsg_type == NLMSG_ERROR) {
        if (r->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
          return make_error("runtime.netlink", "truncated error in route dump");
        }
        return errno_error("netlink", "route dump",
                           -static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error);
      }
      if (r->nlmsg_type != RTM_NEWROUTE || r->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) continue;
      const auto* route = static_cast<const rtmsg*>(NLMSG_DATA(r));
      uint32_t route_table = route->rtm_table;
      int attr_len = static_cast<int>(RTM_PAYLOAD(r));
      for (const rtattr* a = RTM_RTA(route); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
        if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
          std::memcpy(&route_table, RTA_DATA(a), sizeof(uint32_t));
        }
      }
      if (route_table == table) found = true;
    }
  }
}

}  // namespace weft::runtime
