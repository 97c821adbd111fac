// The control messages' byte form (lib/control/message_codec.h): round trips of every message,
// the type-byte table, exact consumption, truncation at every offset, and every limit of
// messages.h refused with the field named. Also keeps the fuzz seed corpus in step.
#define BOOST_TEST_MODULE control_message_codec
#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "control/codec.h"
#include "control/message_codec.h"
#include "message_samples.h"
#include "support/fuzz_seeds.h"

using namespace weft::control;
using namespace weft::control::test;
using weft::core::ByteView;
using Bytes = std::vector<uint8_t>;

namespace {

ByteView view(const Bytes& b) { return ByteView{b.data(), b.size()}; }

// Decoding `bytes` as a node message fails with `code`, and the detail names `field`.
void expect_node_refused(const Bytes& bytes, const std::string& code, const std::string& field) {
  const auto r = decode_node_message(view(bytes));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == code);
  BOOST_TEST(r.error().detail.find(field) != std::string::npos, r.error().detail);
}

void expect_server_refused(const Bytes& bytes, const std::string& code,
                           const std::string& field) {
  const auto r = decode_server_message(view(bytes));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == code);
  BOOST_TEST(r.error().detail.find(field) != std::string::npos, r.error().detail);
}

void expect_malformed(const NodeMessage& m, const std::string& field) {
  expect_node_refused(encode(m), "control.malformed", field);
}

void expect_malformed(const ServerMessage& m, const std::string& field) {
  expect_server_refused(encode(m), "control.malformed", field);
}

void expect_round_trip(const NodeMessage& m) {
  const Bytes bytes = encode(m);
  const auto r = decode_node_message(view(bytes));
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().detail));
  BOOST_TEST((r.value() == m));
  BOOST_TEST(encode(r.value()) == bytes);
}

void expect_round_trip(const ServerMessage& m) {
  const Bytes bytes = encode(m);
  const auto r = decode_server_message(view(bytes));
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().detail));
  BOOST_TEST((r.value() == m));
  BOOST_TEST(encode(r.value()) == bytes);
}

// `m`, at a limit, round-trips; after `grow` takes it one past, it is refused naming `field`.
template <class M, class Grow>
void expect_limit(M m, Grow grow, const std::string& field) {
  expect_round_trip(m);
  grow(m);
  expect_malformed(m, field);
}

void grow(std::string& s) { s.push_back('x'); }

// A peer with every field at its smallest valid form.
Peer minimal_peer() {
  Peer p;
  p.name = "a";
  return p;
}

MapResponse map_with_self() {
  MapResponse m;
  m.self = minimal_peer();
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(message_codec)

// ---------------------------------------------------------------- round trips and layout

BOOST_AUTO_TEST_CASE(round_trips_every_node_message_with_filled_fields) {
  for (const NodeMessage& m : sample_node_messages()) expect_round_trip(m);
}

BOOST_AUTO_TEST_CASE(round_trips_every_server_message_with_filled_fields) {
  for (const ServerMessage& m : sample_server_messages()) expect_round_trip(m);
}

BOOST_AUTO_TEST_CASE(round_trips_empty_lists_and_absent_optionals) {
  RegisterRequest reg;
  reg.old_node_key.reset();
  expect_round_trip(reg);  // an empty requested hostname: the server picks one
  expect_round_trip(MapRequest{});
  expect_round_trip(EndpointUpdate{});
  RegisterResponse resp;
  resp.status = RegisterStatus::kAuthorized;
  expect_round_trip(resp);
  expect_round_trip(map_with_self());
  expect_round_trip(MapDelta{});
  MapDelta empty_filter;
  empty_filter.filter = std::vector<FilterRule>{};  // set and empty: drop every rule
  expect_round_trip(empty_filter);
  expect_round_trip(ErrorMessage{});
}

// The counts' lower bounds on element size must not refuse valid lists of smallest elements.
BOOST_AUTO_TEST_CASE(round_trips_long_lists_of_smallest_elements) {
  MapResponse m = map_with_self();
  m.peers.assign(100, minimal_peer());
  m.filter.assign(100, FilterRule{});
  m.relays.assign(kMaxRelayRegions, RelayRegion{});
  m.relays.back().nodes.assign(kMaxRelayNodesPerRegion, RelayNode{});
  m.self.tags.assign(kMaxTagsPerNode, "tag:");
  m.self.addresses.assign(100, weft::util::IpAddress{});
  m.self.allowed_ips.assign(100, weft::util::IpPrefix{});
  m.self.endpoints.assign(kMaxEndpoints, weft::core::SocketAddress{});
  expect_round_trip(m);
  MapDelta d;
  d.removed.assign(100, NodeId{5});
  d.upserted.assign(100, minimal_peer());
  d.filter_sources_removed.assign(100, weft::util::IpPrefix{});
  d.filter_added.assign(100, FilterRule{});
  expect_round_trip(d);
}

BOOST_AUTO_TEST_CASE(round_trips_extreme_times_and_numbers) {
  RegisterResponse m;
  m.status = RegisterStatus::kPendingApproval;
  m.node = NodeId{~0ull};
  m.key_expiry = wall_ns(std::numeric_limits<int64_t>::min());
  expect_round_trip(m);
  m.key_expiry = wall_ns(std::numeric_limits<int64_t>::max());
  expect_round_trip(m);
  m.key_expiry = wall_ns(0);
  expect_round_trip(m);
}

BOOST_AUTO_TEST_CASE(type_bytes_follow_the_table) {
  const std::vector<uint8_t> node_types = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  const auto node = sample_node_messages();
  for (std::size_t i = 0; i < node.size(); ++i) BOOST_TEST(encode(node[i])[0] == node_types[i]);
  const std::vector<uint8_t> server_types = {0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x83, 0x87};
  const auto server = sample_server_messages();
  for (std::size_t i = 0; i < server.size(); ++i)
    BOOST_TEST(encode(server[i])[0] == server_types[i]);
  BOOST_TEST(encode(NodeMessage{KeepAlive{}}) == Bytes{0x04});
  BOOST_TEST(encode(ServerMessage{RotateKey{}}) == Bytes{0x84});
}

BOOST_AUTO_TEST_CASE(lays_out_fields_in_struct_order) {
  EndpointUpdate m;
  m.endpoints = {socket_address("192.0.2.1:258"), socket_address("[2001:db8::1]:1")};
  m.home_region = 0x0102;
  const Bytes expected = {0x03, 0, 0, 0, 2,           // type, endpoint count
                          4,    192, 0, 2, 1, 1, 2,   // IPv4 address, port 258
                          6,    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                          0,    1,                    // port 1
                          1,    2};                   // home region
  BOOST_TEST(encode(NodeMessage{m}) == expected);
}

BOOST_AUTO_TEST_CASE(encodes_times_as_signed_nanoseconds_since_the_epoch) {
  RegisterResponse m;
  m.status = RegisterStatus::kAuthorized;
  m.key_expiry = wall_ns(-2);
  const Bytes bytes = encode(ServerMessage{m});
  // ... key_expiry, then auth_url (empty: its length prefix).
  const auto end = bytes.end() - static_cast<std::ptrdiff_t>(weft::control::kStringPrefixSize);
  const Bytes tail(end - 9, end);
  BOOST_TEST(tail == (Bytes{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}));
}

// ---------------------------------------------------------------- framing of the bytes

BOOST_AUTO_TEST_CASE(refuses_an_unknown_type_byte) {
  for (uint8_t t : {0x00, 0x07, 0x80, 0x88, 0xff}) {
    expect_node_refused(Bytes{t}, "control.unknown_message", "message type");
    expect_server_refused(Bytes{t}, "control.unknown_message", "message type");
  }
}

BOOST_AUTO_TEST_CASE(refuses_a_message_sent_in_the_wrong_direction) {
  for (const NodeMessage& m : sample_node_messages())
    expect_server_refused(encode(m), "control.unknown_message", "message type");
  for (const ServerMessage& m : sample_server_messages())
    expect_node_refused(encode(m), "control.unknown_message", "message type");
}

BOOST_AUTO_TEST_CASE(refuses_an_empty_message) {
  expect_node_refused(Bytes{}, "control.malformed", "type: truncated at byte 0");
  expect_server_refused(Bytes{}, "control.malformed", "type: truncated at byte 0");
}

BOOST_AUTO_TEST_CASE(refuses_a_trailing_byte) {
  for (const NodeMessage& m : sample_node_messages()) {
    Bytes b = encode(m);
    b.push_back(0);
    expect_node_refused(b, "control.malformed", "trailing bytes at byte " +
                                                    std::to_string(b.size() - 1));
  }
  for (const ServerMessage& m : sample_server_messages()) {
    Bytes b = encode(m);
    b.push_back(0);
    expect_server_refused(b, "control.malformed", "trailing bytes");
  }
}

BOOST_AUTO_TEST_CASE(refuses_every_truncation_of_every_sample) {
  for (const NodeMessage& m : sample_node_messages()) {
    const Bytes full = encode(m);
    for (std::size_t n = 0; n < full.size(); ++n) {
      const auto r = decode_node_message(ByteView{full.data(), n});
      BOOST_REQUIRE(!r.ok());
      BOOST_TEST(r.error().code == "control.malformed");
    }
  }
  for (const ServerMessage& m : sample_server_messages()) {
    const Bytes full = encode(m);
    for (std::size_t n = 0; n < full.size(); ++n) {
      const auto r = decode_server_message(ByteView{full.data(), n});
      BOOST_REQUIRE(!r.ok());
      BOOST_TEST(r.error().code == "control.malformed");
    }
  }
}

BOOST_AUTO_TEST_CASE(refuses_a_count_the_remaining_bytes_cannot_hold) {
  Bytes b = encode(ServerMessage{map_with_self()});
  // From the end: policy_version (8), relay count (4), dns (domain 2, nameserver, search and
  // route counts 4 each), filter count (4), peer count.
  const std::size_t at = b.size() - 8 - 4 - (2 + 3 * 4) - 4 - 4;
  BOOST_REQUIRE(b[at] == 0 && b[at + 3] == 0);
  for (std::size_t i = 0; i < 4; ++i) b[at + i] = 0xff;
  expect_server_refused(b, "control.malformed",
                        "map.peers: too many at byte " + std::to_string(at));
}

// ---------------------------------------------------------------- limits of messages.h

BOOST_AUTO_TEST_CASE(refuses_a_hostname_over_63_bytes) {
  RegisterRequest m = sample_register_request();
  m.hostinfo.hostname = std::string(kMaxHostnameBytes, 'a');
  expect_limit(m, [](RegisterRequest& r) { r.hostinfo.hostname.push_back('a'); },
               "hostinfo.hostname: too long");
}

BOOST_AUTO_TEST_CASE(refuses_hostnames_that_are_not_one_lowercase_dns_label) {
  for (const char* bad :
       {"Laptop", "my_box", "-box", "box-", "box.example", "b x", "-", "\xc3\xa9"}) {
    RegisterRequest m = sample_register_request();
    m.hostinfo.hostname = bad;
    expect_malformed(m, "hostinfo.hostname: bad value");
    MapResponse map = sample_map_response();
    map.peers[0].name = bad;
    expect_malformed(map, "peer.name: bad value");
  }
  for (const char* good : {"a", "0", "a-b", "box-2", "123"}) {
    RegisterRequest m = sample_register_request();
    m.hostinfo.hostname = good;
    expect_round_trip(m);
  }
}

BOOST_AUTO_TEST_CASE(refuses_dns_settings_that_are_not_lowercase_dns_names_or_too_many) {
  for (const char* bad : {"Corp.example", "corp..example", ".corp", "corp.", "a b", ""}) {
    MapResponse map = sample_map_response();
    map.dns.search_domains[0] = bad;
    expect_malformed(map, "dns.search_domains: bad value");
    map = sample_map_response();
    map.dns.routes[0].domain = bad;
    expect_malformed(map, "dns.routes.domain: bad value");
  }
  MapResponse map = sample_map_response();
  map.dns.search_domains[0] = std::string(kMaxHostnameBytes + 1, 'a');
  expect_malformed(map, "dns.search_domains: bad value");
  map = sample_map_response();
  map.dns.search_domains = {"a_b.example", "x-1.y"};
  expect_round_trip(map);
  map.dns.nameservers.assign(kMaxDnsNameservers, map.dns.nameservers[0]);
  map.dns.search_domains.assign(kMaxDnsSearchDomains, "example");
  map.dns.routes.assign(kMaxDnsRoutes, map.dns.routes[0]);
  map.dns.routes[0].nameservers = map.dns.nameservers;
  expect_limit(map, [](MapResponse& m) { m.dns.nameservers.push_back(m.dns.nameservers[0]); },
               "dns.nameservers: too many");
  expect_limit(map, [](MapResponse& m) { m.dns.search_domains.push_back("example"); },
               "dns.search_domains: too many");
  expect_limit(map, [](MapResponse& m) { m.dns.routes.push_back(m.dns.routes[1]); },
               "dns.routes: too many");
  expect_limit(map, [](MapResponse& m) { m.dns.routes[0].nameservers.push_back(m.dns.nameservers[0]); },
               "dns.routes.nameservers: too many");
}

BOOST_AUTO_TEST_CASE(refuses_a_peer_without_a_name) {
  MapResponse m = sample_map_response();
  m.self.name.clear();
  expect_malformed(m, "peer.name: bad value");
}

BOOST_AUTO_TEST_CASE(refuses_names_over_255_bytes) {
  const std::string longest(kMaxNameBytes, 'x');
  RegisterRequest reg = sample_register_request();
  reg.hostinfo.os = reg.hostinfo.os_version = reg.hostinfo.client_version = longest;
  expect_limit(reg, [](RegisterRequest& m) { grow(m.hostinfo.os); }, "hostinfo.os: too long");
  expect_limit(reg, [](RegisterRequest& m) { grow(m.hostinfo.os_version); },
               "hostinfo.os_version: too long");
  expect_limit(reg, [](RegisterRequest& m) { grow(m.hostinfo.client_version); },
               "hostinfo.client_version: too long");

  MapResponse map = sample_map_response();
  map.peers[0].dns_name = map.peers[0].user = map.dns.domain = longest;
  map.relays[0].code = map.relays[0].nodes[1].host = longest;
  map.peers[0].tags[0] = "tag:" + std::string(kMaxNameBytes - 4, 't');
  expect_limit(map, [](MapResponse& m) { grow(m.peers[0].dns_name); }, "peer.dns_name: too long");
  expect_limit(map, [](MapResponse& m) { grow(m.peers[0].user); }, "peer.user: too long");
  expect_limit(map, [](MapResponse& m) { grow(m.peers[0].tags[0]); }, "peer.tags: too long");
  expect_limit(map, [](MapResponse& m) { grow(m.dns.domain); }, "dns.domain: too long");
  expect_limit(map, [](MapResponse& m) { grow(m.relays[0].code); }, "relay.code: too long");
  expect_limit(map, [](MapResponse& m) { grow(m.relays[0].nodes[1].host); },
               "relay_node.host: too long");
  expect_limit(map, [](MapResponse& m) { m.relays.resize(kMaxRelayRegions + 1); },
               "map.relays: too many");
  expect_limit(map, [](MapResponse& m) { m.relays[0].nodes.resize(kMaxRelayNodesPerRegion + 1); },
               "relay.nodes: too many");

  RegisterResponse resp = sample_register_response();
  resp.error_code = longest;
  expect_limit(resp, [](RegisterResponse& m) { grow(m.error_code); },
               "register_response.error_code: too long");
  ErrorMessage err = sample_error();
  err.code = longest;
  expect_limit(err, [](ErrorMessage& m) { grow(m.code); }, "error.code: too long");
}

BOOST_AUTO_TEST_CASE(refuses_more_than_64_tags) {
  MapResponse m = sample_map_response();
  m.self.tags.assign(kMaxTagsPerNode, "tag:x");
  expect_limit(m, [](MapResponse& r) { r.self.tags.push_back("tag:y"); }, "peer.tags: too many");
}

BOOST_AUTO_TEST_CASE(refuses_a_tag_without_the_tag_prefix) {
  for (const char* bad : {"", "tag", "server", "Tag:x", "group:x"}) {
    MapDelta m = sample_map_delta();
    m.upserted[0].tags.push_back(bad);
    expect_malformed(m, "peer.tags: bad value");
  }
}

BOOST_AUTO_TEST_CASE(refuses_more_than_32_endpoints) {
  const std::vector<weft::core::SocketAddress> most(kMaxEndpoints,
                                                    socket_address("192.0.2.1:1"));
  const auto one_more = socket_address("192.0.2.2:2");
  MapRequest req = sample_map_request();
  req.endpoints = most;
  expect_limit(req, [&](MapRequest& m) { m.endpoints.push_back(one_more); },
               "map_request.endpoints: too many");
  EndpointUpdate up = sample_endpoint_update();
  up.endpoints = most;
  expect_limit(up, [&](EndpointUpdate& m) { m.endpoints.push_back(one_more); },
               "endpoint_update.endpoints: too many");
  MapResponse map = sample_map_response();
  map.peers[1].endpoints = most;
  expect_limit(map, [&](MapResponse& m) { m.peers[1].endpoints.push_back(one_more); },
               "peer.endpoints: too many");
}

BOOST_AUTO_TEST_CASE(refuses_more_than_1024_advertised_routes) {
  RegisterRequest m = sample_register_request();
  m.hostinfo.advertised_routes.assign(kMaxRoutes, prefix("10.0.0.0/8"));
  expect_limit(
      m, [](RegisterRequest& r) { r.hostinfo.advertised_routes.push_back(prefix("10.0.0.0/8")); },
      "hostinfo.advertised_routes: too many");
}

BOOST_AUTO_TEST_CASE(refuses_an_auth_key_over_128_bytes) {
  RegisterRequest m = sample_register_request();
  m.auth_key = std::string(kMaxAuthKeyBytes, 'k');
  expect_limit(m, [](RegisterRequest& r) { grow(r.auth_key); }, "register.auth_key: too long");
}

BOOST_AUTO_TEST_CASE(refuses_error_text_over_1024_bytes) {
  RegisterResponse resp = sample_register_response();
  resp.error_message = std::string(kMaxErrorBytes, 'e');
  expect_limit(resp, [](RegisterResponse& m) { grow(m.error_message); },
               "register_response.error_message: too long");
  ErrorMessage err = sample_error();
  err.message = std::string(kMaxErrorBytes, 'e');
  expect_limit(err, [](ErrorMessage& m) { grow(m.message); }, "error.message: too long");
}

// ---------------------------------------------------------------- values outside their domain

BOOST_AUTO_TEST_CASE(refuses_an_address_family_other_than_4_or_6) {
  EndpointUpdate m;
  m.endpoints = {socket_address("192.0.2.1:1")};
  Bytes b = encode(NodeMessage{m});
  BOOST_REQUIRE(b[5] == 4);
  for (uint8_t family : {0, 5, 16, 46}) {
    b[5] = family;
    expect_node_refused(b, "control.malformed", "endpoint_update.endpoints: bad value at byte 5");
  }
}

BOOST_AUTO_TEST_CASE(refuses_a_prefix_longer_than_its_family) {
  RegisterRequest m = sample_register_request();
  m.ephemeral_hint = false;
  m.hostinfo.advertised_routes = {prefix("10.0.0.0/8")};
  Bytes b = encode(NodeMessage{m});
  const std::size_t bits = b.size() - 3;  // the route's length, ephemeral_hint, force_reauth
  BOOST_REQUIRE(b[bits] == 8);
  b[bits] = 32;
  BOOST_TEST(decode_node_message(view(b)).ok());
  b[bits] = 33;
  expect_node_refused(b, "control.malformed", "hostinfo.advertised_routes: bad value");
  m.hostinfo.advertised_routes = {prefix("2001:db8::/32")};
  b = encode(NodeMessage{m});
  BOOST_REQUIRE(b[b.size() - 3] == 32);
  b[b.size() - 3] = 128;
  BOOST_TEST(decode_node_message(view(b)).ok());
  b[b.size() - 3] = 129;
  expect_node_refused(b, "control.malformed", "hostinfo.advertised_routes: bad value");
}

BOOST_AUTO_TEST_CASE(refuses_a_prefix_with_host_bits_set) {
  RegisterRequest m = sample_register_request();
  m.ephemeral_hint = false;
  m.hostinfo.advertised_routes = {prefix("10.0.0.0/8")};
  Bytes b = encode(NodeMessage{m});
  b[b.size() - 3] = 1;  // 10.0.0.1/8
  expect_node_refused(b, "control.malformed", "hostinfo.advertised_routes: bad value");
}

BOOST_AUTO_TEST_CASE(refuses_booleans_and_presence_bytes_other_than_0_or_1) {
  MapDelta m;
  m.self = minimal_peer();
  Bytes b = encode(ServerMessage{m});
  // ... online, key_expiry presence, os (an empty string: its length prefix), policy_version
  // presence, relays presence, dns presence.
  const std::size_t os = weft::control::kStringPrefixSize;
  BOOST_REQUIRE(b[b.size() - 5 - os] == 0 && b[b.size() - 4 - os] == 0 && b[b.size() - 3] == 0 &&
                b[b.size() - 2] == 0 && b[b.size() - 1] == 0);
  for (uint8_t v : {2, 0x80, 0xff}) {
    Bytes online = b;
    online[online.size() - 5 - os] = v;
    expect_server_refused(online, "control.malformed", "peer.online: bad value");
    Bytes expiry = b;
    expiry[expiry.size() - 4 - os] = v;
    expect_server_refused(expiry, "control.malformed", "peer.key_expiry: bad value");
    Bytes version = b;
    version[version.size() - 3] = v;
    expect_server_refused(version, "control.malformed", "delta.policy_version: bad value");
    Bytes relays = b;
    relays[relays.size() - 2] = v;
    expect_server_refused(relays, "control.malformed", "delta.relays: bad value");
    Bytes dns = b;
    dns[dns.size() - 1] = v;
    expect_server_refused(dns, "control.malformed", "delta.dns: bad value");
  }
  RegisterRequest reg = sample_register_request();
  Bytes r = encode(NodeMessage{reg});
  r.back() = 2;
  expect_node_refused(r, "control.malformed", "register.force_reauth: bad value");
  r = encode(NodeMessage{reg});
  r[r.size() - 2] = 2;
  expect_node_refused(r, "control.malformed", "register.ephemeral_hint: bad value");
  r = encode(NodeMessage{reg});
  BOOST_REQUIRE(r[1 + 4 + 32] == 1);  // old_node_key's presence byte
  r[1 + 4 + 32] = 3;
  expect_node_refused(r, "control.malformed", "register.old_node_key: bad value at byte 37");
}

BOOST_AUTO_TEST_CASE(refuses_an_unknown_register_status) {
  Bytes b = encode(ServerMessage{sample_register_response()});
  for (uint8_t status : {0, 5, 0xff}) {
    b[1] = status;
    expect_server_refused(b, "control.malformed", "register_response.status: bad value at byte 1");
  }
}

BOOST_AUTO_TEST_CASE(refuses_a_filter_protocol_above_256_and_an_inverted_port_range) {
  MapDelta m;
  m.filter = std::vector<FilterRule>{sample_rule()};
  m.filter->at(0).protocol = 256;
  expect_round_trip(m);
  m.filter->at(0).protocol = 257;
  expect_malformed(m, "filter.protocol: bad value");
  m.filter->at(0).protocol = 17;
  m.filter->at(0).port_first = m.filter->at(0).port_last = 53;
  expect_round_trip(m);
  m.filter->at(0).port_last = 52;
  expect_malformed(m, "filter.port_last: bad value");
}

// ---------------------------------------------------------------- capability version

BOOST_AUTO_TEST_CASE(reads_the_capability_version_of_a_request_it_cannot_decode) {
  Bytes b = encode(NodeMessage{sample_register_request()});
  b.insert(b.end(), {1, 2, 3});  // a newer layout with more fields
  BOOST_TEST(!decode_node_message(view(b)).ok());
  const auto v = capability_version_of(view(b));
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(v.value() == 7u);
}

BOOST_AUTO_TEST_CASE(capability_version_is_only_read_from_a_register_request) {
  const auto other = capability_version_of(view(encode(NodeMessage{sample_map_request()})));
  BOOST_REQUIRE(!other.ok());
  BOOST_TEST(other.error().code == "control.unknown_message");
  const Bytes short_request = {0x01, 0, 0, 1};
  const auto truncated = capability_version_of(view(short_request));
  BOOST_REQUIRE(!truncated.ok());
  BOOST_TEST(truncated.error().code == "control.malformed");
  BOOST_TEST(!capability_version_of(ByteView{}).ok());
}

// ---------------------------------------------------------------- the fuzz seed corpus

// The seeds of tests/fuzz/control_message_fuzz are these samples' bytes. Run with
// WEFT_WRITE_SEEDS=1 to rewrite them after a sample or the layout changes.
BOOST_AUTO_TEST_CASE(fuzz_seeds_are_the_encoded_samples) {
  const char* node_names[] = {"register_request", "map_request",         "endpoint_update",
                              "node_keepalive",   "verify_node_request", "policy_applied"};
  const char* server_names[] = {"register_response", "map_response", "map_delta",
                                "rotate_key",        "server_keepalive", "error",
                                "map_delta_incremental", "verify_node_response"};
  weft::test::Seeds seeds;
  const auto node = sample_node_messages();
  const auto server = sample_server_messages();
  for (std::size_t i = 0; i < node.size(); ++i) seeds.emplace_back(node_names[i], encode(node[i]));
  for (std::size_t i = 0; i < server.size(); ++i)
    seeds.emplace_back(server_names[i], encode(server[i]));
  for (const std::string& name : weft::test::stale_seeds("control_message_fuzz", seeds)) {
    BOOST_ERROR(name << " differs from its sample: rerun with WEFT_WRITE_SEEDS=1");
  }
}

BOOST_AUTO_TEST_SUITE_END()
