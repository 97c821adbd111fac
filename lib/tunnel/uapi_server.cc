// The UAPI server on the node loop (see uapi_server.h): Asio local stream sockets per client,
// at most one read and one write outstanding each, and one deadline timer for idle clients.
#include "tunnel/uapi_server.h"

#include <poll.h>

#include <array>
#include <vector>


#include "runtime/sys_error.h"

namespace weft::tunnel {
namespace {

// Bytes per read; with the default limits, 2 MiB of read buffers at most.
constexpr std::size_t kReadChunk = 16 * 1024;
// Answers not yet written beyond which a client's further requests wait (and, through the
// socket buffers, so does the client): one that pipelines gets without reading the answers
// cannot make the server hold unbounded output.
constexpr std::size_t kMaxPendingAnswers = 1 << 20;
// After an accept error other than "none pending" (e.g. EMFILE), accepting resumes this much
// later rather than spinning on a listener that stays readable.
constexpr std::chrono::milliseconds kAcceptRetry{100};

// True when a connection waits in the listen backlog.
bool connection_pending(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

}  // namespace

struct UapiServer::Client {
  Client(boost::asio::io_context& io, core::Duration now) : socket(io), last_active(now) {}
  boost::asio::local::stream_protocol::socket socket;
  UapiRequestReader reader;
  std::array<char, kReadChunk> in{};
  std::string out;             // answers not yet handed to the socket
  std::string writing;         // answers being written, writing[written..] still to go
  std::size_t written = 0;
  bool write_pending = false;  // a write is in flight
  core::Duration last_active;  // the accept, or the last byte read or written
  bool reading = false;        // a read is in flight

  std::size_t unwritten() const { return out.size() + writing.size() - written; }
  bool eof = false;            // the client shut down its side: answer what is complete, close
  bool closing = false;        // the stream is finished (garbage, endless request): flush, close
};

Result<std::unique_ptr<UapiServer>> UapiServer::open(dataplane::Loop& loop,
                                                      const std::string& path,
                                                      UapiHandler& handler,
                                                      std::function<void()> on_removed,
                                                      UapiServerLimits limits) {
  auto listener = runtime::UnixListener::listen(path);
  if (!listener.ok()) return listener.error();
  auto watch = runtime::PathWatch::create(listener->path());
  if (!watch.ok()) return watch.error();
  std::unique_ptr<UapiServer> server(new UapiServer(loop, std::move(*listener), std::move(*watch),
                                                    handler, std::move(on_removed), limits));
  return server;
}

UapiServer::UapiServer(dataplane::Loop& loop, runtime::UnixListener listener,
                       runtime::PathWatch watch, UapiHandler& handler,
                       std::function<void()> on_removed, UapiServerLimits limits)
    : loop_(loop),
      listener_(std::move(listener)),
      watch_(std::move(watch)),
      handler_(handler),
      on_removed_(std::move(on_removed)),
      limits_(limits),
      timer_(loop, [this] { on_timer(); }) {
  if (limits_.max_clients == 0) limits_.max_clients = 1;
  if (limits_.evict_after <= std::chrono::milliseconds::zero()) {
    limits_.evict_after = std::chrono::milliseconds{1};
  }
  accept_watch_.emplace(loop_, listener_.fd(), [this] { return on_accept(); });
  file_watch_.emplace(loop_, watch_.fd(), [this] { return on_watch(); });
  accept_watch_->start();
  file_watch_->start();
}

UapiServer::~UapiServer() {
  accept_watch_.reset();
  file_watch_.reset();
  timer_.cancel();
  clients_.clear();
}

bool UapiServer::on_accept() {
  while (true) {
    if (clients_.size() >= limits_.max_clients) {
      // Make room only for someone actually waiting, and only at an idle client's expense.
      if (!connection_pending(listener_.fd())) return false;
      if (!evict_idlest(now())) {
        pause_accepting(std::nullopt);
        return false;
      }
    }
    auto fd = listener_.accept();
    if (!fd.ok()) {
      if (!runtime::is_would_block(fd.error())) pause_accepting(now() + kAcceptRetry);
      return false;
    }
    auto c = std::make_unique<Client>(loop_.io(), now());
    boost::system::error_code ec;
    c->socket.assign(boost::asio::local::stream_protocol(), fd->get(), ec);
    if (ec) continue;     // closed by the UniqueFd
    (void)fd->release();  // the socket owns it now
    uint64_t id = next_id_++;
    Client& added = *clients_.emplace(id, std::move(c)).first->second;
    start_read(id, added);
    arm_timer();
  }
}

bool UapiServer::on_watch() {
  if (watch_.consume_removed() && on_removed_) {
    auto notify = std::move(on_removed_);
    on_removed_ = nullptr;
    notify();
  }
  return false;
}

void UapiServer::pause_accepting(std::optional<core::Duration> retry_at) {
  accept_paused_ = true;
  accept_retry_at_ = retry_at;
  accept_watch_->stop();
  arm_timer();
}

bool UapiServer::evict_idlest(core::Duration now) {
  auto idlest = clients_.end();
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    if (idlest == clients_.end() || it->second->last_active < idlest->second->last_active) {
      idlest = it;
    }
  }
  if (idlest == clients_.end() || now - idlest->second->last_active < limits_.evict_after) {
    return false;
  }
  ++idle_closed_;
  close(idlest->first);
  return true;
}

void UapiServer::on_timer() {
  core::Duration t = now();
  std::vector<uint64_t> idle;
  for (const auto& [id, c] : clients_) {
    if (t - c->last_active >= limits_.idle_timeout) idle.push_back(id);
  }
  idle_closed_ += idle.size();
  for (uint64_t id : idle) close(id);
  if (accept_paused_ && (!accept_retry_at_ || t >= *accept_retry_at_)) {
    accept_paused_ = false;
    accept_retry_at_.reset();
    // The backlog may hold connections whose readiness edge passed while the watch was
    // stopped, so accept before waiting for a new one.
    if (!on_accept() && !accept_paused_) accept_watch_->start();
  }
  arm_timer();
}

void UapiServer::arm_timer() {
  std::optional<core::Duration> next;
  auto earliest = [&next](core::Duration d) {
    if (!next || d < *next) next = d;
  };
  std::optional<core::Duration> idlest;
  for (const auto& [id, c] : clients_) {
    earliest(c->last_active + limits_.idle_timeout);
    if (!idlest || c->last_active < *idlest) idlest = c->last_active;
  }
  if (accept_paused_) {
    if (accept_retry_at_) {
      earliest(*accept_retry_at_);
    } else if (idlest) {
      earliest(*idlest + limits_.evict_after);
    }
  }
  timer_.arm(next);
}

// Handlers capture the client's id, never its address: a client closed meanwhile is simply
// not found (and a closed socket's pending operations complete as aborted).
void UapiServer::pump(uint64_t id) {
  Client& c = *clients_.at(id);
  bool need_more = false;
  std::string body;
  while (!c.closing && c.unwritten() < kMaxPendingAnswers) {
    auto st = c.reader.next(&body);
    if (st == UapiRequestReader::Status::kNeedMore) {
      need_more = true;
      break;
    }
    ++requests_;
    if (st == UapiRequestReader::Status::kGet) {
      c.out += handler_.get();
    } else if (st == UapiRequestReader::Status::kSet) {
      c.out += handler_.set(body);
    } else {
      c.out += format_refusal(st);
    }
    if (c.reader.finished()) c.closing = true;
  }
  start_write(id, c);
  if (c.closing || (c.eof && need_more)) {  // no further request will come
    if (c.unwritten() == 0) close(id);
    return;
  }
  // A full answer backlog leaves the read unissued; the write's completion pumps again.
  if (need_more && !c.eof && !c.reading) start_read(id, c);
}

void UapiServer::start_read(uint64_t id, Client& c) {
  c.reading = true;
  c.socket.async_read_some(
      boost::asio::buffer(c.in), [this, id](const boost::system::error_code& ec, std::size_t n) {
        if (ec == boost::asio::error::operation_aborted) return;
        auto it = clients_.find(id);
        if (it == clients_.end()) return;
        Client& c = *it->second;
        c.reading = false;
        if (n > 0) {
          c.reader.feed(std::string_view(c.in.data(), n));
          c.last_active = now();
        }
        if (ec) c.eof = true;
        pump(id);
      });
}

// One write_some at a time rather than async_write, so every partial write counts as activity:
// a large answer to a slow reader is progress, not idling.
void UapiServer::start_write(uint64_t id, Client& c) {
  if (c.write_pending) return;  // its completion sends the rest
  if (c.written == c.writing.size()) {
    if (c.out.empty()) return;
    c.writing.clear();
    c.writing.swap(c.out);
    c.written = 0;
  }
  c.write_pending = true;
  c.socket.async_write_some(
      boost::asio::buffer(c.writing.data() + c.written, c.writing.size() - c.written),
      [this, id](const boost::system::error_code& ec, std::size_t n) {
        if (ec == boost::asio::error::operation_aborted) return;
        auto it = clients_.find(id);
        if (it == clients_.end()) return;
        Client& c = *it->second;
        c.write_pending = false;
        if (ec) {
          close(id);  // the client went away
          return;
        }
        c.written += n;
        c.last_active = now();
        pump(id);
      });
}

void UapiServer::close(uint64_t id) {
  clients_.erase(id);
  // A slot freed: let waiting connections in (from the timer, outside any client handler).
  if (accept_paused_ && !accept_retry_at_) timer_.arm(now());
}

}  // namespace weft::tunnel
