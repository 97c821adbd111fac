// The messages of weft's control protocol (docs/control-plane.md, "Messages"): what a node and the
// coordination server say to each other inside the Noise channel. Plain values; their byte form
// is in codec.h / message_codec.cc. C++17-clean: ns-3 drives both ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/key.h"
#include "core/path.h"
#include "core/time.h"
#include "util/ip_prefix.h"

namespace weft::control {

/// The capability version a node or server states in its first message: what it understands
/// inside the channel (kProtocolVersion, in the handshake, changes only with the channel itself).
/// A server answers a capability version it does not support with Refused{"control.capability"}.
/// History (dated; never edit a released line):
///   1  2026-12-02  first: register, map (full + deltas), endpoint updates, key rotation,
///                  keepalive, errors.
///      2026-12-02  (extended in place, nothing had shipped) MapDelta::filter_added and
///                  filter_sources_removed: a join or a leave changes other filters incrementally.
///      2026-12-02  (extended in place, nothing had shipped) Peer::os, for `weft status`.
///   2  2026-12-03  relays: RelayRegion carries name and relay nodes (host, literal addresses,
///                  relay and STUN ports, TLS), MapDelta::relays; VerifyNodeRequest/Response
///                  (a relay asks whether a node key belongs to the tailnet). The layout of
///                  RelayRegion changed, so version 1 is no longer accepted.
///   3  2026-12-03  interactive login (docs/identity.md): RegisterRequest::force_reauth,
///                  RegisterStatus::kNeedsLogin with RegisterResponse::auth_url (the node waits
///                  on the connection until the login ends, as under kPendingApproval). The
///                  layouts of RegisterRequest and RegisterResponse changed, so version 2 is no
///                  longer accepted.
///   4  2026-12-02  network configuration from the control plane (issue 17): DnsConfig carries
///                  MagicDNS's upstream nameservers, search domains and split-DNS routes, and
///                  MapDelta::dns replaces it; Hostinfo::os_version (device posture's
///                  node:osVersion). The layouts of MapResponse, MapDelta and RegisterRequest
///                  changed, so version 3 is no longer accepted.
///   5  2026-12-02  PolicyApplied: the node reports each policy version it applies while
///                  streaming (MapRequest alone reported it only when a connection opened, so
///                  the server held the version from before the first map: `weft admin nodes
///                  show` said 0 for a running node). A new node message and no layout change:
///                  version 4 nodes are still accepted (they report at connect only).
inline constexpr uint32_t kCapabilityVersion = 5;
inline constexpr uint32_t kMinCapabilityVersion = 4;

/// Limits every decoder enforces (untrusted input): a larger value is malformed.
inline constexpr std::size_t kMaxHostnameBytes = 63;   // one DNS label
inline constexpr std::size_t kMaxNameBytes = 255;      // DNS names, e-mails, OS, versions
inline constexpr std::size_t kMaxTagsPerNode = 64;
inline constexpr std::size_t kMaxEndpoints = 32;
inline constexpr std::size_t kMaxRoutes = 1024;
inline constexpr std::size_t kMaxRelayRegions = 256;
inline constexpr std::size_t kMaxRelayNodesPerRegion = 16;
inline constexpr std::size_t kMaxDnsNameservers = 16;  // per DnsConfig and per split route
inline constexpr std::size_t kMaxDnsSearchDomains = 32;
inline constexpr std::size_t kMaxDnsRoutes = 256;
inline constexpr std::size_t kMaxAuthKeyBytes = 128;
inline constexpr std::size_t kMaxErrorBytes = 1024;
inline constexpr std::size_t kMaxUrlBytes = 2048;
/// A whole message after reassembly (a full map of 10,000 peers is about 2 MiB).
inline constexpr std::size_t kMaxMessageBytes = 16u << 20;

/// A device's stable id in the tailnet (the server's registry id).
struct NodeId {
  uint64_t value = 0;
  friend bool operator==(NodeId a, NodeId b) { return a.value == b.value; }
  friend bool operator!=(NodeId a, NodeId b) { return a.value != b.value; }
  friend bool operator<(NodeId a, NodeId b) { return a.value < b.value; }
};

/// What a node says about itself.
struct Hostinfo {
  std::string hostname;        // requested; the server makes it unique (≤ kMaxHostnameBytes)
  std::string os;              // "linux"
  std::string os_version;      // "6.1.0-18-amd64": the kernel release on Linux; may be empty
  std::string client_version;  // "weft 0.4.0"
  std::vector<util::IpPrefix> advertised_routes;  // stored by the server, acted on later
};

// ---------------------------------------------------------------- node -> server

/// First message after the handshake on a new connection. With `old_node_key` set, a key
/// rotation of the device this machine key already holds (no auth key needed).
struct RegisterRequest {
  uint32_t capability_version = kCapabilityVersion;
  core::NodePublicKey node_key{};
  std::optional<core::NodePublicKey> old_node_key;
  core::DiscoPublicKey disco_key{};
  std::string auth_key;  // empty when the machine is already registered and not expired
  Hostinfo hostinfo;
  bool ephemeral_hint = false;  // reserved: the key decides; ignored by version 1 servers
  /// Log in again at the identity provider even though the machine is registered (`weft up
  /// --force-reauth`): the device keeps its id and addresses. Needs a server with a login.
  bool force_reauth = false;
};

/// Opens the map stream (after RegisterResponse{kAuthorized}): a full MapResponse follows, then
/// MapDeltas as long as the connection lives. `endpoints` / `home_region` as in EndpointUpdate.
struct MapRequest {
  core::NodePublicKey node_key{};
  std::vector<core::SocketAddress> endpoints;
  uint16_t home_region = 0;  // 0 = none yet
  /// The last policy version the node applied (0 = none), reported back to the server.
  uint64_t policy_version = 0;
};

/// The node's endpoints or home relay region changed (connectivity issues fill these).
struct EndpointUpdate {
  std::vector<core::SocketAddress> endpoints;
  uint16_t home_region = 0;
};

/// Either side, when nothing else was sent for a keepalive interval.
struct KeepAlive {};

/// The node applied a map or delta that changed its policy version (capability 5): the server
/// records it as the device's reported version. Only on a map stream.
struct PolicyApplied {
  uint64_t version = 0;
};

/// A relay (`weft derp --verify-clients`) asks whether a node key belongs to an authorized,
/// unexpired device of the tailnet. Sent instead of RegisterRequest on a connection of its own;
/// any number may follow on it, each answered by a VerifyNodeResponse.
struct VerifyNodeRequest {
  core::NodePublicKey node_key{};
};

// ---------------------------------------------------------------- server -> node

enum class RegisterStatus : uint8_t {
  kAuthorized = 1,
  kPendingApproval = 2,  // --require-approval: the node waits on this connection
  kRefused = 3,          // see `error_code` / `error_message`
  /// No auth key and the server has an identity provider: a person opens `auth_url`. The node
  /// waits on this connection for a further RegisterResponse (authorized, pending or refused).
  kNeedsLogin = 4,
};

struct RegisterResponse {
  RegisterStatus status = RegisterStatus::kRefused;
  NodeId node{};
  std::string error_code;     // kRefused: "auth_key.expired", "control.removed", ...
  std::string error_message;  // for people
  std::optional<core::WallTime> key_expiry;  // nullopt: does not expire (tagged devices)
  std::string auth_url;  // kNeedsLogin: the login link for a person (≤ kMaxUrlBytes)
};

/// One entry of a node's inbound packet filter: traffic from `sources` to `destinations`
/// (the node's own addresses; routed prefixes later) with one protocol and port range.
struct FilterRule {
  std::vector<util::IpPrefix> sources;
  std::vector<util::IpPrefix> destinations;
  uint16_t protocol = 0;  // IANA number; 256 = any protocol
  uint16_t port_first = 0;
  uint16_t port_last = 65535;
};

/// A device as another node sees it (and, in MapResponse::self, as it sees itself).
struct Peer {
  NodeId id{};
  std::string name;      // unique hostname
  std::string dns_name;  // "name.<tailnet domain>"
  std::string user;      // owner's e-mail; empty for tagged devices
  std::vector<std::string> tags;
  core::NodePublicKey node_key{};
  core::DiscoPublicKey disco_key{};
  std::vector<util::IpAddress> addresses;  // IPv4 then IPv6
  std::vector<util::IpPrefix> allowed_ips;  // addresses as /32 and /128 (+ approved routes later)
  std::vector<core::SocketAddress> endpoints;
  uint16_t home_region = 0;
  bool online = false;
  std::optional<core::WallTime> key_expiry;
  std::string os;  // as the device reported it ("linux"); empty when unknown
};

/// Split DNS: names at or under `domain` are forwarded to these nameservers instead of the
/// default ones (docs/network-config.md, "MagicDNS").
struct DnsRoute {
  std::string domain;  // lowercase DNS name without the final dot ("corp.example")
  std::vector<util::IpAddress> nameservers;
  friend bool operator==(const DnsRoute& a, const DnsRoute& b) {
    return a.domain == b.domain && a.nameservers == b.nameservers;
  }
};

/// The tailnet's DNS settings as a node applies them (`weft admin dns set`): MagicDNS answers
/// names under `domain` itself and forwards the rest.
struct DnsConfig {
  std::string domain;  // "weft.internal"
  std::vector<util::IpAddress> nameservers;  // upstream for every other name; empty: none
  std::vector<std::string> search_domains;   // lowercase DNS names, in order
  std::vector<DnsRoute> routes;              // split DNS, by domain
  friend bool operator==(const DnsConfig& a, const DnsConfig& b) {
    return a.domain == b.domain && a.nameservers == b.nameservers &&
           a.search_domains == b.search_domains && a.routes == b.routes;
  }
  friend bool operator!=(const DnsConfig& a, const DnsConfig& b) { return !(a == b); }
};

/// One relay server of a region (docs/connectivity.md, "Relay map"): `weft derp` or the relay
/// embedded in `weft serve`, with a STUN server beside it.
struct RelayNode {
  std::string name;  // unique in the map ("fra1")
  /// What a node dials and, with TLS, the name the certificate must carry: a DNS name or a
  /// literal address.
  std::string host;
  /// Literal addresses: where STUN probes go (a sans-IO core cannot resolve names), and what a
  /// node dials before resolving `host`. At least one of host-as-literal, ipv4 or ipv6.
  std::optional<util::IpAddress> ipv4;
  std::optional<util::IpAddress> ipv6;
  uint16_t relay_port = 0;  // the relay's TCP port (HTTP upgrade)
  uint16_t stun_port = 0;   // 0: no STUN server beside this relay
  bool tls = false;         // the relay speaks TLS (HTTPS upgrade)
};

/// A relay region: relays close to each other, one of which a node uses at a time.
struct RelayRegion {
  uint16_t id = 0;    // 1..65535, unique in the map
  std::string code;   // short, unique ("fra")
  std::string name;   // for people ("Frankfurt")
  std::vector<RelayNode> nodes;
};

/// The node's whole view on connect (and after any gap the server cannot express as a delta).
struct MapResponse {
  uint64_t seq = 0;  // deltas follow with seq+1, seq+2, ...
  Peer self;
  std::vector<Peer> peers;  // sorted by id
  std::vector<FilterRule> filter;
  DnsConfig dns;
  std::vector<RelayRegion> relays;
  uint64_t policy_version = 0;
};

/// A change to the last map: applied in order; a gap in `seq` means reconnect for a full map.
struct MapDelta {
  uint64_t seq = 0;
  std::vector<Peer> upserted;     // new or changed peers, whole
  std::vector<NodeId> removed;    // peers the node may no longer know about
  std::optional<std::vector<FilterRule>> filter;  // replaces the filter when set
  /// Applied when `filter` is not set (a server sends these two only then), removals first:
  /// these exact prefixes leave every rule's sources, and a rule left without sources goes...
  std::vector<util::IpPrefix> filter_sources_removed;
  /// ...then each rule is merged into the rule with the same protocol, ports and destinations
  /// (its sources joined to that rule's), or added as a new rule. The filter is a union of rules,
  /// so a device joining the tailnet is its addresses added to the rules its keys satisfy.
  std::vector<FilterRule> filter_added;
  std::optional<Peer> self;
  std::optional<uint64_t> policy_version;
  /// The relay map changed (the server restarted with another --relay-map): replaces it whole.
  std::optional<std::vector<RelayRegion>> relays;
  /// The DNS settings changed (`weft admin dns set`): replaces them whole.
  std::optional<DnsConfig> dns;
};

/// The operator asked this device to rotate its node key (`weft admin nodes rotate`): the node
/// answers with RegisterRequest{old_node_key = current} on this or a new connection.
struct RotateKey {};

/// The server closes the stream: the device was removed, its key expired, the machine key is
/// unknown, a message was malformed... `code` is stable ("control.removed").
struct ErrorMessage {
  std::string code;
  std::string message;
};

/// The answer to one VerifyNodeRequest, in order.
struct VerifyNodeResponse {
  core::NodePublicKey node_key{};
  bool allowed = false;
};

using NodeMessage = std::variant<RegisterRequest, MapRequest, EndpointUpdate, KeepAlive,
                                 VerifyNodeRequest, PolicyApplied>;
using ServerMessage = std::variant<RegisterResponse, MapResponse, MapDelta, RotateKey, KeepAlive,
                                   ErrorMessage, VerifyNodeResponse>;

}  // namespace weft::control
