// The admin socket (admin_socket.h): runtime::UnixListener for the file and its stale-socket
// handling, an Asio acceptor on a duplicate of its descriptor, SO_PEERCRED checked per client,
// one request line read, the handler's answer written, then a half-close and drain.
#include "serve/admin_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/unix_listener.h"

namespace weft::serve {
namespace {

namespace asio = boost::asio;
using stream_protocol = asio::local::stream_protocol;

constexpr std::size_t kReadChunk = 64 * 1024;
// After its answer a client has this long (at most limits.timeout) to close its side.
constexpr std::chrono::milliseconds kLinger{2000};

}  // namespace

std::string admin_error_json(std::string_view code, std::string_view message) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

struct AdminClient {
  AdminClient(asio::io_context& io, stream_protocol::socket s)
      : socket(std::move(s)), timer(io) {}
  stream_protocol::socket socket;
  asio::steady_timer timer;
  std::string in;   // bytes read so far
  std::string out;  // the answer
  bool answered = false;
};

struct AdminState : std::enable_shared_from_this<AdminState> {
  AdminState(asio::io_context& io_context, runtime::UnixListener l, AdminHandler h,
             AdminSocketLimits lim)
      : io(io_context), listener(std::move(l)), handler(std::move(h)), limits(lim),
        acceptor(io_context) {}

  void accept();
  void on_accept(const boost::system::error_code& ec, stream_protocol::socket socket);
  /// (Re)starts the client's one timer: when it fires the client is dropped.
  void arm(uint64_t id, std::chrono::milliseconds after);
  void read(uint64_t id);
  void on_read(uint64_t id, std::size_t old_size, const boost::system::error_code& ec,
               std::size_t n);
  void answer(uint64_t id, std::string json);
  void drain(uint64_t id);
  void finish(uint64_t id);
  AdminClient* find(uint64_t id) {
    auto it = clients.find(id);
    return it == clients.end() ? nullptr : it->second.get();
  }

  asio::io_context& io;
  runtime::UnixListener listener;  // owns the file: unlinked when the state goes
  AdminHandler handler;
  AdminSocketLimits limits;
  stream_protocol::acceptor acceptor;
  std::map<uint64_t, std::unique_ptr<AdminClient>> clients;
  uint64_t next_id = 0;
  bool accepting = false;
  AdminSocketCounters counters;
};

void AdminState::accept() {
  if (accepting || clients.size() >= limits.max_clients) return;  // finish() resumes it
  accepting = true;
  acceptor.async_accept([weak = weak_from_this()](const boost::system::error_code& ec,
                                                  stream_protocol::socket socket) {
    if (auto s = weak.lock()) s->on_accept(ec, std::move(socket));
  });
}

void AdminState::on_accept(const boost::system::error_code& ec, stream_protocol::socket socket) {
  accepting = false;
  if (ec == asio::error::operation_aborted) return;
  if (ec) {  // e.g. out of descriptors: the next client may fare better
    accept();
    return;
  }
  uint64_t id = next_id++;
  auto& c = *clients.emplace(id, std::make_unique<AdminClient>(io, std::move(socket))).first->second;
  arm(id, limits.timeout);
  // The file's 0600 mode already keeps others out; the peer's credentials are checked too, in
  // case the mode or the directory was loosened.
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(c.socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != 0 && cred.uid != ::geteuid())) {
    ++counters.refused_peer;
    answer(id, admin_error_json("admin.forbidden",
                                "uid " + std::to_string(cred.uid) +
                                    " may not use the admin socket; run weft admin as root or as "
                                    "the user that runs weft serve"));
  } else {
    read(id);
  }
  accept();
}

void AdminState::arm(uint64_t id, std::chrono::milliseconds after) {
  AdminClient& c = *find(id);
  c.timer.expires_after(after);  // cancels the earlier wait, whose handler sees the abort
  c.timer.async_wait([weak = weak_from_this(), id](const boost::system::error_code& ec) {
    auto s = weak.lock();
    if (ec || !s || !s->find(id)) return;
    if (!s->find(id)->answered) ++s->counters.timeouts;
    s->finish(id);
  });
}

void AdminState::read(uint64_t id) {
  AdminClient& c = *find(id);
  std::size_t old_size = c.in.size();
  c.in.resize(old_size + kReadChunk);
  c.socket.async_read_some(
      asio::buffer(c.in.data() + old_size, kReadChunk),
      [weak = weak_from_this(), id, old_size](const boost::system::error_code& ec, std::size_t n) {
        if (auto s = weak.lock()) s->on_read(id, old_size, ec, n);
      });
}

void AdminState::on_read(uint64_t id, std::size_t old_size, const boost::system::error_code& ec,
                         std::size_t n) {
  AdminClient* c = find(id);
  if (c == nullptr) return;
  c->in.resize(old_size + n);
  auto newline = c->in.find('\n', old_size);
  bool eof = ec == asio::error::eof;
  if (ec && !eof) {
    finish(id);
    return;
  }
  std::size_t line = newline != std::string::npos ? newline : c->in.size();
  if (line > kMaxAdminRequest) {
    ++counters.oversized;
    answer(id, admin_error_json("admin.request_too_large",
                                "requests are limited to " + std::to_string(kMaxAdminRequest) +
                                    " bytes"));
    return;
  }
  if (newline == std::string::npos && !eof) {
    read(id);
    return;
  }
  if (line == 0 && eof) {  // connected and left without a request
    finish(id);
    return;
  }
  // A client that shuts down its side without a newline has still sent one request.
  ++counters.requests;
  answer(id, handler(std::string_view(c->in.data(), line)));
}

void AdminState::answer(uint64_t id, std::string json) {
  AdminClient& c = *find(id);
  c.answered = true;
  arm(id, std::min(limits.timeout, kLinger));
  c.out = std::move(json);
  if (c.out.empty() || c.out.back() != '\n') c.out.push_back('\n');
  asio::async_write(c.socket, asio::buffer(c.out),
                    [weak = weak_from_this(), id](const boost::system::error_code& ec, std::size_t) {
                      auto s = weak.lock();
                      if (!s || !s->find(id)) return;
                      if (ec) {
                        s->finish(id);
                        return;
                      }
                      boost::system::error_code ignored;
                      s->find(id)->socket.shutdown(stream_protocol::socket::shutdown_send, ignored);
                      s->drain(id);
                    });
}

// Reading on to the client's EOF after answering: closing with unread input would reset the
// connection and could destroy the answer before the client reads it.
void AdminState::drain(uint64_t id) {
  AdminClient& c = *find(id);
  c.in.resize(kReadChunk);
  c.socket.async_read_some(asio::buffer(c.in),
                           [weak = weak_from_this(), id](const boost::system::error_code& ec,
                                                         std::size_t) {
                             auto s = weak.lock();
                             if (!s || !s->find(id)) return;
                             if (ec) {
                               s->finish(id);
                             } else {
                               s->drain(id);
                             }
                           });
}

void AdminState::finish(uint64_t id) {
  clients.erase(id);
  accept();
}

Result<std::unique_ptr<AdminSocket>> AdminSocket::open(asio::io_context& io,
                                                       const std::string& path,
                                                       AdminHandler handler,
                                                       AdminSocketLimits limits) {
  auto listener = runtime::UnixListener::listen(path);
  if (!listener.ok()) return listener.error();
  // UnixListener's umask leaves 0700; the execute bit means nothing on a socket.
  if (::chmod(path.c_str(), 0600) != 0) {
    return make_error("admin.listen", "chmod 0600 " + path + ": " + std::strerror(errno));
  }
  int fd = ::fcntl(listener->fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return make_error("admin.listen", "dup " + path + ": " + std::strerror(errno));
  if (limits.max_clients == 0) limits.max_clients = 1;
  auto state = std::make_shared<AdminState>(io, std::move(*listener), std::move(handler), limits);
  boost::system::error_code ec;
  state->acceptor.assign(stream_protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return make_error("admin.listen", "cannot watch " + path + ": " + ec.message());
  }
  state->accept();
  return std::unique_ptr<AdminSocket>(new AdminSocket(std::move(state)));
}

AdminSocket::AdminSocket(std::shared_ptr<AdminState> state) : state_(std::move(state)) {}

AdminSocket::~AdminSocket() {
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->clients.clear();
}

const std::string& AdminSocket::path() const { return state_->listener.path(); }

const AdminSocketCounters& AdminSocket::counters() const { return state_->counters; }

}  // namespace weft::serve
