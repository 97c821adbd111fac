// Internal: the coordinator's state behind Coordinator (coordinator.h) — sessions, the map
// streams, pending deltas and timers. Shared by coordinator.cc (operations), coordinator_session.cc
// (the protocol on one connection) and coordinator_maps.cc (netmaps and deltas).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/channel.h"
#include "control/message_stream.h"
#include "control/messages.h"
#include "coord/coordinator.h"
#include "coord/registry.h"
#include "coord/routes.h"
#include "coord/visibility.h"
#include "policy/model.h"

namespace weft::coord {

/// One upgraded connection.
struct Session {
  enum class Phase : uint8_t {
    kHandshake,   // waiting for the node's hello
    kOpen,        // channel up, waiting for RegisterRequest
    kPending,     // registered, waiting for the operator's approval
    kAwaitingLogin,  // told kNeedsLogin, waiting for a person to log in (Impl::logins)
    kRegistered,  // authorized, waiting for MapRequest
    kStreaming,   // map stream open: deltas flow
    kVerifier,    // a relay asking VerifyNodeRequests; never registers
    kClosing,     // a close was queued: input is ignored
  };

  Session(ConnectionId id, const core::MachinePrivateKey& server_key)
      : id(id), handshake(server_key) {}

  ConnectionId id;
  Phase phase = Phase::kHandshake;
  control::ServerHandshake handshake;
  control::Transport transport;
  control::MessageSender sender;
  control::MessageReceiver receiver;
  std::vector<uint8_t> hello;  // handshake bytes until the whole first frame is there
  core::MachinePublicKey machine{};
  std::optional<DeviceId> device;
  std::string login_id;  // kAwaitingLogin
  uint64_t seq = 0;  // the last map sequence number sent on the stream

  core::Duration opened{};
  core::Duration last_sent{};
  core::Duration last_received{};
  core::Duration timer{};  // the entry in Impl::timers_ (when armed)
  bool timer_armed = false;

  std::vector<uint8_t> out;  // bytes not yet handed to the driver
  bool close_after = false;
  bool ready = false;  // listed in Impl::ready_
};

/// The deltas one operation owes a streaming node, sent when the operation ends.
struct PendingDelta {
  std::set<DeviceId> upsert;
  std::set<DeviceId> remove;
  std::set<DeviceId> added;  // became peers during this operation (not known to the node before)
  bool filter = false;       // the whole filter; its incremental parts below are then not sent
  /// A join's or a leave's change to the filter (MapDelta::filter_added, filter_sources_removed);
  /// never both in one delta: a node owed both gets the whole filter instead.
  std::vector<control::FilterRule> filter_added;
  std::vector<util::IpPrefix> filter_sources_removed;
  bool self = false;
  bool dns = false;  // the DNS settings changed: the whole DnsConfig
};

struct Coordinator::Impl {
  Impl(const CoordinatorConfig& c, StateStore& s) : config(c), store(s) {}

  CoordinatorConfig config;
  StateStore& store;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<Visibility> visibility;
  std::optional<policy::Policy> policy;  // in force: for tagOwners
  std::vector<PolicyRecord> history;
  DnsSettings dns;  // `weft admin dns set` (coordinator_dns.cc)
  CoordinatorCounters counters;
  core::Now last_now{};

  std::unordered_map<uint64_t, std::unique_ptr<Session>> sessions;
  std::map<DeviceId, ConnectionId> streams;   // devices with a stream (or waiting for a map)
  std::map<DeviceId, ConnectionId> waiting;   // pending devices waiting for approval
  /// Registrations waiting for a login, by login id (coordinator_login.cc).
  struct WaitingLogin {
    ConnectionId connection;
    RegisterInput input;
  };
  std::map<std::string, WaitingLogin, std::less<>> logins;
  std::set<DeviceId> rotation_requested;      // delivered when the device's stream opens
  std::deque<ConnectionId> ready;
  std::set<std::pair<core::Duration, uint64_t>> timers;  // (deadline, connection)
  std::map<DeviceId, PendingDelta> pending;
  /// Device rows changed by the stream (online, endpoints, reported policy version): not
  /// acknowledged to anyone, so written with the next commit or within kLazyFlush.
  std::map<DeviceId, Device> lazy_rows;
  std::optional<core::Duration> lazy_due;
  bool store_failed = false;
  std::unique_ptr<ApiTokens> api_tokens;
  std::deque<std::string> log_lines;  // Coordinator::poll_log

  /// Queues one line for the server's log (bounded; see Coordinator::poll_log).
  void log(std::string line);
  /// Logs a registration: the pre-auth key or node key it used, or why it was refused
  /// (coordinator_tokens.cc).
  void log_registration(const RegisterInput& in, const Result<Registration>& reg);

  // ---- coordinator.cc ----
  /// Persists `change` (and `policy`); counts failures. Empty changes are not written.
  Status commit(const RegistryChange* change, const PolicyRecord* policy = nullptr,
                const std::vector<StoredApiToken>* api_tokens = nullptr);
  /// After a committed registry change: visibility, deltas, closed streams.
  void apply(const RegistryChange& change);
  NodeIdentity identity_of(const Device& d) const;
  TagOwnerCheck tag_owner_check() const;

  // ---- coordinator_session.cc ----
  Session* find(ConnectionId id);
  void receive(Session& s, core::ByteView bytes, core::Now now, core::Random& rng);
  void handle_message(Session& s, core::ByteView message, core::Now now, core::Random& rng);
  void on_register(Session& s, const control::RegisterRequest& r, core::Now now,
                   core::Random& rng);
  /// Answers an accepted registration on `s` (authorized or pending) and applies its change.
  void registered(Session& s, const Registration& reg, bool rotation, core::Now now);
  void on_map_request(Session& s, const control::MapRequest& r, core::Now now);

  // ---- coordinator_login.cc ----
  /// Whether this registration goes to the identity provider instead of the registry.
  bool wants_login(const RegisterInput& in, bool force_reauth) const;
  void start_login(Session& s, RegisterInput in, core::Now now, core::Random& rng);
  void forget_login(Session& s);
  void on_endpoint_update(Session& s, const control::EndpointUpdate& u, core::Now now);
  void on_policy_applied(Session& s, const control::PolicyApplied& p, core::Now now);
  void on_verify_node(Session& s, const control::VerifyNodeRequest& r, core::Now now);
  bool node_key_allowed(const core::NodePublicKey& node_key, core::WallTime now) const;
  void send(Session& s, const control::ServerMessage& m, core::Now now);
  /// Queues an ErrorMessage (when the channel is up) and closes after it.
  void fail(Session& s, std::string code, std::string message, core::Now now);
  void close(Session& s);
  void drop_stream(Session& s, core::Now now);
  void arm(Session& s);
  void lazy(const RegistryChange& change, core::Now now);

  // ---- coordinator_maps.cc ----
  control::Peer peer(const Device& d) const;
  bool is_peer(DeviceId node, DeviceId other) const;
  control::MapResponse full_map(const Device& d, uint64_t seq) const;
  void owe_peer_update(DeviceId changed);
  /// A device leaving the view, seen just before: the prefixes other filters list it by, and the
  /// nodes whose filters do.
  struct Leaving {
    std::vector<util::IpPrefix> prefixes;
    std::set<DeviceId> listed_by;
  };
  Leaving leaving(DeviceId id) const;
  /// Owes each node in `change` its changes. The filters it flags are owed whole, unless the
  /// change is `joined` entering the view (they are owed its contribution) or `left` leaving it
  /// (they are owed the removal of its prefixes).
  void owe(const VisibilityChange& change, std::optional<DeviceId> joined = std::nullopt,
           const Leaving* left = nullptr);
  void owe_filter_added(PendingDelta& d, std::vector<control::FilterRule> rules);
  void owe_sources_removed(PendingDelta& d, DeviceId node, const Leaving& left);
  void flush(core::Now now);

  // ---- coordinator_routes.cc (docs/network-config.md) ----
  RouteView route_view;     // what the live routes gave the nodes at the last flush
  PrimaryRoutes primaries;  // the primary router of each subnet route
  /// The device's routes the policy's autoApprovers approve (none without a policy).
  std::vector<util::IpPrefix> auto_approved(const Device& d) const;
  /// Recomputes the route view and owes each node what changed for it (routers gained or lost,
  /// their allowed IPs, routers' filters). Called at the start of every flush.
  void refresh_routes();
  /// peer(d) as `viewer` sees it: with the prefixes `d` routes for it in its allowed IPs.
  control::Peer peer_for(DeviceId viewer, const Device& d) const;
  /// The device's filter: the policy's rules for its addresses and those for its routes.
  std::vector<control::FilterRule> filter_for(DeviceId id) const;
};

}  // namespace weft::coord
