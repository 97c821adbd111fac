#define BOOST_TEST_MODULE runtime_unix_listener
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "runtime/sys_error.h"
#include "runtime/unix_listener.h"

using namespace weft::runtime;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/weft-unix-test-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

UniqueFd connect_to(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return UniqueFd{};
  return fd;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unix_listener)

BOOST_AUTO_TEST_CASE(accepts_connections_and_unlinks_on_close) {
  TempDir dir;
  std::string path = dir.path + "/wireguard/wg-test.sock";  // parent is created
  {
    auto l = UnixListener::listen(path);
    BOOST_REQUIRE_MESSAGE(l.ok(), (l.ok() ? std::string() : l.error().detail));
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0077) == 0u);  // nobody but the owner

    auto none = l->accept();
    BOOST_REQUIRE(!none.ok());
    BOOST_TEST(is_would_block(none.error()));

    auto client = connect_to(path);
    BOOST_REQUIRE(client.valid());
    pollfd p{l->fd(), POLLIN, 0};
    BOOST_REQUIRE(::poll(&p, 1, 5000) == 1);
    auto server = l->accept();
    BOOST_REQUIRE(server.ok());
    BOOST_TEST(::write(client.get(), "get=1\n\n", 7) == 7);
    char buf[8] = {};
    pollfd q{server->get(), POLLIN, 0};
    BOOST_REQUIRE(::poll(&q, 1, 5000) == 1);
    BOOST_TEST(::read(server->get(), buf, sizeof(buf)) == 7);
    BOOST_TEST(std::string(buf, 7) == "get=1\n\n");
  }
  BOOST_TEST(!exists(path));
}

BOOST_AUTO_TEST_CASE(replaces_a_stale_socket_but_not_a_live_one) {
  TempDir dir;
  std::string path = dir.path + "/stale.sock";
  {
    // A socket file nobody listens on, as a crashed daemon leaves behind.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    BOOST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  }
  BOOST_REQUIRE(exists(path));
  auto first = UnixListener::listen(path);
  BOOST_REQUIRE(first.ok());
  auto second = UnixListener::listen(path);
  BOOST_REQUIRE(!second.ok());
  BOOST_TEST(second.error().code == "runtime.unix_in_use");
  BOOST_TEST(exists(path));  // the live listener's file was left alone
}

BOOST_AUTO_TEST_CASE(rejects_an_overlong_path) {
  auto l = UnixListener::listen("/tmp/" + std::string(200, 'x'));
  BOOST_REQUIRE(!l.ok());
  BOOST_TEST(l.error().code == "runtime.unix_path");
}

BOOST_AUTO_TEST_SUITE_END()
