#define BOOST_TEST_MODULE tunnel_config_file
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "support/temp_dir.h"
#include "tunnel/config_file.h"

using weft::tunnel::parse_config;

namespace {

constexpr char kPriv[] = "AC52PwHXVOKnjIxLil6317/RDUJlJrj4FWQmpSd82X0=";
constexpr char kPub1[] = "QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7ws=";
constexpr char kPub2[] = "2JIvezuD+NFQjB7Qnp/v1uzIc6f73+zCVbBcIjrdcAs=";
constexpr char kPsk[] = "o7rXDD71iyeJmLNBJEEhvnEkg/+IvRjx3ONKOW1JqKs=";

std::string full_config() {
  return std::string("# a wg-quick file\n") +
         "[Interface]\n"
         "PrivateKey = " + kPriv + "\n"
         "ListenPort = 51820\n"
         "Address = 100.64.0.1/24, fd7a:115c::1/64\n"
         "Address = 100.64.1.1\n"
         "MTU = 1380\n"
         "DNS = 192.0.2.53\n"
         "PostUp = iptables -A FORWARD -i %i -j ACCEPT\n"
         "\n"
         "[Peer]  # first\n"
         "PublicKey = " + kPub1 + "\n"
         "PresharedKey = " + kPsk + "\n"
         "AllowedIPs = 100.64.0.2/32, 198.51.100.0/24,fd7a:115c::2/128\n"
         "Endpoint = 192.0.2.10:51820\n"
         "PersistentKeepalive = 25\n"
         "[peer]\n"
         "publickey=" + kPub2 + "\n"
         "endpoint=[2001:db8::7]:4500\n"
         "allowedips=\n";
}

bool has_message(const std::vector<std::string>& list, const std::string& text) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& m) { return m == text; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_file)

BOOST_AUTO_TEST_CASE(parses_a_complete_wg_quick_file) {
  auto parsed = parse_config(full_config(), "wg0.conf");
  BOOST_TEST(parsed.errors.empty());
  const auto& itf = parsed.config.interface;
  BOOST_REQUIRE(itf.private_key.has_value());
  BOOST_TEST(weft::core::key_to_base64(itf.private_key->bytes) == kPriv);
  BOOST_TEST(itf.listen_port.value_or(0) == 51820);
  BOOST_TEST(itf.mtu.value_or(0) == 1380u);
  BOOST_REQUIRE_EQUAL(itf.addresses.size(), 3u);
  BOOST_TEST(itf.addresses[0].to_string() == "100.64.0.1/24");  // host bits are kept
  BOOST_TEST(itf.addresses[1].to_string() == "fd7a:115c::1/64");
  BOOST_TEST(itf.addresses[2].to_string() == "100.64.1.1/32");

  BOOST_REQUIRE_EQUAL(parsed.config.peers.size(), 2u);
  const auto& p1 = parsed.config.peers[0];
  BOOST_TEST(weft::core::key_to_base64(p1.public_key.bytes) == kPub1);
  BOOST_REQUIRE(p1.preshared_key.has_value());
  BOOST_TEST(weft::core::key_to_base64(p1.preshared_key->bytes) == kPsk);
  BOOST_REQUIRE_EQUAL(p1.allowed_ips.size(), 3u);
  BOOST_TEST(p1.allowed_ips[1].to_string() == "198.51.100.0/24");
  BOOST_TEST(p1.allowed_ips[2].to_string() == "fd7a:115c::2/128");
  BOOST_REQUIRE(p1.endpoint.has_value());
  BOOST_TEST(p1.endpoint->to_string() == "192.0.2.10:51820");
  BOOST_TEST(p1.persistent_keepalive.count() == 25);
  BOOST_TEST(p1.line == 11);

  const auto& p2 = parsed.config.peers[1];
  BOOST_TEST(p2.allowed_ips.empty());
  BOOST_REQUIRE(p2.endpoint.has_value());
  BOOST_TEST(p2.endpoint->to_string() == "[2001:db8::7]:4500");
  BOOST_TEST(!p2.preshared_key.has_value());
  BOOST_TEST(p2.persistent_keepalive.count() == 0);
}

BOOST_AUTO_TEST_CASE(parses_wg_quick_keys) {
  std::string text = "[Interface]\nPrivateKey = " + std::string(kPriv) +
                     "\nDNS = 192.0.2.53, 2001:db8::53,corp.example , lan\n"
                     "DNS = 192.0.2.54\n"
                     "Table = 1234\n"
                     "PreUp = echo pre %i\nPostUp = iptables -A FORWARD -i %i -j ACCEPT; echo 'a=b'\n"
                     "PostUp = echo second\nPreDown = echo down\nPostDown = echo gone\n"
                     "SaveConfig = True\n";
  auto parsed = parse_config(text, "wg0.conf");
  BOOST_TEST(parsed.ok());
  BOOST_TEST(parsed.note_count == 0u);
  const auto& itf = parsed.config.interface;
  BOOST_REQUIRE_EQUAL(itf.dns_servers.size(), 3u);
  BOOST_TEST(itf.dns_servers[1].to_string() == "2001:db8::53");
  BOOST_TEST(itf.dns_servers[2].to_string() == "192.0.2.54");
  BOOST_REQUIRE_EQUAL(itf.dns_search.size(), 2u);
  BOOST_TEST(itf.dns_search[0] == "corp.example");
  BOOST_TEST(itf.dns_search[1] == "lan");
  BOOST_TEST(itf.table.to_string() == "1234");
  BOOST_REQUIRE_EQUAL(itf.pre_up.size(), 1u);
  BOOST_TEST(itf.pre_up[0] == "echo pre %i");
  BOOST_REQUIRE_EQUAL(itf.post_up.size(), 2u);
  // The value is everything after the first '=', so a hook may contain '='.
  BOOST_TEST(itf.post_up[0] == "iptables -A FORWARD -i %i -j ACCEPT; echo 'a=b'");
  BOOST_TEST(itf.pre_down.size() == 1u);
  BOOST_TEST(itf.post_down[0] == "echo gone");
  BOOST_TEST(itf.save_config);
}

BOOST_AUTO_TEST_CASE(rejects_bad_wg_quick_values) {
  std::string text = "[Interface]\nDNS = 192.0.2.53, bad/name\nTable = vpn\nTable = 0\n"
                     "SaveConfig = yes\n";
  auto parsed = parse_config(text, "q.conf");
  BOOST_REQUIRE_EQUAL(parsed.errors.size(), 4u);
  BOOST_TEST(parsed.errors[0] ==
             "q.conf:2: invalid value for \"DNS\": \"bad/name\" is not an IP address or a "
             "search domain");
  BOOST_TEST(parsed.errors[1].rfind("q.conf:3: invalid value for \"Table\"", 0) == 0);
  BOOST_TEST(parsed.errors[2].rfind("q.conf:4: ", 0) == 0);
  BOOST_TEST(parsed.errors[3] ==
             "q.conf:5: invalid value for \"SaveConfig\": \"yes\" is neither true nor false");
  auto defaults = parse_config("[Interface]\n", "d.conf");
  BOOST_TEST(defaults.config.interface.table.to_string() == "auto");
  BOOST_TEST(!defaults.config.interface.save_config);
  BOOST_TEST(parse_config("[Interface]\nTable = off\n", "o.conf").config.interface.table
                 .to_string() == "off");
}

BOOST_AUTO_TEST_CASE(parses_host_name_endpoints) {
  std::string text = "[Peer]\nPublicKey = " + std::string(kPub1) +
                     "\nEndpoint = server.test:51820\n[Peer]\nPublicKey = " + kPub2 +
                     "\nEndpoint = vpn-1.example.com:1\n";
  auto parsed = parse_config(text, "h.conf");
  BOOST_REQUIRE(parsed.ok());
  const auto& p1 = parsed.config.peers[0];
  BOOST_TEST(!p1.endpoint.has_value());
  BOOST_REQUIRE(p1.endpoint_host.has_value());
  BOOST_TEST(p1.endpoint_host->host == "server.test");
  BOOST_TEST(p1.endpoint_host->port == 51820);
  BOOST_TEST(parsed.config.peers[1].endpoint_host->host == "vpn-1.example.com");

  using weft::tunnel::parse_host_endpoint;
  BOOST_TEST(!parse_host_endpoint("server.test"));        // no port
  BOOST_TEST(!parse_host_endpoint("server.test:0"));      // port 0
  BOOST_TEST(!parse_host_endpoint("server.test:65536"));
  BOOST_TEST(!parse_host_endpoint("192.0.2.1:51820"));    // a literal is not a host name
  BOOST_TEST(!parse_host_endpoint("[server.test]:1"));
  BOOST_TEST(!parse_host_endpoint("a b:1"));
  BOOST_TEST(!parse_host_endpoint(":1"));
  BOOST_TEST(!parse_host_endpoint(std::string(254, 'a') + ":1"));
  BOOST_TEST(parse_host_endpoint("localhost:9")->host == "localhost");
}

BOOST_AUTO_TEST_CASE(finds_bare_names_in_etc_wireguard_like_wg_quick) {
  using weft::tunnel::config_path_for;
  BOOST_TEST(config_path_for("wg0") == "/etc/wireguard/wg0.conf");
  BOOST_TEST(config_path_for("wg0", "/tmp/x") == "/tmp/x/wg0.conf");
  BOOST_TEST(config_path_for("my.vpn-1") == "/etc/wireguard/my.vpn-1.conf");
  BOOST_TEST(config_path_for("./wg0.conf") == "./wg0.conf");
  BOOST_TEST(config_path_for("/etc/wireguard/wg0.conf") == "/etc/wireguard/wg0.conf");
  BOOST_TEST(config_path_for("sixteen-chars-xx") == "sixteen-chars-xx");  // too long for a name
}

BOOST_AUTO_TEST_CASE(reports_a_bad_key_with_file_and_line) {
  std::string text = "[Interface]\nPrivateKey = " + std::string(kPriv) +
                     "\n\n[Peer]\n# comment\nAllowedIPs = 10.0.0.0/8\nPublicKey = abc=\n";
  auto parsed = parse_config(text, "wg0.conf");
  BOOST_TEST(!parsed.ok());
  BOOST_TEST(has_message(parsed.errors,
                         "wg0.conf:7: invalid key \"PublicKey\": not 32 bytes of base64"));
  // The peer has no valid key either, which is reported at its header line.
  BOOST_TEST(has_message(parsed.errors, "wg0.conf:4: [Peer] section without PublicKey"));
}

BOOST_AUTO_TEST_CASE(reports_every_error_not_just_the_first) {
  std::string text =
      "ListenPort = 1\n"          // 1: outside a section
      "[Interface]\n"
      "ListenPort = 70000\n"      // 3
      "MTU = big\n"               // 4
      "Address = 10.0.0.1/33\n"   // 5
      "Bogus = 1\n"               // 6
      "[Peer]\n"
      "PublicKey = " + std::string(kPub1) + "\n"
      "Endpoint = vpn.example.com:0\n"      // 9
      "AllowedIPs = 10.0.0.0/8,,\n"         // 10 (two empty items)
      "PersistentKeepalive = -1\n"          // 11
      "[Wat]\n"                             // 12
      "Anything = goes\n"
      "no equals sign\n";                   // 14: malformed in any section
  auto parsed = parse_config(text, "x.conf");
  BOOST_REQUIRE_EQUAL(parsed.errors.size(), 11u);
  BOOST_TEST(parsed.errors[0].rfind("x.conf:1: ", 0) == 0);
  BOOST_TEST(parsed.errors[1] ==
             "x.conf:3: invalid value for \"ListenPort\": \"70000\" is not a port number (0-65535)");
  BOOST_TEST(parsed.errors[2].rfind("x.conf:4: ", 0) == 0);
  BOOST_TEST(parsed.errors[3].rfind("x.conf:5: ", 0) == 0);
  BOOST_TEST(parsed.errors[4] == "x.conf:6: unknown key \"Bogus\" in [Interface]");
  BOOST_TEST(parsed.errors[5].find("HOST:PORT") != std::string::npos);
  BOOST_TEST(parsed.errors[6].rfind("x.conf:10: ", 0) == 0);
  BOOST_TEST(parsed.errors[7].rfind("x.conf:10: ", 0) == 0);
  BOOST_TEST(parsed.errors[8].rfind("x.conf:11: ", 0) == 0);
  BOOST_TEST(parsed.errors[9].rfind("x.conf:12: unknown section", 0) == 0);
  BOOST_TEST(parsed.errors[10].rfind("x.conf:14: line unrecognized", 0) == 0);
  // The valid peer is still kept, so callers can show what was understood.
  BOOST_TEST(parsed.config.peers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(reports_line_without_equals_sign) {
  auto parsed = parse_config("[Interface]\nPrivateKey\n", "a.conf");
  BOOST_REQUIRE_EQUAL(parsed.errors.size(), 1u);
  BOOST_TEST(parsed.errors[0].rfind("a.conf:2: line unrecognized", 0) == 0);
}

BOOST_AUTO_TEST_CASE(keys_and_sections_are_case_insensitive_and_crlf_is_accepted) {
  std::string text = "[INTERFACE]\r\nprivatekey = " + std::string(kPriv) +
                     "\r\nLISTENPORT=0\r\n[Peer]\r\nPUBLICKEY = " + kPub1 +
                     "\r\nallowedIPs = 0.0.0.0/0, ::/0\r\n";
  auto parsed = parse_config(text, "c.conf");
  BOOST_TEST(parsed.ok());
  BOOST_TEST(parsed.config.interface.listen_port.value_or(1) == 0);
  BOOST_REQUIRE_EQUAL(parsed.config.peers.size(), 1u);
  BOOST_TEST(parsed.config.peers[0].allowed_ips.size() == 2u);
}

BOOST_AUTO_TEST_CASE(masks_allowed_ips_host_bits_like_the_kernel) {
  std::string text = "[Peer]\nPublicKey = " + std::string(kPub1) + "\nAllowedIPs = 10.1.2.3/8\n";
  auto parsed = parse_config(text, "m.conf");
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed.config.peers[0].allowed_ips[0].to_string() == "10.0.0.0/8");
}

BOOST_AUTO_TEST_CASE(rejects_duplicate_peers_and_interfaces) {
  std::string text = "[Interface]\n[Interface]\n[Peer]\nPublicKey = " + std::string(kPub1) +
                     "\n[Peer]\nPublicKey = " + kPub1 + "\n";
  auto parsed = parse_config(text, "d.conf");
  BOOST_TEST(has_message(parsed.errors, "d.conf:2: duplicate [Interface] section"));
  BOOST_TEST(has_message(parsed.errors, "d.conf:5: duplicate [Peer] with the same PublicKey"));
  BOOST_TEST(parsed.config.peers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(accepts_off_for_keepalive_and_fwmark) {
  std::string text = "[Interface]\nFwMark = 0x10\n[Peer]\nPublicKey = " + std::string(kPub1) +
                     "\nPersistentKeepalive = off\n";
  auto parsed = parse_config(text, "o.conf");
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed.config.interface.fwmark.value_or(0) == 16u);
  BOOST_TEST(parsed.config.peers[0].persistent_keepalive.count() == 0);
}

BOOST_AUTO_TEST_CASE(load_config_file_reports_missing_file) {
  auto r = weft::tunnel::load_config_file("/nonexistent/weft-test/wg9.conf");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "config.io");
  BOOST_TEST(r.error().detail == "/nonexistent/weft-test/wg9.conf: No such file or directory");
}

BOOST_AUTO_TEST_CASE(keeps_a_screenful_of_messages_and_counts_the_rest) {
  std::string text = "[Interface]\n";
  for (int i = 0; i < 1000; ++i) text += "junk\nDNS = 192.0.2.53\n";
  // No key is "accepted but ignored" any more; notes are only counted here.
  auto parsed = parse_config(text, "j.conf");
  BOOST_TEST(!parsed.ok());
  BOOST_TEST(parsed.error_count == 1000u);
  BOOST_REQUIRE_EQUAL(parsed.errors.size(), weft::tunnel::kMaxMessagesKept);
  BOOST_TEST(parsed.errors[0] == "j.conf:2: line unrecognized: \"junk\" (expected Key = Value)");
  BOOST_TEST(parsed.errors.back().rfind("j.conf:40: ", 0) == 0);  // the first 20, in order
  BOOST_TEST(parsed.note_count == 0u);
  BOOST_TEST(parsed.config.interface.dns_servers.size() == 1000u);
  // The bound is a parameter; 0 keeps nothing but still counts.
  auto none = parse_config(text, "j.conf", 0);
  BOOST_TEST(none.errors.empty());
  BOOST_TEST(none.error_count == 1000u);
  BOOST_TEST(!none.ok());
}

BOOST_AUTO_TEST_CASE(formats_kept_messages_then_how_many_more) {
  using weft::tunnel::format_messages;
  BOOST_TEST(format_messages({"a:1: x", "a:2: y"}, 2, "errors") == "a:1: x\na:2: y");
  BOOST_TEST(format_messages({"a:1: x"}, 500001, "errors") ==
             "a:1: x\n\u2026 and 500000 more errors");
  BOOST_TEST(format_messages({}, 3, "notes") == "\u2026 and 3 more notes");
}

BOOST_AUTO_TEST_CASE(quotes_long_and_binary_text_short_and_readable) {
  std::string long_line(100000, 'A');
  auto parsed = parse_config("[Interface]\n" + long_line + "\nx\x1b[2Jy = 1\n", "b.conf");
  BOOST_REQUIRE_EQUAL(parsed.errors.size(), 2u);
  BOOST_TEST(parsed.errors[0] == "b.conf:2: line unrecognized: \"" + std::string(64, 'A') +
                                     "\"... (expected Key = Value)");
  BOOST_TEST(parsed.errors[1] == "b.conf:3: unknown key \"x\\x1b[2Jy\" in [Interface]");
  // A cut never splits a UTF-8 sequence: 63 ASCII bytes, then a 2-byte character across 64.
  auto utf8 = parse_config("[Interface]\n" + std::string(63, 'a') + "\xc3\xa9tail\n", "u.conf");
  BOOST_REQUIRE_EQUAL(utf8.errors.size(), 1u);
  BOOST_TEST(utf8.errors[0] == "u.conf:2: line unrecognized: \"" + std::string(63, 'a') +
                                   "\"... (expected Key = Value)");
}

BOOST_AUTO_TEST_CASE(finds_duplicates_among_many_peers_without_comparing_all_pairs) {
  // 50,000 peers with distinct keys, then one repeat of the first: the old pairwise check took
  // over a minute here; the time is printed, not asserted.
  std::string text = "[Interface]\nPrivateKey = " + std::string(kPriv) + "\n";
  auto key_of = [](int i) {
    weft::core::KeyBytes b{};
    b[0] = static_cast<uint8_t>(i);
    b[1] = static_cast<uint8_t>(i >> 8);
    b[2] = static_cast<uint8_t>(i >> 16);
    return weft::core::key_to_base64(b);
  };
  for (int i = 0; i < 50000; ++i) text += "[Peer]\nPublicKey = " + key_of(i) + "\n";
  text += "[Peer]\nPublicKey = " + key_of(0) + "\n";
  auto start = std::chrono::steady_clock::now();
  auto parsed = parse_config(text, "many.conf");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  BOOST_TEST_MESSAGE("parsed 50,001 peers in " << ms.count() << " ms");
  BOOST_TEST(parsed.config.peers.size() == 50000u);
  BOOST_REQUIRE_EQUAL(parsed.errors.size(), 1u);
  BOOST_TEST(parsed.errors[0] == "many.conf:100003: duplicate [Peer] with the same PublicKey");
}

BOOST_AUTO_TEST_CASE(load_config_file_refuses_what_is_not_a_regular_file) {
  TempDir dir;
  auto r = weft::tunnel::load_config_file(dir.path());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "config.file_type");
  BOOST_TEST(r.error().detail == dir.path() + " is a directory, not a regular file");
  auto zero = weft::tunnel::load_config_file("/dev/zero");
  BOOST_REQUIRE(!zero.ok());
  BOOST_TEST(zero.error().code == "config.file_type");
}

BOOST_AUTO_TEST_CASE(load_config_file_refuses_a_file_over_16_mib) {
  TempDir dir;
  std::string path = dir.write_file("big.conf", "");
  BOOST_REQUIRE(::truncate(path.c_str(), weft::tunnel::kMaxConfigFileBytes + 1) == 0);  // sparse
  auto r = weft::tunnel::load_config_file(path);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "config.too_large");
  BOOST_TEST(r.error().detail == path + " is 16777217 bytes; the limit is 16777216 bytes");
}

BOOST_AUTO_TEST_CASE(load_config_file_lists_a_screenful_of_errors_then_the_count) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 500; ++i) text += "junk\n";
  auto r = weft::tunnel::load_config_file(dir.write_file("junk.conf", text));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "config.invalid");
  const std::string& d = r.error().detail;
  BOOST_TEST(std::count(d.begin(), d.end(), '\n') == 20);  // 20 errors + the count line
  BOOST_TEST(d.substr(d.rfind('\n') + 1) == "\u2026 and 480 more errors");
}

BOOST_AUTO_TEST_CASE(load_config_file_warns_when_group_or_others_can_read_the_key) {
  TempDir dir;
  std::string text = "[Interface]\nPrivateKey = " + std::string(kPriv) + "\n";
  auto loose = weft::tunnel::load_config_file(dir.write_file("loose.conf", text, 0644));
  BOOST_REQUIRE(loose.ok());
  BOOST_REQUIRE_EQUAL(loose->warnings.size(), 1u);
  BOOST_TEST(loose->warnings[0] == "warning: `" + dir.file("loose.conf") +
                                       "' is readable or writable by group or others (mode "
                                       "0644); it holds a private key: chmod 600 it");
  auto group = weft::tunnel::load_config_file(dir.write_file("group.conf", text, 0620));
  BOOST_REQUIRE(group.ok());
  BOOST_TEST(group->warnings.size() == 1u);
  auto tight = weft::tunnel::load_config_file(dir.write_file("tight.conf", text, 0600));
  BOOST_REQUIRE(tight.ok());
  BOOST_TEST(tight->warnings.empty());
  auto read_only = weft::tunnel::load_config_file(dir.write_file("ro.conf", text, 0400));
  BOOST_REQUIRE(read_only.ok());
  BOOST_TEST(read_only->warnings.empty());
}

BOOST_AUTO_TEST_SUITE_END()
