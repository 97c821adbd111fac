// MagicDNS's sockets (dns_server.h): the UDP listener, the TCP listener and its clients, and the
// forwards to upstreams (UDP for UDP clients, TCP for TCP clients, as RFC 7766 section 6.2.2
// lets a forwarder keep the client's transport). Per-operation state is shared with its
// handlers; the server itself outlives them (dns_server.h).
#include "node/dns_server.h"

#include <array>
#include <deque>
#include <list>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace weft::node {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxMessage = 65535;

asio::ip::address to_asio(const util::IpAddress& a) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b{};
    std::copy(a.bytes().begin(), a.bytes().begin() + 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b{};
  std::copy(a.bytes().begin(), a.bytes().end(), b.begin());
  return asio::ip::address_v6(b);
}

std::vector<uint8_t> framed(const std::vector<uint8_t>& message) {
  std::vector<uint8_t> out;
  out.reserve(message.size() + 2);
  out.push_back(static_cast<uint8_t>(message.size() >> 8));
  out.push_back(static_cast<uint8_t>(message.size()));
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

}  // namespace

struct DnsServer::Impl {
  using Reply = std::function<void(std::vector<uint8_t>)>;

  Impl(asio::io_context& io, DnsServerOptions o) : io(io), options(std::move(o)), udp_socket(io), acceptor(io) {}

  asio::io_context& io;
  DnsServerOptions options;
  dns::Resolver resolver;
  DnsServerCounters counters;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  std::array<uint8_t, kMaxMessage> udp_buffer{};
  udp::endpoint udp_from;
  std::size_t forwards = 0;
  std::size_t tcp_clients = 0;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // ---- UDP clients ----
  void receive_udp() {
    udp_socket.async_receive_from(
        asio::buffer(udp_buffer), udp_from, [this](const boost::system::error_code& ec, std::size_t n) {
          if (ec == asio::error::operation_aborted) return;
          if (!ec) {
            ++counters.udp_queries;
            const udp::endpoint client = udp_from;
            handle(core::ByteView{udp_buffer.data(), n}, true, [this, client](std::vector<uint8_t> answer) {
              auto bytes = std::make_shared<std::vector<uint8_t>>(std::move(answer));
              udp_socket.async_send_to(asio::buffer(*bytes), client,
                                       [bytes](const boost::system::error_code&, std::size_t) {});
            });
          }
          receive_udp();
        });
  }

  // One query from either transport: answered now, or forwarded and answered when it ends.
  void handle(core::ByteView query, bool over_udp, Reply reply) {
    dns::Decision d = resolver.handle(query, over_udp);
    switch (d.action) {
      case dns::Action::kDrop:
        return;
      case dns::Action::kAnswer:
        reply(std::move(d.answer));
        return;
      case dns::Action::kForward:
        break;
    }
    if (forwards >= options.max_forwards) {
      ++counters.forwards_refused;
      reply(resolver.upstream_failed(d.query, over_udp));
      return;
    }
    auto f = std::make_shared<Forward>(io);
    f->query = std::move(d.query);
    f->bytes.assign(query.data, query.data + query.size);
    f->upstreams = std::move(d.upstreams);
    f->udp = over_udp;
    f->reply = std::move(reply);
    ++forwards;
    try_upstream(f);
  }

  // ---- forwards ----
  struct Forward {
    explicit Forward(asio::io_context& io) : timer(io), udp_socket(io), tcp_socket(io) {}
    dns::Query query;
    std::vector<uint8_t> bytes;
    std::vector<util::IpAddress> upstreams;
    std::size_t next = 0;
    bool udp = true;
    bool done = false;
    uint64_t attempt = 0;  // handlers of an abandoned attempt see another number and stop
    Reply reply;
    asio::steady_timer timer;
    udp::socket udp_socket;
    tcp::socket tcp_socket;
    std::array<uint8_t, 2> length{};
    std::vector<uint8_t> answer;
  };
  using ForwardPtr = std::shared_ptr<Forward>;

  void finish(const ForwardPtr& f, std::vector<uint8_t> answer) {
    if (f->done) return;
    f->done = true;
    --forwards;
    f->timer.cancel();
    boost::system::error_code ignored;
    f->udp_socket.close(ignored);
    f->tcp_socket.close(ignored);
    f->reply(std::move(answer));
  }

  void try_upstream(const ForwardPtr& f) {
    boost::system::error_code ignored;
    f->udp_socket.close(ignored);
    f->tcp_socket.close(ignored);
    if (f->next >= f->upstreams.size()) {
      ++counters.upstream_failures;
      log("MagicDNS: no upstream answered " + f->query.question.name + "; answered SERVFAIL");
      finish(f, resolver.upstream_failed(f->query, f->udp));
      return;
    }
    const uint64_t attempt = ++f->attempt;
    const util::IpAddress upstream = f->upstreams[f->next++];
    f->timer.expires_after(options.upstream_timeout);
    f->timer.async_wait([this, f, attempt](const boost::system::error_code& ec) {
      if (ec || f->done || f->attempt != attempt) return;
      ++counters.upstream_timeouts;
      try_upstream(f);
    });
    if (f->udp)
      forward_udp(f, udp::endpoint(to_asio(upstream), options.upstream_port), attempt);
    else
      forward_tcp(f, tcp::endpoint(to_asio(upstream), options.upstream_port), attempt);
  }

  // Any error of one upstream moves to the next at once.
  void next_upstream(const ForwardPtr& f, uint64_t attempt) {
    if (f->done || f->attempt != attempt) return;
    try_upstream(f);
  }

  void forward_udp(const ForwardPtr& f, const udp::endpoint& to, uint64_t attempt) {
    boost::system::error_code ec;
    f->udp_socket.open(to.protocol(), ec);
    if (!ec) f->udp_socket.connect(to, ec);
    if (!ec) f->udp_socket.send(asio::buffer(f->bytes), 0, ec);
    if (ec) {
      asio::post(io, [this, f, attempt] { next_upstream(f, attempt); });
      return;
    }
    f->answer.resize(kMaxMessage);
    receive_upstream_udp(f, attempt);
  }

  void receive_upstream_udp(const ForwardPtr& f, uint64_t attempt) {
    f->udp_socket.async_receive(
        asio::buffer(f->answer), [this, f, attempt](const boost::system::error_code& ec, std::size_t n) {
          if (f->done || f->attempt != attempt) return;
          if (ec) {
            // ICMP port unreachable (ECONNREFUSED on a connected socket): this one is down.
            if (ec != asio::error::operation_aborted) next_upstream(f, attempt);
            return;
          }
          if (!dns::answers(f->query, core::ByteView{f->answer.data(), n})) {
            ++counters.unmatched_responses;  // late, spoofed or for another query: keep waiting
            receive_upstream_udp(f, attempt);
            return;
          }
          f->answer.resize(n);
          finish(f, std::move(f->answer));
        });
  }

  void forward_tcp(const ForwardPtr& f, const tcp::endpoint& to, uint64_t attempt) {
    f->tcp_socket.async_connect(to, [this, f, attempt](const boost::system::error_code& ec) {
      if (f->done || f->attempt != attempt) return;
      if (ec) {
        if (ec != asio::error::operation_aborted) next_upstream(f, attempt);
        return;
      }
      auto out = std::make_shared<std::vector<uint8_t>>(framed(f->bytes));
      asio::async_write(f->tcp_socket, asio::buffer(*out),
                        [this, f, attempt, out](const boost::system::error_code& wec, std::size_t) {
                          if (f->done || f->attempt != attempt) return;
                          if (wec) return next_upstream(f, attempt);
                          read_tcp_answer(f, attempt);
                        });
    });
  }

  void read_tcp_answer(const ForwardPtr& f, uint64_t attempt) {
    asio::async_read(f->tcp_socket, asio::buffer(f->length),
                     [this, f, attempt](const boost::system::error_code& ec, std::size_t) {
                       if (f->done || f->attempt != attempt) return;
                       if (ec) return next_upstream(f, attempt);
                       f->answer.resize(static_cast<std::size_t>(f->length[0] << 8 | f->length[1]));
                       asio::async_read(
                           f->tcp_socket, asio::buffer(f->answer),
                           [this, f, attempt](const boost::system::error_code& rec, std::size_t) {
                             if (f->done || f->attempt != attempt) return;
                             if (rec || !dns::answers(f->query, core::ByteView{f->answer.data(),
                                                                               f->answer.size()})) {
                               if (!rec) ++counters.unmatched_responses;
                               return next_upstream(f, attempt);
                             }
                             finish(f, std::move(f->answer));
                           });
                     });
  }

  // ---- TCP clients (RFC 7766): length-prefixed queries, answers written in completion order ----
  struct TcpClient {
    explicit TcpClient(asio::io_context& io) : socket(io), idle(io) {}
    tcp::socket socket;
    asio::steady_timer idle;
    std::array<uint8_t, 2> length{};
    std::vector<uint8_t> query;
    std::deque<std::vector<uint8_t>> out;  // framed answers not yet written
    bool writing = false;
    bool closed = false;
  };
  using ClientPtr = std::shared_ptr<TcpClient>;

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (tcp_clients >= options.max_tcp_clients) {
          ++counters.tcp_clients_refused;
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          auto c = std::make_shared<TcpClient>(io);
          c->socket = std::move(socket);
          ++tcp_clients;
          read_length(c);
        }
      }
      accept();
    });
  }

  void close(const ClientPtr& c) {
    if (c->closed) return;
    c->closed = true;
    --tcp_clients;
    c->idle.cancel();
    boost::system::error_code ignored;
    c->socket.close(ignored);
  }

  void arm_idle(const ClientPtr& c) {
    c->idle.expires_after(options.tcp_idle_timeout);
    c->idle.async_wait([this, c](const boost::system::error_code& ec) {
      if (!ec) close(c);
    });
  }

  void read_length(const ClientPtr& c) {
    arm_idle(c);
    asio::async_read(c->socket, asio::buffer(c->length),
                     [this, c](const boost::system::error_code& ec, std::size_t) {
                       if (c->closed) return;
                       if (ec) return close(c);
                       const std::size_t n = static_cast<std::size_t>(c->length[0] << 8 | c->length[1]);
                       if (n < dns::kHeaderSize) return close(c);
                       c->query.resize(n);
                       asio::async_read(c->socket, asio::buffer(c->query),
                                        [this, c](const boost::system::error_code& rec, std::size_t) {
                                          if (c->closed) return;
                                          if (rec) return close(c);
                                          ++counters.tcp_queries;
                                          handle(core::ByteView{c->query.data(), c->query.size()}, false,
                                                 [this, c](std::vector<uint8_t> answer) {
                                                   send_tcp(c, std::move(answer));
                                                 });
                                          read_length(c);  // pipelined queries (RFC 7766 6.2.1.1)
                                        });
                     });
  }

  void send_tcp(const ClientPtr& c, std::vector<uint8_t> answer) {
    if (c->closed) return;
    c->out.push_back(framed(answer));
    if (!c->writing) write_next(c);
  }

  void write_next(const ClientPtr& c) {
    if (c->closed || c->out.empty()) {
      c->writing = false;
      return;
    }
    c->writing = true;
    asio::async_write(c->socket, asio::buffer(c->out.front()),
                      [this, c](const boost::system::error_code& ec, std::size_t) {
                        if (c->closed) return;
                        if (ec) return close(c);
                        c->out.pop_front();
                        write_next(c);
                      });
  }
};

Result<std::unique_ptr<DnsServer>> DnsServer::start(asio::io_context& io,
                                                    const util::IpAddress& address, uint16_t port,
                                                    DnsServerOptions options) {
  auto impl = std::make_unique<Impl>(io, std::move(options));
  const asio::ip::address at = to_asio(address);
  boost::system::error_code ec;
  impl->udp_socket.open(at.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec) impl->udp_socket.bind(udp::endpoint(at, port), ec);
  if (ec)
    return make_error("dns.bind", "UDP " + address.to_string() + ":" + std::to_string(port) + ": " +
                                      ec.message());
  const uint16_t bound = impl->udp_socket.local_endpoint().port();
  impl->acceptor.open(at.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(tcp::endpoint(at, bound), ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error("dns.bind", "TCP " + address.to_string() + ":" + std::to_string(bound) + ": " +
                                      ec.message());
  impl->receive_udp();
  impl->accept();
  return std::unique_ptr<DnsServer>(new DnsServer(std::move(impl)));
}

DnsServer::DnsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DnsServer::~DnsServer() {
  boost::system::error_code ignored;
  impl_->udp_socket.close(ignored);
  impl_->acceptor.close(ignored);
}

void DnsServer::configure(dns::ResolverConfig config) { impl_->resolver.configure(std::move(config)); }
const dns::ResolverConfig& DnsServer::config() const { return impl_->resolver.config(); }
const dns::ResolverCounters& DnsServer::resolver_counters() const { return impl_->resolver.counters(); }
const DnsServerCounters& DnsServer::counters() const { return impl_->counters; }
uint16_t DnsServer::port() const { return impl_->udp_socket.local_endpoint().port(); }

}  // namespace weft::node
