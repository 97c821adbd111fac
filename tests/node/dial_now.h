// Test helper: one dial through node::ControlDialer, run on the caller's io_context until it
// completes (the server under test may share that io_context).
#pragma once

#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include "node/control_dial.h"
#include "serve/test_io.h"

namespace weft::test {

inline node::DialResult dial_now(boost::asio::io_context& io, const std::string& url,
                                 node::DialOptions options = {}) {
  auto dialer = node::ControlDialer::create(io, url, std::move(options));
  BOOST_REQUIRE_MESSAGE(dialer.ok(), (dialer.ok() ? std::string() : dialer.error().detail));
  std::optional<node::DialResult> out;
  (*dialer)->dial([&](node::DialResult r) { out = std::move(r); });
  BOOST_REQUIRE(run_until(io, [&] { return out.has_value(); }));
  return std::move(*out);
}

}  // namespace weft::test
