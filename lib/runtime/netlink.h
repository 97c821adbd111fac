// rtnetlink (NETLINK_ROUTE, rtnetlink(7)) requests the driver needs to bring an interface up:
// link state and MTU, addresses, routes. Raw messages, one request at a time, each acked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/unique_fd.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::runtime {

/// The main routing table (RT_TABLE_MAIN), where `ip route add` puts routes by default.
inline constexpr uint32_t kMainTable = 254;

/// A policy-routing rule (fib_rule_hdr + FRA_* attributes, as `ip rule` builds them), reduced to
/// the fields weft installs: "[not] fwmark M lookup T" and "lookup T suppress_prefixlength N".
/// No priority: the kernel gives each new rule the preference just below the lowest one in use,
/// as it does for `ip rule add` without `pref`.
struct RouteRule {
  bool ipv6 = false;
  uint32_t table = kMainTable;
  std::optional<uint32_t> fwmark;  // matched with the mask 0xffffffff
  bool invert = false;             // "not": the rule matches what the selector does not
  std::optional<uint32_t> suppress_prefixlength;
};

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
  /// The same in routing table `table` (RTA_TABLE), as `ip route add ... dev X table T`.
  Status add_route(int ifindex, const util::IpPrefix& destination, uint32_t table);
  /// Deletes that route; false when there was none (ESRCH/ENOENT), e.g. because it left
  /// with its interface.
  Result<bool> delete_route(int ifindex, const util::IpPrefix& destination, uint32_t table);
  /// True when table `table` holds any route of either family (`ip route show table T`).
  Result<bool> table_has_routes(uint32_t table);
  /// Adds `rule` (RTM_NEWRULE). An identical rule may exist already: the kernel adds a second
  /// one at another preference, as `ip rule add` does.
  Status add_rule(const RouteRule& rule);
  /// Deletes one rule matching `rule` (any preference); false when none matched (ENOENT).
  Result<bool> delete_rule(const RouteRule& rule);

 private:
  explicit Netlink(UniqueFd fd) : fd_(std::move(fd)) {}
  /// Sends one request with NLM_F_ACK and waits for its ack; `ok_errno` is treated as success.
  /// The kernel's errno of a refusal is stored in `*refused_errno` when given.
  Status transact(std::vector<uint8_t>& message, const char* what, int ok_errno = 0,
                  int* refused_errno = nullptr);
  /// transact() for a deletion: Ok(false) when the kernel answered ENOENT or ESRCH.
  Result<bool> transact_delete(std::vector<uint8_t>& message, const char* what);

  UniqueFd fd_;
  uint32_t seq_ = 1;
};

}  // namespace weft::runtime
