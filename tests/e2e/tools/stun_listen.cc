// weft_stun_listen ADDR:PORT: runs weft's STUN listener (lib/relayserver/stun_listener.h) alone
// until SIGINT/SIGTERM, for the netcheck e2e test (coturn's turnutils_stunclient against it) until
// `weft derp --stun-port` starts it. Prints "listening" once bound and its counters on exit.
#include <csignal>
#include <cstdio>

#include <boost/asio/signal_set.hpp>

#include "dataplane/loop.h"
#include "relayserver/stun_listener.h"

int main(int argc, char** argv) {
  using namespace weft;
  const auto local = argc == 2 ? core::SocketAddress::parse(argv[1]) : std::nullopt;
  if (!local) {
    std::fprintf(stderr, "usage: weft_stun_listen ADDR:PORT\n");
    return 2;
  }
  dataplane::Loop loop;
  auto listener = relayserver::StunListener::open(loop, *local);
  if (!listener.ok()) {
    std::fprintf(stderr, "weft_stun_listen: %s: %s\n", listener.error().code.c_str(),
                 listener.error().detail.c_str());
    return 1;
  }
  boost::asio::signal_set signals(loop.io(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { loop.stop(); });
  std::printf("listening on %s port %u\n", local->to_string().c_str(), (*listener)->port());
  std::fflush(stdout);
  loop.run();
  const auto& s = (*listener)->stats();
  std::printf("datagrams_in %llu answers_sent %llu send_failures %llu requests %llu\n",
              static_cast<unsigned long long>(s.datagrams_in),
              static_cast<unsigned long long>(s.answers_sent),
              static_cast<unsigned long long>(s.send_failures),
              static_cast<unsigned long long>(s.server.requests));
  for (std::size_t i = 1; i < stun::kDropReasonCount; ++i) {
    std::printf("drop %s %llu\n", stun::to_string(static_cast<stun::DropReason>(i)),
                static_cast<unsigned long long>(s.server.drops[i]));
  }
  return 0;
}
