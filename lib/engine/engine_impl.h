// Engine internals shared by engine.cc (creation, data plane, timers), engine_control.cc (the
// control client's events, netmaps, the cache) and engine_status.cc. Not a public header.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "engine/peer_sync.h"
#include "engine/ping.h"
#include "engine/relay_links.h"
#include "netcheck/home_region.h"
#include "netcheck/netcheck.h"

namespace weft::engine {

struct Engine::Impl {
  Impl(const EngineConfig& config, const core::DiscoPrivateKey& disco_key, core::Random& rng,
       std::unique_ptr<controlclient::Client> client);

  core::Random& rng;
  core::MachinePublicKey server_key;
  std::unique_ptr<controlclient::Client> client;
  wg::Device device;
  filter::PacketFilter filter;
  PeerSync peers;
  /// The map loaded by load_cache(), in use until the client has one of its own.
  std::optional<CachedNetmap> cached;
  /// Set when the client stopped (refused, removed, expired): no map is in use until the
  /// client's next full map, whatever the client's model still holds.
  bool dropped = false;
  std::deque<Event> events;
  EngineStats stats;
  controlclient::ClientState last_state = controlclient::ClientState::kDisconnected;
  std::optional<core::WallTime> offline_since;
  std::optional<core::WallTime> netmap_time;
  /// The latest `now` seen: a client waiting for a connection has a deadline in the past that
  /// a timer must not repeat (wants_control_connection() says it instead).
  core::Duration last_mono{};
  /// ping(): the ICMP identifier (drawn at the first ping), the requests waiting, and the
  /// datagrams its send_packet() produced, handed out by poll_transmit() before the device's.
  std::optional<uint16_t> ping_id;
  PingTracker pings;
  struct PendingDatagram {
    wg::Output out;
    std::vector<uint8_t> bytes;
  };
  std::deque<PendingDatagram> pending;

  // ---- discovery (engine_disco.cc) ----
  disco::Discovery disco;
  /// The endpoints last handed to discovery and the server: the driver's plus the STUN-observed.
  std::vector<core::SocketAddress> all_endpoints;
  /// The netmap's peers as discovery sees them (after every apply()).
  void sync_disco(core::Now now);
  /// Discovery's output: UDP messages into `pending` (poll_transmit hands them out), relayed
  /// ones to the relay links, pongs of disco_ping() as events.
  void drain_disco(core::Now now);
  /// The driver's endpoints plus the last netcheck's global addresses.
  std::vector<core::SocketAddress> merged_endpoints() const;

  // ---- relays and netcheck (engine_relay.cc) ----
  static constexpr core::Duration kNetcheckInterval = std::chrono::seconds(30);
  static constexpr core::Duration kNetcheckBudget = std::chrono::seconds(3);
  /// Regions measured over relay connections when UDP is blocked.
  static constexpr std::size_t kMaxProbedRegions = 8;
  RelayLinks relays;
  netcheck::HomeRegionChooser chooser;
  std::optional<netcheck::Netcheck> check;
  std::optional<core::Duration> next_check;
  std::optional<netcheck::Report> last_report;
  bool relays_applied = false;  // on_relay_map() ran once
  /// The driver's local endpoints, and what was last reported with which home region.
  std::vector<core::SocketAddress> endpoints;
  bool endpoints_known = false;
  std::vector<core::SocketAddress> reported_endpoints;
  uint16_t reported_home = 0;
  /// Regions whose relay failed, until a connection to them is ready again.
  std::vector<uint16_t> down_regions;

  /// A datagram the device wants sent to a peer goes where discovery says (a proven address,
  /// else the relay); to a relayed path it goes to the relay connection (and `o` becomes kNone).
  /// `job`: a seal still pending for `out` (prepare_send), run before the bytes go to a relay.
  void route(wg::Output& o, core::MutableBytes out, core::Now now, wg::CryptoJob* job = nullptr);
  /// The owner thread's key cache, for the seals route() cannot leave to a worker.
  wg::TransportCrypto crypto;
  /// receive_datagram() and complete_receive(): what the device's result becomes in the node.
  Output receive(core::Now now, const core::Path& from, core::ByteView datagram,
                 core::MutableBytes out, wg::CryptoJob* job);
  Output after_device(core::Now now, const core::Path& from, Output o, core::MutableBytes out);
  Output send(core::Now now, core::ByteView ip_packet, core::MutableBytes out,
              wg::CryptoJob* job);
  /// The map in use changed (or was first applied): the relay map follows it.
  void on_relay_map(core::Now now);
  static bool regions_equal(const std::vector<control::RelayRegion>& a,
                            const std::vector<control::RelayRegion>& b);
  /// Feeds relay latencies and failures to the chooser, re-homes if it says so, and reports.
  void choose_home(core::Now now);
  void report_endpoints(core::Now now);
  void netcheck_timers(core::Now now);

  const controlclient::NetMap* netmap() const;
  /// The peer of the map in use that has `address`, or null (ping() and disco_ping()).
  const control::Peer* peer_with_address(const util::IpAddress& address) const;
  void saw(core::Now now) {
    if (now.mono > last_mono) last_mono = now.mono;
  }
  /// After every call into the client: its events become device, filter and engine changes,
  /// and its state changes update offline_since.
  void after_client(core::Now now);
  /// Configures device peers and filter from `map` and emits kNetmapApplied (+ kCacheWrite for a
  /// map of the client's).
  void apply(const controlclient::NetMap& map, bool filter_changed, bool from_cache,
             core::Now now);
  /// Emits kCacheWrite for `map` as the cache file's whole content.
  void write_cache(const controlclient::NetMap& map, core::WallTime cached_at);
  /// After a key rotation: the map in force written again under the new key (see the .cc).
  void rewrite_cache_for_new_key(core::Now now);
  /// The node is out of the tailnet: no peers, no inbound traffic.
  void stop(const std::string& code, const std::string& message);
  void timers(core::Now now, core::Random& r);
  /// True when the admitted packet `packet` is the reply to one of ping()'s requests: it is
  /// consumed and raised as kPingReply (engine_ping.cc).
  bool take_ping_reply(core::Now now, core::ByteView packet);
};

}  // namespace weft::engine
