// Encoding and exact decoding of the control protocol's messages, version 1 (docs/control-plane.md,
// "Messages": type bytes and field encodings). Each decoder reads its fields in struct order and
// refuses any limit of messages.h; the Reader keeps the first failure.
#include "control/message_codec.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <limits>
#include <string_view>
#include <type_traits>

#include "control/codec.h"

namespace weft::control {
namespace {

// The fewest bytes one element of a list can take (every field empty or zero), so a count is
// refused when the remaining bytes cannot hold it, before any reserve.
constexpr std::size_t kMinAddressBytes = 1 + 4;
constexpr std::size_t kMinPrefixBytes = kMinAddressBytes + 1;
constexpr std::size_t kMinSocketAddressBytes = kMinAddressBytes + 2;
constexpr std::size_t kMinNodeIdBytes = 8;
constexpr std::size_t kMinFilterRuleBytes = 2 * kCountPrefixSize + 3 * 2;
constexpr std::size_t kMinRelayRegionBytes = 2 + 2 * kStringPrefixSize + kCountPrefixSize;
constexpr std::size_t kMinDnsRouteBytes = kStringPrefixSize + kCountPrefixSize;
constexpr std::size_t kMinRelayNodeBytes = 2 * kStringPrefixSize + 2 + 2 + 2 + 1;
constexpr std::size_t kMinPeerBytes = 8 + 3 * kStringPrefixSize + kCountPrefixSize +
                                      2 * core::kKeySize + 3 * kCountPrefixSize + 2 + 1 + 1;
constexpr std::size_t kNoMaximum = std::numeric_limits<uint32_t>::max();
/// FilterRule::protocol's "any protocol" (one above the largest IANA number).
constexpr uint16_t kMaxProtocol = 256;
constexpr std::string_view kTagPrefix = "tag:";

// ---------------------------------------------------------------- writing

void put(Writer& w, const util::IpAddress& a) {
  w.u8(static_cast<uint8_t>(a.family()));
  w.fixed(a.bytes().data(), a.is_v4() ? 4 : 16);
}

void put(Writer& w, const util::IpPrefix& p) {
  put(w, p.address());
  w.u8(static_cast<uint8_t>(p.bits()));
}

void put(Writer& w, const core::SocketAddress& s) {
  put(w, s.address);
  w.u16(s.port);
}

template <class Role>
void put(Writer& w, const core::PublicKey<Role>& k) {
  w.fixed(k.bytes.data(), k.bytes.size());
}

void put(Writer& w, core::WallTime t) {
  w.i64(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

void put(Writer& w, NodeId id) { w.u64(id.value); }
void put(Writer& w, const std::string& s) { w.string(s); }
void put(Writer& w, uint64_t v) { w.u64(v); }

// Declared before the list and optional templates, which call them (ADL does not reach into
// this unnamed namespace).
void put(Writer& w, const Peer& p);
void put(Writer& w, const FilterRule& f);
void put(Writer& w, const RelayRegion& r);
void put(Writer& w, const RelayNode& n);
void put(Writer& w, const DnsRoute& r);
void put(Writer& w, const DnsConfig& d);

template <class T>
void put(Writer& w, const std::vector<T>& list) {
  w.count(list.size());
  for (const T& v : list) put(w, v);
}

template <class T>
void put(Writer& w, const std::optional<T>& v) {
  w.boolean(v.has_value());
  if (v) put(w, *v);
}

void put(Writer& w, const Peer& p) {
  put(w, p.id);
  w.string(p.name);
  w.string(p.dns_name);
  w.string(p.user);
  put(w, p.tags);
  put(w, p.node_key);
  put(w, p.disco_key);
  put(w, p.addresses);
  put(w, p.allowed_ips);
  put(w, p.endpoints);
  w.u16(p.home_region);
  w.boolean(p.online);
  put(w, p.key_expiry);
  w.string(p.os);
}

void put(Writer& w, const FilterRule& f) {
  put(w, f.sources);
  put(w, f.destinations);
  w.u16(f.protocol);
  w.u16(f.port_first);
  w.u16(f.port_last);
}

void put(Writer& w, const RelayNode& n) {
  w.string(n.name);
  w.string(n.host);
  put(w, n.ipv4);
  put(w, n.ipv6);
  w.u16(n.relay_port);
  w.u16(n.stun_port);
  w.boolean(n.tls);
}

void put(Writer& w, const RelayRegion& r) {
  w.u16(r.id);
  w.string(r.code);
  w.string(r.name);
  put(w, r.nodes);
}

void put(Writer& w, const DnsRoute& r) {
  w.string(r.domain);
  put(w, r.nameservers);
}

void put(Writer& w, const DnsConfig& d) {
  w.string(d.domain);
  put(w, d.nameservers);
  put(w, d.search_domains);
  put(w, d.routes);
}

void put(Writer& w, const RegisterRequest& m) {
  w.u32(m.capability_version);
  put(w, m.node_key);
  put(w, m.old_node_key);
  put(w, m.disco_key);
  w.string(m.auth_key);
  w.string(m.hostinfo.hostname);
  w.string(m.hostinfo.os);
  w.string(m.hostinfo.os_version);
  w.string(m.hostinfo.client_version);
  put(w, m.hostinfo.advertised_routes);
  w.boolean(m.ephemeral_hint);
  w.boolean(m.force_reauth);
}

void put(Writer& w, const MapRequest& m) {
  put(w, m.node_key);
  put(w, m.endpoints);
  w.u16(m.home_region);
  w.u64(m.policy_version);
}

void put(Writer& w, const EndpointUpdate& m) {
  put(w, m.endpoints);
  w.u16(m.home_region);
}

void put(Writer&, const KeepAlive&) {}
void put(Writer&, const RotateKey&) {}

void put(Writer& w, const RegisterResponse& m) {
  w.u8(static_cast<uint8_t>(m.status));
  put(w, m.node);
  w.string(m.error_code);
  w.string(m.error_message);
  put(w, m.key_expiry);
  w.string(m.auth_url);
}

void put(Writer& w, const MapResponse& m) {
  w.u64(m.seq);
  put(w, m.self);
  put(w, m.peers);
  put(w, m.filter);
  put(w, m.dns);
  put(w, m.relays);
  w.u64(m.policy_version);
}

void put(Writer& w, const MapDelta& m) {
  w.u64(m.seq);
  put(w, m.upserted);
  put(w, m.removed);
  put(w, m.filter);
  put(w, m.filter_sources_removed);
  put(w, m.filter_added);
  put(w, m.self);
  put(w, m.policy_version);
  put(w, m.relays);
  put(w, m.dns);
}

void put(Writer& w, const ErrorMessage& m) {
  w.string(m.code);
  w.string(m.message);
}

void put(Writer& w, const VerifyNodeRequest& m) { put(w, m.node_key); }

void put(Writer& w, const PolicyApplied& m) { w.u64(m.version); }

void put(Writer& w, const VerifyNodeResponse& m) {
  put(w, m.node_key);
  w.boolean(m.allowed);
}

// The type bytes in variant order.
constexpr std::array<NodeMessageType, std::variant_size_v<NodeMessage>> kNodeTypes = {
    NodeMessageType::kRegisterRequest, NodeMessageType::kMapRequest,
    NodeMessageType::kEndpointUpdate, NodeMessageType::kKeepAlive,
    NodeMessageType::kVerifyNodeRequest, NodeMessageType::kPolicyApplied};
constexpr std::array<ServerMessageType, std::variant_size_v<ServerMessage>> kServerTypes = {
    ServerMessageType::kRegisterResponse, ServerMessageType::kMapResponse,
    ServerMessageType::kMapDelta,         ServerMessageType::kRotateKey,
    ServerMessageType::kKeepAlive,        ServerMessageType::kErrorMessage,
    ServerMessageType::kVerifyNodeResponse};

template <class Variant, class Types>
std::vector<uint8_t> encode_variant(const Variant& message, const Types& types) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.u8(static_cast<uint8_t>(types[message.index()]));
  std::visit([&w](const auto& m) { put(w, m); }, message);
  return out;
}

// ---------------------------------------------------------------- reading

// A hostname is one DNS label in lowercase: a-z, 0-9 and '-', not starting or ending with '-'.
bool is_hostname(const std::string& s) {
  if (s.empty() || s.size() > kMaxHostnameBytes || s.front() == '-' || s.back() == '-')
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

void get_hostname(Reader& r, std::string& out, bool may_be_empty, const char* field) {
  const std::size_t at = r.offset();
  if (!r.string(out, kMaxHostnameBytes, field)) return;
  if (!(may_be_empty && out.empty()) && !is_hostname(out))
    r.fail(ReadFailure::kBadValue, field, at);
}

void get(Reader& r, util::IpAddress& out, const char* field) {
  const std::size_t at = r.offset();
  uint8_t family = 0;
  if (!r.u8(family, field)) return;
  if (family == static_cast<uint8_t>(util::IpFamily::kV4)) {
    std::array<uint8_t, 4> b{};
    if (r.fixed(b.data(), b.size(), field)) out = util::IpAddress::v4(b);
  } else if (family == static_cast<uint8_t>(util::IpFamily::kV6)) {
    std::array<uint8_t, 16> b{};
    if (r.fixed(b.data(), b.size(), field)) out = util::IpAddress::v6(b);
  } else {
    r.fail(ReadFailure::kBadValue, field, at);
  }
}

// A prefix's length fits its family, and its host bits are zero: one prefix, one encoding.
void get(Reader& r, util::IpPrefix& out, const char* field) {
  const std::size_t at = r.offset();
  util::IpAddress address;
  uint8_t bits = 0;
  get(r, address, field);
  if (!r.u8(bits, field)) return;
  if (bits > address.bit_length()) {
    r.fail(ReadFailure::kBadValue, field, at);
    return;
  }
  out = util::IpPrefix(address, bits);
  if (out.address() != address) r.fail(ReadFailure::kBadValue, field, at);
}

void get(Reader& r, core::SocketAddress& out, const char* field) {
  get(r, out.address, field);
  r.u16(out.port, field);
}

template <class Role>
void get(Reader& r, core::PublicKey<Role>& out, const char* field) {
  r.fixed(out.bytes.data(), out.bytes.size(), field);
}

void get(Reader& r, core::WallTime& out, const char* field) {
  int64_t ns = 0;
  r.i64(ns, field);
  out = core::WallTime(
      std::chrono::duration_cast<core::WallTime::duration>(std::chrono::nanoseconds(ns)));
}

void get(Reader& r, NodeId& out, const char* field) { r.u64(out.value, field); }
void get(Reader& r, uint64_t& out, const char* field) { r.u64(out, field); }

template <class T>
constexpr std::size_t min_bytes() {
  if constexpr (std::is_same_v<T, util::IpAddress>) return kMinAddressBytes;
  if constexpr (std::is_same_v<T, util::IpPrefix>) return kMinPrefixBytes;
  if constexpr (std::is_same_v<T, core::SocketAddress>) return kMinSocketAddressBytes;
  if constexpr (std::is_same_v<T, NodeId>) return kMinNodeIdBytes;
  if constexpr (std::is_same_v<T, FilterRule>) return kMinFilterRuleBytes;
  if constexpr (std::is_same_v<T, RelayRegion>) return kMinRelayRegionBytes;
  if constexpr (std::is_same_v<T, RelayNode>) return kMinRelayNodeBytes;
  if constexpr (std::is_same_v<T, Peer>) return kMinPeerBytes;
  if constexpr (std::is_same_v<T, DnsRoute>) return kMinDnsRouteBytes;
  if constexpr (std::is_same_v<T, std::string>) return kStringPrefixSize;
  return 1;
}

void get(Reader& r, Peer& out, const char* field);
void get(Reader& r, FilterRule& out, const char* field);
void get(Reader& r, RelayRegion& out, const char* field);
void get(Reader& r, RelayNode& out, const char* field);
void get(Reader& r, DnsRoute& out, const char* field);
void get(Reader& r, DnsConfig& out, const char* field);

// A list of at most `max` elements, each read by get(). Reserves only after count() checked
// that the remaining bytes can hold that many elements.
template <class T>
void get_list(Reader& r, std::vector<T>& out, std::size_t max, const char* field) {
  std::size_t n = 0;
  r.count(n, max, min_bytes<T>(), field);
  out.clear();
  out.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) get(r, out.emplace_back(), field);
}

// Presence byte 0 or 1, then the value.
template <class T, class Read>
void get_optional(Reader& r, std::optional<T>& out, const char* field, Read read) {
  bool present = false;
  out.reset();
  if (!r.boolean(present, field) || !present) return;
  read(out.emplace());
}

template <class T>
void get_optional(Reader& r, std::optional<T>& out, const char* field) {
  get_optional(r, out, field, [&](T& v) { get(r, v, field); });
}

void get(Reader& r, Peer& out, const char* /*field*/) {
  get(r, out.id, "peer.id");
  get_hostname(r, out.name, false, "peer.name");
  r.string(out.dns_name, kMaxNameBytes, "peer.dns_name");
  r.string(out.user, kMaxNameBytes, "peer.user");
  std::size_t n = 0;
  r.count(n, kMaxTagsPerNode, kStringPrefixSize + kTagPrefix.size(), "peer.tags");
  out.tags.clear();
  out.tags.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    const std::size_t at = r.offset();
    std::string& tag = out.tags.emplace_back();
    if (r.string(tag, kMaxNameBytes, "peer.tags") && tag.compare(0, kTagPrefix.size(), kTagPrefix))
      r.fail(ReadFailure::kBadValue, "peer.tags", at);
  }
  get(r, out.node_key, "peer.node_key");
  get(r, out.disco_key, "peer.disco_key");
  get_list(r, out.addresses, kNoMaximum, "peer.addresses");
  get_list(r, out.allowed_ips, kNoMaximum, "peer.allowed_ips");
  get_list(r, out.endpoints, kMaxEndpoints, "peer.endpoints");
  r.u16(out.home_region, "peer.home_region");
  r.boolean(out.online, "peer.online");
  get_optional(r, out.key_expiry, "peer.key_expiry");
  r.string(out.os, kMaxNameBytes, "peer.os");
}

void get(Reader& r, FilterRule& out, const char* /*field*/) {
  get_list(r, out.sources, kNoMaximum, "filter.sources");
  get_list(r, out.destinations, kNoMaximum, "filter.destinations");
  const std::size_t at = r.offset();
  if (r.u16(out.protocol, "filter.protocol") && out.protocol > kMaxProtocol)
    r.fail(ReadFailure::kBadValue, "filter.protocol", at);
  r.u16(out.port_first, "filter.port_first");
  const std::size_t last_at = r.offset();
  if (r.u16(out.port_last, "filter.port_last") && out.port_last < out.port_first)
    r.fail(ReadFailure::kBadValue, "filter.port_last", last_at);
}

// An optional address of one family (a relay node's ipv4 / ipv6).
void get_family(Reader& r, std::optional<util::IpAddress>& out, util::IpFamily family,
                const char* field) {
  const std::size_t at = r.offset();
  get_optional(r, out, field);
  if (r.ok() && out && out->family() != family) r.fail(ReadFailure::kBadValue, field, at);
}

void get(Reader& r, RelayNode& out, const char* /*field*/) {
  r.string(out.name, kMaxNameBytes, "relay_node.name");
  r.string(out.host, kMaxNameBytes, "relay_node.host");
  get_family(r, out.ipv4, util::IpFamily::kV4, "relay_node.ipv4");
  get_family(r, out.ipv6, util::IpFamily::kV6, "relay_node.ipv6");
  r.u16(out.relay_port, "relay_node.relay_port");
  r.u16(out.stun_port, "relay_node.stun_port");
  r.boolean(out.tls, "relay_node.tls");
}

void get(Reader& r, RelayRegion& out, const char* /*field*/) {
  r.u16(out.id, "relay.id");
  r.string(out.code, kMaxNameBytes, "relay.code");
  r.string(out.name, kMaxNameBytes, "relay.name");
  get_list(r, out.nodes, kMaxRelayNodesPerRegion, "relay.nodes");
}

// A DNS name as DnsConfig holds it: lowercase labels of a-z, 0-9, '-' and '_', 1..63 bytes
// each, dot-separated, no final dot; at most kMaxNameBytes.
bool is_dns_name(const std::string& s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  std::size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      if (++label > kMaxHostnameBytes) return false;
    } else {
      return false;
    }
  }
  return label != 0;
}

void get_dns_name(Reader& r, std::string& out, const char* field) {
  const std::size_t at = r.offset();
  if (r.string(out, kMaxNameBytes, field) && !is_dns_name(out))
    r.fail(ReadFailure::kBadValue, field, at);
}

void get(Reader& r, DnsRoute& out, const char* /*field*/) {
  get_dns_name(r, out.domain, "dns.routes.domain");
  get_list(r, out.nameservers, kMaxDnsNameservers, "dns.routes.nameservers");
}

// The domain stays as free as before (an empty one: no tailnet names); the rest is strict.
void get(Reader& r, DnsConfig& out, const char* /*field*/) {
  r.string(out.domain, kMaxNameBytes, "dns.domain");
  get_list(r, out.nameservers, kMaxDnsNameservers, "dns.nameservers");
  std::size_t n = 0;
  r.count(n, kMaxDnsSearchDomains, kStringPrefixSize, "dns.search_domains");
  out.search_domains.clear();
  out.search_domains.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i)
    get_dns_name(r, out.search_domains.emplace_back(), "dns.search_domains");
  get_list(r, out.routes, kMaxDnsRoutes, "dns.routes");
}

void get(Reader& r, RegisterRequest& m) {
  r.u32(m.capability_version, "register.capability_version");
  get(r, m.node_key, "register.node_key");
  get_optional(r, m.old_node_key, "register.old_node_key");
  get(r, m.disco_key, "register.disco_key");
  r.string(m.auth_key, kMaxAuthKeyBytes, "register.auth_key");
  get_hostname(r, m.hostinfo.hostname, true, "hostinfo.hostname");
  r.string(m.hostinfo.os, kMaxNameBytes, "hostinfo.os");
  r.string(m.hostinfo.os_version, kMaxNameBytes, "hostinfo.os_version");
  r.string(m.hostinfo.client_version, kMaxNameBytes, "hostinfo.client_version");
  get_list(r, m.hostinfo.advertised_routes, kMaxRoutes, "hostinfo.advertised_routes");
  r.boolean(m.ephemeral_hint, "register.ephemeral_hint");
  r.boolean(m.force_reauth, "register.force_reauth");
}

void get(Reader& r, MapRequest& m) {
  get(r, m.node_key, "map_request.node_key");
  get_list(r, m.endpoints, kMaxEndpoints, "map_request.endpoints");
  r.u16(m.home_region, "map_request.home_region");
  r.u64(m.policy_version, "map_request.policy_version");
}

void get(Reader& r, EndpointUpdate& m) {
  get_list(r, m.endpoints, kMaxEndpoints, "endpoint_update.endpoints");
  r.u16(m.home_region, "endpoint_update.home_region");
}

void get(Reader&, KeepAlive&) {}
void get(Reader&, RotateKey&) {}

void get(Reader& r, RegisterResponse& m) {
  const std::size_t at = r.offset();
  uint8_t status = 0;
  if (r.u8(status, "register_response.status")) {
    if (status < static_cast<uint8_t>(RegisterStatus::kAuthorized) ||
        status > static_cast<uint8_t>(RegisterStatus::kNeedsLogin))
      r.fail(ReadFailure::kBadValue, "register_response.status", at);
    m.status = static_cast<RegisterStatus>(status);
  }
  get(r, m.node, "register_response.node");
  r.string(m.error_code, kMaxNameBytes, "register_response.error_code");
  r.string(m.error_message, kMaxErrorBytes, "register_response.error_message");
  get_optional(r, m.key_expiry, "register_response.key_expiry");
  r.string(m.auth_url, kMaxUrlBytes, "register_response.auth_url");
}

void get(Reader& r, MapResponse& m) {
  r.u64(m.seq, "map.seq");
  get(r, m.self, "map.self");
  get_list(r, m.peers, kNoMaximum, "map.peers");
  get_list(r, m.filter, kNoMaximum, "map.filter");
  get(r, m.dns, "map.dns");
  get_list(r, m.relays, kMaxRelayRegions, "map.relays");
  r.u64(m.policy_version, "map.policy_version");
}

void get(Reader& r, MapDelta& m) {
  r.u64(m.seq, "delta.seq");
  get_list(r, m.upserted, kNoMaximum, "delta.upserted");
  get_list(r, m.removed, kNoMaximum, "delta.removed");
  get_optional(r, m.filter, "delta.filter",
               [&](std::vector<FilterRule>& f) { get_list(r, f, kNoMaximum, "delta.filter"); });
  get_list(r, m.filter_sources_removed, kNoMaximum, "delta.filter_sources_removed");
  get_list(r, m.filter_added, kNoMaximum, "delta.filter_added");
  get_optional(r, m.self, "delta.self");
  get_optional(r, m.policy_version, "delta.policy_version");
  get_optional(r, m.relays, "delta.relays", [&](std::vector<RelayRegion>& relays) {
    get_list(r, relays, kMaxRelayRegions, "delta.relays");
  });
  get_optional(r, m.dns, "delta.dns");
}

void get(Reader& r, ErrorMessage& m) {
  r.string(m.code, kMaxNameBytes, "error.code");
  r.string(m.message, kMaxErrorBytes, "error.message");
}

void get(Reader& r, VerifyNodeRequest& m) { get(r, m.node_key, "verify.node_key"); }

void get(Reader& r, PolicyApplied& m) { r.u64(m.version, "policy_applied.version"); }

void get(Reader& r, VerifyNodeResponse& m) {
  get(r, m.node_key, "verify_response.node_key");
  r.boolean(m.allowed, "verify_response.allowed");
}

// A default value of the alternative at `index` (known to be in range).
template <class Variant, std::size_t I = 0>
Variant variant_at(std::size_t index) {
  if constexpr (I + 1 < std::variant_size_v<Variant>) {
    if (index != I) return variant_at<Variant, I + 1>(index);
  }
  return Variant(std::in_place_index<I>);
}

Error unknown_type(uint8_t type) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", type);
  return make_error("control.unknown_message", std::string("message type ") + hex);
}

// Reads the type byte, finds its alternative in `types` and decodes that alternative exactly.
template <class Variant, class Types>
Result<Variant> decode_variant(core::ByteView message, const Types& types) {
  Reader r(message);
  uint8_t type = 0;
  if (!r.u8(type, "type")) return malformed(r.error());
  std::size_t index = types.size();
  for (std::size_t i = 0; i < types.size(); ++i)
    if (static_cast<uint8_t>(types[i]) == type) index = i;
  if (index == types.size()) return unknown_type(type);
  Variant out = variant_at<Variant>(index);
  std::visit([&r](auto& m) { get(r, m); }, out);
  if (!r.finish()) return malformed(r.error());
  return out;
}

}  // namespace

std::vector<uint8_t> encode(const NodeMessage& message) {
  return encode_variant(message, kNodeTypes);
}

std::vector<uint8_t> encode(const ServerMessage& message) {
  return encode_variant(message, kServerTypes);
}

Result<NodeMessage> decode_node_message(core::ByteView message) {
  return decode_variant<NodeMessage>(message, kNodeTypes);
}

Result<ServerMessage> decode_server_message(core::ByteView message) {
  return decode_variant<ServerMessage>(message, kServerTypes);
}

Result<uint32_t> capability_version_of(core::ByteView message) {
  Reader r(message);
  uint8_t type = 0;
  uint32_t version = 0;
  if (!r.u8(type, "type")) return malformed(r.error());
  if (type != static_cast<uint8_t>(NodeMessageType::kRegisterRequest)) return unknown_type(type);
  if (!r.u32(version, "register.capability_version")) return malformed(r.error());
  return version;
}

}  // namespace weft::control
