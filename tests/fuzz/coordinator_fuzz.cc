// Fuzz target: the coordinator core (lib/coord) as the server's driver sees it. A coordinator
// over an in-memory store starts with two users, four keys and two nodes that completed a real
// handshake, registered and opened their map stream; the fuzzer's bytes are then a script of
// driver, node and operator actions, so every message handler is reached in every session state.
// Nothing may crash or leak, and after every step the cheap invariants hold: counters never
// decrease; a transmit names an open connection and never follows its close; whatever the server
// sends decodes (maps before deltas, contiguous seq, never the node itself as a peer); every peer
// a live stream holds, and its self, is an authorized device as the registry has it now; a
// deadline that has passed is consumed; with every connection closed, no stream and no device
// stays online.
//
// Input: byte 0 sets up (bit 0 --require-approval, bit 1 which policy, bit 2 the driver reports a
// close at once rather than on op 7, bit 3 a 4 KiB queue limit, bit 4 nodes send keepalives
// while time passes); then records of one op byte (low 4 bits the action, high 4 bits the
// connection slot) and the action's arguments, as `step` reads them.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/channel.h"
#include "control/message_codec.h"
#include "control/message_stream.h"
#include "control/transport.h"
#include "coord/coordinator.h"
#include "coord/netmap.h"
#include "coord/registry.h"
#include "core/random.h"
#include "support/memory_state_store.h"
#include "support/test_keys.h"

using namespace weft;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr std::size_t kSlots = 4;
constexpr std::size_t kMachines = 4;
constexpr std::size_t kNodeKeys = 4;
constexpr const char* kDomain = "weft.internal";

// The invariant that failed, then abort (libFuzzer records the input).
[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "coordinator_fuzz: invariant broken: %s\n", what);
  std::abort();
}

const char* const kPolicies[] = {
    // alice owns the tags; members reach tag:web on 443.
    R"({"tagOwners": {"tag:web": ["alice@example.com"], "tag:db": ["alice@example.com"]},
        "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443"]}]})",
    // everyone reaches everyone.
    R"({"tagOwners": {"tag:web": ["alice@example.com"], "tag:db": ["bob@example.com"]},
        "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]})",
    // nobody reaches anybody.
    R"({"tagOwners": {"tag:web": ["alice@example.com"]}, "acls": []})",
    // a group, autogroup:self, and a test that passes.
    R"({"groups": {"group:eng": ["alice@example.com", "bob@example.com"]},
        "tagOwners": {"tag:web": ["group:eng"]},
        "acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:*", "autogroup:self:22"]}],
        "tests": [{"src": "alice@example.com", "accept": ["tag:web:80"]}]})",
    // a failing test: refused.
    R"({"acls": [], "tests": [{"src": "alice@example.com", "accept": ["tag:web:80"]}]})",
};

core::ByteView view(const Bytes& b) { return core::ByteView{b.data(), b.size()}; }

// Reads the script from the front; past the end every read is zero.
struct Script {
  const uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  bool done() const { return at >= size; }
  uint8_t u8() { return at < size ? data[at++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() << 8 | u8()); }
  Bytes bytes(std::size_t n) {
    n = std::min(n, size - std::min(at, size));
    Bytes out(data + at, data + at + n);
    at += n;
    return out;
  }
};

// The node's end of one connection: the channel, and the map model built from what arrived.
struct Conn {
  uint64_t id = 0;
  bool open = false;           // opened, and not yet reported closed to the coordinator
  bool server_closed = false;  // a transmit with close=true arrived (reported later or at once)
  bool raw = false;            // this side sent no hello: server bytes are not decoded
  std::size_t machine = 0;
  std::unique_ptr<control::NodeHandshake> handshake;
  control::Transport transport;
  control::MessageSender sender;
  control::MessageReceiver receiver;
  bool handshaken = false;
  Bytes pending;
  bool have_map = false;
  uint64_t seq = 0;
  uint64_t self = 0;
  control::Peer self_peer;
  std::map<uint64_t, control::Peer> peers;
};

bool same_peer(const control::Peer& a, const control::Peer& b) {
  return a.id == b.id && a.name == b.name && a.dns_name == b.dns_name && a.user == b.user &&
         a.tags == b.tags && a.node_key == b.node_key && a.disco_key == b.disco_key &&
         a.addresses == b.addresses && a.allowed_ips == b.allowed_ips &&
         a.endpoints == b.endpoints && a.home_region == b.home_region && a.online == b.online &&
         a.key_expiry == b.key_expiry && a.os == b.os;
}

// Keys are drawn once: deriving them costs more than most runs.
struct Keys {
  core::MachinePrivateKey server;
  core::MachinePublicKey server_public;
  std::vector<core::MachinePrivateKey> machines;
  std::vector<std::vector<core::NodePublicKey>> node_keys;

  Keys() {
    core::SeededRandom rng(0xc0de);
    server = weft::test::random_private<core::MachinePrivateKey>(rng);
    server_public = weft::test::public_of<core::MachinePublicKey>(server);
    for (std::size_t m = 0; m < kMachines; ++m) {
      machines.push_back(weft::test::random_private<core::MachinePrivateKey>(rng));
      node_keys.emplace_back();
      for (std::size_t k = 0; k < kNodeKeys; ++k)
        node_keys.back().push_back(weft::test::public_of<core::NodePublicKey>(
            weft::test::random_private<core::NodePrivateKey>(rng)));
    }
  }
};

const Keys& keys_once() {
  static const Keys keys;
  return keys;
}

struct Fixture {
  core::SeededRandom rng{0xc00d};
  const Keys& identities = keys_once();
  coord::CoordinatorConfig config;
  coord::RegistryConfig registry_config;
  weft::test::MemoryStore store;
  std::unique_ptr<coord::Coordinator> coordinator;
  core::Now now{std::chrono::seconds(1000),
                core::WallTime(std::chrono::hours(24 * 365 * 56))};
  core::WallTime wall_limit = now.wall + std::chrono::hours(24 * 365 * 5);
  std::vector<std::string> keys;  // auth key texts
  std::vector<coord::AuthKeyId> key_ids;
  std::unique_ptr<Conn> conns[kSlots];
  uint64_t next_id = 1;
  bool report_closes_at_once = false;
  bool keepalives = false;
  coord::CoordinatorCounters last{};

  explicit Fixture(uint8_t setup) {
    config.server_key = identities.server;
    rng.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
    config.initial_policy = kPolicies[(setup >> 1) & 1];
    config.keepalive = std::chrono::seconds(60);
    config.handshake_timeout = std::chrono::seconds(10);
    if (setup & 8) config.max_queued_bytes = 4096;
    registry_config.require_approval = (setup & 1) != 0;
    registry_config.key_expiry = std::chrono::hours(2);
    registry_config.ephemeral_timeout = std::chrono::minutes(5);
    report_closes_at_once = (setup & 4) != 0;
    keepalives = (setup & 16) != 0;
    for (auto& c : conns) c = std::make_unique<Conn>();
    start();
    if (!coordinator->create_user("alice@example.com", coord::Role::kAdmin, now).ok() ||
        !coordinator->create_user("bob@example.com", coord::Role::kMember, now).ok())
      broken("setup: users");
    add_key("alice@example.com", true, false, {});
    add_key("alice@example.com", true, false, {"tag:web"});
    add_key("bob@example.com", true, true, {});
    add_key("bob@example.com", false, false, {});
    if (keys.size() != 4) broken("setup: keys");
    // Two nodes on the stream (approved when approval is required).
    for (std::size_t slot = 0; slot < 2; ++slot) {
      open(slot, slot, true);
      register_node(slot, keys[slot == 0 ? 0 : 2], 0, std::nullopt, slot == 0 ? "laptop" : "phone");
      if (registry_config.require_approval) (void)coordinator->approve(coord::DeviceId{slot + 1}, now);
      pump();
      map_request(slot, 0, {}, 0);
    }
    check();
  }

  void start() {
    auto c = coord::Coordinator::create(config, registry_config, store.state(), store, now, rng);
    if (!c.ok()) broken("create from the store's state");
    coordinator = std::move(c).value();
  }

  void add_key(const std::string& user, bool reusable, bool ephemeral,
               std::vector<std::string> tags) {
    coord::AuthKeyRequest r;
    r.reusable = reusable;
    r.ephemeral = ephemeral;
    r.tags = std::move(tags);
    auto k = coordinator->create_auth_key(user, r, now, rng);
    if (!k.ok()) return;
    keys.push_back(k->text);
    key_ids.push_back(k->id);
  }

  Conn* by_id(uint64_t id) {
    for (auto& c : conns)
      if (c->id == id) return c.get();
    return nullptr;
  }

  // ---- the driver ----
  void pump() {
    coord::Transmit t;
    while (coordinator->poll_transmit(t)) {
      Conn* c = by_id(t.connection.value);
      if (c == nullptr || !c->open) broken("transmit to a connection that is not open");
      if (c->server_closed) broken("transmit after the connection's close");
      if (!t.bytes.empty()) deliver(*c, t.bytes);
      if (t.close) {
        c->server_closed = true;
        if (report_closes_at_once) report_closed(*c);
      }
    }
  }
  void report_closed(Conn& c) {
    if (!c.open) return;
    c.open = false;
    coordinator->connection_closed(coord::ConnectionId{c.id}, now);
  }
  void report_all_closes() {
    for (auto& c : conns)
      if (c->server_closed) report_closed(*c);
    pump();
  }
  // Time passes; with keepalives on, every node that can speaks at least every 50 s of it (as a
  // client does), so long waits reach key expiry with streams still open.
  void advance(core::Duration d, bool wall_only = false) {
    if (now.wall + std::chrono::duration_cast<core::WallTime::duration>(d) > wall_limit) return;
    const core::Duration chunk = std::chrono::seconds(50);
    while (keepalives && !wall_only && d > chunk) {
      for (auto& c : conns)
        if (can_seal(*c) && !c->server_closed) send_now(*c, control::KeepAlive{});
      pass(chunk, false);
      d -= chunk;
    }
    pass(d, wall_only);
  }
  void pass(core::Duration d, bool wall_only) {
    now.wall += std::chrono::duration_cast<core::WallTime::duration>(d);
    if (!wall_only) now.mono += d;
    for (int rounds = 0;; ++rounds) {
      auto at = coordinator->next_deadline();
      if (!at || *at > now.mono) break;
      if (!coordinator->healthy()) break;  // the driver stops
      if (rounds > 64) broken("a deadline that has passed is never consumed");
      coordinator->on_deadline(now, rng);
      pump();
    }
  }

  // ---- the node ----
  void open(std::size_t slot, std::size_t machine, bool hello) {
    if (conns[slot]->open) {
      report_closed(*conns[slot]);
      pump();
    }
    conns[slot] = std::make_unique<Conn>();
    Conn& c = *conns[slot];
    c.id = next_id++;
    c.open = true;
    c.machine = machine % kMachines;
    c.raw = !hello;
    coordinator->connection_opened(coord::ConnectionId{c.id}, now);
    if (!hello) return;
    c.handshake = std::make_unique<control::NodeHandshake>(
        identities.machines[c.machine], identities.server_public);
    Bytes h(control::kNodeHelloSize);
    if (!c.handshake->start(rng, core::MutableBytes{h.data(), h.size()}).ok())
      broken("node hello");
    to_server(c, h);
  }
  void to_server(Conn& c, const Bytes& b) {
    if (!c.open) return;
    coordinator->connection_bytes(coord::ConnectionId{c.id}, view(b), now, rng);
    pump();
  }
  bool can_seal(const Conn& c) const { return c.open && c.handshaken; }
  void send(std::size_t slot, const control::NodeMessage& m) { send_now(*conns[slot], m); }
  void send_now(Conn& c, const control::NodeMessage& m) {
    if (!can_seal(c)) return;
    Bytes out;
    const Bytes bytes = control::encode(m);
    if (!c.sender.seal(view(bytes), c.transport, out).ok()) return;
    to_server(c, out);
  }
  void register_node(std::size_t slot, const std::string& auth_key, std::size_t key,
                     std::optional<std::size_t> old_key, const std::string& hostname,
                     uint32_t capability = control::kCapabilityVersion) {
    const std::size_t m = conns[slot]->machine;
    control::RegisterRequest r;
    r.capability_version = capability;
    r.node_key = identities.node_keys[m][key % kNodeKeys];
    if (old_key) r.old_node_key = identities.node_keys[m][*old_key % kNodeKeys];
    r.auth_key = auth_key;
    r.hostinfo.hostname = hostname;
    r.hostinfo.os = "linux";
    send(slot, r);
  }
  void map_request(std::size_t slot, std::size_t key, std::vector<core::SocketAddress> endpoints,
                   uint64_t policy_version) {
    control::MapRequest r;
    r.node_key = identities.node_keys[conns[slot]->machine][key % kNodeKeys];
    r.endpoints = std::move(endpoints);
    r.policy_version = policy_version;
    send(slot, r);
  }

  // Server bytes at the node: the handshake reply, then messages that must decode.
  void deliver(Conn& c, const Bytes& bytes) {
    if (c.raw) return;
    core::ByteView in = view(bytes);
    Bytes rest;
    if (!c.handshaken) {
      c.pending.insert(c.pending.end(), bytes.begin(), bytes.end());
      auto o = c.handshake->finish(view(c.pending), c.transport);
      if (o.refusal == control::Refusal::kTruncated) return;
      if (!o.ok()) broken("the node refuses the server's hello");
      c.handshaken = true;
      rest.assign(c.pending.begin() + static_cast<std::ptrdiff_t>(o.consumed), c.pending.end());
      c.pending.clear();
      in = view(rest);
    }
    for (;;) {
      control::Received r = c.receiver.poll(in, c.transport);
      if (r.status == control::ReceiveStatus::kNeedMore) return;
      if (r.status == control::ReceiveStatus::kError) broken("the server's frames do not open");
      auto m = control::decode_server_message(r.message);
      if (!m.ok()) broken("the server's message does not decode");
      apply(c, *m);
    }
  }
  void apply(Conn& c, const control::ServerMessage& m) {
    if (auto* full = std::get_if<control::MapResponse>(&m)) {
      if (c.have_map) broken("a second full map on one stream");
      c.have_map = true;
      c.seq = full->seq;
      c.self = full->self.id.value;
      c.self_peer = full->self;
      for (const auto& p : full->peers) c.peers[p.id.value] = p;
    } else if (auto* d = std::get_if<control::MapDelta>(&m)) {
      if (!c.have_map) broken("a delta before the full map");
      if (d->seq != c.seq + 1) broken("delta seq is not contiguous");
      c.seq = d->seq;
      for (const auto& p : d->upserted) c.peers[p.id.value] = p;
      if (d->self) {
        if (d->self->id.value != c.self) broken("a delta names another device as self");
        c.self_peer = *d->self;
      }
      for (const auto& r : d->removed) {
        if (c.peers.erase(r.value) == 0) broken("a delta removes a peer the node never had");
      }
    } else {
      return;
    }
    if (c.peers.count(c.self) != 0) broken("the node is its own peer");
  }

  // ---- invariants after each step ----
  void check() {
    const coord::CoordinatorCounters& k = coordinator->counters();
    const uint64_t now_v[] = {k.connections,      k.handshakes_refused,    k.version_mismatches,
                              k.frames_refused,   k.messages_malformed,    k.registrations,
                              k.registrations_refused, k.store_failures,   k.full_maps_sent,
                              k.deltas_sent,      k.bytes_queued,          k.slow_readers_closed};
    const uint64_t last_v[] = {last.connections,      last.handshakes_refused,
                               last.version_mismatches, last.frames_refused,
                               last.messages_malformed, last.registrations,
                               last.registrations_refused, last.store_failures,
                               last.full_maps_sent,   last.deltas_sent,
                               last.bytes_queued,     last.slow_readers_closed};
    for (std::size_t i = 0; i < sizeof now_v / sizeof now_v[0]; ++i)
      if (now_v[i] < last_v[i]) broken("a counter decreased");
    last = k;
    std::size_t open_conns = 0;
    for (const auto& c : conns) open_conns += c->open ? 1 : 0;
    if (coordinator->streams() > open_conns) broken("more streams than open connections");
    const coord::Registry& r = coordinator->registry();
    for (const auto& cp : conns) {
      const Conn& c = *cp;
      if (!c.open || c.server_closed || !c.have_map) continue;
      const coord::Device* self = r.find(coord::DeviceId{c.self});
      if (self == nullptr || self->state != coord::DeviceState::kAuthorized)
        broken("a live stream of a device that is not authorized");
      // What the node holds of itself (its own presence and endpoints it knows first-hand).
      const coord::User* owner = r.find_user(self->user);
      control::Peer now_self =
          coord::peer_of(*self, owner ? std::string_view(owner->email) : "", kDomain);
      now_self.online = c.self_peer.online;
      now_self.endpoints = c.self_peer.endpoints;
      now_self.home_region = c.self_peer.home_region;
      now_self.disco_key = c.self_peer.disco_key;
      if (!same_peer(c.self_peer, now_self)) broken("a live stream holds a stale self");
      for (const auto& [id, p] : c.peers) {
        const coord::Device* d = r.find(coord::DeviceId{id});
        if (d == nullptr || d->state != coord::DeviceState::kAuthorized)
          broken("a live stream holds a peer that is not authorized");
        const coord::User* u = r.find_user(d->user);
        if (!same_peer(p, coord::peer_of(*d, u ? std::string_view(u->email) : "", kDomain)))
          broken("a live stream holds a stale peer");
      }
    }
  }
  void close_everything() {
    for (auto& c : conns) report_closed(*c);
    pump();
    for (auto& c : conns) report_closed(*c);
    if (coordinator->streams() != 0) broken("a stream outlives every connection");
    for (const auto& [id, d] : coordinator->registry().devices())
      if (d.online && d.state != coord::DeviceState::kRemoved)
        broken("a device stays online with no connection");
  }
};

std::vector<core::SocketAddress> endpoints(Script& in) {
  std::vector<core::SocketAddress> out;
  const std::size_t n = in.u8() % 40;  // above kMaxEndpoints sometimes: refused
  for (std::size_t i = 0; i < n && !in.done(); ++i) {
    core::SocketAddress a;
    a.address = util::IpAddress::v4({in.u8(), in.u8(), in.u8(), in.u8()});
    a.port = in.u16();
    out.push_back(a);
  }
  return out;
}

void operator_command(Fixture& f, Script& in) {
  const uint8_t cmd = in.u8();
  const coord::DeviceId id{in.u8() % 8u};
  coord::Coordinator& c = *f.coordinator;
  switch (cmd % 14) {
    case 0: (void)c.approve(id, f.now); break;
    case 1: (void)c.expire(id, f.now); break;
    case 2: (void)c.rotate(id, f.now); break;
    case 3: (void)c.remove(id, f.now); break;
    case 4: (void)c.set_tags(id, {"tag:web"}, f.now); break;
    case 5: (void)c.set_tags(id, {}, f.now); break;
    case 6: (void)c.set_tags(id, {"tag:db", "tag:web", "tag:db"}, f.now); break;
    case 7: (void)c.set_tags(id, {"not a tag"}, f.now); break;
    case 8: {
      const uint8_t flags = in.u8();
      std::vector<std::string> tags;
      if (flags & 4) tags.push_back("tag:web");
      if (flags & 8) tags.push_back("tag:db");
      f.add_key((flags & 16) ? "bob@example.com" : "alice@example.com", flags & 1, flags & 2,
                tags);
      break;
    }
    case 9:
      if (!f.key_ids.empty()) (void)c.revoke_auth_key(f.key_ids[id.value % f.key_ids.size()], f.now);
      break;
    case 10: (void)c.create_user((cmd & 0x80) ? "carol@example.com" : "Bob@Example.com",
                                 coord::Role::kMember, f.now); break;
    case 11: (void)c.remove_user((cmd & 0x80) ? "carol@example.com" : "bob@example.com", f.now);
      break;
    case 12: (void)c.check_policy(c.policy_history().back().text); break;
    default: {
      // A restart: the old process's connections die with it, the new one starts from the store.
      for (auto& conn : f.conns) conn->open = false;
      f.coordinator.reset();
      f.start();
      f.last = coord::CoordinatorCounters{};
      break;
    }
  }
  f.pump();
}

void policy_command(Fixture& f, Script& in) {
  const uint8_t choice = in.u8();
  std::string text;
  constexpr std::size_t kKnown = sizeof kPolicies / sizeof kPolicies[0];
  if ((choice & 0x7f) % (kKnown + 1) == kKnown) {
    const Bytes b = in.bytes(in.u16() % 4096);
    text.assign(b.begin(), b.end());
  } else {
    text = kPolicies[(choice & 0x7f) % (kKnown + 1)];
  }
  if (choice & 0x80)
    (void)f.coordinator->check_policy(text);
  else
    (void)f.coordinator->set_policy(text, f.now);
  f.pump();
}

void step(Fixture& f, Script& in) {
  const uint8_t op = in.u8();
  const std::size_t slot = (op >> 4) % kSlots;
  Conn& c = *f.conns[slot];
  switch (op % 16) {
    case 0:  // a whole message of the fuzzer's bytes
    case 15: {  // the same, arriving in two reads (split at byte `split` % 128)
      Bytes b = in.bytes(in.u16());
      const uint8_t flags = in.u8();
      const std::size_t split = flags & 0x7f;
      // The top bit repeats the bytes past 320 KiB: more than any node message may be.
      if (op % 16 == 15 && (flags & 0x80) != 0 && !b.empty())
        for (const Bytes unit = b; b.size() < (320u << 10);) b.insert(b.end(), unit.begin(), unit.end());
      if (!f.can_seal(c)) break;
      Bytes out;
      if (!c.sender.seal(view(b), c.transport, out).ok()) break;
      if (op % 16 == 15 && split < out.size()) {
        f.to_server(c, Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(split)));
        f.to_server(c, Bytes(out.begin() + static_cast<std::ptrdiff_t>(split), out.end()));
      } else {
        f.to_server(c, out);
      }
      break;
    }
    case 1: {  // one frame's plaintext (flag byte included)
      const Bytes b = in.bytes(in.u16());
      if (!f.can_seal(c) || b.size() > control::kMaxPlaintext) break;
      Bytes frame(control::sealed_frame_size(b.size()));
      if (!c.transport.seal(view(b), core::MutableBytes{frame.data(), frame.size()}).ok()) break;
      f.to_server(c, frame);
      break;
    }
    case 2: f.to_server(c, in.bytes(in.u16())); break;  // raw stream bytes
    case 3: f.advance(std::chrono::seconds(in.u16())); break;
    case 4: {
      const uint8_t n = in.u8();
      f.advance(std::chrono::minutes(10) * (n & 0x7f), (n & 0x80) != 0);
      break;
    }
    case 5: {
      const uint8_t m = in.u8();
      f.open(slot, m, (m & 0x80) == 0);
      break;
    }
    case 6:  // the driver (or the peer) closes it
      f.report_closed(c);
      f.pump();
      break;
    case 7: f.report_all_closes(); break;
    case 8: {
      const uint8_t flags = in.u8(), which = in.u8(), key = in.u8(), old = in.u8();
      const Bytes host = in.bytes(in.u8() % 70);
      std::string auth;
      if (which % 8 == 7) {
        const Bytes b = in.bytes(in.u8());
        auth.assign(b.begin(), b.end());
      } else if (which % 8 != 0 && !f.keys.empty()) {
        auth = f.keys[(which % 8 - 1u) % f.keys.size()];
      }
      std::string hostname(host.begin(), host.end());
      if (flags & 4) hostname = "node";
      f.register_node(slot, auth, key, (flags & 1) ? std::optional<std::size_t>(old) : std::nullopt,
                      hostname, (flags & 2) ? 99u : control::kCapabilityVersion);
      break;
    }
    case 9: {
      const uint8_t key = in.u8(), version = in.u8();
      f.map_request(slot, key, endpoints(in), version);
      break;
    }
    case 10: {
      control::EndpointUpdate u;
      u.endpoints = endpoints(in);
      u.home_region = in.u8();
      f.send(slot, u);
      break;
    }
    case 11: f.send(slot, control::KeepAlive{}); break;
    case 12: operator_command(f, in); break;
    case 13: policy_command(f, in); break;
    case 14: f.send(slot, control::PolicyApplied{in.u8()}); break;
    default:  // the store fails from now on: the driver must stop once the core says so
      f.store.fail = true;
      break;
  }
}

// COORDINATOR_FUZZ_TRACE=1 prints each step's op and the counters, to read a crashing input.
void trace(const Fixture& f, uint8_t op) {
  static const bool on = std::getenv("COORDINATOR_FUZZ_TRACE") != nullptr;
  if (!on) return;
  const coord::CoordinatorCounters& k = f.coordinator->counters();
  std::fprintf(stderr,
               "op %2d slot %d: streams %zu devices %zu registrations %llu refused %llu "
               "malformed %llu frames_refused %llu maps %llu deltas %llu\n",
               op % 16, (op >> 4) % static_cast<int>(kSlots), f.coordinator->streams(),
               f.coordinator->registry().devices().size(),
               static_cast<unsigned long long>(k.registrations),
               static_cast<unsigned long long>(k.registrations_refused),
               static_cast<unsigned long long>(k.messages_malformed),
               static_cast<unsigned long long>(k.frames_refused),
               static_cast<unsigned long long>(k.full_maps_sent),
               static_cast<unsigned long long>(k.deltas_sent));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture f(data[0]);
  Script in{data, size, 1};
  for (int steps = 0; !in.done() && steps < 256; ++steps) {
    const uint8_t op = data[in.at];
    step(f, in);
    trace(f, op);
    if (!f.coordinator->healthy()) return 0;  // `weft serve` stops here; a restart rebuilds
    f.check();
  }
  f.close_everything();
  return 0;
}
