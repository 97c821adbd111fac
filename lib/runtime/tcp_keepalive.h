// TCP keepalive with a bound on a dead connection's life: the control stream's both ends use it so
// that a peer whose path died silently is noticed in seconds, not after tcp_retries2 (minutes).
#pragma once

#include <chrono>

namespace weft::runtime {

/// SO_KEEPALIVE on `fd`: a probe after `idle` without traffic, then every `interval`, the
/// connection aborted after `probes` unanswered probes; TCP_USER_TIMEOUT set to the same total,
/// so data left unacknowledged in a dead path does not keep it alive either. Nothing when `idle`
/// is not positive. Best effort: a socket that refuses an option keeps the system's behaviour.
void set_tcp_keepalive(int fd, std::chrono::seconds idle, std::chrono::seconds interval,
                       int probes);

}  // namespace weft::runtime
