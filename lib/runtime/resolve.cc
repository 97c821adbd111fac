// Resolution on a helper thread, completed on the loop through an eventfd (resolve.h).
#include "runtime/resolve.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace weft::runtime {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// What the thread hands back. The thread and the loop's wait each hold it.
struct Answer {
  ~Answer() {
    if (fd >= 0) ::close(fd);
  }
  std::mutex mu;
  boost::system::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  int fd = -1;  // the eventfd the thread writes once done
};

}  // namespace

void resolve_on_thread(
    asio::io_context& io, const std::string& host, uint16_t port,
    std::function<void(const boost::system::error_code&, std::vector<tcp::endpoint>)> done) {
  boost::system::error_code literal_ec;
  const auto literal = asio::ip::make_address(host, literal_ec);
  if (!literal_ec) {
    asio::post(io, [done = std::move(done), e = tcp::endpoint(literal, port)] {
      done({}, {e});
    });
    return;
  }
  auto answer = std::make_shared<Answer>();
  answer->fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const int watched = answer->fd >= 0 ? ::dup(answer->fd) : -1;
  if (watched < 0) {
    asio::post(io, [done = std::move(done)] {
      done(boost::system::error_code(errno, boost::system::system_category()), {});
    });
    return;
  }
  auto wait = std::make_shared<asio::posix::stream_descriptor>(io, watched);
  std::thread([answer, host, port] {
    asio::io_context local;  // sync resolution only: getaddrinfo on this thread
    tcp::resolver resolver(local);
    boost::system::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port), ec);
    {
      std::lock_guard<std::mutex> lock(answer->mu);
      answer->ec = ec;
      for (const auto& r : results) answer->endpoints.push_back(r.endpoint());
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(answer->fd, &one, sizeof one);
  }).detach();
  wait->async_wait(asio::posix::stream_descriptor::wait_read,
                   [answer, wait, done = std::move(done)](const boost::system::error_code& ec) {
                     std::lock_guard<std::mutex> lock(answer->mu);
                     done(ec ? ec : answer->ec, answer->endpoints);
                   });
}

}  // namespace weft::runtime
