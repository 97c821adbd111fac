// `weft netcheck`'s driver: the netcheck core on its own UDP socket and node loop (core/drive.h's
// contract: drain after every input, run the timers at the deadline), and the relay map fetch.
#include "node/netcheck_run.h"

#include <optional>

#include "control/upgrade.h"
#include "core/drive.h"
#include "dataplane/loop.h"
#include "node/control_dial.h"
#include "relay/relay_map.h"
#include "runtime/system_random.h"
#include "runtime/udp_socket.h"

namespace weft::node {
namespace {

// core/drive.h's Sink: each request is sent at once (a netcheck sends a few dozen at most).
class SendSink {
 public:
  SendSink(runtime::UdpSocket& socket, uint64_t& failures) : socket_(socket), failures_(failures) {}
  core::MutableBytes buffer() { return core::MutableBytes{buf_.data(), buf_.size()}; }
  void execute(const netcheck::Output& o, core::MutableBytes buf) {
    if (o.action != netcheck::Action::kSendDatagram) return;
    const runtime::SendItem item{buf.data, o.size, o.to};
    auto sent = socket_.send_batch(&item, 1);
    if (!sent.ok() || *sent != 1) ++failures_;
  }

 private:
  runtime::UdpSocket& socket_;
  uint64_t& failures_;
  std::array<uint8_t, stun::kMaxEncodedSize> buf_{};
};

}  // namespace

Result<NetcheckRun> run_netcheck(const std::vector<control::RelayRegion>& regions,
                                 const netcheck::Options& options) {
  auto socket = runtime::UdpSocket::bind_any(0);
  if (!socket.ok()) return socket.error();
  dataplane::Loop loop;
  runtime::SystemRandom random;
  const core::Now start = loop.clock().now();
  netcheck::Netcheck check(regions, start, random, options);
  NetcheckRun run;
  SendSink sink(*socket, run.send_failures);

  std::optional<dataplane::DeadlineTimer> timer;
  auto settle = [&] {
    if (check.done()) {
      loop.stop();
      return;
    }
    timer->arm(check.next_deadline());
  };
  timer.emplace(loop, [&] {
    core::on_deadline(check, loop.clock().now(), sink);
    settle();
  });

  constexpr std::size_t kBatch = 16;
  std::array<std::array<uint8_t, 1500>, kBatch> bufs{};
  std::array<runtime::RecvSlot, kBatch> slots{};
  dataplane::ReadWatch watch(loop, socket->fd(), [&] {
    for (std::size_t i = 0; i < kBatch; ++i) slots[i] = runtime::RecvSlot::over(bufs[i].data(), bufs[i].size());
    auto r = socket->receive_batch(slots.data(), kBatch);
    if (!r.ok()) return false;  // would block, or an ICMP error (a port unreachable) on the socket
    // The clock is read per answer: answers of one batch arrived at different times, and the
    // round trips are the report.
    for (std::size_t i = 0; i < *r; ++i) {
      (void)check.receive_datagram(loop.clock().now(), slots[i].from,
                                   core::ByteView{slots[i].data, slots[i].size});
    }
    core::drain_transmits(check, loop.clock().now(), sink);
    settle();
    return *r == kBatch;
  });
  watch.start();

  core::drain_transmits(check, start, sink);
  settle();
  if (!check.done()) loop.run();
  watch.stop();
  timer->cancel();
  run.report = check.report();
  run.stats = check.stats();
  run.elapsed = loop.clock().now().mono - start.mono;
  return run;
}

Result<std::vector<control::RelayRegion>> fetch_relay_map(std::string_view server_url,
                                                          const std::string& ca_file,
                                                          std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  DialOptions options;
  options.ca_file = ca_file;
  options.timeout = timeout;
  auto dialer = ControlDialer::create(io, server_url, options);
  if (!dialer.ok()) return dialer.error();
  std::optional<Result<std::string>> body;
  (*dialer)->get(control::kRelayMapPath, [&](Result<std::string> r) { body.emplace(std::move(r)); });
  io.run();
  if (!body) return make_error("dial.timeout", "no answer to GET " + std::string(control::kRelayMapPath));
  if (!body->ok()) return body->error();
  return relay::parse_relay_map(body->value(), std::string(server_url) + control::kRelayMapPath);
}

}  // namespace weft::node
