// The node's local API over a real unix socket with a fake agent: the status answer's shape,
// ping lines for replies and timeouts, names resolved, down answered before the node stops,
// the socket's mode and refused callers, and the client's errors when no node runs.
#define BOOST_TEST_MODULE node_local_api
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <rapidjson/document.h>

#include "node/local_api.h"
#include "node/local_api_status.h"
#include "node/local_client.h"
#include "serve/test_io.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace std::chrono_literals;
using test::run_until;

namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }

/// The agent's side: a fixed status; pings to b answered after 3 ms except the seqs in
/// `unanswered`; down recorded.
struct FakeAgent : node::LocalApiHandler {
  engine::EngineStatus status() override {
    engine::EngineStatus s;
    s.has_netmap = true;
    s.self.name = "a";
    s.self.dns_name = "a.weft.internal.";
    s.self.addresses = {ip("100.64.0.1"), ip("fd7a:115c:a1e0::1")};
    s.self.tags = {"tag:a"};
    s.control_state = controlclient::ClientState::kDisconnected;
    s.offline_since = core::WallTime(std::chrono::seconds(1'764'677'000));
    s.netmap_time = core::WallTime(std::chrono::seconds(1'764'676'900));
    s.from_cache = true;
    s.policy_version = 7;
    engine::PeerStatus b;
    b.id = control::NodeId{2};
    b.name = "b";
    b.dns_name = "b.weft.internal.";
    b.user = "bob@example.com";
    b.addresses = {ip("100.64.0.2")};
    b.online = true;
    b.endpoint = core::Path::v4(192, 0, 2, 7, 41641);
    b.last_handshake = core::WallTime(std::chrono::seconds(1'764'676'990));
    b.rx_bytes = 1500;
    b.tx_bytes = 3000;
    s.peers.push_back(b);
    return s;
  }
  Status send_ping(const util::IpAddress& peer, uint16_t seq) override {
    sent.push_back(seq);
    if (peer != ip("100.64.0.2")) return make_error("engine.no_peer", peer.to_string() + " is no peer");
    if (sent.size() % 2 == 0) return Ok{};  // every second request goes unanswered
    boost::asio::post(*io, [this, peer, seq] { api->ping_reply(peer, seq, 3ms); });
    return Ok{};
  }
  void down() override { downed = true; }

  boost::asio::io_context* io = nullptr;
  node::LocalApi* api = nullptr;
  std::vector<uint16_t> sent;
  bool downed = false;
};

struct Node {
  Node() {
    agent.io = &io;
    node::LocalApiOptions options;
    options.ping_interval = 20ms;
    options.ping_timeout = 100ms;
    auto a = node::LocalApi::open(io, dir.path(), agent, options);
    BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? std::string() : a.error().detail));
    api = std::move(*a);
    agent.api = api.get();
  }

  /// Runs `call` on a thread while this thread serves the socket.
  template <class F>
  auto serve_while(F call) {
    return test::serve_while(io, std::move(call));
  }

  /// The lines of one streamed answer (or the client's error code as the only line).
  std::vector<std::string> stream(const std::string& request) {
    return serve_while([&] {
      std::vector<std::string> lines;
      auto s = node::local_stream(dir.path(), request, 5s,
                                  [&](const std::string& line) { lines.push_back(line); });
      if (!s.ok()) lines.push_back("client error " + s.error().code);
      return lines;
    });
  }

  TempDir dir;
  boost::asio::io_context io;
  FakeAgent agent;
  std::unique_ptr<node::LocalApi> api;
};

rapidjson::Document parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject(), line);
  return d;
}

std::string error_code(const std::string& line) {
  auto d = parse(line);
  if (!d.HasMember("error")) return "";
  return d["error"]["code"].GetString();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_api)

BOOST_AUTO_TEST_CASE(status_answers_self_peers_and_the_outage) {
  Node n;
  auto answer = n.serve_while([&] { return node::local_call(n.dir.path(), R"({"op":"status"})"); });
  BOOST_REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? std::string() : answer.error().detail));
  auto d = parse(*answer);
  BOOST_TEST(d["has_netmap"].GetBool());
  BOOST_TEST(d["control_state"].GetString() == std::string("disconnected"));
  BOOST_TEST(d["offline_since"].GetInt64() == 1'764'677'000);
  BOOST_TEST(d["netmap_time"].GetInt64() == 1'764'676'900);
  BOOST_TEST(d["from_cache"].GetBool());
  BOOST_TEST(d["policy_version"].GetUint64() == 7u);
  BOOST_TEST(d["self"]["name"].GetString() == std::string("a"));
  BOOST_TEST(d["self"]["addresses"][1].GetString() == std::string("fd7a:115c:a1e0::1"));
  BOOST_REQUIRE(d["peers"].Size() == 1u);
  const auto& b = d["peers"][0];
  BOOST_TEST(b["name"].GetString() == std::string("b"));
  BOOST_TEST(b["user"].GetString() == std::string("bob@example.com"));
  BOOST_TEST(b["online"].GetBool());
  BOOST_TEST(b["endpoint"].GetString() == std::string("192.0.2.7:41641"));
  BOOST_TEST(b["last_handshake"].GetInt64() == 1'764'676'990);
  BOOST_TEST(b["rx_bytes"].GetUint64() == 1500u);
  BOOST_TEST(d["counters"].HasMember("filter_denied"));

  auto view = node::status_from_json(*answer);
  BOOST_REQUIRE(view.ok());
  BOOST_TEST(view->peers.size() == 1u);
  BOOST_TEST(view->self.tags.front() == "tag:a");
  BOOST_TEST(n.api->counters().requests == 1u);
}

BOOST_AUTO_TEST_CASE(ping_prints_each_round_trip_and_each_timeout) {
  Node n;
  auto lines = n.stream(R"({"op":"ping","peer":"100.64.0.2","count":3})");
  BOOST_REQUIRE(lines.size() == 4u);
  auto first = parse(lines[0]);
  BOOST_TEST(first["address"].GetString() == std::string("100.64.0.2"));
  BOOST_TEST(first["rtt_ms"].GetDouble() == 3.0);
  auto second = parse(lines[1]);
  BOOST_TEST(second["timeout"].GetBool());
  BOOST_TEST(second["seq"].GetUint() == first["seq"].GetUint() + 1);
  BOOST_TEST(parse(lines[2]).HasMember("rtt_ms"));
  auto done = parse(lines[3]);
  BOOST_TEST(done["done"].GetBool());
  BOOST_TEST(done["sent"].GetUint() == 3u);
  BOOST_TEST(done["received"].GetUint() == 2u);
  BOOST_TEST(n.agent.sent.size() == 3u);
}

BOOST_AUTO_TEST_CASE(ping_finds_a_peer_by_name_or_dns_name) {
  Node n;
  for (const char* name : {"b", "b.weft.internal", "b.weft.internal."}) {
    auto lines = n.stream(std::string(R"({"op":"ping","peer":")") + name + "\"}");
    BOOST_REQUIRE(lines.size() == 2u);
    auto reply = parse(lines[0]);
    BOOST_TEST(reply["peer"].GetString() == std::string(name));
    BOOST_TEST(reply["address"].GetString() == std::string("100.64.0.2"));
  }
}

BOOST_AUTO_TEST_CASE(ping_of_an_unknown_name_or_no_peer_answers_an_error) {
  Node n;
  auto unknown = n.stream(R"({"op":"ping","peer":"c","count":2})");
  BOOST_REQUIRE(unknown.size() == 1u);
  BOOST_TEST(error_code(unknown[0]) == "local.unknown_peer");
  BOOST_TEST(n.agent.sent.empty());
  auto no_peer = n.stream(R"({"op":"ping","peer":"100.64.0.3","count":2})");
  BOOST_REQUIRE(no_peer.size() == 1u);
  BOOST_TEST(error_code(no_peer[0]) == "engine.no_peer");
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused) {
  Node n;
  for (const char* request : {"not json", R"({"op":"reboot"})", R"({"op":"ping"})",
                              R"({"op":"ping","peer":"b","count":0})", R"({"op":7})"}) {
    auto lines = n.stream(request);
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(error_code(lines[0]) == "local.bad_request", request);
  }
}

BOOST_AUTO_TEST_CASE(down_answers_then_stops_the_node) {
  Node n;
  auto answer = n.serve_while([&] { return node::local_call(n.dir.path(), R"({"op":"down"})"); });
  BOOST_REQUIRE(answer.ok());
  BOOST_TEST(*answer == R"({"ok":true})");
  BOOST_TEST(run_until(n.io, [&] { return n.agent.downed; }));
}

BOOST_AUTO_TEST_CASE(the_socket_is_weft_sock_in_the_state_directory_and_owner_only) {
  Node n;
  BOOST_TEST(n.api->path() == n.dir.file("weft.sock"));
  struct stat st {};
  BOOST_REQUIRE(::stat(n.api->path().c_str(), &st) == 0);
  BOOST_TEST(S_ISSOCK(st.st_mode));
  BOOST_TEST((st.st_mode & 07777) == 0600u);
}

BOOST_AUTO_TEST_CASE(refuses_callers_other_than_root_and_the_node_user) {
  // A skipped check would look like a passed one: without root this fails, as e2e tests do.
  BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "needs root to call as another uid: run as root");
  Node n;
  BOOST_REQUIRE(::chmod(n.api->path().c_str(), 0666) == 0);
  BOOST_REQUIRE(::chmod(n.dir.path().c_str(), 0755) == 0);
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    auto r = node::local_call(n.dir.path(), R"({"op":"down"})", 5s);
    std::string report = r.ok() ? "ok:" + *r : r.error().code + ":" + r.error().detail;
    (void)::write(fds[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  int status = 0;
  BOOST_REQUIRE(run_until(n.io, [&] { return ::waitpid(child, &status, WNOHANG) == child; }));
  char buf[1024];
  ssize_t got = ::read(fds[0], buf, sizeof(buf));
  ::close(fds[0]);
  std::string report(buf, got > 0 ? static_cast<std::size_t>(got) : 0);
  BOOST_TEST(report.find("local.forbidden") != std::string::npos, report);
  BOOST_TEST(report.find("uid 65534") != std::string::npos, report);
  BOOST_TEST(!n.agent.downed);
  BOOST_TEST(n.api->counters().refused_peer == 1u);
}

BOOST_AUTO_TEST_CASE(the_client_names_weft_up_when_no_node_runs) {
  TempDir dir;
  auto r = node::local_call(dir.path(), R"({"op":"status"})");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "local.connect");
  BOOST_TEST(r.error().detail.find("is weft up running with --state " + dir.path()) !=
                 std::string::npos,
             r.error().detail);
}

BOOST_AUTO_TEST_SUITE_END()
