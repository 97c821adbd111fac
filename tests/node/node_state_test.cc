// The node's state directory: keys created once and kept 0600, the server binding, the netmap
// cache replaced atomically and deleted, wider modes and links refused; the interface layout and
// the host name label the agent derives.
#define BOOST_TEST_MODULE node_state
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "core/key_text.h"
#include "core/random.h"
#include "node/agent.h"
#include "node/node_state.h"
#include "node/tailnet_interface.h"
#include "support/temp_dir.h"

using namespace weft;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

node::ServerBinding binding() {
  node::ServerBinding b;
  b.url = "http://192.0.2.1:8080";
  b.key.bytes.fill(7);
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(creates_private_directory_and_keys_once) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/node";
  core::SeededRandom rng(1);
  auto first = node::NodeState::open(dir, rng);
  BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().detail));
  BOOST_TEST(mode_of(dir) == 0700u);
  BOOST_TEST(mode_of(dir + "/machine.key") == 0600u);
  BOOST_TEST(mode_of(dir + "/node.key") == 0600u);
  BOOST_TEST(!(*first)->machine_key().is_zero());
  BOOST_TEST((*first)->machine_key().bytes != (*first)->node_key().bytes);
  BOOST_TEST(!(*first)->server().has_value());

  core::SeededRandom other(2);
  auto again = node::NodeState::open(dir, other);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(((*again)->machine_key() == (*first)->machine_key()));
  BOOST_TEST(((*again)->node_key() == (*first)->node_key()));
}

BOOST_AUTO_TEST_CASE(keeps_the_server_and_a_rotated_node_key) {
  TempDir tmp;
  core::SeededRandom rng(3);
  auto st = node::NodeState::open(tmp.path() + "/n", rng);
  BOOST_REQUIRE(st.ok());
  BOOST_REQUIRE((*st)->save_server(binding()).ok());
  core::NodePrivateKey rotated;
  rotated.bytes.fill(9);
  BOOST_REQUIRE((*st)->save_node_key(rotated).ok());
  BOOST_TEST(mode_of(tmp.path() + "/n/server") == 0600u);
  BOOST_TEST(mode_of(tmp.path() + "/n/node.key") == 0600u);

  auto again = node::NodeState::open(tmp.path() + "/n", rng);
  BOOST_REQUIRE(again.ok());
  BOOST_REQUIRE((*again)->server().has_value());
  BOOST_TEST((*again)->server()->url == binding().url);
  BOOST_TEST(((*again)->server()->key == binding().key));
  BOOST_TEST(((*again)->node_key() == rotated));
}

BOOST_AUTO_TEST_CASE(replaces_the_cache_atomically_and_deletes_it) {
  TempDir tmp;
  core::SeededRandom rng(4);
  auto st = node::NodeState::open(tmp.path() + "/n", rng);
  BOOST_REQUIRE(st.ok());
  auto none = (*st)->read_cache();
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(!none->has_value());

  BOOST_REQUIRE((*st)->write_cache({1, 2, 3}).ok());
  BOOST_REQUIRE((*st)->write_cache({4, 5}).ok());
  const std::string path = tmp.path() + "/n/netmap.cache";
  BOOST_TEST(mode_of(path) == 0600u);
  BOOST_TEST(!exists(path + ".tmp"));
  auto read = (*st)->read_cache();
  BOOST_REQUIRE(read.ok());
  BOOST_REQUIRE(read->has_value());
  BOOST_TEST((**read == std::vector<uint8_t>{4, 5}));

  BOOST_REQUIRE((*st)->delete_cache().ok());
  BOOST_TEST(!exists(path));
  BOOST_TEST((*st)->delete_cache().ok());
}

BOOST_AUTO_TEST_CASE(a_stale_temporary_file_or_link_there_is_replaced_not_followed) {
  TempDir tmp;
  core::SeededRandom rng(5);
  auto st = node::NodeState::open(tmp.path() + "/n", rng);
  BOOST_REQUIRE(st.ok());
  const std::string victim = tmp.path() + "/victim";
  { std::ofstream(victim) << "keep"; }
  BOOST_REQUIRE(::symlink(victim.c_str(), (tmp.path() + "/n/netmap.cache.tmp").c_str()) == 0);
  BOOST_REQUIRE((*st)->write_cache({8}).ok());
  std::ifstream in(victim);
  std::string text;
  in >> text;
  BOOST_TEST(text == "keep");
}

BOOST_AUTO_TEST_CASE(refuses_a_readable_directory_key_or_cache) {
  TempDir tmp;
  core::SeededRandom rng(6);
  const std::string dir = tmp.path() + "/n";
  BOOST_REQUIRE(node::NodeState::open(dir, rng).ok());

  BOOST_REQUIRE(::chmod((dir + "/node.key").c_str(), 0644) == 0);
  auto key = node::NodeState::open(dir, rng);
  BOOST_REQUIRE(!key.ok());
  BOOST_TEST(key.error().code == "node.key_mode");
  BOOST_REQUIRE(::chmod((dir + "/node.key").c_str(), 0600) == 0);

  auto st = node::NodeState::open(dir, rng);
  BOOST_REQUIRE(st.ok());
  BOOST_REQUIRE((*st)->write_cache({1}).ok());
  BOOST_REQUIRE(::chmod((dir + "/netmap.cache").c_str(), 0640) == 0);
  auto cache = (*st)->read_cache();
  BOOST_REQUIRE(!cache.ok());
  BOOST_TEST(cache.error().code == "node.file_mode");

  BOOST_REQUIRE(::chmod(dir.c_str(), 0750) == 0);
  auto wide = node::NodeState::open(dir, rng);
  BOOST_REQUIRE(!wide.ok());
  BOOST_TEST(wide.error().code == "node.state_mode");
}

BOOST_AUTO_TEST_CASE(refuses_a_malformed_server_file) {
  BOOST_TEST(node::parse_server_binding(node::format_server_binding(binding())).ok());
  BOOST_TEST(node::parse_server_binding("url http://x\n").error().code == "node.server_file");
  BOOST_TEST(node::parse_server_binding("url http://x\nkey nope\n").error().code ==
             "node.server_file");
  BOOST_TEST(node::parse_server_binding("url a\nurl b\nkey x\n").error().code ==
             "node.server_file");
}

BOOST_AUTO_TEST_CASE(routes_the_tailnet_ranges_and_holds_each_address_alone) {
  auto v4 = *util::IpAddress::parse("100.64.0.7");
  auto v6 = *util::IpAddress::parse("fd7a:115c:a1e0::7");
  auto layout = node::tailnet_layout({v4, v6}, 1420);
  BOOST_TEST(layout.mtu == 1420u);
  BOOST_REQUIRE(layout.addresses.size() == 2u);
  BOOST_TEST(layout.addresses[0].to_string() == "100.64.0.7/32");
  BOOST_TEST(layout.addresses[1].to_string() == "fd7a:115c:a1e0::7/128");
  BOOST_REQUIRE(layout.routes.size() == 2u);
  BOOST_TEST(layout.routes[0].to_string() == "100.64.0.0/10");
  BOOST_TEST(layout.routes[1].to_string() == "fd7a:115c:a1e0::/48");
  BOOST_TEST(node::in_tailnet(v4));
  BOOST_TEST(!node::in_tailnet(*util::IpAddress::parse("192.0.2.1")));
}

BOOST_AUTO_TEST_CASE(makes_a_host_name_one_dns_label) {
  BOOST_TEST(node::hostname_label("Web-1.example.com") == "web-1");
  BOOST_TEST(node::hostname_label("-a_b-") == "ab");
  BOOST_TEST(node::hostname_label("...") == "");
  BOOST_TEST(node::hostname_label(std::string(80, 'x')).size() == 63u);
}
