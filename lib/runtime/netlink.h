// rtnetlink (NETLINK_ROUTE, rtnetlink(7)) requests the driver needs to bring an interface up:
// link state and MTU, addresses, routes. Raw messages, one request at a time, each acked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/unique_fd.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::runtime {

class Netlink {
 public:
  /// Opens a NETLINK_ROUTE socket in the caller's network namespace.
  /// Errors: "runtime.netlink_open".
  static Result<Netlink> open();

  Netlink(Netlink&&) = default;
  Netlink& operator=(Netlink&&) = default;

  // Every request below fails with "runtime.netlink" carrying the kernel's errno (EPERM
  // without CAP_NET_ADMIN, ENODEV for an unknown ifindex, EINVAL for a refused value).

  /// Sets IFF_UP (RTM_NEWLINK change mask IFF_UP).
  Status set_link_up(int ifindex);
  Status set_link_down(int ifindex);
  /// Sets IFLA_MTU.
  Status set_mtu(int ifindex, uint32_t mtu);
  /// Adds `address`/`prefix_length` (RTM_NEWADDR); an address already present is success.
  Status add_address(int ifindex, const util::IpAddress& address, int prefix_length);
  /// Adds a unicast route to `destination` through the interface (RTM_NEWROUTE, main table,
  /// scope link). A route already present is success.
  Status add_route(int ifindex, const util::IpPrefix& destination);

 private:
  explicit Netlink(UniqueFd fd) : fd_(std::move(fd)) {}
  /// Sends one request with NLM_F_ACK and waits for its ack; `ok_errno` is treated as success.
  Status transact(std::vector<uint8_t>& message, const char* what, int ok_errno = 0);

  UniqueFd fd_;
  uint32_t seq_ = 1;
};

}  // namespace weft::runtime
