#define BOOST_TEST_MODULE dataplane_loop
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>

#include "dataplane/loop.h"
#include "dataplane/loop_watchdog.h"

using namespace weft;
using namespace std::chrono_literals;

namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { BOOST_REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0); }
  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
};

using dataplane::test::Watchdog;

}  // namespace

BOOST_AUTO_TEST_SUITE(loop)

BOOST_AUTO_TEST_CASE(read_watch_comes_back_without_new_data_when_the_callback_asks) {
  dataplane::Loop loop;
  Pipe p;
  BOOST_REQUIRE(::write(p.fds[1], "abcde", 5) == 5);
  int calls = 0;
  std::string got;
  dataplane::ReadWatch watch(loop, p.fds[0], [&] {
    ++calls;
    char c;
    if (::read(p.fds[0], &c, 1) == 1) got += c;
    if (got.size() == 5) {
      loop.stop();
      return false;
    }
    return true;  // one byte per call: the rest must be read without another edge
  });
  watch.start();
  Watchdog dog(loop, 2000ms);
  loop.run();
  BOOST_TEST(got == "abcde");
  BOOST_TEST(calls == 5);
}

BOOST_AUTO_TEST_CASE(read_watch_waits_for_new_data_and_stops_calling_after_stop) {
  dataplane::Loop loop;
  Pipe p;
  int calls = 0;
  dataplane::ReadWatch watch(loop, p.fds[0], [&] {
    ++calls;
    char buf[16];
    while (::read(p.fds[0], buf, sizeof buf) > 0) {
    }
    return false;
  });
  watch.start();
  boost::asio::steady_timer later(loop.io(), 20ms);
  later.async_wait([&](const boost::system::error_code&) {
    BOOST_REQUIRE(::write(p.fds[1], "x", 1) == 1);
    later.expires_after(50ms);
    later.async_wait([&](const boost::system::error_code&) {
      watch.stop();
      BOOST_REQUIRE(::write(p.fds[1], "y", 1) == 1);  // after stop: no call
      later.expires_after(50ms);
      later.async_wait([&](const boost::system::error_code&) { loop.stop(); });
    });
  });
  Watchdog dog(loop, 2000ms);
  loop.run();
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(deadline_timer_moves_only_earlier_and_fires_once) {
  dataplane::Loop loop;
  std::optional<core::Duration> fired_at;
  int fires = 0;
  dataplane::DeadlineTimer timer(loop, [&] {
    ++fires;
    fired_at = loop.clock().now().mono;
  });
  core::Duration start = loop.clock().now().mono;
  timer.arm(start + 200ms);
  timer.arm(start + 400ms);  // later: ignored
  BOOST_TEST((timer.armed() == start + 200ms));
  timer.arm(start + 30ms);  // earlier: moves
  BOOST_TEST((timer.armed() == start + 30ms));
  timer.arm(std::nullopt);  // none: the armed timer stays
  boost::asio::steady_timer end(loop.io(), 300ms);
  end.async_wait([&](const boost::system::error_code&) { loop.stop(); });
  loop.run();
  BOOST_TEST(fires == 1);
  BOOST_REQUIRE(fired_at.has_value());
  BOOST_TEST((*fired_at >= start + 30ms));
  BOOST_TEST(!timer.armed().has_value());
}

BOOST_AUTO_TEST_CASE(cancelled_deadline_timer_does_not_fire) {
  dataplane::Loop loop;
  int fires = 0;
  dataplane::DeadlineTimer timer(loop, [&] { ++fires; });
  timer.arm(loop.clock().now().mono + 10ms);
  timer.cancel();
  boost::asio::steady_timer end(loop.io(), 60ms);
  end.async_wait([&](const boost::system::error_code&) { loop.stop(); });
  loop.run();
  BOOST_TEST(fires == 0);
}

BOOST_AUTO_TEST_SUITE_END()
