// The node engine's creation, data plane and timers (docs/control-plane.md, "Node engine"): the
// WireGuard device with the packet filter on decrypted packets, one deadline over all three cores.
#include "engine/engine.h"

#include <algorithm>
#include <utility>

#include "crypto/crypto.h"
#include "engine/engine_impl.h"

namespace weft::engine {
namespace {

wg::DeviceConfig device_config(const EngineConfig& config) {
  wg::DeviceConfig d;
  d.private_key = config.client.node_key;
  d.mtu = config.mtu;
  return d;
}

void earliest(std::optional<core::Duration>& into, std::optional<core::Duration> d) {
  if (d && (!into || *d < *into)) into = d;
}

}  // namespace

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::kRegistered: return "registered";
    case EventKind::kPendingApproval: return "pending_approval";
    case EventKind::kLoginRequired: return "login_required";
    case EventKind::kNetmapApplied: return "netmap_applied";
    case EventKind::kCacheWrite: return "cache_write";
    case EventKind::kKeyRotated: return "key_rotated";
    case EventKind::kStopped: return "stopped";
    case EventKind::kPingReply: return "ping_reply";
    case EventKind::kDiscoPong: return "disco_pong";
  }
  return "unknown";
}

Engine::Impl::Impl(const EngineConfig& config, const core::DiscoPrivateKey& disco_key,
                   core::Random& r, std::unique_ptr<controlclient::Client> c)
    : rng(r),
      server_key(config.client.server_key),
      client(std::move(c)),
      device(device_config(config), r),
      filter(config.filter),
      disco(disco_key, core::NodePublicKey(crypto::x25519_public(config.client.node_key.bytes)), r),
      relays(config.client.node_key, r) {}

Result<std::unique_ptr<Engine>> Engine::create(const EngineConfig& config, core::Random& rng) {
  core::DiscoPrivateKey disco_key = config.disco_key;
  if (disco_key.is_zero()) {
    crypto::Key32 seed{};
    rng.fill(seed.data(), seed.size());
    disco_key = core::DiscoPrivateKey(crypto::x25519_private_from_random(seed));
    crypto::secure_zero(seed.data(), seed.size());
  }
  controlclient::ClientConfig client_config = config.client;
  client_config.disco_key = core::DiscoPublicKey(crypto::x25519_public(disco_key.bytes));
  auto client = controlclient::Client::create(client_config);
  if (!client.ok()) return client.error();
  return std::unique_ptr<Engine>(
      new Engine(std::make_unique<Impl>(config, disco_key, rng, std::move(client).value())));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Output Engine::receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                                core::MutableBytes out) {
  return impl_->receive(now, from, datagram, out, nullptr);
}

Output Engine::receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                                core::MutableBytes out, wg::CryptoJob& job) {
  job.kind = wg::CryptoJob::Kind::kNone;
  return impl_->receive(now, from, datagram, out, &job);
}

Output Engine::complete_receive(core::Now now, const core::Path& from, wg::CryptoJob& job,
                                core::MutableBytes out) {
  Impl& m = *impl_;
  m.saw(now);
  Output o;
  static_cast<wg::Output&>(o) = m.device.complete_receive(now, from, job, out);
  return m.after_device(now, from, o, out);
}

Output Engine::Impl::receive(core::Now now, const core::Path& from, core::ByteView datagram,
                             core::MutableBytes out, wg::CryptoJob* job) {
  Impl& m = *this;
  m.saw(now);
  Output o;
  if (m.check && from.is_udp() && m.check->receive_datagram(now, from.udp, datagram).consumed) {
    ++m.stats.stun_consumed;  // a netcheck answer (or STUN noise it counted)
    // The last answer settles the check, and a settled check has no deadline of its own: its
    // report is taken now, not whenever another timer happens to run.
    if (m.check->done()) m.netcheck_timers(now);
    return o;
  }
  if (disco::has_magic(datagram)) {
    // Dropped and counted by discovery when it does not open; its answers leave through
    // poll_transmit() and the relay links.
    (void)m.disco.receive(from, datagram, now);
    m.drain_disco(now);
    return o;
  }
  if (job != nullptr) {
    static_cast<wg::Output&>(o) = m.device.receive_datagram(now, from, datagram, out, *job);
    // A data message waits for its open; complete_receive() carries on from here.
    if (job->kind == wg::CryptoJob::Kind::kOpen) return o;
  } else {
    static_cast<wg::Output&>(o) = m.device.receive_datagram(now, from, datagram, out);
  }
  return after_device(now, from, o, out);
}

Output Engine::Impl::after_device(core::Now now, const core::Path& from, Output o,
                                  core::MutableBytes out) {
  Impl& m = *this;
  if (o.peer != wg::kNoPeer && o.action != wg::Action::kDrop) {
    if (const PeerSync::Configured* c = m.peers.by_peer(o.peer))
      m.disco.note_received(c->key, from, now);
  }
  m.route(o, out, now);
  if (o.action != wg::Action::kDeliverToTunnel) return o;
  const filter::Decision d = m.filter.check_inbound(now, core::ByteView{out.data, o.size});
  if (d.accept) {
    if (m.take_ping_reply(now, core::ByteView{out.data, o.size})) {
      o.action = wg::Action::kNone;
      o.size = 0;
    }
    return o;
  }
  ++m.stats.filter_denied;
  o.action = wg::Action::kDrop;
  o.size = 0;
  o.drop = wg::DropReason::kNone;
  o.engine_drop = EngineDrop::kFilterDenied;
  o.filter_drop = d.drop;
  return o;
}

Output Engine::send_packet(core::Now now, core::ByteView ip_packet, core::MutableBytes out) {
  return impl_->send(now, ip_packet, out, nullptr);
}

Output Engine::send_packet(core::Now now, core::ByteView ip_packet, core::MutableBytes out,
                           wg::CryptoJob& job) {
  job.kind = wg::CryptoJob::Kind::kNone;
  return impl_->send(now, ip_packet, out, &job);
}

Output Engine::Impl::send(core::Now now, core::ByteView ip_packet, core::MutableBytes out,
                          wg::CryptoJob* job) {
  Impl& m = *this;
  m.saw(now);
  Output o;
  if (job != nullptr) {
    static_cast<wg::Output&>(o) = m.device.send_packet(now, ip_packet, out, *job);
  } else {
    static_cast<wg::Output&>(o) = m.device.send_packet(now, ip_packet, out);
  }
  // Only a packet that leaves (now, or staged until the handshake) opens a flow: one the device
  // dropped for want of a route will see no reply to admit. Noted before route(), which seals a
  // relayed datagram in place: the driver may have put the packet where its body is sealed.
  if (o.action != wg::Action::kDrop) m.filter.note_outbound(now, ip_packet);
  m.route(o, out, now, job != nullptr && job->kind == wg::CryptoJob::Kind::kSeal ? job : nullptr);
  return o;
}

Output Engine::poll_transmit(core::Now now, core::MutableBytes out) {
  Impl& m = *impl_;
  m.saw(now);
  Output o;
  m.drain_disco(now);
  if (!m.pending.empty()) {
    Impl::PendingDatagram& p = m.pending.front();
    static_cast<wg::Output&>(o) = p.out;
    if (p.bytes.size() <= out.size) {
      std::copy(p.bytes.begin(), p.bytes.end(), out.data);
    } else {
      o.action = wg::Action::kDrop;
      o.size = 0;
      o.drop = wg::DropReason::kBufferTooSmall;
    }
    m.pending.pop_front();
    return o;
  }
  if (m.check) {
    const netcheck::Output n = m.check->poll_transmit(now, out);
    if (n.action == netcheck::Action::kSendDatagram) {
      o.action = wg::Action::kSendDatagram;
      o.size = n.size;
      o.endpoint = core::Path::to_udp(n.to);
      return o;
    }
  }
  for (;;) {
    static_cast<wg::Output&>(o) = m.device.poll_transmit(now, out);
    if (o.action != wg::Action::kSendDatagram) return o;
    m.route(o, out, now);
    // Routing may have made a peer active and queued its discovery round: it leaves in this
    // drain, with the datagram that began it.
    m.drain_disco(now);
    // A datagram that went to a relay is done; the next one may be for the driver.
    if (o.action != wg::Action::kNone) return o;
    if (!m.pending.empty()) return poll_transmit(now, out);
  }
}

void Engine::Impl::timers(core::Now now, core::Random& r) {
  saw(now);
  if (auto at = client->next_deadline(); at && *at <= now.mono) {
    client->on_deadline(now, r);
    after_client(now);
  }
  if (auto at = device.next_deadline(); at && *at <= now.mono) device.update_timers(now);
  if (auto at = filter.next_deadline(); at && *at <= now.mono) filter.expire(now);
  if (auto at = relays.next_deadline(); at && *at <= now.mono) {
    relays.update_timers(now);
    choose_home(now);
  }
  netcheck_timers(now);
  if (auto at = disco.next_deadline(); at && *at <= now.mono) disco.update_timers(now);
  drain_disco(now);
}

void Engine::update_timers(core::Now now) { impl_->timers(now, impl_->rng); }
void Engine::on_deadline(core::Now now, core::Random& rng) { impl_->timers(now, rng); }

std::optional<core::Duration> Engine::next_deadline() const {
  const Impl& m = *impl_;
  std::optional<core::Duration> at = m.device.next_deadline();
  earliest(at, m.filter.next_deadline());
  earliest(at, m.relays.next_deadline());
  earliest(at, m.disco.next_deadline());
  if (m.check) {
    earliest(at, m.check->next_deadline());
  } else {
    earliest(at, m.next_check);
  }
  std::optional<core::Duration> control = m.client->next_deadline();
  // A client waiting to be connected keeps its reconnect time as its deadline; once that time
  // has been seen, connecting is the control driver's move, not a timer's.
  if (control && m.client->state() == controlclient::ClientState::kDisconnected &&
      *control <= m.last_mono) {
    control.reset();
  }
  earliest(at, control);
  return at;
}

void Engine::set_under_load(bool under_load) { impl_->device.set_under_load(under_load); }

const EngineStats& Engine::stats() const { return impl_->stats; }
const controlclient::Client& Engine::client() const { return *impl_->client; }
const controlclient::NetMap* Engine::netmap() const { return impl_->netmap(); }
core::NodePublicKey Engine::node_public_key() const { return impl_->device.public_key(); }
uint16_t Engine::home_region() const { return impl_->relays.home(); }

}  // namespace weft::engine
