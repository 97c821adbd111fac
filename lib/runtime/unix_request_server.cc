// The local request server (unix_request_server.h): UnixListener for the file and its
// stale-socket handling, an Asio acceptor on a duplicate of its descriptor, SO_PEERCRED checked
// per client, one request line read, the handler's answer lines written in order, then a
// half-close and drain.
#include "runtime/unix_request_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/unix_listener.h"

namespace weft::runtime {
namespace {

namespace asio = boost::asio;
using stream_protocol = asio::local::stream_protocol;

constexpr std::size_t kReadChunk = 64 * 1024;
// After its answer a client has this long (at most limits.timeout) to close its side.
constexpr std::chrono::milliseconds kLinger{2000};

}  // namespace

std::string json_error(std::string_view code, std::string_view message) {
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

struct RequestClient {
  RequestClient(asio::io_context& io, stream_protocol::socket s)
      : socket(std::move(s)), timer(io) {}
  stream_protocol::socket socket;
  asio::steady_timer timer;
  std::string in;                // bytes read so far
  std::deque<std::string> out;   // answer lines not yet written; the front one is being written
  bool ended = false;            // the answer is complete
  bool writing = false;
};

struct UnixRequestState : std::enable_shared_from_this<UnixRequestState> {
  UnixRequestState(asio::io_context& io_context, UnixListener l, UnixRequestHandler h,
                   UnixRequestOptions o)
      : io(io_context), listener(std::move(l)), handler(std::move(h)), options(std::move(o)),
        acceptor(io_context) {}

  void accept();
  void on_accept(const boost::system::error_code& ec, stream_protocol::socket socket);
  /// (Re)starts the client's one timer: when it fires the client is dropped.
  void arm(uint64_t id, std::chrono::milliseconds after);
  void read(uint64_t id);
  void on_read(uint64_t id, std::size_t old_size, const boost::system::error_code& ec,
               std::size_t n);
  void line(uint64_t id, std::string text);
  void end(uint64_t id);
  void write_next(uint64_t id);
  /// Refuses the client with one error answer.
  void refuse(uint64_t id, const std::string& what, const std::string& message);
  void drain(uint64_t id);
  void finish(uint64_t id);
  RequestClient* find(uint64_t id) {
    auto it = clients.find(id);
    return it == clients.end() ? nullptr : it->second.get();
  }

  asio::io_context& io;
  UnixListener listener;  // owns the file: unlinked when the state goes
  UnixRequestHandler handler;
  UnixRequestOptions options;
  stream_protocol::acceptor acceptor;
  std::map<uint64_t, std::unique_ptr<RequestClient>> clients;
  uint64_t next_id = 0;
  bool accepting = false;
  UnixRequestCounters counters;
};

void UnixReply::line(std::string text) {
  if (auto s = state_.lock()) s->line(id_, std::move(text));
}

void UnixReply::end() {
  if (auto s = state_.lock()) s->end(id_);
}

bool UnixReply::open() const {
  auto s = state_.lock();
  RequestClient* c = s ? s->find(id_) : nullptr;
  return c != nullptr && !c->ended;
}

void UnixRequestState::accept() {
  if (accepting || clients.size() >= options.limits.max_clients) return;  // finish() resumes it
  accepting = true;
  acceptor.async_accept([weak = weak_from_this()](const boost::system::error_code& ec,
                                                  stream_protocol::socket socket) {
    if (auto s = weak.lock()) s->on_accept(ec, std::move(socket));
  });
}

void UnixRequestState::on_accept(const boost::system::error_code& ec,
                                 stream_protocol::socket socket) {
  accepting = false;
  if (ec == asio::error::operation_aborted) return;
  if (ec) {  // e.g. out of descriptors: the next client may fare better
    accept();
    return;
  }
  uint64_t id = next_id++;
  auto& c =
      *clients.emplace(id, std::make_unique<RequestClient>(io, std::move(socket))).first->second;
  arm(id, options.limits.timeout);
  // The file's 0600 mode already keeps others out; the peer's credentials are checked too, in
  // case the mode or the directory was loosened.
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(c.socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != 0 && cred.uid != ::geteuid())) {
    ++counters.refused_peer;
    std::string message = "uid " + std::to_string(cred.uid) + " may not use " + listener.path();
    if (!options.forbidden_hint.empty()) message += "; " + options.forbidden_hint;
    refuse(id, "forbidden", message);
  } else {
    read(id);
  }
  accept();
}

void UnixRequestState::arm(uint64_t id, std::chrono::milliseconds after) {
  RequestClient& c = *find(id);
  c.timer.expires_after(after);  // cancels the earlier wait, whose handler sees the abort
  c.timer.async_wait([weak = weak_from_this(), id](const boost::system::error_code& ec) {
    auto s = weak.lock();
    if (ec || !s || !s->find(id)) return;
    if (!s->find(id)->ended) ++s->counters.timeouts;
    s->finish(id);
  });
}

void UnixRequestState::read(uint64_t id) {
  RequestClient& c = *find(id);
  std::size_t old_size = c.in.size();
  c.in.resize(old_size + kReadChunk);
  c.socket.async_read_some(
      asio::buffer(c.in.data() + old_size, kReadChunk),
      [weak = weak_from_this(), id, old_size](const boost::system::error_code& ec, std::size_t n) {
        if (auto s = weak.lock()) s->on_read(id, old_size, ec, n);
      });
}

void UnixRequestState::on_read(uint64_t id, std::size_t old_size,
                               const boost::system::error_code& ec, std::size_t n) {
  RequestClient* c = find(id);
  if (c == nullptr) return;
  c->in.resize(old_size + n);
  auto newline = c->in.find('\n', old_size);
  bool eof = ec == asio::error::eof;
  if (ec && !eof) {
    finish(id);
    return;
  }
  std::size_t size = newline != std::string::npos ? newline : c->in.size();
  if (size > options.limits.max_request) {
    ++counters.oversized;
    refuse(id, "request_too_large",
           "requests are limited to " + std::to_string(options.limits.max_request) + " bytes");
    return;
  }
  if (newline == std::string::npos && !eof) {
    read(id);
    return;
  }
  if (size == 0 && eof) {  // connected and left without a request
    finish(id);
    return;
  }
  // A client that shuts down its side without a newline has still sent one request. The
  // handler gets a copy: an answer it ends at once starts the drain, which reuses `in`.
  ++counters.requests;
  const std::string request = c->in.substr(0, size);
  handler(request, UnixReply(weak_from_this(), id));
}

void UnixRequestState::refuse(uint64_t id, const std::string& what, const std::string& message) {
  line(id, json_error(options.code_prefix + "." + what, message));
  end(id);
}

void UnixRequestState::line(uint64_t id, std::string text) {
  RequestClient* c = find(id);
  if (c == nullptr || c->ended) return;
  text.push_back('\n');
  c->out.push_back(std::move(text));
  arm(id, options.limits.timeout);
  write_next(id);
}

void UnixRequestState::end(uint64_t id) {
  RequestClient* c = find(id);
  if (c == nullptr || c->ended) return;
  c->ended = true;
  arm(id, std::min(options.limits.timeout, kLinger));
  write_next(id);
}

void UnixRequestState::write_next(uint64_t id) {
  RequestClient& c = *find(id);
  if (c.writing) return;
  if (c.out.empty()) {
    if (!c.ended) return;
    boost::system::error_code ignored;
    c.socket.shutdown(stream_protocol::socket::shutdown_send, ignored);
    drain(id);
    return;
  }
  c.writing = true;
  asio::async_write(c.socket, asio::buffer(c.out.front()),
                    [weak = weak_from_this(), id](const boost::system::error_code& ec, std::size_t) {
                      auto s = weak.lock();
                      RequestClient* c = s ? s->find(id) : nullptr;
                      if (c == nullptr) return;
                      if (ec) {  // the client went away (EPIPE): the answer has nobody to read it
                        s->finish(id);
                        return;
                      }
                      c->writing = false;
                      c->out.pop_front();
                      s->write_next(id);
                    });
}

// Reading on to the client's EOF after answering: closing with unread input would reset the
// connection and could destroy the answer before the client reads it.
void UnixRequestState::drain(uint64_t id) {
  RequestClient& c = *find(id);
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

void UnixRequestState::finish(uint64_t id) {
  clients.erase(id);
  accept();
}

Result<std::unique_ptr<UnixRequestServer>> UnixRequestServer::open(asio::io_context& io,
                                                                   const std::string& path,
                                                                   UnixRequestHandler handler,
                                                                   UnixRequestOptions options) {
  auto listener = UnixListener::listen(path);
  if (!listener.ok()) return listener.error();
  const std::string listen_code = options.code_prefix + ".listen";
  // UnixListener's umask leaves 0700; the execute bit means nothing on a socket.
  if (::chmod(path.c_str(), 0600) != 0) {
    return make_error(listen_code, "chmod 0600 " + path + ": " + std::strerror(errno));
  }
  int fd = ::fcntl(listener->fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return make_error(listen_code, "dup " + path + ": " + std::strerror(errno));
  if (options.limits.max_clients == 0) options.limits.max_clients = 1;
  auto state = std::make_shared<UnixRequestState>(io, std::move(*listener), std::move(handler),
                                                  std::move(options));
  boost::system::error_code ec;
  state->acceptor.assign(stream_protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return make_error(listen_code, "cannot watch " + path + ": " + ec.message());
  }
  state->accept();
  return std::unique_ptr<UnixRequestServer>(new UnixRequestServer(std::move(state)));
}

UnixRequestServer::UnixRequestServer(std::shared_ptr<UnixRequestState> state)
    : state_(std::move(state)) {}

UnixRequestServer::~UnixRequestServer() {
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->clients.clear();
}

const std::string& UnixRequestServer::path() const { return state_->listener.path(); }

const UnixRequestCounters& UnixRequestServer::counters() const { return state_->counters; }

}  // namespace weft::runtime
