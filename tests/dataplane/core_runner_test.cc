// A core that is not WireGuard joins the node loop beside the WireGuard data path: its STUN-
// shaped datagrams reach it through the demultiplexer, its replies (immediate and timer-driven)
// leave through the shared socket, and WireGuard datagrams on the same socket still reach the
// WireGuard core. Needs root (a TUN device); fails loudly without it.
#define BOOST_TEST_MODULE dataplane_core_runner
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/random.h"
#include "dataplane/core_runner.h"
#include "dataplane/data_core.h"
#include "dataplane/datapath.h"
#include "dataplane/loop_watchdog.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "wg/device.h"

using namespace weft;
using namespace std::chrono_literals;

namespace {

// The toy core: echoes every datagram at once, and once more ("late") 20 ms later by its timer.
struct EchoOutput {
  core::Path to;
  std::size_t size = 0;
  bool idle = true;
};
bool is_idle(const EchoOutput& o) { return o.idle; }
const core::Path* datagram_destination(const EchoOutput& o) { return o.size ? &o.to : nullptr; }

class EchoCore {
 public:
  EchoOutput receive_datagram(core::Now now, const core::Path& from, core::ByteView in,
                              core::MutableBytes out) {
    std::memcpy(out.data, in.data, in.size);
    late_to_ = from;
    due_ = now.mono + 20ms;
    return EchoOutput{from, in.size, false};
  }
  EchoOutput poll_transmit(core::Now, core::MutableBytes out) {
    if (!late_ready_) return EchoOutput{};
    late_ready_ = false;
    std::memcpy(out.data, "late", 4);
    return EchoOutput{late_to_, 4, false};
  }
  void update_timers(core::Now now) {
    if (due_ && now.mono >= *due_) {
      due_.reset();
      late_ready_ = true;
    }
  }
  std::optional<core::Duration> next_deadline() const { return due_; }

 private:
  core::Path late_to_;
  std::optional<core::Duration> due_;
  bool late_ready_ = false;
};

std::vector<uint8_t> stun_binding_request() {
  std::vector<uint8_t> d(20, 0x33);
  d[0] = 0x00;
  d[1] = 0x01;
  d[2] = d[3] = 0;
  d[4] = 0x21;
  d[5] = 0x12;
  d[6] = 0xa4;
  d[7] = 0x42;
  return d;
}

void run_with_threads(int threads) {
  dataplane::Loop loop;
  auto tun = runtime::TunDevice::create("wftcr%d");
  BOOST_REQUIRE_MESSAGE(tun.ok(), "needs root and /dev/net/tun: " +
                                      (tun.ok() ? std::string() : tun.error().detail));
  core::SeededRandom rng(7);
  wg::DeviceConfig config;
  rng.fill(config.private_key.bytes.data(), config.private_key.bytes.size());
  wg::Device device(config, rng);
  util::IpAddress loopback = util::IpAddress::v4({127, 0, 0, 1});
  auto udp = runtime::UdpSocket::bind(core::SocketAddress{loopback, 0});
  BOOST_REQUIRE(udp.ok());
  auto client = runtime::UdpSocket::bind(core::SocketAddress{loopback, 0});
  BOOST_REQUIRE(client.ok());

  dataplane::DataCoreOf<wg::Device> core(device);
  dataplane::DataPath path(loop, core, *tun, std::move(*udp), threads);
  EchoCore echo;
  dataplane::CoreRunner<EchoCore> runner(loop, path, dataplane::DatagramClass::kStun, echo);
  BOOST_REQUIRE(path.start().ok());

  core::SocketAddress to{loopback, path.listen_port()};
  std::vector<uint8_t> request = stun_binding_request();
  // A handshake initiation with a wrong mac1: WireGuard's, so the WireGuard core drops it.
  std::vector<uint8_t> initiation(wg::kHandshakeInitiationSize, 0x44);
  initiation[0] = wg::kMessageHandshakeInitiation;
  initiation[1] = initiation[2] = initiation[3] = 0;
  runtime::SendItem items[2] = {{request.data(), request.size(), to},
                                {initiation.data(), initiation.size(), to}};
  BOOST_REQUIRE(client->send_batch(items, 2).ok());

  std::vector<std::string> replies;
  std::vector<uint8_t> buf(2048);
  dataplane::ReadWatch watch(loop, client->fd(), [&] {
    runtime::RecvSlot slot = runtime::RecvSlot::over(buf.data(), buf.size());
    while (client->receive_batch(&slot, 1).ok()) {
      replies.emplace_back(reinterpret_cast<const char*>(slot.data), slot.size);
      slot = runtime::RecvSlot::over(buf.data(), buf.size());
    }
    if (replies.size() >= 2) loop.stop();
    return false;
  });
  watch.start();
  dataplane::test::Watchdog watchdog(loop, 3s);
  loop.run();
  watch.stop();
  path.stop();

  BOOST_REQUIRE(replies.size() == 2u);
  BOOST_TEST((replies[0] == std::string(request.begin(), request.end())));
  BOOST_TEST(replies[1] == "late");
  const auto& c = path.counters();
  BOOST_TEST(c.by_class[static_cast<std::size_t>(dataplane::DatagramClass::kStun)] == 1u);
  BOOST_TEST(c.by_class[static_cast<std::size_t>(dataplane::DatagramClass::kWireGuard)] == 1u);
  BOOST_TEST(device.stats().drops_of(wg::DropReason::kBadMac1) == 1u);
  BOOST_TEST(runner.unsendable() == 0u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(core_runner)

BOOST_AUTO_TEST_CASE(a_second_core_shares_the_socket_and_loop_with_wireguard) {
  run_with_threads(1);
}

BOOST_AUTO_TEST_CASE(a_second_core_shares_the_socket_with_a_receive_thread) {
  run_with_threads(2);
}

BOOST_AUTO_TEST_SUITE_END()
