#define BOOST_TEST_MODULE tunnel_wg_quick
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "support/temp_dir.h"
#include "tunnel/config_file.h"
#include "tunnel/wg_quick.h"

using namespace weft::tunnel;

namespace {

constexpr char kPriv[] = "AC52PwHXVOKnjIxLil6317/RDUJlJrj4FWQmpSd82X0=";
constexpr char kPub1[] = "QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7ws=";

}  // namespace

BOOST_AUTO_TEST_SUITE(wg_quick)

BOOST_AUTO_TEST_CASE(expands_percent_i_to_the_interface) {
  BOOST_TEST(expand_hook("iptables -A FORWARD -i %i -j ACCEPT; echo %i%", "wg0") ==
             "iptables -A FORWARD -i wg0 -j ACCEPT; echo wg0%");
  BOOST_TEST(expand_hook("printf '%s'", "wg0") == "printf '%s'");
}

BOOST_AUTO_TEST_CASE(runs_hooks_in_order_and_stops_at_a_failure) {
  TempDir dir;
  std::string out = dir.path() + "/out";
  auto ok = run_hooks({"echo one-%i >> " + out, "echo two >> " + out}, "wgx", nullptr);
  BOOST_TEST(ok.ok());
  auto bad = run_hooks({"exit 3", "echo never >> " + out}, "wgx", nullptr);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().code == "tunnel.hook");
  BOOST_TEST(bad.error().detail.find("status 3") != std::string::npos);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  BOOST_TEST(text.str() == "one-wgx\ntwo\n");
}

BOOST_AUTO_TEST_CASE(writes_resolvconf_input_like_wg_quick) {
  auto a = *weft::util::IpAddress::parse("10.0.0.53");
  auto b = *weft::util::IpAddress::parse("fd00::53");
  BOOST_TEST(resolvconf_input({a, b}, {"corp.example", "lan"}) ==
             "nameserver 10.0.0.53\nnameserver fd00::53\nsearch corp.example lan\n");
  BOOST_TEST(resolvconf_input({a}, {}) == "nameserver 10.0.0.53\n");
}

BOOST_AUTO_TEST_CASE(says_what_to_install_when_resolvconf_is_missing) {
  const char* old_path = std::getenv("PATH");
  std::string saved = old_path ? old_path : "";
  ::setenv("PATH", "/nonexistent-weft-test", 1);
  auto r = ResolvconfRegistration::add("wgtest0", {*weft::util::IpAddress::parse("10.0.0.53")},
                                       {}, nullptr);
  ::setenv("PATH", saved.c_str(), 1);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "tunnel.no_resolvconf");
  BOOST_TEST(r.error().detail.find("openresolv") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(saved_config_puts_wg_quick_keys_before_showconf_and_parses_back) {
  std::string text = std::string("[Interface]\nPrivateKey = ") + kPriv +
                     "\nAddress = 100.64.0.2/24\nDNS = 100.64.0.53, corp.test\nMTU = 1380\n"
                     "Table = off\nSaveConfig = true\nPostUp = echo up %i\n"
                     "[Peer]\nPublicKey = " + kPub1 +
                     "\nAllowedIPs = 0.0.0.0/0\nEndpoint = server.test:51820\n";
  auto parsed = parse_config(text, "wg0.conf");
  BOOST_REQUIRE(parsed.ok());
  UapiDeviceState state;
  state.private_key = *parsed.config.interface.private_key;
  state.listen_port = 40000;
  state.fwmark = 51820;
  UapiPeerState peer;
  peer.public_key = parsed.config.peers[0].public_key;
  peer.endpoint = weft::core::SocketAddress::parse("192.0.2.2:51820");
  peer.allowed_ips = parsed.config.peers[0].allowed_ips;
  peer.persistent_keepalive = std::chrono::seconds{25};
  state.peers.push_back(peer);
  std::string saved = format_saved_config(state, parsed.config.interface);
  BOOST_TEST(saved == std::string("[Interface]\nAddress = 100.64.0.2/24\nDNS = 100.64.0.53\n"
                                  "DNS = corp.test\nMTU = 1380\nTable = off\n"
                                  "SaveConfig = true\nPostUp = echo up %i\n"
                                  "ListenPort = 40000\nFwMark = 0xca6c\nPrivateKey = ") +
                          kPriv + "\n\n[Peer]\nPublicKey = " + kPub1 +
                          "\nAllowedIPs = 0.0.0.0/0\nEndpoint = 192.0.2.2:51820\n"
                          "PersistentKeepalive = 25\n");
  auto again = parse_config(saved, "wg0.conf");
  BOOST_TEST(again.ok());
  BOOST_TEST(again.config.interface.save_config);
  BOOST_TEST(again.config.interface.fwmark.value_or(0) == 51820u);
}

BOOST_AUTO_TEST_CASE(writes_the_config_file_owner_only_and_replaces_it) {
  TempDir dir;
  std::string path = dir.path() + "/wg0.conf";
  { std::ofstream(path) << "old"; }
  BOOST_TEST(write_config_file(path, "new\n").ok());
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  BOOST_TEST(line == "new");
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  auto bad = write_config_file(dir.path() + "/missing/dir/wg0.conf", "x");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().code == "tunnel.save_config");
}

BOOST_AUTO_TEST_SUITE_END()
