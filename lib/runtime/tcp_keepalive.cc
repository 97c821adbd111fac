// TCP keepalive options (tcp_keepalive.h).
#include "runtime/tcp_keepalive.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>

namespace weft::runtime {

void set_tcp_keepalive(int fd, std::chrono::seconds idle_s, std::chrono::seconds interval_s,
                       int probes_n) {
  if (idle_s.count() <= 0) return;
  const int on = 1;
  const int idle = static_cast<int>(idle_s.count());
  const int interval = static_cast<int>(std::max<int64_t>(1, interval_s.count()));
  const int probes = std::max(1, probes_n);
  // Without it, data left unacknowledged (a keepalive message sent into the dead path) would
  // keep the connection in retransmissions for the system's tcp_retries2 (about 15 minutes).
  const unsigned user_timeout = static_cast<unsigned>(idle + interval * probes) * 1000u;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
}

}  // namespace weft::runtime
