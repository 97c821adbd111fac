// The UAPI server on the node loop (see uapi_server.h): Asio local stream sockets per client,
// one read and at most one write outstanding each.
#include "tunnel/uapi_server.h"

#include <boost/asio/write.hpp>

namespace weft::tunnel {
namespace {

// Concurrent UAPI connections; more are refused so a local client cannot exhaust descriptors.
constexpr std::size_t kMaxClients = 32;
constexpr std::size_t kReadChunk = 4096;

}  // namespace

struct UapiServer::Client {
  explicit Client(boost::asio::io_context& io) : socket(io) {}
  boost::asio::local::stream_protocol::socket socket;
  UapiRequestReader reader;
  std::array<char, kReadChunk> in{};
  std::string out;      // answers not yet handed to the socket
  std::string writing;  // the answer bytes of the write in flight
  bool eof = false;     // the client shut down its side: answer, then close
};

Result<std::unique_ptr<UapiServer>> UapiServer::open(dataplane::Loop& loop,
                                                      const std::string& path,
                                                      UapiHandler& handler,
                                                      std::function<void()> on_removed) {
  auto listener = runtime::UnixListener::listen(path);
  if (!listener.ok()) return listener.error();
  auto watch = runtime::PathWatch::create(listener->path());
  if (!watch.ok()) return watch.error();
  std::unique_ptr<UapiServer> server(new UapiServer(loop, std::move(*listener), std::move(*watch),
                                                    handler, std::move(on_removed)));
  return server;
}

UapiServer::UapiServer(dataplane::Loop& loop, runtime::UnixListener listener,
                       runtime::PathWatch watch, UapiHandler& handler,
                       std::function<void()> on_removed)
    : loop_(loop),
      listener_(std::move(listener)),
      watch_(std::move(watch)),
      handler_(handler),
      on_removed_(std::move(on_removed)) {
  accept_watch_.emplace(loop_, listener_.fd(), [this] { return on_accept(); });
  file_watch_.emplace(loop_, watch_.fd(), [this] { return on_watch(); });
  accept_watch_->start();
  file_watch_->start();
}

UapiServer::~UapiServer() {
  accept_watch_.reset();
  file_watch_.reset();
  clients_.clear();
}

bool UapiServer::on_accept() {
  while (true) {
    auto fd = listener_.accept();
    if (!fd.ok()) return false;
    if (clients_.size() >= kMaxClients) continue;  // closed by the UniqueFd
    auto c = std::make_unique<Client>(loop_.io());
    boost::system::error_code ec;
    c->socket.assign(boost::asio::local::stream_protocol(), fd->get(), ec);
    if (ec) continue;
    (void)fd->release();  // the socket owns it now
    uint64_t id = next_id_++;
    clients_.emplace(id, std::move(c));
    read(id);
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

// Handlers capture the client's id, never its address: a client closed meanwhile is simply
// not found (and a closed socket's pending operations complete as aborted).
void UapiServer::read(uint64_t id) {
  Client& c = *clients_.at(id);
  c.socket.async_read_some(
      boost::asio::buffer(c.in), [this, id](const boost::system::error_code& ec, std::size_t n) {
        if (ec == boost::asio::error::operation_aborted) return;
        auto it = clients_.find(id);
        if (it == clients_.end()) return;
        Client& c = *it->second;
        if (n > 0) c.reader.feed(std::string_view(c.in.data(), n));
        if (ec) c.eof = true;
        if (!answer(id, c)) return;  // an invalid request closed it
        write(id);
        if (clients_.find(id) == clients_.end()) return;
        if (!c.eof) read(id);
      });
}

bool UapiServer::answer(uint64_t id, Client& c) {
  std::string body;
  while (true) {
    auto st = c.reader.next(&body);
    if (st == UapiRequestReader::Status::kNeedMore) return true;
    if (st == UapiRequestReader::Status::kInvalid) {
      close(id);
      return false;
    }
    ++requests_;
    c.out += st == UapiRequestReader::Status::kGet ? handler_.get() : handler_.set(body);
  }
}

void UapiServer::write(uint64_t id) {
  Client& c = *clients_.at(id);
  if (!c.writing.empty()) return;  // the completion sends the rest
  if (c.out.empty()) {
    if (c.eof) close(id);
    return;
  }
  c.writing.swap(c.out);
  boost::asio::async_write(c.socket, boost::asio::buffer(c.writing),
                           [this, id](const boost::system::error_code& ec, std::size_t) {
                             if (ec == boost::asio::error::operation_aborted) return;
                             auto it = clients_.find(id);
                             if (it == clients_.end()) return;
                             it->second->writing.clear();
                             if (ec) {
                               close(id);  // the client went away
                               return;
                             }
                             write(id);
                           });
}

void UapiServer::close(uint64_t id) { clients_.erase(id); }

}  // namespace weft::tunnel
