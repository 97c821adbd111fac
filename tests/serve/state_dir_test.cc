// The state directory and key files of weft serve: created 0700 / 0600, reloaded as written,
// refused (not repaired) when others may read them, and never read through a symbolic link.
#define BOOST_TEST_MODULE state_dir
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "serve/state_dir.h"
#include "support/temp_dir.h"

using namespace weft;

namespace {

crypto::Key32 key_of(uint8_t fill) {
  crypto::Key32 k{};
  k.fill(fill);
  return k;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

BOOST_AUTO_TEST_CASE(creates_the_directory_and_key_files_private_and_reloads_them) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/state";
  BOOST_REQUIRE(serve::prepare_state_dir(dir).ok());
  BOOST_TEST(mode_of(dir) == 0700u);
  auto first = serve::load_or_create_key_file(dir + "/server.key", key_of(7));
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(mode_of(dir + "/server.key") == 0600u);
  auto again = serve::load_or_create_key_file(dir + "/server.key", key_of(9));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((*again == key_of(7)));  // the stored key, not the fresh one
}

BOOST_AUTO_TEST_CASE(refuses_wide_modes_instead_of_repairing_them) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/state";
  BOOST_REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  BOOST_REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  auto st = serve::prepare_state_dir(dir);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "serve.state_mode");
  BOOST_TEST(mode_of(dir) == 0755u);

  BOOST_REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  BOOST_REQUIRE(serve::load_or_create_key_file(dir + "/k", key_of(1)).ok());
  BOOST_REQUIRE(::chmod((dir + "/k").c_str(), 0640) == 0);
  auto k = serve::load_or_create_key_file(dir + "/k", key_of(2));
  BOOST_REQUIRE(!k.ok());
  BOOST_TEST(k.error().code == "serve.key_mode");
}

BOOST_AUTO_TEST_CASE(refuses_a_symbolic_link_and_a_file_that_is_not_one_key) {
  TempDir tmp;
  const std::string dir = tmp.path();
  BOOST_REQUIRE(serve::load_or_create_key_file(dir + "/real", key_of(3)).ok());
  BOOST_REQUIRE(::symlink((dir + "/real").c_str(), (dir + "/link").c_str()) == 0);
  auto linked = serve::load_or_create_key_file(dir + "/link", key_of(4));
  BOOST_REQUIRE(!linked.ok());
  BOOST_TEST(linked.error().detail.find("symbolic link") != std::string::npos);

  {
    std::ofstream f(dir + "/junk");
    f << "not a key\n";
  }
  BOOST_REQUIRE(::chmod((dir + "/junk").c_str(), 0600) == 0);
  auto junk = serve::load_or_create_key_file(dir + "/junk", key_of(5));
  BOOST_REQUIRE(!junk.ok());
  BOOST_TEST(junk.error().code == "serve.key_file");
}
