// Name resolution for a single-threaded node loop: the loop's io_context runs without locks
// (dataplane::Loop), where Asio's async_resolve is not supported, and getaddrinfo(3) blocks. A
// short-lived thread resolves, and the answer reaches the loop through an eventfd it watches.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace boost::asio {
class io_context;
}

namespace weft::runtime {

/// Resolves `host` (a name or a literal address) and `port`; `done` is called once from `io`
/// (never inside this call) with the error or the endpoints. A literal address needs no thread.
/// `done` is called even when the caller no longer cares: it holds what it needs weakly.
void resolve_on_thread(
    boost::asio::io_context& io, const std::string& host, uint16_t port,
    std::function<void(const boost::system::error_code&,
                       std::vector<boost::asio::ip::tcp::endpoint>)> done);

}  // namespace weft::runtime
