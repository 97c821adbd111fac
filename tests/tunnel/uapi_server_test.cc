// UapiServer on a real dataplane::Loop (in a thread) and a unix socket in a temp dir, with
// blocking clients in the test thread: idle clients, many clients, oversized and malformed
// requests, answer order, idle timeout.
#define BOOST_TEST_MODULE tunnel_uapi_server
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/loop.h"
#include "tunnel/uapi_server.h"

using namespace weft;
using namespace std::chrono_literals;
using tunnel::UapiServer;
using tunnel::UapiServerLimits;

namespace {

constexpr char kGetAnswer[] = "listen_port=51820\nerrno=0\n\n";

struct FakeHandler : tunnel::UapiHandler {
  std::atomic<int> gets{0};
  std::atomic<int> sets{0};
  std::string get() override {
    ++gets;
    return kGetAnswer;
  }
  std::string set(const std::string& body) override {
    ++sets;
    return body.find("fail") == std::string::npos ? "errno=0\n\n" : "errno=-22\n\n";
  }
};

// The server and its loop on a thread of their own. Only the loop thread touches the server
// while it runs; the test stops it through a pipe (the loop's io_context takes no locks).
class Served {
 public:
  explicit Served(UapiServerLimits limits = {}) {
    char tmpl[] = "/tmp/weft-uapi-server-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/wgtest.sock";
    auto s = UapiServer::open(loop_, path_, handler, [] {}, limits);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().detail));
    server = std::move(*s);
    BOOST_REQUIRE(::pipe2(stop_pipe_, O_NONBLOCK | O_CLOEXEC) == 0);
    stop_watch_.emplace(loop_, stop_pipe_[0], [this] {
      loop_.stop();
      return false;
    });
    stop_watch_->start();
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~Served() {
    stop();
    server.reset();
    stop_watch_.reset();
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
    ::rmdir(dir_.c_str());
  }
  /// Stops the loop; the server's counters may be read afterwards.
  void stop() {
    if (!thread_.joinable()) return;
    if (::write(stop_pipe_[1], "x", 1) != 1) std::abort();  // the thread would never end
    thread_.join();
  }
  const std::string& path() const { return path_; }

  FakeHandler handler;
  std::unique_ptr<UapiServer> server;

 private:
  dataplane::Loop loop_;
  std::string dir_;
  std::string path_;
  int stop_pipe_[2] = {-1, -1};
  std::optional<dataplane::ReadWatch> stop_watch_;
  std::thread thread_;
};

// A blocking client, as wg(8) is, with receive and send timeouts so a broken server fails the
// test instead of hanging it.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_REQUIRE(fd_ >= 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    BOOST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends all of `bytes`; false if the server closed first.
  bool send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  /// Reads until `answers` complete answers ("errno=...\n\n") arrived, or end of stream, or the
  /// receive timeout.
  std::string read_answers(int answers) {
    while (count_answers() < answers && read_some()) {
    }
    return received_;
  }
  /// Reads until the server closes (end of stream or reset); false on the receive timeout.
  bool read_until_closed() {
    while (read_some()) {
    }
    return closed_;
  }
  const std::string& received() const { return received_; }

 private:
  int count_answers() const {
    int n = 0;
    for (std::size_t at = received_.find("errno="); at != std::string::npos;
         at = received_.find("errno=", at + 1)) {
      if (received_.find("\n\n", at) != std::string::npos) ++n;
    }
    return n;
  }
  bool read_some() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      received_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    closed_ = n == 0 || errno == ECONNRESET;
    return false;
  }

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

std::string repeated(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// Clients that connect and send nothing.
std::vector<std::unique_ptr<Client>> idle_clients(const std::string& path, int n) {
  std::vector<std::unique_ptr<Client>> out;
  for (int i = 0; i < n; ++i) out.push_back(std::make_unique<Client>(path));
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(uapi_server)

// The failure of issue 7: idle connections took every slot and wg(8) was turned away.
BOOST_AUTO_TEST_CASE(serves_a_get_while_idle_clients_hold_the_default_slots) {
  Served s;
  auto idle = idle_clients(s.path(), 40);
  Client wg(s.path());
  auto t = std::chrono::steady_clock::now();
  BOOST_REQUIRE(wg.send("get=1\n\n"));
  BOOST_TEST(wg.read_answers(1) == kGetAnswer);
  BOOST_TEST_MESSAGE("get answered in " << seconds_since(t) << " s beside 40 idle clients");
}

// More idle clients than slots: the longest-idle ones make way, so the newcomer is served
// after at most a few evict_after rounds, never refused.
BOOST_AUTO_TEST_CASE(evicts_the_longest_idle_client_when_every_slot_is_taken) {
  UapiServerLimits limits;
  limits.max_clients = 4;
  limits.evict_after = 200ms;
  Served s(limits);
  auto idle = idle_clients(s.path(), 10);
  Client wg(s.path());
  auto t = std::chrono::steady_clock::now();
  BOOST_REQUIRE(wg.send("get=1\n\n"));
  BOOST_TEST(wg.read_answers(1) == kGetAnswer);
  double took = seconds_since(t);
  BOOST_TEST_MESSAGE("get answered in " << took << " s with 10 idle clients and 4 slots");
  BOOST_TEST(took < 8.0);
  // The first idle client was evicted: its connection is closed without an answer.
  BOOST_TEST(idle[0]->read_until_closed());
  BOOST_TEST(idle[0]->received().empty());
  s.stop();
  BOOST_TEST(s.server->idle_closed() >= 7u);
}

BOOST_AUTO_TEST_CASE(answers_every_request_of_many_pipelining_clients) {
  Served s;
  constexpr int kClients = 40;
  constexpr int kRequests = 25;
  std::string batch = repeated("get=1\n\n", kRequests);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(s.path()));
    BOOST_REQUIRE(clients.back()->send(batch));
  }
  int answered = 0;
  for (auto& c : clients) {
    if (c->read_answers(kRequests) == repeated(kGetAnswer, kRequests)) answered += kRequests;
  }
  BOOST_TEST(answered == kClients * kRequests);
  s.stop();
  BOOST_TEST(s.handler.gets == kClients * kRequests);
  BOOST_TEST(s.server->requests() == static_cast<uint64_t>(kClients * kRequests));
}

// wg(8) writes its whole request before reading: the server must read (and drop) an oversized
// request to its end and answer it, or wg dies of SIGPIPE without a word.
BOOST_AUTO_TEST_CASE(answers_an_oversized_set_with_emsgsize_and_serves_the_next_request) {
  Served s;
  Client wg(s.path());
  std::string request = "set=1\nreplace_peers=true\n";
  while (request.size() < 3 * tunnel::UapiRequestReader::kMaxRequestSize) {
    request += "public_key=416b28285ad413a79718ac8841f5917d2c1ef3e0dd963c0cc87805c5181cef0b\n"
               "allowed_ip=100.64.0.2/32\n";
  }
  request += "\nget=1\n\n";
  BOOST_REQUIRE(wg.send(request));
  BOOST_TEST(wg.read_answers(2) == "errno=-" + std::to_string(EMSGSIZE) + "\n\n" + kGetAnswer);
  s.stop();
  BOOST_TEST(s.handler.sets == 0);
}

// A set and then garbage in one write: the set is applied and answered, the garbage is
// answered EPROTO, then the server closes.
BOOST_AUTO_TEST_CASE(answers_a_set_then_refuses_garbage_then_closes) {
  Served s;
  Client c(s.path());
  BOOST_REQUIRE(c.send("set=1\nlisten_port=1\n\nset=1\nfail=1\n\nthis is not uapi\nget=1\n\n"));
  BOOST_TEST(c.read_until_closed());
  BOOST_TEST(c.received() == "errno=0\n\nerrno=-22\n\nerrno=-" + std::to_string(EPROTO) + "\n\n");
  s.stop();
  BOOST_TEST(s.handler.sets == 2);
  BOOST_TEST(s.handler.gets == 0);
}

BOOST_AUTO_TEST_CASE(answers_a_client_that_half_closes_after_writing) {
  Served s;
  Client c(s.path());
  BOOST_REQUIRE(c.send("get=1\n\nget=1\n\n"));
  c.shutdown_write();
  BOOST_TEST(c.read_until_closed());
  BOOST_TEST(c.received() == std::string(kGetAnswer) + kGetAnswer);
}

BOOST_AUTO_TEST_CASE(closes_clients_that_stay_idle_past_the_timeout) {
  UapiServerLimits limits;
  limits.idle_timeout = 300ms;
  Served s(limits);
  Client busy(s.path());
  // A client that keeps talking is not idle, however long it stays.
  std::string busy_got;
  std::thread talker([&busy, &busy_got] {
    for (int i = 1; i <= 8; ++i) {
      if (!busy.send("get=1\n\n")) return;
      busy_got = busy.read_answers(i);
      std::this_thread::sleep_for(100ms);
    }
  });
  auto t = std::chrono::steady_clock::now();
  Client silent(s.path());
  Client half(s.path());
  BOOST_REQUIRE(half.send("set=1\nlisten_port=1\n"));  // never finished
  BOOST_TEST(silent.read_until_closed());
  double took = seconds_since(t);
  BOOST_TEST(half.read_until_closed());
  BOOST_TEST(half.received().empty());
  talker.join();
  BOOST_TEST_MESSAGE("idle client closed after " << took << " s (timeout 0.3 s)");
  BOOST_TEST(took >= 0.25);
  BOOST_TEST(took < 8.0);
  BOOST_TEST(busy_got == repeated(kGetAnswer, 8));
  s.stop();
  BOOST_TEST(s.server->idle_closed() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
