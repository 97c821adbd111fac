// The admin socket and admin_call over a real unix socket: the round trip, the file's mode, the
// size limit, refused callers, silent clients, and the client's errors when no server runs.
#define BOOST_TEST_MODULE serve_admin_socket
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "runtime/unique_fd.h"
#include "serve/admin_client.h"
#include "serve/admin_socket.h"
#include "serve/test_io.h"
#include "support/temp_dir.h"

using namespace weft;
using serve::admin_call;
using serve::AdminSocket;
using test::run_until;

namespace {

struct Admin {
  explicit Admin(serve::AdminSocketLimits limits = {}) {
    auto s = AdminSocket::open(
        io, dir.file("admin.sock"),
        [this](std::string_view request) {
          last_request = std::string(request);
          return "{\"echo\":" + std::string(request) + "}";
        },
        limits);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().detail));
    socket = std::move(*s);
  }
  std::string path() const { return socket->path(); }

  /// Runs `call` on a thread while this thread serves the socket.
  template <class F>
  auto serve_while(F call) {
    return test::serve_while(io, std::move(call));
  }

  TempDir dir;
  boost::asio::io_context io;
  std::string last_request;
  std::unique_ptr<AdminSocket> socket;
};

/// A raw client: connects, writes `bytes`, reads until the server closes.
std::string raw_exchange(const std::string& path, const std::string& bytes) {
  runtime::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return "connect";
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server answered and stopped reading early
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd.get(), buf, sizeof(buf), 0)) > 0) answer.append(buf, n);
  return answer;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_socket)

BOOST_AUTO_TEST_CASE(answers_one_request_per_connection) {
  Admin admin;
  auto answer = admin.serve_while([&] { return admin_call(admin.path(), R"({"op":"nodes.list"})"); });
  BOOST_REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? std::string() : answer.error().detail));
  BOOST_TEST(*answer == R"({"echo":{"op":"nodes.list"}})");
  BOOST_TEST(admin.last_request == R"({"op":"nodes.list"})");
  auto again = admin.serve_while([&] { return admin_call(admin.path(), "{}"); });
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(*again == R"({"echo":{}})");
  BOOST_TEST(admin.socket->counters().requests == 2u);
}

BOOST_AUTO_TEST_CASE(socket_file_is_owner_only) {
  Admin admin;
  struct stat st {};
  BOOST_REQUIRE(::stat(admin.path().c_str(), &st) == 0);
  BOOST_TEST(S_ISSOCK(st.st_mode));
  BOOST_TEST((st.st_mode & 07777) == 0600u);
}

BOOST_AUTO_TEST_CASE(refuses_a_request_beyond_the_http_apis_limit) {
  Admin admin;
  std::string huge(serve::kMaxAdminRequest + 10, 'x');
  std::string answer = admin.serve_while([&] { return raw_exchange(admin.path(), huge); });
  BOOST_TEST(answer.find("\"admin.request_too_large\"") != std::string::npos, answer);
  BOOST_TEST(answer.back() == '\n');
  BOOST_TEST(admin.socket->counters().oversized == 1u);
  BOOST_TEST(admin.last_request.empty());

  auto local = admin_call(admin.path(), huge);
  BOOST_REQUIRE(!local.ok());
  BOOST_TEST(local.error().code == "admin.request");
  auto two_lines = admin_call(admin.path(), "{}\n{}");
  BOOST_REQUIRE(!two_lines.ok());
  BOOST_TEST(two_lines.error().code == "admin.request");
}

BOOST_AUTO_TEST_CASE(takes_a_request_as_large_as_the_http_api_takes) {
  // A policy the HTTP API accepts (bodies up to kMaxApiBody) is accepted locally too.
  static_assert(serve::kMaxAdminRequest == serve::kMaxApiBody);
  Admin admin;
  const std::string text(8u << 20, 'p');
  const std::string request = R"({"op":"policy.check","text":")" + text + "\"}";
  auto answer = admin.serve_while([&] { return admin_call(admin.path(), request); });
  BOOST_REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? std::string() : answer.error().detail));
  BOOST_TEST(admin.last_request.size() == request.size());
  BOOST_TEST(admin.socket->counters().oversized == 0u);
}

BOOST_AUTO_TEST_CASE(a_request_without_newline_is_answered_at_eof) {
  Admin admin;
  std::string answer = admin.serve_while([&] {
    runtime::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, admin.path().c_str(), sizeof(a.sun_path) - 1);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return std::string();
    (void)::send(fd.get(), "{}", 2, MSG_NOSIGNAL);
    ::shutdown(fd.get(), SHUT_WR);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = ::recv(fd.get(), buf, sizeof(buf), 0)) > 0) out.append(buf, n);
    return out;
  });
  BOOST_TEST(answer == "{\"echo\":{}}\n");
}

BOOST_AUTO_TEST_CASE(closes_a_client_that_sends_nothing) {
  serve::AdminSocketLimits limits;
  limits.timeout = std::chrono::milliseconds(100);
  Admin admin(limits);
  std::string answer = admin.serve_while([&] { return raw_exchange(admin.path(), ""); });
  BOOST_TEST(answer.empty());
  BOOST_TEST(admin.socket->counters().timeouts == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_callers_other_than_root_and_the_server_user) {
  // A skipped check would look like a passed one: without root this fails, as e2e tests do.
  BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "needs root to call as another uid: run as root");
  Admin admin;
  // Loosen the file (and the directory) so only the credential check stands in the way.
  BOOST_REQUIRE(::chmod(admin.path().c_str(), 0666) == 0);
  BOOST_REQUIRE(::chmod(admin.dir.path().c_str(), 0755) == 0);
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    auto r = admin_call(admin.path(), "{}", std::chrono::seconds(5));
    std::string report = r.ok() ? "ok:" + *r : r.error().code + ":" + r.error().detail;
    (void)::write(fds[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  int status = 0;
  bool exited = run_until(admin.io, [&] { return ::waitpid(child, &status, WNOHANG) == child; });
  BOOST_REQUIRE(exited);
  char buf[1024];
  ssize_t n = ::read(fds[0], buf, sizeof(buf));
  ::close(fds[0]);
  std::string report(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  // The socket answers the refusal in the handler's JSON shape; the handler never runs.
  BOOST_TEST(report.find("admin.forbidden") != std::string::npos, report);
  BOOST_TEST(report.find("uid 65534") != std::string::npos, report);
  BOOST_TEST(admin.last_request.empty());
  BOOST_TEST(admin.socket->counters().refused_peer == 1u);
}

BOOST_AUTO_TEST_CASE(client_names_the_path_when_no_server_runs) {
  TempDir dir;
  auto r = admin_call(dir.file("admin.sock"), "{}");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "admin.connect");
  BOOST_TEST(r.error().detail.find(dir.file("admin.sock")) != std::string::npos, r.error().detail);
  BOOST_TEST(r.error().detail.find("No such file or directory") != std::string::npos);
  BOOST_TEST(r.error().detail.find("is weft serve running with --state " + dir.path()) !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(client_times_out_on_a_server_that_never_answers) {
  TempDir dir;
  boost::asio::io_context io;
  auto s = AdminSocket::open(io, dir.file("admin.sock"), [](std::string_view) { return "{}"; });
  BOOST_REQUIRE(s.ok());
  // The io_context never runs: the kernel accepts the connection, nobody answers.
  auto r = admin_call(dir.file("admin.sock"), "{}", std::chrono::milliseconds(100));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "admin.timeout");
}

BOOST_AUTO_TEST_CASE(a_second_server_on_the_same_path_is_refused_and_the_file_goes_with_the_first) {
  std::string path;
  {
    Admin admin;
    path = admin.path();
    auto second = AdminSocket::open(admin.io, path, [](std::string_view) { return "{}"; });
    BOOST_REQUIRE(!second.ok());
    BOOST_TEST(second.error().code == "runtime.unix_in_use");
    admin.socket.reset();
    struct stat st {};
    BOOST_TEST(::stat(path.c_str(), &st) != 0);
  }
}

BOOST_AUTO_TEST_CASE(error_answers_are_json) {
  BOOST_TEST(serve::admin_error_json("admin.x", "say \"hi\"\n") ==
             R"({"error":{"code":"admin.x","message":"say \"hi\"\n"}})");
}

BOOST_AUTO_TEST_SUITE_END()
