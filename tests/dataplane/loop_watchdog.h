// Test helper for tests/dataplane: stops a node loop after a limit in case a test's own stop
// never comes, so the test fails on its assertions instead of hanging.
#pragma once

#include <chrono>

#include <boost/asio/steady_timer.hpp>

#include "dataplane/loop.h"

namespace weft::dataplane::test {

struct Watchdog {
  boost::asio::steady_timer timer;
  Watchdog(Loop& loop, std::chrono::milliseconds after) : timer(loop.io(), after) {
    timer.async_wait([&loop](const boost::system::error_code& ec) {
      if (!ec) loop.stop();
    });
  }
};

}  // namespace weft::dataplane::test
