// The STUN listener on a real loopback socket: a Binding request answered with the sender's
// address, garbage dropped and counted, a batch of requests answered in one wake-up.
#define BOOST_TEST_MODULE stun_listener
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <vector>

#include "dataplane/loop.h"
#include "relayserver/stun_listener.h"
#include "runtime/udp_socket.h"
#include "stun/message.h"

using namespace weft;

namespace {

// 127.0.0.1 port 0 (the kernel picks; SocketAddress::parse wants a port of 1..65535).
core::SocketAddress loopback_any() { return core::SocketAddress{*util::IpAddress::parse("127.0.0.1"), 0}; }

struct Fixture {
  dataplane::Loop loop;
  std::unique_ptr<relayserver::StunListener> listener;
  runtime::UdpSocket client = runtime::UdpSocket::bind(loopback_any()).value();
  core::SocketAddress server;

  Fixture() {
    auto l = relayserver::StunListener::open(loop, loopback_any());
    BOOST_REQUIRE(l.ok());
    listener = std::move(*l);
    server = *core::SocketAddress::parse("127.0.0.1:" + std::to_string(listener->port()));
  }

  void send(const std::vector<uint8_t>& bytes) {
    const runtime::SendItem item{bytes.data(), bytes.size(), server};
    BOOST_REQUIRE(client.send_batch(&item, 1).ok());
  }

  // Runs the loop until the listener has seen `n` datagrams (bounded: 5 s of waiting).
  void serve_until(uint64_t n) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (listener->stats().datagrams_in < n && std::chrono::steady_clock::now() < give_up) {
      loop.io().restart();
      loop.io().run_one_for(std::chrono::milliseconds(100));
    }
    BOOST_REQUIRE(listener->stats().datagrams_in >= n);
  }

  // Receives one datagram from the listener (it answered before serve_until returned).
  std::optional<std::vector<uint8_t>> receive() {
    std::vector<uint8_t> buf(1500);
    runtime::RecvSlot slot = runtime::RecvSlot::over(buf.data(), buf.size());
    auto r = client.receive_batch(&slot, 1);
    if (!r.ok() || *r != 1) return std::nullopt;
    buf.resize(slot.size);
    return buf;
  }
};

std::vector<uint8_t> request(uint8_t tag) {
  stun::TransactionId id{};
  id[0] = tag;
  std::vector<uint8_t> buf(stun::kMaxEncodedSize);
  buf.resize(stun::encode_binding_request(id, core::MutableBytes{buf.data(), buf.size()}));
  return buf;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(stun_listener, Fixture)

BOOST_AUTO_TEST_CASE(answers_a_binding_request_with_the_senders_address) {
  send(request(1));
  serve_until(1);
  const auto answer = receive();
  BOOST_REQUIRE(answer.has_value());
  stun::Message m;
  BOOST_REQUIRE(stun::decode(core::ByteView{answer->data(), answer->size()}, m) == stun::DecodeError::kNone);
  BOOST_TEST((m.message_class == stun::MessageClass::kSuccessResponse));
  BOOST_TEST(m.transaction_id[0] == 1);
  BOOST_TEST(m.xor_mapped_address->to_string() == "127.0.0.1:" + std::to_string(client.local_port()));
  BOOST_TEST(listener->stats().answers_sent == 1u);
}

BOOST_AUTO_TEST_CASE(drops_garbage_and_counts_it) {
  send({0xde, 0xad, 0xbe, 0xef});
  send(request(2));
  serve_until(2);
  BOOST_TEST(listener->stats().server.drops_of(stun::DropReason::kNotStun) == 1u);
  BOOST_TEST(listener->stats().answers_sent == 1u);
  const auto answer = receive();
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(!receive().has_value());  // nothing for the garbage
}

BOOST_AUTO_TEST_CASE(answers_every_request_of_a_burst) {
  for (uint8_t i = 0; i < 100; ++i) send(request(i));
  serve_until(100);
  BOOST_TEST(listener->stats().answers_sent == 100u);
  int answers = 0;
  while (receive()) ++answers;
  BOOST_TEST(answers == 100);
}

BOOST_AUTO_TEST_SUITE_END()
