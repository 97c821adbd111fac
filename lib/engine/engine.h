// The node engine (docs/control-plane.md, "Node engine"): one sans-IO object that composes the
// control client, the WireGuard device and the packet filter behind one next_deadline(), and
// keeps the node working from its last netmap while the coordination server is away (issue 9,
// "Cache"). The Linux node and ns-3 drive it. C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/messages.h"
#include "controlclient/client.h"
#include "controlclient/netmap.h"
#include "core/bytes.h"
#include "core/key.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "disco/discovery.h"
#include "engine/netmap_cache.h"
#include "engine/relay_links.h"
#include "filter/packet_filter.h"
#include "netcheck/report.h"
#include "util/ip_prefix.h"
#include "util/result.h"
#include "wg/device.h"

namespace weft::engine {

/// Why the engine itself (not the WireGuard device) dropped an input.
enum class EngineDrop : uint8_t {
  kNone = 0,
  kFilterDenied,  ///< the packet filter refused a decrypted packet; `filter_drop` says why
};

/// The result of one data-plane call: exactly wg::Device's Output (so a data path written for
/// the device drives the engine unchanged), plus the engine's own drop reason. An engine drop is
/// Action::kDrop with `drop` = wg::DropReason::kNone (the device did not drop it: its counters do
/// not include it) and `engine_drop` / `filter_drop` set, counted in EngineStats.
struct Output : wg::Output {
  EngineDrop engine_drop = EngineDrop::kNone;
  filter::DropReason filter_drop = filter::DropReason::kNone;
};

/// True when the output asks nothing of the driver (core/drive.h's contract).
inline bool is_idle(const Output& o) { return o.action == wg::Action::kNone; }

struct EngineConfig {
  /// The control client's configuration; its node key is also the device's private key.
  controlclient::ClientConfig client;
  /// Padding never grows plaintext beyond this (wg::DeviceConfig::mtu).
  std::size_t mtu = wg::kDefaultMtu;
  filter::FilterLimits filter;
  /// This run's discovery key (docs/connectivity.md, "Discovery"); all zero: drawn from the
  /// Random at create(). Its public half replaces client.disco_key.
  core::DiscoPrivateKey disco_key{};
};

enum class EventKind : uint8_t {
  kRegistered,       ///< node: the server answered the registration (authorized)
  kPendingApproval,  ///< node: the registration waits for the operator
  kLoginRequired,    ///< url: the registration waits for a person to log in there
  kNetmapApplied,    ///< addresses, dns, peers, from_cache: configure the interface
  kCacheWrite,       ///< cache: bytes to persist atomically (write, fsync, rename)
  kKeyRotated,       ///< node_key: the new node key, already in use; persist it
  kStopped,          ///< code, message: refused, removed or expired; every peer was dropped
  kPingReply,        ///< ping_peer, ping_seq, ping_rtt: an echo reply to ping(), not delivered
  kDiscoPong,        ///< ping_peer, ping_seq, ping_rtt, ping_via, ping_relay_code: disco_ping()'s
};

const char* to_string(EventKind k);

/// Something the driver must act on. Only the fields named for its kind are set.
struct Event {
  EventKind kind = EventKind::kNetmapApplied;
  control::NodeId node{};
  /// kNetmapApplied: the node's own addresses (IPv4 then IPv6), for the interface.
  std::vector<util::IpAddress> addresses;
  control::DnsConfig dns;
  std::size_t peers = 0;
  bool from_cache = false;
  /// kCacheWrite: the whole cache file.
  std::vector<uint8_t> cache;
  core::NodePrivateKey node_key{};
  /// kStopped: the server's code ("control.removed", "control.key_expired", "auth_key.expired")
  /// and text.
  std::string code;
  std::string message;
  std::string url;  ///< kLoginRequired
  /// kPingReply: the peer address pinged, the request's sequence number, the round trip.
  util::IpAddress ping_peer;
  uint16_t ping_seq = 0;
  core::Duration ping_rtt{};
  /// kDiscoPong: the way the pong came back (a UDP address, or a relay region's path) and that
  /// region's code.
  core::Path ping_via;
  std::string ping_relay_code;
};

/// The engine's own counters (the device and the filter keep theirs).
struct EngineStats {
  uint64_t filter_denied = 0;    ///< decrypted packets the filter refused (EngineDrop::kFilterDenied)
  uint64_t netmaps_applied = 0;  ///< full maps and deltas from the client, and cache loads
  uint64_t caches_loaded = 0;
  uint64_t caches_refused = 0;   ///< load_cache() errors
  uint64_t peers_added = 0;      ///< WireGuard peers configured
  uint64_t peers_removed = 0;
  uint64_t peers_refused = 0;    ///< netmap peers the device refused (our own key, a duplicate key)
  uint64_t key_rotations = 0;
  uint64_t pings_sent = 0;       ///< echo requests ping() handed to the device
  uint64_t ping_replies = 0;     ///< their replies, consumed as kPingReply
  uint64_t relayed_out = 0;      ///< WireGuard datagrams handed to a relay connection
  uint64_t netchecks = 0;        ///< netchecks finished
  uint64_t stun_consumed = 0;    ///< STUN datagrams netcheck took off the socket
  uint64_t home_changes = 0;     ///< the home region changed
};

/// One peer as `weft status` shows it.
struct PeerStatus {
  control::NodeId id{};
  std::string name;
  std::string dns_name;
  std::string user;  ///< owner's e-mail; empty for tagged devices
  std::vector<std::string> tags;
  /// Empty: the control protocol does not carry peers' OS yet (capability 1).
  std::string os;
  core::NodePublicKey node_key{};
  std::vector<util::IpAddress> addresses;
  bool online = false;          ///< as the server last said
  /// Where WireGuard's datagrams to the peer go now: the proven direct address, or the relay
  /// path (docs/connectivity.md, "Path selection").
  core::Path endpoint{};
  /// A relayed endpoint's region code ("" for a direct one or an unknown region).
  std::string relay_code;
  /// kDirect, kRelay, kIdle (no traffic for disco::kActiveTimeout) or kNone.
  disco::PathState path = disco::PathState::kIdle;
  /// The last proven direct address and its round trip (also while idle or relayed).
  std::optional<core::SocketAddress> direct;
  core::Duration direct_latency{};
  /// Every address discovery knows for the peer.
  std::vector<disco::Candidate> candidates;
  uint16_t home_region = 0;     ///< the peer's home relay region as the server last said
  std::optional<core::WallTime> last_handshake;
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
};

/// What `weft status --json` prints.
struct EngineStatus {
  bool has_netmap = false;  ///< false before the first map or cache (everything below empty)
  control::Peer self;
  std::vector<PeerStatus> peers;  ///< by node id
  controlclient::ClientState control_state = controlclient::ClientState::kDisconnected;
  /// kStopped: why ("control.removed", ...).
  std::string stop_code;
  /// When the control stream was lost (or the engine started without it); set while not
  /// streaming.
  std::optional<core::WallTime> offline_since;
  /// When the netmap in use was received from the server (for a cache: when it was cached).
  std::optional<core::WallTime> netmap_time;
  bool from_cache = false;  ///< the netmap in use came from load_cache()
  uint64_t policy_version = 0;
  filter::FilterStats filter;
  EngineStats engine;
  wg::DeviceStats device;
  /// This node's home relay region (0: none) and its code.
  uint16_t home_region = 0;
  std::string home_region_code;
  /// The relay connections open now.
  std::vector<RelayLinkStatus> relays;
  RelayLinkStats relay_stats;
  /// The last finished netcheck (none before the first).
  std::optional<netcheck::Report> netcheck;
  disco::DiscoveryStats disco;
  /// The endpoints this node reports and sends in call-me-maybe (interfaces, STUN-observed).
  std::vector<core::SocketAddress> endpoints;
};

/// A node: control client + WireGuard device + packet filter.
///
/// Calling contract (single-threaded; every entry point takes `now`; never throws):
///  - Data plane, exactly as wg::Device: a UDP datagram -> receive_datagram(); an IP packet
///    from the TUN -> send_packet(); then poll_transmit() until idle. Inbound packets the device
///    decrypts pass the packet filter before they are delivered.
///  - Control plane, as controlclient::Client: when wants_control_connection(now) is true, dial
///    and call control_connected() (a failed dial: control_connected() then
///    control_disconnected()); bytes read -> control_bytes(); the connection ended ->
///    control_disconnected(); drain poll_control_transmit().
///  - One timer: when next_deadline() passes, call update_timers() (or on_deadline() with the
///    control driver's Random): the client's, the device's and the filter's timers. While the
///    client waits for a connection, next_deadline() does not repeat that past time: check
///    wants_control_connection() after every call.
///  - Relays (docs/connectivity.md, "Relays in the node"): poll_relay_request() says which
///    relay connections to dial or close; a dialed one -> relay_connected() or
///    relay_dial_failed(); bytes read -> relay_bytes(); the connection ended ->
///    relay_disconnected(); poll_relay_transmit() gives what to write; poll_relay_datagram()
///    gives the datagrams received through relays, each to be handed to receive_datagram()
///    with the path it names (as any UDP datagram, so the data path treats both alike).
///    Datagrams for relayed paths never leave poll_transmit(): the engine sends them itself.
///  - After ANY call: drain poll_transmit(), poll_control_transmit(), poll_event() and the
///    relay queues above.
/// Buffers are the caller's, as for wg::Device. `rng` given to create() must outlive the
/// engine: the device draws from it, and update_timers() hands it to the client.
class Engine {
 public:
  /// Errors: "controlclient.config" (as controlclient::Client::create).
  static Result<std::unique_ptr<Engine>> create(const EngineConfig& config, core::Random& rng);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- data plane (wg::Device's surface) ----
  /// The device's receive_datagram; a packet for the tunnel then passes the filter's
  /// check_inbound: refused, it becomes kDrop with EngineDrop::kFilterDenied.
  Output receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                          core::MutableBytes out);
  /// The device's send_packet; a packet it encrypts or stages is noted by the filter as an
  /// outbound flow (so replies pass).
  Output send_packet(core::Now now, core::ByteView ip_packet, core::MutableBytes out);
  Output poll_transmit(core::Now now, core::MutableBytes out);
  /// Parallel crypto (wg::Device's CryptoJob entry points, docs/dataplane.md "Workers"): the
  /// same calls with the AEAD left to the caller. The packet filter, discovery's path choice
  /// and the relays stay here, in call order: a datagram whose path is a relay is sealed at
  /// once and handed to the relay (then job.kind is kNone and the result kNone). Here, as with
  /// the device, `ip_packet` may lie at out.data + wg::kTransportHeaderSize (no copy); the plain
  /// send_packet() above needs it elsewhere (its in-place seal would hide it from the filter).
  Output send_packet(core::Now now, core::ByteView ip_packet, core::MutableBytes out,
                     wg::CryptoJob& job);
  Output receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                          core::MutableBytes out, wg::CryptoJob& job);
  /// The device's complete_receive, then what receive_datagram() does with a decrypted packet
  /// (discovery's note, the filter, ping replies).
  Output complete_receive(core::Now now, const core::Path& from, wg::CryptoJob& job,
                          core::MutableBytes out);
  /// Every timer due at `now`: the client's (with the Random given to create()), the device's,
  /// the filter's.
  void update_timers(core::Now now);
  /// The earliest of the client's, the device's and the filter's deadlines.
  std::optional<core::Duration> next_deadline() const;
  void set_under_load(bool under_load);

  /// Sends an ICMP echo request (ICMPv6 for an IPv6 address) from this node's own address of
  /// the peer address's family to `peer_address`, through send_packet()'s path (WireGuard, a
  /// handshake first if needed; the flow is noted for the filter; the peer's filter judges it);
  /// its datagrams come out of poll_transmit(). The identifier is the engine's own. The reply,
  /// once this node's filter admitted it, is not delivered to the tunnel: it is raised as
  /// kPingReply. No reply, no event: the caller decides when it timed out.
  /// Errors: "engine.no_netmap" (no map in use), "engine.no_peer" (no peer has this address),
  /// "engine.no_address" (this node has no address of that family), "engine.ping_dropped" (the
  /// device dropped it, e.g. the peer has no endpoint; the detail says why).
  Status ping(core::Now now, const util::IpAddress& peer_address, uint16_t seq);
  /// Sends a discovery ping to the peer that has `peer_address`, the way its traffic goes now
  /// (a proven address, else the relay); the pong is raised as kDiscoPong. Marks the peer
  /// active, so discovery runs and a later ping may go direct. No pong, no event.
  /// Errors: "engine.no_netmap", "engine.no_peer" (as ping()), "disco.no_path" (the peer has
  /// no address and no relay).
  Status disco_ping(core::Now now, const util::IpAddress& peer_address, uint16_t seq);

  // ---- control plane (controlclient::Client's surface) ----
  bool wants_control_connection(core::Now now) const;
  /// Errors: "controlclient.wrong_state" (a connection is open or the client stopped).
  Status control_connected(core::Now now, core::Random& rng);
  void control_bytes(core::ByteView data, core::Now now, core::Random& rng);
  void control_disconnected(core::Now now);
  bool poll_control_transmit(controlclient::Transmit& out);
  /// update_timers() with the control driver's Random.
  void on_deadline(core::Now now, core::Random& rng);
  /// Errors as controlclient::Client::set_auth_key.
  Status set_auth_key(const std::string& auth_key, core::Now now);
  /// This node's local endpoints (interface addresses and the WireGuard port), reported to
  /// the server with the home region the engine chose, together with the address and port the
  /// last netcheck's STUN answers saw (the NAT's mapping), and sent to peers in call-me-maybe. Errors as
  /// controlclient::Client::set_endpoints.
  Status set_endpoints(const std::vector<core::SocketAddress>& endpoints, core::Now now);

  // ---- relays ----
  bool poll_relay_request(RelayRequest& out);
  void relay_connected(uint32_t link, core::Now now);
  void relay_dial_failed(uint32_t link, core::Now now);
  void relay_bytes(uint32_t link, core::ByteView data, core::Now now);
  void relay_disconnected(uint32_t link, core::Now now);
  /// Bytes to write to relay connection `link`: up to out.size into `out`; false when none.
  bool poll_relay_transmit(uint32_t& link, core::MutableBytes out, std::size_t& size);
  /// The same for one connection (a driver that holds back a connection whose socket is slow
  /// pulls the others'): up to out.size bytes for `link`; 0 when it has none.
  std::size_t poll_relay_transmit_of(uint32_t link, core::MutableBytes out);
  /// A datagram received through a relay (its path into `from`), for receive_datagram(); 0
  /// when none. `out` should hold relay::kMaxPacketSize bytes.
  std::size_t poll_relay_datagram(core::Path& from, core::MutableBytes out);

  // ---- the cache ----
  /// Starts from a cached netmap while the server is unreachable: configures the device's peers
  /// and the filter from it and emits kNetmapApplied{from_cache}. Refused whole (nothing
  /// applied) when the bytes are damaged or do not belong to this node; the client's first full
  /// map replaces it.
  /// Errors: those of decode_cache(), "engine.cache_mismatch" (another server's map, or a map
  /// whose self is not this node key), "engine.wrong_state" (the client already holds a map, or
  /// it stopped).
  Status load_cache(core::ByteView bytes, core::Now now);

  /// The next event; false when none is queued.
  bool poll_event(Event& out);

  // ---- observation ----
  EngineStatus status(core::Now now) const;
  /// One peer of status(), found by its node key; nullopt when the netmap has no such peer.
  /// For a driver that follows a few peers of many (weft sim's path log, every second).
  std::optional<PeerStatus> peer_status(const core::NodePublicKey& key, core::Now now) const;
  const EngineStats& stats() const;
  const controlclient::Client& client() const;
  /// The netmap in use (the client's, or the cache's until the client has one); null before
  /// either.
  const controlclient::NetMap* netmap() const;
  /// The exit node (engine_routes.cc; docs/network-config.md, "Exit nodes"): a peer's name,
  /// DNS name or tailnet address, or empty for none. Only that peer keeps the default routes
  /// the server gave it as WireGuard allowed IPs; the peers are synced again at once.
  void set_exit_node(std::string selector);
  struct ExitNode {
    std::optional<control::NodeId> node;  // the peer the selector names in the netmap
    bool offered = false;  // the server gave it 0.0.0.0/0 or ::/0 for this node
  };
  /// After the last netmap or set_exit_node().
  ExitNode exit_node() const;
  core::NodePublicKey node_public_key() const;
  /// This node's home relay region (0: none yet).
  uint16_t home_region() const;

  struct Impl;  // internal (engine_impl.h)

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::engine
