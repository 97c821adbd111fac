// The Linux driver of one netcheck for `weft netcheck` (docs/connectivity.md, "Netcheck"): its
// own UDP socket, the real clock and an Asio loop around the sans-IO netcheck core until the
// core is done; and the relay map fetched from a server (`GET /weft/relay-map`).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "control/messages.h"
#include "netcheck/netcheck.h"
#include "netcheck/report.h"
#include "util/result.h"

namespace weft::node {

struct NetcheckRun {
  netcheck::Report report;
  netcheck::Stats stats;
  std::chrono::nanoseconds elapsed{};  ///< from the first request to the report
  uint64_t send_failures = 0;          ///< requests the kernel refused (e.g. no IPv6 route)
};

/// Runs one netcheck over `regions` on a fresh UDP socket (any port, dual-stack where the host
/// has IPv6). Returns when the core is done (options.budget at the latest). A netcheck that
/// finds no UDP is a result, not an error. Errors: "runtime.udp_socket", "runtime.udp_bind".
Result<NetcheckRun> run_netcheck(const std::vector<control::RelayRegion>& regions,
                                 const netcheck::Options& options);

/// Fetches and parses the relay map a coordination server hands its nodes
/// (`GET URL/weft/relay-map`, TLS verified for https against `ca_file` or the system's roots).
/// Errors: the dial's ("dial.url", "dial.resolve", "dial.connect", "dial.tls", "dial.refused",
/// "dial.timeout", ...) and "relay.map" (the answer is not a valid relay map).
Result<std::vector<control::RelayRegion>> fetch_relay_map(std::string_view server_url,
                                                          const std::string& ca_file,
                                                          std::chrono::milliseconds timeout);

}  // namespace weft::node
