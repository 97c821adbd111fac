// MagicDNS's sockets on loopback: tailnet names answered over UDP and over TCP (two pipelined
// queries on one connection), outside names forwarded to a fake upstream and its answer
// relayed, a silent upstream answered SERVFAIL after the timeout, a spoofed reply ignored.
#define BOOST_TEST_MODULE node_dns_server
#include <boost/test/unit_test.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "dns/message.h"
#include "node/dns_server.h"

using namespace weft;
namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }
core::ByteView view(const std::vector<uint8_t>& b) { return core::ByteView{b.data(), b.size()}; }

// A fake upstream on 127.0.0.1: answers every UDP query with one A record 192.0.2.7 (first a
// reply with a wrong id, which must be ignored), or stays silent.
struct Upstream {
  explicit Upstream(asio::io_context& io) : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  void receive() {
    socket.async_receive_from(asio::buffer(buf), from, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      ++queries;
      auto p = dns::parse_query(core::ByteView{buf.data(), n});
      if (p.query && !silent) {
        auto spoof = *p.query;
        spoof.id ^= 1;
        send(dns::build_response(spoof, dns::Rcode::kNoError, false, {}, true));
        send(dns::build_response(*p.query, dns::Rcode::kNoError, false,
                                 {dns::Record{dns::kTypeA, 30, {192, 0, 2, 7}}}, true));
      }
      receive();
    });
  }
  void send(std::vector<uint8_t> b) {
    auto keep = std::make_shared<std::vector<uint8_t>>(std::move(b));
    socket.async_send_to(asio::buffer(*keep), from, [keep](boost::system::error_code, std::size_t) {});
  }
  udp::socket socket;
  std::array<uint8_t, 2048> buf{};
  udp::endpoint from;
  int queries = 0;
  bool silent = false;
};

struct Fixture {
  Fixture() : upstream(io) {
    node::DnsServerOptions o;
    o.upstream_port = upstream.socket.local_endpoint().port();
    o.upstream_timeout = std::chrono::milliseconds(200);
    auto s = node::DnsServer::start(io, ip("127.0.0.1"), 0, o);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().detail));
    server = std::move(*s);
    control::DnsConfig dns;
    dns.domain = "weft.internal";
    dns.nameservers = {ip("127.0.0.1")};
    server->configure(dns::resolver_config(dns, {dns::Host{"host-b", {ip("100.64.0.2")}}}));
  }
  // One UDP exchange, the io_context running until the answer or 2 s.
  std::vector<uint8_t> ask_udp(const std::vector<uint8_t>& q) {
    udp::socket c(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    c.send_to(asio::buffer(q), udp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    std::vector<uint8_t> answer(2048);
    bool done = false;
    c.async_receive(asio::buffer(answer), [&](boost::system::error_code ec, std::size_t n) {
      BOOST_REQUIRE(!ec);
      answer.resize(n);
      done = true;
    });
    io.restart();
    for (int i = 0; i < 200 && !done; ++i) io.run_for(std::chrono::milliseconds(10));
    BOOST_REQUIRE(done);
    return answer;
  }
  asio::io_context io;
  Upstream upstream;
  std::unique_ptr<node::DnsServer> server;
};

uint8_t rcode(const std::vector<uint8_t>& a) { return a[3] & 0x0F; }
uint16_t ancount(const std::vector<uint8_t>& a) { return static_cast<uint16_t>(a[6] << 8 | a[7]); }

}  // namespace

BOOST_AUTO_TEST_SUITE(dns_server)

BOOST_AUTO_TEST_CASE(answers_tailnet_names_and_relays_forwarded_answers_over_udp) {
  Fixture f;
  auto a = f.ask_udp(dns::build_query(1, "host-b.weft.internal", dns::kTypeA));
  BOOST_TEST(rcode(a) == 0);
  BOOST_TEST(ancount(a) == 1);
  BOOST_TEST(rcode(f.ask_udp(dns::build_query(2, "host-c.weft.internal", dns::kTypeA))) == 3);
  const auto q = dns::build_query(3, "www.example.com", dns::kTypeA);
  auto fwd = f.ask_udp(q);
  BOOST_TEST(dns::answers(*dns::parse_query(view(q)).query, view(fwd)));
  BOOST_TEST(ancount(fwd) == 1);
  BOOST_TEST(fwd.back() == 7);
  BOOST_TEST(f.upstream.queries == 1);
  BOOST_TEST(f.server->counters().unmatched_responses >= 1u);
}

BOOST_AUTO_TEST_CASE(a_silent_upstream_ends_in_servfail) {
  Fixture f;
  f.upstream.silent = true;
  auto a = f.ask_udp(dns::build_query(4, "www.example.com", dns::kTypeA));
  BOOST_TEST(rcode(a) == 2);
  BOOST_TEST(f.server->counters().upstream_timeouts == 1u);
  BOOST_TEST(f.server->counters().upstream_failures == 1u);
}

BOOST_AUTO_TEST_CASE(answers_pipelined_queries_on_one_tcp_connection) {
  Fixture f;
  tcp::socket c(f.io);
  c.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), f.server->port()));
  std::vector<uint8_t> out;
  for (uint16_t id : {10, 11}) {
    auto q = dns::build_query(id, id == 10 ? "host-b.weft.internal" : "host-b", dns::kTypeA);
    out.push_back(static_cast<uint8_t>(q.size() >> 8));
    out.push_back(static_cast<uint8_t>(q.size()));
    out.insert(out.end(), q.begin(), q.end());
  }
  asio::write(c, asio::buffer(out));
  std::vector<std::vector<uint8_t>> answers;
  std::array<uint8_t, 2> len{};
  std::vector<uint8_t> body;
  std::function<void()> read_one = [&] {
    asio::async_read(c, asio::buffer(len), [&](boost::system::error_code ec, std::size_t) {
      BOOST_REQUIRE(!ec);
      body.assign(static_cast<std::size_t>(len[0] << 8 | len[1]), 0);
      asio::async_read(c, asio::buffer(body), [&](boost::system::error_code ec2, std::size_t) {
        BOOST_REQUIRE(!ec2);
        answers.push_back(body);
        if (answers.size() < 2) read_one();
      });
    });
  };
  read_one();
  for (int i = 0; i < 200 && answers.size() < 2; ++i) f.io.run_for(std::chrono::milliseconds(10));
  BOOST_REQUIRE(answers.size() == 2u);
  for (const auto& a : answers) {
    BOOST_TEST(rcode(a) == 0);
    BOOST_TEST(ancount(a) == 1);
  }
  BOOST_TEST(f.server->counters().tcp_queries == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
