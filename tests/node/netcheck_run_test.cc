// weft netcheck's driver on loopback: one region answered by weft's STUN listener (on a loop in
// a thread of its own), one that never answers; the run ends when the core is done.
#define BOOST_TEST_MODULE netcheck_run
#include <boost/test/unit_test.hpp>

#include <boost/asio/post.hpp>

#include <chrono>
#include <thread>

#include "dataplane/loop.h"
#include "node/netcheck_run.h"
#include "relayserver/stun_listener.h"

using namespace weft;

namespace {

// 127.0.0.1 port 0 (the kernel picks; SocketAddress::parse wants a port of 1..65535).
core::SocketAddress loopback_any() { return core::SocketAddress{*util::IpAddress::parse("127.0.0.1"), 0}; }

control::RelayRegion region(uint16_t id, const char* code, const char* ip, uint16_t stun_port) {
  control::RelayNode n;
  n.name = std::string(code) + "1";
  n.host = ip;
  n.ipv4 = util::IpAddress::parse(ip);
  n.relay_port = 443;
  n.stun_port = stun_port;
  control::RelayRegion r;
  r.id = id;
  r.code = code;
  r.name = code;
  r.nodes = {n};
  return r;
}

// weft's STUN listener on 127.0.0.1, served by a thread until destruction.
struct StunThread {
  dataplane::Loop loop;
  std::unique_ptr<relayserver::StunListener> listener;
  std::thread thread;

  StunThread() {
    auto l = relayserver::StunListener::open(loop, loopback_any());
    BOOST_REQUIRE(l.ok());
    listener = std::move(*l);
    thread = std::thread([this] { loop.run(); });
  }
  ~StunThread() {
    boost::asio::post(loop.io(), [this] { loop.stop(); });
    thread.join();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(netcheck_run)

BOOST_AUTO_TEST_CASE(measures_a_local_region_and_gives_up_on_a_silent_one) {
  StunThread stun;
  // A silent region: a loopback port nobody listens on (bound here and left unread).
  auto silent = runtime::UdpSocket::bind(loopback_any());
  BOOST_REQUIRE(silent.ok());
  netcheck::Options options;
  options.probe_timeout = std::chrono::milliseconds(300);
  auto run = node::run_netcheck({region(1, "here", "127.0.0.1", stun.listener->port()),
                                 region(2, "gone", "127.0.0.1", silent->local_port())},
                                options);
  BOOST_REQUIRE(run.ok());
  const netcheck::Report& r = run->report;
  BOOST_TEST(r.udp);
  BOOST_TEST(r.global_v4->address.to_string() == "127.0.0.1");
  BOOST_TEST(r.preferred_region == 1);
  BOOST_TEST(!r.latency_of(2).has_value());
  BOOST_TEST(r.region_latencies.size() == 1u);
  // Done after the silent region's third try timed out: 200 ms + 300 ms, far below the budget.
  BOOST_TEST((run->elapsed >= std::chrono::milliseconds(500)));
  BOOST_TEST((run->elapsed < std::chrono::seconds(3)));
}

BOOST_AUTO_TEST_CASE(an_empty_map_returns_at_once) {
  auto run = node::run_netcheck({}, netcheck::Options{});
  BOOST_REQUIRE(run.ok());
  BOOST_TEST(!run->report.udp);
  BOOST_TEST((run->elapsed < std::chrono::seconds(1)));
}

BOOST_AUTO_TEST_SUITE_END()
