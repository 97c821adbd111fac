// A scenario file as data (docs/scenarios.md): the tailnet's topology, its policy, the timeline
// of events and the expectations, with the position of each in the file. No ns-3 here: the
// runner (scenario-runner.h) builds the live simulation from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hujson/value.h"
#include "link-shape.h"
#include "nat-table.h"

namespace weft::sim {

/// Simulated time since the start of the run, or a simulated duration.
using SimTime = std::chrono::nanoseconds;

/// One access link (node, server or relay to its network's router), one way: the network
/// models' own type (link-shape.h), handed to them unchanged.
using LinkConfig = LinkShape;

/// A network other than the internet, behind a router: a NAT by RFC 4787 (nat-table.h), or a
/// firewall (NatConfig::block_udp).
struct NetworkSpec {
  std::string name;
  hujson::Position pos;
  NatConfig nat;
  LinkConfig link;  ///< the router's uplink to the internet
};

/// A relay region: one relay server and a STUN server beside it.
struct RegionSpec {
  std::string name;  ///< the region code
  hujson::Position pos;
  uint16_t id = 0;
  std::string network = "internet";
  LinkConfig link;
};

struct ServerSpec {
  std::string network = "internet";
  LinkConfig link;
  /// A region whose relay runs on the server's node (down with it); empty: none.
  std::string embedded_relay;
};

struct NodeSpec {
  std::string name;  ///< also its host name
  hujson::Position pos;
  std::string tag;   ///< registered with this tag (owned by `user`), or
  std::string user = "alice@example.com";  ///< as this user when `tag` is empty
  std::string network = "internet";
  LinkConfig link;
  /// Registers at this time (a join); from the start when unset.
  std::optional<SimTime> joins;
  /// Registers without a pre-auth key, through the server's OpenID Connect login, as the person
  /// with this e-mail address (once a "login" event has them open the link); empty: with a key.
  std::string login;
  /// Subnet routes it advertises (`weft up --advertise-routes`; "0.0.0.0/0" and "::/0": an exit
  /// node), as prefixes in text.
  std::vector<std::string> advertise_routes;
};

/// The server's OpenID Connect login when a node uses it (docs/simulation.md, "Login"): a
/// provider host "idp" and the server's allow-list (`weft serve --oidc-allowed-domains`).
struct OidcSpec {
  std::vector<std::string> allowed_domains;  ///< empty: every verified e-mail address
  /// The provider replaces its signing key then (the old one is no longer published).
  std::optional<SimTime> rotate_key_at;
};

/// UDP between two nodes lost (TCP and other UDP pass): a firewall between them.
struct FirewallRule {
  std::string a, b;
  hujson::Position pos;
};

/// Numbered tunnel packets from one node to another, checked byte for byte on delivery.
struct TrafficSpec {
  std::string from, to;
  hujson::Position pos;
  SimTime every = std::chrono::milliseconds(100);
  SimTime start = std::chrono::seconds(5);
  std::optional<SimTime> end;  ///< unset: the end of the run
};

/// The tailnet's DNS settings as `weft admin dns set` takes them (docs/network-config.md,
/// "MagicDNS"), each nameserver named by a resolver host of the scenario (its simulated address).
struct DnsSettingsSpec {
  hujson::Position pos;
  std::vector<std::string> nameservers;     ///< resolver names, in order
  std::vector<std::string> search_domains;
  /// Split DNS: domain -> resolver names.
  std::vector<std::pair<std::string, std::vector<std::string>>> split;
};

/// A resolver host (a test peer standing for an upstream nameserver): answers A queries from
/// `records` (lowercase name -> IPv4 address), NXDOMAIN for other names.
struct ResolverSpec {
  std::string name;  ///< also its host name
  hujson::Position pos;
  std::string network = "internet";
  LinkConfig link;
  std::vector<std::pair<std::string, std::string>> records;
  /// Takes every query and answers none (a nameserver that is down or filtered).
  bool silent = false;
};

enum class EventKind : uint8_t {
  kServerDown,    ///< the coordination server's link is cut (it runs on, unreachable)
  kServerUp,
  kRelayDown,     ///< region's relay link cut
  kRelayUp,
  kLinkDown,      ///< node's access link cut
  kLinkUp,
  kLinkDegraded,  ///< node's access link takes `link`'s parameters
  kRestart,       ///< node's process dies and starts `downtime` later from its state directory
  kMove,          ///< node moves to `network`
  kPolicy,        ///< the operator submits `policy_text`
  kRotateKey,     ///< the operator asks node to rotate its node key
  kKeyExpiry,     ///< the operator expires node's key
  kJoin,          ///< node registers (it has "joins" or is named here)
  kLeave,         ///< node's process stops and the operator removes the device
  kUdpBlock,      ///< a firewall rule between node and `other` takes effect
  kUdpOpen,       ///< ... and is lifted
  kLogin,         ///< node's person opens its login link and signs in at the provider
  kDns,           ///< the operator replaces the DNS settings with `dns`
  kSetAttr,       ///< the operator sets node's posture attributes `attrs` (`weft admin nodes set-attr`)
  kUnsetAttr,     ///< ... removes the attributes named in `names`
  kApproveRoutes, ///< the operator approves node's routes `names` (`weft admin routes approve`)
  kRejectRoutes,  ///< ... rejects them
  kExitNode,      ///< node uses `other` as its exit node ("": none), as `weft up --exit-node`
};

const char* to_string(EventKind kind);

struct TimelineEvent {
  SimTime at{0};
  EventKind kind = EventKind::kServerDown;
  hujson::Position pos;
  std::string node;     ///< the node (kLink*, kRestart, kMove, kRotateKey, kKeyExpiry, kJoin, kLeave, kUdp*)
  std::string other;    ///< kUdpBlock, kUdpOpen: the second node; kExitNode: the exit node
  std::string region;   ///< kRelayDown, kRelayUp
  std::string network;  ///< kMove
  LinkConfig link;      ///< kLinkDegraded
  SimTime downtime = std::chrono::seconds(5);  ///< kRestart
  std::string policy_text;  ///< kPolicy: the policy file's text
  DnsSettingsSpec dns;      ///< kDns
  std::vector<std::pair<std::string, std::string>> attrs;  ///< kSetAttr: name -> value
  std::vector<std::string> names;  ///< kUnsetAttr: attribute names; k*Routes: prefixes
};

/// How every node's engine runs the AEAD of its data path (docs/simulation.md, "Crypto path").
enum class CryptoPath : uint8_t {
  kWhole,        ///< the plain entry points: the crypto inside each call (`weft up --threads 1`)
  kSplitInline,  ///< wg::CryptoJob entry points, each job run at once by the caller
  kSplit,        ///< wg::CryptoJob entry points on simulated workers that finish out of order,
                 ///< completed in preparation order (`weft up --threads N`)
};
const char* to_string(CryptoPath path);

struct CryptoSpec {
  CryptoPath path = CryptoPath::kWhole;
  /// kSplit: each job finishes after a delay drawn uniformly from [0, worker_delay].
  SimTime worker_delay = std::chrono::milliseconds(2);
};

/// The route class of a packet: straight over UDP, through a relay, or not delivered.
enum class Route : uint8_t { kDirect, kRelay, kNone };
const char* to_string(Route route);

enum class ExpectKind : uint8_t {
  kReaches,          ///< node reaches other at `at` via `route` (a probe sent at `at`)
  kPeers,            ///< node's peers at `at` include / exclude `others`
  kNoNewConnection,  ///< no packet node -> other delivered in [from, to], never a peer there
  kPolicyVersion,    ///< policy version on node at `at` is `number`
  kDelivers,         ///< traffic node -> other sent in [from, to): delivered at least/most `percent`
  kFromCache,        ///< node runs from its cache at `at`
  kKeyRotations,     ///< node's key rotations at `at` is `number`
  kInSync,           ///< node streams the server's current policy at `at`
  kOffline,          ///< node runs without its control stream at `at`
  kHealthy,          ///< every core slot healthy at `at` (no stale timers, past deadlines)
  kResolves,         ///< node's MagicDNS answers `name` with an address at `at` (a query sent then)
  kDnsRcode,         ///< node's MagicDNS answers `name` with `rcode` (NXDOMAIN, SERVFAIL) at `at`
  kRoutes,           ///< node's netmap at `at` routes (or not) `prefixes` [through `other`]
  kReachesAddress,   ///< a probe node -> address `name` sent at `at` is delivered by `other`'s
                     ///< engine ("": by none)
};

/// One expectation, as written (a sentence, docs/scenarios.md) and as read. `node` "*" means
/// every node (kPolicyVersion, kFromCache, kKeyRotations, kInSync, kOffline).
struct ExpectSpec {
  ExpectKind kind = ExpectKind::kReaches;
  std::string text;
  hujson::Position pos;
  std::string node;
  std::string other;
  std::vector<std::string> others;  ///< kPeers
  std::string name;                 ///< kResolves, kDnsRcode: the DNS name asked
  bool via_upstream = false;        ///< kResolves: the answer must come from a resolver host
  uint8_t rcode = 0;                ///< kDnsRcode: 3 NXDOMAIN, 2 SERVFAIL
  std::vector<std::string> prefixes;  ///< kRoutes (`include` says which way; `other` the router)
  bool include = true;              ///< kPeers
  Route route = Route::kDirect;     ///< kReaches
  SimTime within = std::chrono::seconds(2);  ///< kReaches: the probe's delivery deadline
  SimTime at{0};
  SimTime from{0}, to{0};  ///< kNoNewConnection, kDelivers
  uint64_t number = 0;     ///< kPolicyVersion, kKeyRotations
  double percent = 0;      ///< kDelivers
  bool at_least = true;    ///< kDelivers
  bool in_order = false;   ///< kDelivers: and no packet arrives after a later-numbered one

  /// When the runner judges it (`at`, `to`, or a reach's probe deadline).
  SimTime JudgedAt() const;
};

struct ScenarioSpec {
  std::string name;
  std::string path;  ///< the file it came from
  SimTime duration{0};
  std::optional<uint64_t> seed;
  std::string policy_text;
  CryptoSpec crypto;
  OidcSpec oidc;
  ServerSpec server;
  std::vector<RegionSpec> regions;
  std::vector<NetworkSpec> networks;
  std::vector<NodeSpec> nodes;
  std::vector<FirewallRule> firewall;
  std::vector<TrafficSpec> traffic;
  std::vector<TimelineEvent> timeline;  ///< in time order (stable: file order at one instant)
  std::vector<ExpectSpec> expect;
  std::optional<DnsSettingsSpec> dns;  ///< the DNS settings at the start; unset: none
  std::vector<ResolverSpec> resolvers;

  /// The node named `name`, or nullptr.
  const NodeSpec* FindNode(const std::string& name) const;
  /// The resolver host named `name`, or nullptr.
  const ResolverSpec* FindResolver(const std::string& name) const;
};

/// "12.5s", "2m", "250ms" for messages.
std::string time_text(SimTime t);

}  // namespace weft::sim
