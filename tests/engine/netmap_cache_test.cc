// The netmap cache's bytes: a round trip keeps everything a restarted node needs, and any damage
// (a flipped byte anywhere, a cut anywhere, another version, a bad payload) is refused whole.
#define BOOST_TEST_MODULE netmap_cache
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "engine/netmap_cache.h"
#include "support/fuzz_seeds.h"

using namespace weft;
using namespace weft::engine;

namespace {

util::IpPrefix prefix(const char* text) { return *util::IpPrefix::parse(text); }
util::IpAddress address(const char* text) { return *util::IpAddress::parse(text); }

control::Peer peer(uint64_t id, const char* name, const char* v4, uint8_t key) {
  control::Peer p;
  p.id = control::NodeId{id};
  p.name = name;
  p.dns_name = std::string(name) + ".weft.internal";
  p.user = "alice@example.com";
  p.node_key.bytes.fill(key);
  p.disco_key.bytes.fill(static_cast<uint8_t>(key + 1));
  p.addresses = {address(v4)};
  p.allowed_ips = {prefix((std::string(v4) + "/32").c_str())};
  p.endpoints = {*core::SocketAddress::parse("192.0.2.7:41641")};
  p.online = true;
  p.key_expiry = core::WallTime(std::chrono::hours(500000));
  return p;
}

CachedNetmap sample() {
  CachedNetmap c;
  c.netmap.complete = true;
  c.netmap.seq = 42;
  c.netmap.self = peer(1, "self", "100.64.0.1", 1);
  c.netmap.peers[control::NodeId{2}] = peer(2, "web", "100.64.0.2", 2);
  c.netmap.peers[control::NodeId{3}] = peer(3, "db", "100.64.0.3", 3);
  c.netmap.peers[control::NodeId{3}].tags = {"tag:db"};
  c.netmap.peers[control::NodeId{3}].user.clear();
  control::FilterRule rule;
  rule.sources = {prefix("100.64.0.2/32")};
  rule.destinations = {prefix("100.64.0.1/32")};
  rule.protocol = 6;
  rule.port_first = rule.port_last = 443;
  c.netmap.filter = {rule};
  c.netmap.dns.domain = "weft.internal";
  control::RelayNode relay;
  relay.name = "fra1";
  relay.host = "relay.example.com";
  relay.ipv4 = util::IpAddress::parse("192.0.2.7");
  relay.relay_port = 443;
  relay.stun_port = 3478;
  relay.tls = true;
  c.netmap.relays = {control::RelayRegion{1, "fra", "Frankfurt", {relay}}};
  c.netmap.policy_version = 7;
  c.node = control::NodeId{1};
  c.server_key.bytes.fill(9);
  c.cached_at = core::WallTime(std::chrono::seconds(1'800'000'000));
  return c;
}

std::string code_of(const std::vector<uint8_t>& bytes) {
  auto r = decode_cache(core::ByteView{bytes.data(), bytes.size()});
  return r.ok() ? std::string("ok") : r.error().code;
}

// Rewrites the checksum after an edit, as a cache written by other code would carry one.
void reseal(std::vector<uint8_t>& bytes) {
  const std::size_t covered = bytes.size() - kCacheChecksumSize;
  const crypto::Hash32 sum = crypto::blake2s256(bytes.data(), covered);
  std::memcpy(bytes.data() + covered, sum.data(), sum.size());
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_keeps_the_map_and_its_context) {
  const CachedNetmap in = sample();
  const std::vector<uint8_t> bytes = encode_cache(in);
  auto out = decode_cache(core::ByteView{bytes.data(), bytes.size()});
  BOOST_REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().detail));
  const CachedNetmap& c = out.value();
  BOOST_TEST(c.netmap.complete);
  BOOST_TEST(c.netmap.seq == 42u);
  BOOST_TEST(c.netmap.self.name == "self");
  BOOST_TEST(c.netmap.peers.size() == 2u);
  BOOST_TEST(c.netmap.peers.at(control::NodeId{3}).tags == std::vector<std::string>{"tag:db"});
  BOOST_TEST((c.netmap.peers.at(control::NodeId{2}).node_key == in.netmap.peers.at(control::NodeId{2}).node_key));
  BOOST_TEST(c.netmap.filter.size() == 1u);
  BOOST_TEST(c.netmap.filter[0].port_first == 443);
  BOOST_TEST(c.netmap.dns.domain == "weft.internal");
  BOOST_REQUIRE(c.netmap.relays.size() == 1u);
  BOOST_REQUIRE(c.netmap.relays[0].nodes.size() == 1u);
  BOOST_TEST(c.netmap.relays[0].name == "Frankfurt");
  BOOST_TEST(c.netmap.relays[0].nodes[0].host == "relay.example.com");
  BOOST_TEST(c.netmap.relays[0].nodes[0].ipv4->to_string() == "192.0.2.7");
  BOOST_TEST(c.netmap.relays[0].nodes[0].tls);
  BOOST_TEST(c.netmap.policy_version == 7u);
  BOOST_TEST(c.node.value == 1u);
  BOOST_TEST((c.server_key == in.server_key));
  BOOST_TEST((c.cached_at == in.cached_at));
  // One form per value: encoding what was read gives the same bytes.
  BOOST_TEST(encode_cache(c) == bytes);
}

BOOST_AUTO_TEST_CASE(starts_with_magic_version_and_length) {
  const std::vector<uint8_t> bytes = encode_cache(sample());
  BOOST_TEST(std::memcmp(bytes.data(), kCacheMagic, sizeof(kCacheMagic)) == 0);
  BOOST_TEST(bytes[8] == 0);
  BOOST_TEST(bytes[9] == kCacheFormatVersion);
  const std::size_t length = (std::size_t{bytes[10]} << 24) | (std::size_t{bytes[11]} << 16) |
                             (std::size_t{bytes[12]} << 8) | bytes[13];
  BOOST_TEST(bytes.size() == kCacheHeaderSize + length + kCacheChecksumSize);
}

BOOST_AUTO_TEST_CASE(refuses_every_single_byte_flip) {
  const std::vector<uint8_t> good = encode_cache(sample());
  std::set<std::string> codes;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= mask;
      const std::string code = code_of(bad);
      BOOST_TEST_INFO("byte " << i << " ^ " << int(mask));
      BOOST_TEST(code != "ok");
      codes.insert(code);
      // Past the magic and the length, damage is what the checksum finds.
      if (i >= kCacheHeaderSize || (i >= 8 && i < 10)) BOOST_TEST(code == "engine.cache_checksum");
    }
  }
  BOOST_TEST(codes.count("engine.cache_malformed") == 1u);  // the magic
  BOOST_TEST(codes.count("engine.cache_checksum") == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_every_truncation) {
  const std::vector<uint8_t> good = encode_cache(sample());
  for (std::size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    BOOST_TEST_INFO("cut at " << n);
    BOOST_TEST(code_of(cut) == "engine.cache_truncated");
  }
}

BOOST_AUTO_TEST_CASE(refuses_bytes_after_the_checksum) {
  std::vector<uint8_t> bytes = encode_cache(sample());
  bytes.push_back(0);
  BOOST_TEST(code_of(bytes) == "engine.cache_malformed");
}

BOOST_AUTO_TEST_CASE(names_an_intact_cache_of_another_version) {
  std::vector<uint8_t> bytes = encode_cache(sample());
  bytes[9] = kCacheFormatVersion + 1;
  reseal(bytes);
  auto r = decode_cache(core::ByteView{bytes.data(), bytes.size()});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "engine.cache_version");
  BOOST_TEST(r.error().detail.find("format version " + std::to_string(kCacheFormatVersion + 1)) !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_an_intact_payload_that_does_not_decode) {
  std::vector<uint8_t> bytes = encode_cache(sample());
  // The map's type byte (after node id, server key, time and the map's length).
  const std::size_t map_type = kCacheHeaderSize + 8 + 32 + 8 + 4;
  BOOST_REQUIRE(bytes[map_type] == 0x82);
  bytes[map_type] = 0x83;  // a MapDelta is not a full map
  reseal(bytes);
  BOOST_TEST(code_of(bytes) == "engine.cache_malformed");
}

BOOST_AUTO_TEST_CASE(refuses_a_map_that_lists_itself_as_a_peer) {
  CachedNetmap c = sample();
  c.netmap.peers[c.netmap.self.id] = c.netmap.self;
  const std::vector<uint8_t> bytes = encode_cache(c);
  auto r = decode_cache(core::ByteView{bytes.data(), bytes.size()});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "engine.cache_malformed");
  BOOST_TEST(r.error().detail.find("self") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_other_files) {
  const std::string text = "{\"not\": \"a cache\"}";
  std::vector<uint8_t> bytes(text.begin(), text.end());
  BOOST_TEST(code_of(bytes) == "engine.cache_malformed");
  BOOST_TEST(code_of({}) == "engine.cache_truncated");
}

// The seeds of tests/fuzz/netmap_cache_fuzz are these caches' bytes, so that the fuzzer starts
// from maps the reader accepts in this format. Run with WEFT_WRITE_SEEDS=1 to rewrite them after
// the sample, the format or the control protocol's map layout changes.
BOOST_AUTO_TEST_CASE(fuzz_seeds_are_the_encoded_samples) {
  CachedNetmap no_peers = sample();
  no_peers.netmap.peers.clear();
  no_peers.netmap.filter.clear();
  no_peers.netmap.relays.clear();
  CachedNetmap dns = sample();
  dns.netmap.dns.nameservers = {address("192.0.2.53"), address("2001:db8::53")};
  dns.netmap.dns.search_domains = {"corp.example", "example"};
  dns.netmap.dns.routes = {control::DnsRoute{"lab.example", {address("10.9.0.53")}}};
  const std::vector<uint8_t> whole = encode_cache(sample());
  weft::test::Seeds seeds = {{"no_peers", encode_cache(no_peers)},
                             {"two_peers_filter", whole},
                             {"dns_settings", encode_cache(dns)}};
  for (const auto& [name, bytes] : seeds) {
    BOOST_TEST_INFO(name);
    BOOST_TEST(code_of(bytes) == "ok");
  }
  seeds.emplace_back("cut_in_magic", std::vector<uint8_t>(whole.begin(), whole.begin() + 6));
  for (const std::string& name : weft::test::stale_seeds("netmap_cache_fuzz", seeds)) {
    BOOST_ERROR(name << " differs from its sample: rerun with WEFT_WRITE_SEEDS=1");
  }
}
