// What `weft ping` prints (issue 9 "Local API", issue 11 "weft ping"): the node's answer lines to
// {"op":"ping"} read back into text, one line per pong or timeout, and the exit code — a pure
// class, so the format is tested without a node. docs/operations.md, "Node commands".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "node/local_api.h"

namespace weft::node {

/// "23ms" for a round trip of a millisecond or more (rounded), "0.42ms" below one.
std::string rtt_text(double ms);

/// Reads one ping session's answer lines (not its error line: local_client's answer_error()
/// comes first) and says what to print.
///
/// Discovery pings (PingMode::kDisco) print
///   pong from b (100.64.0.2) via relay "weft" in 23ms
///   pong from b (100.64.0.2) via 203.0.113.1:41641 in 3ms      ([v6]:port for IPv6)
///   timeout: no pong from b (100.64.0.2) seq=3
/// then "4 sent, 3 received"; with until_direct nothing after a direct pong, and when none came
///   no direct path to b (100.64.0.2) after 10 pings: pongs came via relay "weft"
/// ICMP echo (PingMode::kIcmp) prints as it always did:
///   pong from b (100.64.0.2) seq=1 in 0.84 ms / timeout: no reply from b (100.64.0.2) seq=2
class PingReport {
 public:
  PingReport(PingMode mode, bool until_direct) : mode_(mode), until_direct_(until_direct) {}

  /// The text for one answer line, with its final newline; "" for a line with nothing to print
  /// (not JSON, or fields missing: an answer from another build may lack one).
  std::string add(std::string_view line);

  /// 0 when a pong came (with until_direct: a direct one), else 1.
  int exit_code() const;

  uint64_t received() const { return received_; }
  bool direct() const { return direct_; }

 private:
  std::string who_;          // "b (100.64.0.2)" of the last line
  std::string last_relay_;   // the relay code of the last relayed pong
  uint64_t received_ = 0;
  bool direct_ = false;
  PingMode mode_;
  bool until_direct_;
};

}  // namespace weft::node
