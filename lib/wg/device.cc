// Device configuration and bookkeeping: peers, keys, the receiver-index table, session slots and
// the queue of peers with pending transmissions (whitepaper sections 2, 5.4.1 and 5.4.6).
#include "wg/device.h"

#include <algorithm>

#include "wg/device_impl.h"

namespace weft::wg {

Device::Impl::Impl(const DeviceConfig& config, Random& rng) : random(rng), mtu(config.mtu) {
  identity.private_key = config.private_key;
  identity.public_key.bytes = crypto::x25519_public(config.private_key.bytes);
  identity.has_key = true;
  checker.init(identity.public_key);
  // Typical calls touch one peer; update_timers a few. Later growth is rare and amortized.
  touched.reserve(16);
  due.reserve(16);
}

Peer* Device::Impl::peer(PeerId id) const {
  return id < peers.size() ? peers[id].get() : nullptr;
}

void Device::Impl::touch(Peer& p) {
  if (p.touched) return;
  p.touched = true;
  touched.push_back(p.id);
}

void Device::Impl::refile_touched() {
  for (PeerId id : touched) {
    Peer* p = peer(id);
    if (p == nullptr) continue;  // removed meanwhile; remove_peer took it out
    p->touched = false;
    deadlines.set(id, p->timers.next_deadline());
  }
  touched.clear();
}

void Device::Impl::ensure_static_static(Peer& p) {
  if (!p.static_static_stale) return;
  precompute_static_static(identity, p.handshake);
  p.static_static_stale = false;
}

Output Device::Impl::drop(DropReason reason) {
  ++stats.drops[static_cast<std::size_t>(reason)];
  Output o;
  o.action = Action::kDrop;
  o.drop = reason;
  return o;
}

Output Device::Impl::send_to(Peer& p, std::size_t size) {
  p.tx_bytes += size;
  Output o;
  o.action = Action::kSendDatagram;
  o.size = size;
  o.peer = p.id;
  o.endpoint = p.endpoint;
  return o;
}

uint32_t Device::Impl::allocate_index(PeerId id) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint8_t b[4];
    random.fill(b, sizeof b);
    uint32_t idx = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
    if (idx != 0 && index_table.emplace(idx, id).second) return idx;
  }
  return 0;
}

void Device::Impl::free_index(uint32_t index) {
  if (index != 0) index_table.erase(index);
}

void Device::Impl::clear_handshake(Peer& p) {
  if (p.handshake.state != Handshake::State::kZeroed) free_index(p.handshake.local_index);
  p.handshake.clear();
}

void Device::Impl::clear_sessions(Peer& p) {
  uint32_t retired[3];
  p.keypairs.clear(retired);
  for (uint32_t idx : retired) free_index(idx);
  clear_handshake(p);
}

void Device::Impl::install_keypair(Peer& p, std::unique_ptr<Keypair> kp) {
  uint32_t retired[2];
  kp->serial = ++next_keypair_serial;
  p.keypairs.install(std::move(kp), retired);
  for (uint32_t idx : retired) free_index(idx);
}

void Device::Impl::mark_pending(Peer& p) {
  if (p.in_pending_list) return;
  p.in_pending_list = true;
  pending.push_back(p.id);
}

void Device::Impl::request_initiation(Duration now, Peer& p, bool is_retry) {
  if (!is_retry) p.timers.handshake_attempts = 0;
  if (p.last_initiation_sent && now - *p.last_initiation_sent < kRekeyTimeout) return;
  p.last_initiation_sent = now;
  p.initiation_pending = true;
  mark_pending(p);
}

void Device::Impl::request_keepalive(Peer& p) {
  if (p.staged.empty()) p.staged.emplace_back();
  p.flush_pending = true;
  mark_pending(p);
}

Keypair* Device::Impl::sendable_keypair(Peer& p, Duration now) const {
  Keypair* kp = p.keypairs.current.get();
  if (kp == nullptr || !kp->fresh(now) || kp->next_send_counter >= kRejectAfterMessages) {
    return nullptr;
  }
  return kp;
}

Device::Device(const DeviceConfig& config, Random& random)
    : impl_(std::make_unique<Impl>(config, random)) {}

Device::~Device() = default;

PublicKey Device::public_key() const { return impl_->identity.public_key; }

void Device::set_private_key(const PrivateKey& key) {
  Impl& d = *impl_;
  d.identity.private_key = key;
  d.identity.public_key.bytes = crypto::x25519_public(key.bytes);
  d.checker.init(d.identity.public_key);
  for (auto& p : d.peers) {
    if (!p) continue;
    d.clear_sessions(*p);
    p->static_static_stale = true;
    p->last_initiation_sent.reset();  // the new identity may handshake at once
  }
}

PeerId Device::add_peer(const PeerConfig& config) {
  Impl& d = *impl_;
  if (d.by_key.count(config.public_key) || config.public_key == d.identity.public_key) {
    return kNoPeer;
  }
  auto p = std::make_unique<Peer>();
  p->id = static_cast<PeerId>(d.peers.size());
  p->public_key = config.public_key;
  p->endpoint = config.endpoint;
  p->persistent_keepalive = config.persistent_keepalive;
  p->handshake.remote_static = config.public_key;
  p->handshake.preshared_key = config.preshared_key;
  p->cookies.init(config.public_key);
  d.by_key[config.public_key] = p->id;
  d.deadlines.track(p->id);
  for (const auto& a : config.allowed_ips) d.allowed.insert(a, p->id);
  d.peers.push_back(std::move(p));
  return d.peers.back()->id;
}

void Device::remove_peer(PeerId id) {
  Impl& d = *impl_;
  Peer* p = d.peer(id);
  if (p == nullptr) return;
  d.clear_sessions(*p);
  d.deadlines.set(id, std::nullopt);
  d.allowed.remove_peer(id);
  d.by_key.erase(p->public_key);
  d.pending.erase(std::remove(d.pending.begin(), d.pending.end(), id), d.pending.end());
  d.peers[id].reset();
}

PeerId Device::find_peer(const PublicKey& key) const {
  auto it = impl_->by_key.find(key);
  return it == impl_->by_key.end() ? kNoPeer : it->second;
}

std::vector<PeerId> Device::peers() const {
  std::vector<PeerId> out;
  for (const auto& p : impl_->peers) {
    if (p) out.push_back(p->id);
  }
  return out;
}

void Device::set_allowed_ips(PeerId id, const std::vector<AllowedIp>& prefixes) {
  Impl& d = *impl_;
  if (d.peer(id) == nullptr) return;
  d.allowed.remove_peer(id);
  for (const auto& a : prefixes) d.allowed.insert(a, id);
}

std::vector<AllowedIp> Device::allowed_ips(PeerId id) const {
  return impl_->allowed.prefixes_of(id);
}

void Device::set_endpoint(PeerId id, const Path& endpoint) {
  if (Peer* p = impl_->peer(id)) p->endpoint = endpoint;
}

void Device::set_preshared_key(PeerId id, const PresharedKey& key) {
  if (Peer* p = impl_->peer(id)) p->handshake.preshared_key = key;
}

void Device::set_persistent_keepalive(Now now, PeerId id, Duration interval) {
  Peer* p = impl_->peer(id);
  if (p == nullptr) return;
  impl_->touch(*p);
  p->persistent_keepalive = interval;
  if (interval > Duration::zero()) {
    // As wg(8) does on configuration: one keepalive right away opens NAT state (and starts a
    // handshake when there is no session yet).
    impl_->request_keepalive(*p);
    p->timers.any_authenticated_packet_traversal(now.mono, interval);
  } else {
    p->timers.persistent_keepalive.reset();
  }
  impl_->refile_touched();
}

PeerStats Device::peer_stats(PeerId id) const {
  PeerStats s;
  const Peer* p = impl_->peer(id);
  if (p == nullptr) return s;
  s.public_key = p->public_key;
  s.endpoint = p->endpoint;
  s.rx_bytes = p->rx_bytes;
  s.tx_bytes = p->tx_bytes;
  s.last_handshake = p->last_handshake;
  s.persistent_keepalive = p->persistent_keepalive;
  s.has_session = p->keypairs.current != nullptr;
  return s;
}

DeviceStats Device::stats() const { return impl_->stats; }

void Device::set_under_load(bool under_load) { impl_->under_load = under_load; }

Output Device::receive_datagram(Now now, const Path& from, ByteView datagram,
                                MutableBytes out) {
  Output o = impl_->receive(now, from, datagram, out, nullptr);
  impl_->refile_touched();
  return o;
}

Output Device::send_packet(Now now, ByteView ip_packet, MutableBytes out) {
  Output o = impl_->send(now, ip_packet, out, nullptr);
  impl_->refile_touched();
  return o;
}

Output Device::send_packet(Now now, ByteView ip_packet, MutableBytes out, CryptoJob& job) {
  job.kind = CryptoJob::Kind::kNone;
  Output o = impl_->send(now, ip_packet, out, &job);
  impl_->refile_touched();
  return o;
}

Output Device::receive_datagram(Now now, const Path& from, ByteView datagram, MutableBytes out,
                                CryptoJob& job) {
  job.kind = CryptoJob::Kind::kNone;
  Output o = impl_->receive(now, from, datagram, out, &job);
  impl_->refile_touched();
  return o;
}

Output Device::complete_receive(Now now, const Path& from, CryptoJob& job, MutableBytes out) {
  Output o = impl_->complete_receive(now, from, job, out);
  impl_->refile_touched();
  return o;
}

Output Device::poll_transmit(Now now, MutableBytes out) {
  Output o = impl_->poll(now, out);
  impl_->refile_touched();
  return o;
}

void Device::update_timers(Now now) {
  impl_->update_timers(now);
  impl_->refile_touched();
}

std::optional<Duration> Device::next_deadline() const { return impl_->deadlines.earliest(); }

std::optional<Duration> Device::next_deadline(PeerId id) const {
  const Peer* p = impl_->peer(id);
  return p ? p->timers.next_deadline() : std::nullopt;
}

void Device::initiate_handshake(Now now, PeerId id) {
  if (Peer* p = impl_->peer(id)) impl_->request_initiation(now.mono, *p, false);
}

}  // namespace weft::wg
