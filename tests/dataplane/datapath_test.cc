// DataPath drives any DataCore, not only a bare wg::Device: a wrapper that counts calls around a
// real Device carries a ping-like exchange (kernel socket -> TUN -> core -> UDP -> a second
// Device and back), and the after-event hook drains what the core raised, through with_core(),
// with one and two threads; a core without WireGuard has its timer run and the hook after it.
// Needs root (a network namespace and a TUN device); fails loudly without it.
#define BOOST_TEST_MODULE dataplane_datapath
#include <boost/test/unit_test.hpp>

#include <net/if.h>

#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/random.h"
#include "dataplane/data_core.h"
#include "dataplane/datapath.h"
#include "dataplane/interface_setup.h"
#include "dataplane/loop_watchdog.h"
#include "runtime/netlink.h"
#include "runtime/netns.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "wg/device.h"
#include "wg/harness.h"
#include "wg/messages.h"

using namespace weft;
using namespace std::chrono_literals;

namespace {

const util::IpAddress kLoopback = util::IpAddress::v4({127, 0, 0, 1});

// A node engine in miniature: the WireGuard core behind the DataCore interface, counting every
// call, and raising an event of its own for each packet it delivers to the tunnel (as the
// engine raises control transmits and status events) for the after-event hook to drain.
class CountingCore final : public dataplane::DataCore {
 public:
  explicit CountingCore(wg::Device& device) : device_(device) {}

  wg::Output receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                              core::MutableBytes out) override {
    ++receives;
    wg::Output o = device_.receive_datagram(now, from, datagram, out);
    if (o.action == wg::Action::kDeliverToTunnel) events.push_back("delivered");
    return o;
  }
  wg::Output send_packet(core::Now now, core::ByteView ip_packet,
                         core::MutableBytes out) override {
    ++sends;
    return device_.send_packet(now, ip_packet, out);
  }
  wg::Output poll_transmit(core::Now now, core::MutableBytes out) override {
    ++polls;
    return device_.poll_transmit(now, out);
  }
  void update_timers(core::Now now) override {
    ++timer_runs;
    device_.update_timers(now);
  }
  std::optional<core::Duration> next_deadline() const override {
    ++deadline_reads;
    return device_.next_deadline();
  }
  void set_under_load(bool under_load) override {
    ++load_signals;
    device_.set_under_load(under_load);
  }

  uint64_t receives = 0;
  uint64_t sends = 0;
  uint64_t polls = 0;
  uint64_t timer_runs = 0;
  mutable uint64_t deadline_reads = 0;
  uint64_t load_signals = 0;
  std::vector<std::string> events;

 private:
  wg::Device& device_;
};

// The peer on the far side of the UDP socket, driven by the test itself: answers the handshake
// and echoes every packet it decrypts back with source and destination swapped (the IPv4 and UDP
// checksums are sums, so they stay valid).
class EchoPeer {
 public:
  EchoPeer(wg::Device& device, runtime::UdpSocket& socket, core::SocketAddress path_address)
      : device_(device), socket_(socket), to_(path_address), buf_(2048), out_(2048) {}

  void on_datagram(core::Now now, const core::SocketAddress& from, core::ByteView in) {
    execute(device_.receive_datagram(now, core::Path::to_udp(from), in, mutable_out()), now);
    drain(now);
  }

  bool on_readable(dataplane::Loop& loop) {
    runtime::RecvSlot slot = runtime::RecvSlot::over(buf_.data(), buf_.size());
    while (socket_.receive_batch(&slot, 1).ok()) {
      on_datagram(loop.clock().now(), slot.from, core::ByteView{slot.data, slot.size});
      slot = runtime::RecvSlot::over(buf_.data(), buf_.size());
    }
    return false;
  }

  int echoed = 0;

 private:
  core::MutableBytes mutable_out() { return core::MutableBytes{out_.data(), out_.size()}; }

  void execute(const wg::Output& o, core::Now now) {
    if (o.action == wg::Action::kSendDatagram) {
      runtime::SendItem item{out_.data(), o.size, to_};
      BOOST_REQUIRE(socket_.send_batch(&item, 1).ok());
    } else if (o.action == wg::Action::kDeliverToTunnel) {
      std::vector<uint8_t> echo(out_.begin(), out_.begin() + static_cast<long>(o.size));
      BOOST_REQUIRE(echo.size() >= 28u);
      for (int i = 0; i < 4; ++i) std::swap(echo[12 + i], echo[16 + i]);  // addresses
      for (int i = 0; i < 2; ++i) std::swap(echo[20 + i], echo[22 + i]);  // ports
      ++echoed;
      execute(device_.send_packet(now, core::ByteView{echo.data(), echo.size()}, mutable_out()),
              now);
    }
  }

  void drain(core::Now now) {
    for (;;) {
      wg::Output o = device_.poll_transmit(now, mutable_out());
      if (wg::is_idle(o)) return;
      execute(o, now);
    }
  }

  wg::Device& device_;
  runtime::UdpSocket& socket_;
  core::SocketAddress to_;
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> out_;
};

runtime::TunDevice make_tun(const char* name, const char* address, bool offloads = false) {
  auto lo = runtime::Netlink::open();
  BOOST_REQUIRE(lo.ok());
  BOOST_REQUIRE(lo->set_link_up(static_cast<int>(::if_nametoindex("lo"))).ok());
  auto tun = runtime::TunDevice::create(name, runtime::TunOptions{.offloads = offloads});
  BOOST_REQUIRE_MESSAGE(tun.ok(), "needs root and /dev/net/tun: " +
                                      (tun.ok() ? std::string() : tun.error().detail));
  dataplane::InterfaceLayout layout;
  layout.mtu = 1420;
  layout.addresses.push_back(util::InterfaceAddress{*util::IpAddress::parse(address), 24});
  BOOST_REQUIRE(dataplane::configure_interface(*tun, layout).ok());
  return std::move(*tun);
}

wg::PeerConfig peer(const wg::Device& other, core::SocketAddress at, uint8_t tunnel_ip) {
  wg::PeerConfig c;
  c.public_key = other.public_key();
  c.endpoint = core::Path::to_udp(at);
  c.allowed_ips.push_back(wg::AllowedIp::v4(100, 64, 0, tunnel_ip, 32));
  return c;
}

// The path's device `a` and the far peer's `b`, seeded from `seed`, and the path's socket.
struct TwoDevices {
  explicit TwoDevices(uint64_t seed)
      : rng_a(seed), rng_b(seed + 1), a(config(seed * 10 + 1), rng_a), b(config(seed * 10 + 2), rng_b) {}
  static wg::DeviceConfig config(uint64_t key_seed) {
    wg::DeviceConfig c;
    c.private_key = wg::test::make_private(key_seed);
    return c;
  }
  runtime::UdpSocket path_socket() {
    auto udp = runtime::UdpSocket::bind(core::SocketAddress{kLoopback, 0});
    BOOST_REQUIRE(udp.ok());
    return std::move(*udp);
  }
  core::SeededRandom rng_a;
  core::SeededRandom rng_b;
  wg::Device a;
  wg::Device b;
};

void exchange_through_a_counting_core(int threads) {
  ScopedNetns ns;
  dataplane::Loop loop;
  runtime::TunDevice tun = make_tun("wftdp%d", "100.64.0.1");
  TwoDevices devices(1);
  wg::Device& a = devices.a;
  wg::Device& b = devices.b;
  CountingCore counting(a);

  auto peer_socket = runtime::UdpSocket::bind(core::SocketAddress{kLoopback, 0});
  BOOST_REQUIRE(peer_socket.ok());
  dataplane::DataPath path(loop, counting, tun, devices.path_socket(), threads);
  core::SocketAddress path_address{kLoopback, path.listen_port()};
  a.add_peer(peer(b, core::SocketAddress{kLoopback, peer_socket->local_port()}, 2));
  b.add_peer(peer(a, path_address, 1));
  EchoPeer far(b, *peer_socket, path_address);

  // The hook: drain the core's own events under the lock, once per event of the path.
  std::vector<std::string> drained;
  int hook_runs = 0;
  core::Duration last_now{0};
  bool got_echo = false;
  // The hook must have drained the echo's event by the time the echo is back, or soon after
  // (with two threads the loop may see the echo before the receive thread's wake-up): a
  // missing wake-up would leave it queued until some later event.
  boost::asio::steady_timer grace(loop.io());
  auto maybe_stop = [&] {
    if (!got_echo) return;
    if (!drained.empty()) {
      loop.stop();
      return;
    }
    grace.expires_after(500ms);
    grace.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) loop.stop();
    });
  };
  path.on_after_event([&](core::Now now) {
    ++hook_runs;
    BOOST_TEST(now.mono.count() >= last_now.count());
    last_now = now.mono;
    path.with_core([&] {
      drained.insert(drained.end(), counting.events.begin(), counting.events.end());
      counting.events.clear();
    });
    maybe_stop();
  });
  BOOST_REQUIRE(path.start().ok());

  // An application on this node sends to the far peer's tunnel address: TUN -> core -> UDP.
  auto app = runtime::UdpSocket::bind(core::SocketAddress{*util::IpAddress::parse("100.64.0.1"), 0});
  BOOST_REQUIRE(app.ok());
  const std::string hello = "hello through the core";
  runtime::SendItem item{reinterpret_cast<const uint8_t*>(hello.data()), hello.size(),
                         core::SocketAddress{*util::IpAddress::parse("100.64.0.2"), 9}};
  BOOST_REQUIRE(app->send_batch(&item, 1).ok());

  std::string echo;
  std::vector<uint8_t> buf(2048);
  dataplane::ReadWatch app_watch(loop, app->fd(), [&] {
    runtime::RecvSlot slot = runtime::RecvSlot::over(buf.data(), buf.size());
    if (app->receive_batch(&slot, 1).ok()) {
      echo.assign(reinterpret_cast<const char*>(slot.data), slot.size);
      got_echo = true;
      maybe_stop();
    }
    return false;
  });
  dataplane::ReadWatch peer_watch(loop, peer_socket->fd(), [&] { return far.on_readable(loop); });
  app_watch.start();
  peer_watch.start();
  dataplane::test::Watchdog watchdog(loop, 5s);
  loop.run();
  app_watch.stop();
  peer_watch.stop();
  path.stop();

  BOOST_TEST(echo == hello);
  BOOST_TEST(far.echoed == 1);
  // Every call reached the core through the interface.
  BOOST_TEST(counting.sends >= 1u);     // the packet read from the TUN
  BOOST_TEST(counting.receives >= 2u);  // the handshake response and the echo
  BOOST_TEST(counting.load_signals >= 1u);  // the response went through a handshake turn
  BOOST_TEST(counting.polls >= 1u);
  BOOST_TEST(counting.deadline_reads >= 1u);
  // The event the echo raised was drained by the hook, on the loop thread, with either count
  // of threads.
  BOOST_TEST(drained == std::vector<std::string>{"delivered"});
  BOOST_TEST(counting.events.empty());
  BOOST_TEST(hook_runs >= 2);
  BOOST_TEST(path.counters().tun_packets_out == 1u);
}

// A core with no WireGuard in it: one deadline 10 ms after start, an event when it passes.
class TimerOnlyCore final : public dataplane::DataCore {
 public:
  explicit TimerOnlyCore(core::Duration due) : due_(due) {}

  wg::Output receive_datagram(core::Now, const core::Path&, core::ByteView,
                              core::MutableBytes) override {
    return wg::Output{};
  }
  wg::Output send_packet(core::Now, core::ByteView, core::MutableBytes) override {
    return wg::Output{};
  }
  wg::Output poll_transmit(core::Now, core::MutableBytes) override { return wg::Output{}; }
  void update_timers(core::Now now) override {
    if (due_ && now.mono >= *due_) {
      due_.reset();
      fired = true;
    }
  }
  std::optional<core::Duration> next_deadline() const override { return due_; }
  void set_under_load(bool) override {}

  bool fired = false;

 private:
  std::optional<core::Duration> due_;
};


// ---- order under load (crypto workers) ----

constexpr uint32_t kOrderMagic = 0x0badcafe;

uint16_t ipv4_header_checksum(const uint8_t* h) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += uint32_t(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// An IPv4/UDP packet 100.64.0.2:9 -> 100.64.0.1:port carrying the magic and `seq` (no UDP
// checksum, which IPv4 allows).
std::vector<uint8_t> numbered_packet(uint16_t port, uint32_t seq) {
  std::vector<uint8_t> p(20 + 8 + 1000, 0x5c);
  std::fill(p.begin(), p.begin() + 28, 0);
  p[0] = 0x45;
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  p[8] = 64;
  p[9] = 17;
  const uint8_t src[4] = {100, 64, 0, 2};
  const uint8_t dst[4] = {100, 64, 0, 1};
  std::memcpy(&p[12], src, 4);
  std::memcpy(&p[16], dst, 4);
  uint16_t sum = ipv4_header_checksum(p.data());
  p[10] = static_cast<uint8_t>(sum >> 8);
  p[11] = static_cast<uint8_t>(sum);
  p[21] = 9;
  p[22] = static_cast<uint8_t>(port >> 8);
  p[23] = static_cast<uint8_t>(port);
  std::size_t udp_len = p.size() - 20;
  p[24] = static_cast<uint8_t>(udp_len >> 8);
  p[25] = static_cast<uint8_t>(udp_len);
  uint32_t words[2] = {kOrderMagic, seq};
  std::memcpy(&p[28], words, sizeof words);
  return p;
}

// The numbered payload of a UDP datagram's bytes, or false.
bool read_number(const uint8_t* payload, std::size_t size, uint32_t& seq) {
  if (size < 8) return false;
  uint32_t words[2];
  std::memcpy(words, payload, sizeof words);
  if (words[0] != kOrderMagic) return false;
  seq = words[1];
  return true;
}

// Tracks that a stream of sequence numbers only goes up.
struct OrderCheck {
  uint64_t received = 0;
  uint64_t out_of_order = 0;
  std::optional<uint64_t> last;
  void see(uint64_t v) {
    ++received;
    if (last && v <= *last) ++out_of_order;
    last = v;
  }
};

// The far peer for the order test: decrypts everything the path sends (checking WireGuard
// counters and the packets' numbers go up) and sends numbered packets of its own in bursts.
class OrderPeer {
 public:
  OrderPeer(wg::Device& device, runtime::UdpSocket& socket, core::SocketAddress path_address)
      : device_(device), socket_(socket), to_(path_address), out_(2048) {
    for (auto& b : bufs_) b.resize(2048);
  }

  bool on_readable(dataplane::Loop& loop) {
    for (;;) {
      for (std::size_t i = 0; i < slots_.size(); ++i)
        slots_[i] = runtime::RecvSlot::over(bufs_[i].data(), bufs_[i].size());
      auto got = socket_.receive_batch(slots_.data(), slots_.size());
      if (!got.ok() || *got == 0) return false;
      core::Now now = loop.clock().now();
      for (std::size_t i = 0; i < *got; ++i) on_datagram(now, slots_[i]);
    }
  }

  /// Seals `count` numbered packets for the app's `port` and sends them in one batch.
  void burst(core::Now now, uint16_t port, uint32_t first, std::size_t count) {
    std::vector<std::vector<uint8_t>> sealed;
    for (std::size_t i = 0; i < count; ++i) {
      auto packet = numbered_packet(port, first + static_cast<uint32_t>(i));
      wg::Output o = device_.send_packet(now, core::ByteView{packet.data(), packet.size()},
                                         core::MutableBytes{out_.data(), out_.size()});
      if (o.action == wg::Action::kSendDatagram)
        sealed.emplace_back(out_.begin(), out_.begin() + static_cast<long>(o.size));
    }
    std::vector<runtime::SendItem> items;
    for (const auto& d : sealed) items.push_back(runtime::SendItem{d.data(), d.size(), to_});
    std::size_t at = 0;
    while (at < items.size()) {
      auto r = socket_.send_batch(items.data() + at, items.size() - at);
      if (!r.ok()) break;  // a full buffer: the rest is lost, which the test allows
      at += *r;
    }
    drain(now);
  }

  OrderCheck counters;  // WireGuard counters of the path's data datagrams
  OrderCheck numbers;   // the numbers of the packets they carried
  bool session = false;

 private:
  void on_datagram(core::Now now, const runtime::RecvSlot& slot) {
    if (slot.size > 32 && slot.data[0] == wg::kMessageTransportData) {
      auto hdr = wg::parse_transport_header(slot.data, slot.size);
      if (hdr.ok()) counters.see(hdr->counter);
    }
    execute(now, device_.receive_datagram(now, core::Path::to_udp(slot.from),
                                          core::ByteView{slot.data, slot.size},
                                          core::MutableBytes{out_.data(), out_.size()}));
    drain(now);
  }

  void execute(core::Now, const wg::Output& o) {
    if (o.action == wg::Action::kSendDatagram) {
      runtime::SendItem item{out_.data(), o.size, to_};
      (void)socket_.send_batch(&item, 1);
    } else if (o.action == wg::Action::kDeliverToTunnel) {
      session = true;
      uint32_t seq = 0;
      if (o.size > 28 && read_number(out_.data() + 28, o.size - 28, seq)) numbers.see(seq);
    }
  }

  void drain(core::Now now) {
    for (;;) {
      wg::Output o = device_.poll_transmit(now, core::MutableBytes{out_.data(), out_.size()});
      if (wg::is_idle(o)) return;
      execute(now, o);
    }
  }

  wg::Device& device_;
  runtime::UdpSocket& socket_;
  core::SocketAddress to_;
  std::array<std::vector<uint8_t>, 64> bufs_;
  std::array<runtime::RecvSlot, 64> slots_;
  std::vector<uint8_t> out_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(datapath)

BOOST_AUTO_TEST_CASE(drives_a_wrapped_core_and_drains_its_events_after_each_event) {
  exchange_through_a_counting_core(1);
}

BOOST_AUTO_TEST_CASE(drives_a_wrapped_core_with_a_receive_thread_and_drains_on_the_loop) {
  exchange_through_a_counting_core(2);
}

BOOST_AUTO_TEST_CASE(runs_the_hook_after_the_cores_timer_and_not_again_from_inside_it) {
  ScopedNetns ns;
  dataplane::Loop loop;
  runtime::TunDevice tun = make_tun("wftdt%d", "100.64.1.1");
  TimerOnlyCore timer_core(loop.clock().now().mono + 10ms);
  auto udp = runtime::UdpSocket::bind(core::SocketAddress{kLoopback, 0});
  BOOST_REQUIRE(udp.ok());
  dataplane::DataPath path(loop, timer_core, tun, std::move(*udp), 1);

  int hook_runs = 0;
  int runs_after_fire = 0;
  path.on_after_event([&](core::Now) {
    ++hook_runs;
    // A composition that changes the core from its hook: drains again, no recursion.
    path.after_core_change();
    if (path.with_core([&] { return timer_core.fired; })) {
      ++runs_after_fire;
      loop.stop();
    }
  });
  BOOST_REQUIRE(path.start().ok());
  dataplane::test::Watchdog watchdog(loop, 3s);
  loop.run();
  path.stop();

  BOOST_TEST(timer_core.fired);
  BOOST_TEST(runs_after_fire == 1);
  BOOST_TEST(hook_runs >= 2);  // start() is an event too, before the deadline
}

BOOST_AUTO_TEST_CASE(adapts_a_type_with_the_device_surface) {
  core::SeededRandom rng(3);
  wg::DeviceConfig config;
  config.private_key = wg::test::make_private(13);
  wg::Device device(config, rng);
  dataplane::DataCoreOf<wg::Device> adapted(device);
  dataplane::DataCore& as_core = adapted;
  BOOST_TEST(&adapted.get() == &device);
  BOOST_TEST(!as_core.next_deadline().has_value());
  std::vector<uint8_t> junk(40, 0xee);
  std::vector<uint8_t> out(wg::output_capacity_for(junk.size()));
  wg::Output o = as_core.receive_datagram(core::Now{}, core::Path::to_udp({kLoopback, 1}),
                                          core::ByteView{junk.data(), junk.size()},
                                          core::MutableBytes{out.data(), out.size()});
  BOOST_TEST((o.action == wg::Action::kDrop));
  BOOST_TEST(device.stats().drops_of(wg::DropReason::kMalformed) == 1u);
}

// Issue 14: with crypto workers on (3 threads: the receive thread, 2 workers beside the loop
// and it), a stream of numbered packets each way, 64 per burst, leaves the path in order: on
// the wire (WireGuard counters and the packets' numbers at the far peer) and into the TUN (the
// numbers at the application). Loss is allowed (queues may overflow), reordering is not.
// With offloads: a vnet-hdr TUN (the UDP checksums the kernel leaves partial completed in
// place, every packet written behind its header through the GRO writer) and UDP GSO/GRO.
void keep_a_peers_packets_in_order(bool offloads) {
  ScopedNetns ns;
  dataplane::Loop loop;
  runtime::TunDevice tun = make_tun("wftdo%d", "100.64.0.1", offloads);
  BOOST_REQUIRE_MESSAGE(tun.vnet_hdr() == offloads, "TUN offloads: " + tun.offload_refusal());
  TwoDevices devices(5);
  dataplane::DataCoreOf<wg::Device> core_a(devices.a);

  auto peer_socket = runtime::UdpSocket::bind(core::SocketAddress{kLoopback, 0});
  BOOST_REQUIRE(peer_socket.ok());
  (void)peer_socket->set_buffer_sizes(8 << 20);
  dataplane::DataPath path(loop, core_a, tun, devices.path_socket(), 3, offloads);
  core::SocketAddress path_address{kLoopback, path.listen_port()};
  devices.a.add_peer(peer(devices.b, core::SocketAddress{kLoopback, peer_socket->local_port()}, 2));
  devices.b.add_peer(peer(devices.a, path_address, 1));
  OrderPeer far(devices.b, *peer_socket, path_address);

  auto app = runtime::UdpSocket::bind(core::SocketAddress{*util::IpAddress::parse("100.64.0.1"), 0});
  BOOST_REQUIRE(app.ok());
  (void)app->set_buffer_sizes(8 << 20);
  const uint16_t app_port = app->local_port();
  OrderCheck at_app;
  std::array<std::vector<uint8_t>, 64> app_bufs;
  for (auto& buf : app_bufs) buf.resize(2048);
  std::array<runtime::RecvSlot, 64> app_slots;
  dataplane::ReadWatch app_watch(loop, app->fd(), [&] {
    for (;;) {
      for (std::size_t i = 0; i < app_slots.size(); ++i)
        app_slots[i] = runtime::RecvSlot::over(app_bufs[i].data(), app_bufs[i].size());
      auto got = app->receive_batch(app_slots.data(), app_slots.size());
      if (!got.ok() || *got == 0) return false;
      for (std::size_t i = 0; i < *got; ++i) {
        uint32_t seq = 0;
        if (read_number(app_slots[i].data, app_slots[i].size, seq)) at_app.see(seq);
      }
    }
  });
  dataplane::ReadWatch peer_watch(loop, peer_socket->fd(), [&] { return far.on_readable(loop); });

  // Numbered datagrams from the app to the far peer: TUN -> prepare -> seal on the workers ->
  // UDP. Their payload carries the same magic and number at offset 0 of the UDP payload.
  constexpr int kRounds = 120;
  constexpr std::size_t kPerRound = 64;
  uint32_t app_seq = 0;
  auto app_burst = [&] {
    std::vector<std::vector<uint8_t>> payloads;
    std::vector<runtime::SendItem> items;
    for (std::size_t i = 0; i < kPerRound; ++i) {
      std::vector<uint8_t> payload(1000, 0x3c);
      uint32_t words[2] = {kOrderMagic, app_seq++};
      std::memcpy(payload.data(), words, sizeof words);
      payloads.push_back(std::move(payload));
    }
    for (const auto& p : payloads)
      items.push_back(runtime::SendItem{p.data(), p.size(),
                                        core::SocketAddress{*util::IpAddress::parse("100.64.0.2"), 9}});
    std::size_t at = 0;
    while (at < items.size()) {
      auto r = app->send_batch(items.data() + at, items.size() - at);
      if (!r.ok()) break;
      at += *r;
    }
  };

  int round = 0;
  uint32_t peer_seq = 0;
  boost::asio::steady_timer pacer(loop.io());
  std::function<void()> tick = [&] {
    if (!far.session) {
      app_burst();  // the first packets start the handshake; later ones flow
    } else {
      app_burst();
      far.burst(loop.clock().now(), app_port, peer_seq, kPerRound);
      peer_seq += kPerRound;
      ++round;
    }
    pacer.expires_after(round < kRounds ? 2ms : 300ms);
    pacer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (round >= kRounds) {
        loop.stop();
        return;
      }
      tick();
    });
  };

  BOOST_REQUIRE(path.start().ok());
  app_watch.start();
  peer_watch.start();
  tick();
  dataplane::test::Watchdog watchdog(loop, 20s);
  loop.run();
  app_watch.stop();
  peer_watch.stop();
  path.stop();

  BOOST_TEST_MESSAGE("app -> peer: " << far.numbers.received << " of " << app_seq
                     << " arrived; peer -> app: " << at_app.received << " of " << peer_seq
                     << "; batches the workers shared: "
                     << path.counters().crypto_parallel_batches);
  BOOST_TEST(round == kRounds);
  BOOST_TEST(far.counters.out_of_order == 0u);
  BOOST_TEST(far.numbers.out_of_order == 0u);
  BOOST_TEST(at_app.out_of_order == 0u);
  BOOST_TEST(far.numbers.received >= app_seq / 4);
  BOOST_TEST(at_app.received >= peer_seq / 4);
  // The workers really took part (else this test proved nothing about them).
  BOOST_TEST(path.counters().crypto_parallel_batches > 0u);
  BOOST_TEST(path.counters().offload.offload_dropped() == 0u);
}

BOOST_AUTO_TEST_CASE(keeps_a_peers_packets_in_order_with_crypto_workers) {
  keep_a_peers_packets_in_order(false);
}

BOOST_AUTO_TEST_CASE(keeps_a_peers_packets_in_order_with_offloads) {
  keep_a_peers_packets_in_order(true);
}

BOOST_AUTO_TEST_SUITE_END()
