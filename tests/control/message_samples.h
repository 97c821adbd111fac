// Test helpers for lib/control's messages: one sample of every message with every field filled
// (distinct values, so a swapped or skipped field shows), and field-by-field equality.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "control/messages.h"
#include "core/key.h"
#include "core/path.h"
#include "util/ip_prefix.h"

namespace weft::control {

// Equality for tests only: the protocol itself never compares messages.
inline bool operator==(const Hostinfo& a, const Hostinfo& b) {
  return a.hostname == b.hostname && a.os == b.os && a.os_version == b.os_version &&
         a.client_version == b.client_version &&
         a.advertised_routes == b.advertised_routes;
}
inline bool operator==(const RegisterRequest& a, const RegisterRequest& b) {
  return a.capability_version == b.capability_version && a.node_key == b.node_key &&
         a.old_node_key == b.old_node_key && a.disco_key == b.disco_key &&
         a.auth_key == b.auth_key && a.hostinfo == b.hostinfo &&
         a.ephemeral_hint == b.ephemeral_hint && a.force_reauth == b.force_reauth;
}
inline bool operator==(const MapRequest& a, const MapRequest& b) {
  return a.node_key == b.node_key && a.endpoints == b.endpoints &&
         a.home_region == b.home_region && a.policy_version == b.policy_version;
}
inline bool operator==(const EndpointUpdate& a, const EndpointUpdate& b) {
  return a.endpoints == b.endpoints && a.home_region == b.home_region;
}
inline bool operator==(const KeepAlive&, const KeepAlive&) { return true; }
inline bool operator==(const RotateKey&, const RotateKey&) { return true; }
inline bool operator==(const RegisterResponse& a, const RegisterResponse& b) {
  return a.status == b.status && a.node == b.node && a.error_code == b.error_code &&
         a.error_message == b.error_message && a.key_expiry == b.key_expiry &&
         a.auth_url == b.auth_url;
}
inline bool operator==(const FilterRule& a, const FilterRule& b) {
  return a.sources == b.sources && a.destinations == b.destinations &&
         a.protocol == b.protocol && a.port_first == b.port_first && a.port_last == b.port_last;
}
inline bool operator==(const Peer& a, const Peer& b) {
  return a.id == b.id && a.name == b.name && a.dns_name == b.dns_name && a.user == b.user &&
         a.tags == b.tags && a.node_key == b.node_key && a.disco_key == b.disco_key &&
         a.addresses == b.addresses && a.allowed_ips == b.allowed_ips &&
         a.endpoints == b.endpoints && a.home_region == b.home_region && a.online == b.online &&
         a.key_expiry == b.key_expiry && a.os == b.os;
}
inline bool operator==(const RelayNode& a, const RelayNode& b) {
  return a.name == b.name && a.host == b.host && a.ipv4 == b.ipv4 && a.ipv6 == b.ipv6 &&
         a.relay_port == b.relay_port && a.stun_port == b.stun_port && a.tls == b.tls;
}
inline bool operator==(const RelayRegion& a, const RelayRegion& b) {
  return a.id == b.id && a.code == b.code && a.name == b.name && a.nodes == b.nodes;
}
inline bool operator==(const VerifyNodeRequest& a, const VerifyNodeRequest& b) {
  return a.node_key == b.node_key;
}
inline bool operator==(const PolicyApplied& a, const PolicyApplied& b) {
  return a.version == b.version;
}
inline bool operator==(const VerifyNodeResponse& a, const VerifyNodeResponse& b) {
  return a.node_key == b.node_key && a.allowed == b.allowed;
}
inline bool operator==(const MapResponse& a, const MapResponse& b) {
  return a.seq == b.seq && a.self == b.self && a.peers == b.peers && a.filter == b.filter &&
         a.dns == b.dns && a.relays == b.relays &&
         a.policy_version == b.policy_version;
}
inline bool operator==(const MapDelta& a, const MapDelta& b) {
  return a.seq == b.seq && a.upserted == b.upserted && a.removed == b.removed &&
         a.filter == b.filter && a.filter_sources_removed == b.filter_sources_removed &&
         a.filter_added == b.filter_added && a.self == b.self &&
         a.policy_version == b.policy_version && a.relays == b.relays && a.dns == b.dns;
}
inline bool operator==(const ErrorMessage& a, const ErrorMessage& b) {
  return a.code == b.code && a.message == b.message;
}

namespace test {

inline util::IpPrefix prefix(const char* text) { return *util::IpPrefix::parse(text, true); }
inline util::IpAddress address(const char* text) { return *util::IpAddress::parse(text); }
inline core::SocketAddress socket_address(const char* text) {
  return *core::SocketAddress::parse(text);
}

/// A key whose bytes are `first`, first + 1, ...
template <class Key>
Key key_from(uint8_t first) {
  Key k;
  for (std::size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<uint8_t>(first + i);
  return k;
}

inline core::WallTime wall_ns(int64_t ns) {
  return core::WallTime(std::chrono::duration_cast<core::WallTime::duration>(
      std::chrono::nanoseconds(ns)));
}

inline Peer sample_peer(uint64_t id) {
  Peer p;
  p.id = NodeId{id};
  p.name = "laptop-" + std::to_string(id);
  p.dns_name = p.name + ".weft.internal";
  p.user = "alice@example.com";
  p.tags = {"tag:server", "tag:prod"};
  p.node_key = key_from<core::NodePublicKey>(static_cast<uint8_t>(id));
  p.disco_key = key_from<core::DiscoPublicKey>(static_cast<uint8_t>(id + 100));
  p.addresses = {address("100.64.0.7"), address("fd7a:115c:a1e0::7")};
  p.allowed_ips = {prefix("100.64.0.7/32"), prefix("fd7a:115c:a1e0::7/128"),
                   prefix("10.1.0.0/16")};
  p.endpoints = {socket_address("192.0.2.1:41641"), socket_address("[2001:db8::1]:41641")};
  p.home_region = 3;
  p.online = true;
  p.key_expiry = wall_ns(1'800'000'000'123'456'789);
  p.os = "linux";
  return p;
}

inline FilterRule sample_rule() {
  FilterRule f;
  f.sources = {prefix("100.64.0.0/10"), prefix("fd7a:115c:a1e0::/48")};
  f.destinations = {prefix("100.64.0.7/32")};
  f.protocol = 6;
  f.port_first = 22;
  f.port_last = 443;
  return f;
}

inline RegisterRequest sample_register_request() {
  RegisterRequest m;
  m.capability_version = 7;
  m.node_key = key_from<core::NodePublicKey>(1);
  m.old_node_key = key_from<core::NodePublicKey>(40);
  m.disco_key = key_from<core::DiscoPublicKey>(80);
  m.auth_key = "weftkey-0123456789abcdef-" + std::string(64, 'a');
  m.hostinfo.hostname = "build-box-2";
  m.hostinfo.os = "linux";
  m.hostinfo.os_version = "6.1.0-18-amd64";
  m.hostinfo.client_version = "weft 0.4.0";
  m.hostinfo.advertised_routes = {prefix("10.0.0.0/8"), prefix("2001:db8::/32")};
  m.ephemeral_hint = true;
  return m;
}

inline MapRequest sample_map_request() {
  MapRequest m;
  m.node_key = key_from<core::NodePublicKey>(9);
  m.endpoints = {socket_address("198.51.100.4:41641"), socket_address("[2001:db8::4]:1")};
  m.home_region = 12;
  m.policy_version = 0x0102030405060708ull;
  return m;
}

inline EndpointUpdate sample_endpoint_update() {
  EndpointUpdate m;
  m.endpoints = {socket_address("203.0.113.9:65535")};
  m.home_region = 0xfffe;
  return m;
}

inline RegisterResponse sample_register_response() {
  RegisterResponse m;
  m.status = RegisterStatus::kRefused;
  m.node = NodeId{0xfedcba9876543210ull};
  m.error_code = "auth_key.expired";
  m.error_message = "the pre-auth key expired on 2026-11-30";
  m.key_expiry = wall_ns(-5);  // before the epoch: the sign must survive
  m.auth_url = "https://weft.example/login/00112233445566778899aabbccddeeff";
  return m;
}

// Two relays, one named with both literal addresses and TLS, one by literal address alone.
inline RelayRegion sample_region() {
  RelayNode named{"fra1", "relay1.example.com", address("192.0.2.7"), address("2001:db8::7"),
                  443, 3478, true};
  RelayNode literal{"fra2", "192.0.2.8", std::nullopt, std::nullopt, 8443, 0, false};
  return RelayRegion{1, "fra", "Frankfurt", {named, literal}};
}

inline MapResponse sample_map_response() {
  MapResponse m;
  m.seq = 41;
  m.self = sample_peer(1);
  m.peers = {sample_peer(2), sample_peer(3)};
  m.peers[1].user.clear();
  m.peers[1].online = false;
  m.peers[1].key_expiry.reset();
  m.filter = {sample_rule(), FilterRule{}};
  m.filter[1].protocol = 256;
  m.dns.domain = "weft.internal";
  m.dns.nameservers = {address("192.0.2.53"), address("2001:db8::53")};
  m.dns.search_domains = {"corp.example", "example"};
  m.dns.routes = {DnsRoute{"lab.example", {address("10.9.0.53")}}};
  m.relays = {sample_region(), RelayRegion{2, "nyc", "New York", {}}};
  m.policy_version = 99;
  return m;
}

inline MapDelta sample_map_delta() {
  MapDelta m;
  m.seq = 42;
  m.upserted = {sample_peer(4)};
  m.removed = {NodeId{2}, NodeId{77}};
  m.filter = std::vector<FilterRule>{sample_rule()};
  m.self = sample_peer(1);
  m.policy_version = 100;
  m.relays = std::vector<RelayRegion>{sample_region()};
  m.dns = DnsConfig{"weft.internal", {address("192.0.2.53")}, {}, {}};
  return m;
}

// A join's or a leave's delta: the filter changed by sources, not replaced.
inline MapDelta sample_incremental_delta() {
  MapDelta m;
  m.seq = 43;
  m.upserted = {sample_peer(5)};
  m.filter_sources_removed = {prefix("100.64.0.9/32"), prefix("fd7a:115c:a1e0::9/128")};
  m.filter_added = {sample_rule()};
  m.policy_version = 100;
  return m;
}

inline ErrorMessage sample_error() {
  return ErrorMessage{"control.removed", "this device was removed by an administrator"};
}

inline std::vector<NodeMessage> sample_node_messages() {
  return {sample_register_request(), sample_map_request(), sample_endpoint_update(),
          KeepAlive{}, VerifyNodeRequest{key_from<core::NodePublicKey>(90)},
          PolicyApplied{0x1112131415161718ull}};
}

inline std::vector<ServerMessage> sample_server_messages() {
  return {sample_register_response(), sample_map_response(), sample_map_delta(),
          RotateKey{},                KeepAlive{},           sample_error(),
          sample_incremental_delta(),
          VerifyNodeResponse{key_from<core::NodePublicKey>(91), true}};
}

}  // namespace test
}  // namespace weft::control
