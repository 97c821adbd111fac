// Build-time guard: the control client headers must compile as C++17, because ns-3 units will
// drive the client. Compiled with CXX_STANDARD 17.
#include "controlclient/backoff.h"
#include "controlclient/client.h"
#include "controlclient/netmap.h"

namespace weft::controlclient {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(Client& client, core::Random& rng) {
  const core::Now now{};
  Backoff backoff(std::chrono::seconds(1), std::chrono::seconds(60), std::chrono::seconds(1));
  const core::Duration delay =
      backoff.next(Retry::kUnreachable, 7) + equal_jitter(std::chrono::seconds(2), 7);
  if (client.wants_connection(now)) (void)client.connected(now, rng);
  Transmit t;
  Event e;
  const bool polled = client.poll_transmit(t) || client.poll_event(e);
  NetMap map;
  auto change = apply_delta(map, control::MapDelta{});
  return polled && delay > core::Duration::zero() && !change.ok() &&
         client.next_deadline().has_value() && to_string(client.state()) != nullptr &&
         to_string(EventKind::kKeyRotated) != nullptr && client.netmap().peers.empty();
}

}  // namespace weft::controlclient
