#define BOOST_TEST_MODULE runtime_path_watch
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "runtime/path_watch.h"

using weft::runtime::PathWatch;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/weft-watch-test-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

void touch(const std::string& p) { ::close(::open(p.c_str(), O_CREAT | O_WRONLY, 0600)); }

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 5000) == 1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(path_watch)

BOOST_AUTO_TEST_CASE(reports_removal_of_the_watched_file_only) {
  TempDir dir;
  std::string watched = dir.path + "/wg0.sock";
  std::string other = dir.path + "/wg0.sock.bak";
  touch(watched);
  touch(other);
  auto w = PathWatch::create(watched);
  BOOST_REQUIRE(w.ok());
  BOOST_TEST(!w->consume_removed());

  ::unlink(other.c_str());  // a name that merely starts with ours
  BOOST_REQUIRE(readable(w->fd()));
  BOOST_TEST(!w->consume_removed());

  ::unlink(watched.c_str());
  BOOST_REQUIRE(readable(w->fd()));
  BOOST_TEST(w->consume_removed());
}

BOOST_AUTO_TEST_CASE(reports_renaming_away_as_removal) {
  TempDir dir;
  std::string watched = dir.path + "/wg1.sock";
  touch(watched);
  auto w = PathWatch::create(watched);
  BOOST_REQUIRE(w.ok());
  BOOST_REQUIRE(::rename(watched.c_str(), (dir.path + "/elsewhere").c_str()) == 0);
  BOOST_REQUIRE(readable(w->fd()));
  BOOST_TEST(w->consume_removed());
}

BOOST_AUTO_TEST_CASE(fails_for_a_missing_directory) {
  auto w = PathWatch::create("/nonexistent-weft-dir/x.sock");
  BOOST_REQUIRE(!w.ok());
  BOOST_TEST(w.error().code == "runtime.inotify");
}

BOOST_AUTO_TEST_SUITE_END()
