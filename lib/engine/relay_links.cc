// The node's relay connections (relay_links.h): a link per region, dialed through the driver,
// its relay client core fed and drained here, redialed with a jittered doubling backoff (moving
// on to the region's next relay node after a failure), closed when a non-home region idles.
#include "engine/relay_links.h"

#include <algorithm>

namespace weft::engine {
namespace {

bool same_nodes(const control::RelayRegion& a, const control::RelayRegion& b) {
  if (a.nodes.size() != b.nodes.size()) return false;
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    const control::RelayNode& x = a.nodes[i];
    const control::RelayNode& y = b.nodes[i];
    if (x.host != y.host || x.ipv4 != y.ipv4 || x.ipv6 != y.ipv6 ||
        x.relay_port != y.relay_port || x.tls != y.tls)
      return false;
  }
  return true;
}

void earliest(std::optional<core::Duration>& into, std::optional<core::Duration> d) {
  if (d && (!into || *d < *into)) into = d;
}

}  // namespace

RelayLinks::RelayLinks(const core::NodePrivateKey& node_key, core::Random& rng)
    : node_key_(node_key), rng_(rng) {}

RelayLinks::~RelayLinks() = default;

const control::RelayRegion* RelayLinks::region(uint16_t id) const {
  for (const auto& r : map_)
    if (r.id == id) return &r;
  return nullptr;
}

void RelayLinks::set_map(const std::vector<control::RelayRegion>& regions, core::Now now) {
  std::vector<uint16_t> gone;
  for (const auto& [id, link] : links_) {
    (void)link;
    const control::RelayRegion* old_region = region(id);
    const control::RelayRegion* new_region = nullptr;
    for (const auto& r : regions)
      if (r.id == id) new_region = &r;
    if (new_region == nullptr || old_region == nullptr || !same_nodes(*old_region, *new_region) ||
        new_region->nodes.empty())
      gone.push_back(id);
  }
  for (uint16_t id : gone) close(id);
  map_ = regions;
  if (home_ != 0 && region(home_) == nullptr) home_ = 0;
  if (home_ != 0) want(home_, now);
}

void RelayLinks::set_home(uint16_t id, core::Now now) {
  if (id != 0 && region(id) == nullptr) id = 0;
  if (id == home_) return;
  const uint16_t old = home_;
  home_ = id;
  if (auto it = links_.find(old); it != links_.end() && it->second.client)
    it->second.client->note_preferred(false);
  if (home_ == 0) return;
  want(home_, now);
  // want() opens nothing for a region without relay nodes (the control protocol allows one).
  if (auto it = links_.find(home_); it != links_.end() && it->second.client)
    it->second.client->note_preferred(true);
}

void RelayLinks::set_node_key(const core::NodePrivateKey& key, core::Now now) {
  node_key_ = key;
  std::vector<uint16_t> regions;
  for (const auto& [id, link] : links_) {
    (void)link;
    regions.push_back(id);
  }
  for (uint16_t id : regions) close(id);
  if (home_ != 0) want(home_, now);
}

void RelayLinks::want(uint16_t id, core::Now now, bool probe) {
  const control::RelayRegion* r = region(id);
  if (r == nullptr || r->nodes.empty()) return;
  auto [it, inserted] = links_.try_emplace(id);
  Link& l = it->second;
  l.last_used = now.mono;
  if (probe) {
    if (!inserted && l.state == LinkState::kConnected && l.client &&
        l.client->state() == relay::ClientState::kReady) {
      l.client->ping(now);
    } else {
      l.probe = true;
    }
  }
  if (!inserted) return;
  l.region = id;
  dial(l, now);
}

void RelayLinks::dial(Link& l, core::Now now) {
  const control::RelayRegion* r = region(l.region);
  l.id = next_link_++;
  l.state = LinkState::kDialing;
  relay::ClientConfig config;
  config.node_key = node_key_;
  config.preferred = l.region == home_;
  l.client = std::make_unique<relay::Client>(config, rng_);
  RelayRequest req;
  req.kind = RelayRequest::Kind::kDial;
  req.link = l.id;
  req.region = l.region;
  req.node = r->nodes[l.node_index % r->nodes.size()];
  requests_.push_back(std::move(req));
  ++stats_.dials;
  (void)now;
}

void RelayLinks::close(uint16_t id) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  if (it->second.id != 0 && it->second.state != LinkState::kBackoff) {
    RelayRequest req;
    req.kind = RelayRequest::Kind::kClose;
    req.link = it->second.id;
    req.region = id;
    requests_.push_back(std::move(req));
  }
  links_.erase(it);
}

RelayLinks::Link* RelayLinks::find_link(uint32_t id) {
  if (id == 0) return nullptr;
  for (auto& [region, link] : links_) {
    (void)region;
    if (link.id == id && link.state != LinkState::kBackoff) return &link;
  }
  return nullptr;
}

bool RelayLinks::send(uint16_t id, const core::NodePublicKey& dst, core::ByteView packet,
                      core::Now now) {
  want(id, now);
  auto it = links_.find(id);
  if (it == links_.end()) {
    ++stats_.send_dropped;
    return false;
  }
  Link& l = it->second;
  l.last_used = now.mono;
  if (!l.client || l.state == LinkState::kBackoff) {
    ++stats_.send_dropped;  // between connections: WireGuard retries what matters
    return false;
  }
  if (l.state == LinkState::kDialing) {
    // The client queues packets only once connected() started a connection: until then a few
    // wait here (a first handshake through a region not yet connected need not wait for
    // WireGuard's 5 s retry).
    if (l.early.size() >= kMaxEarlyPackets) {
      ++stats_.send_dropped;
      return false;
    }
    l.early.emplace_back(dst, std::vector<uint8_t>(packet.data, packet.data + packet.size));
    return true;
  }
  if (!l.client->send_packet(now, dst, packet)) {
    ++stats_.send_dropped;
    return false;
  }
  ++stats_.packets_sent;
  return true;
}

bool RelayLinks::poll_request(RelayRequest& out) {
  if (requests_.empty()) return false;
  out = std::move(requests_.front());
  requests_.pop_front();
  return true;
}

void RelayLinks::connected(uint32_t id, core::Now now) {
  Link* l = find_link(id);
  if (l == nullptr || l->state != LinkState::kDialing) return;
  l->state = LinkState::kConnected;
  l->client->connected(now);
  for (const auto& [dst, bytes] : l->early) {
    if (l->client->send_packet(now, dst, core::ByteView{bytes.data(), bytes.size()})) {
      ++stats_.packets_sent;
    } else {
      ++stats_.send_dropped;
    }
  }
  l->early.clear();
  drain_events(*l, now);
}

void RelayLinks::dial_failed(uint32_t id, core::Now now) {
  Link* l = find_link(id);
  if (l == nullptr) return;
  ++stats_.dial_failures;
  lost(*l, now, true);
}

void RelayLinks::bytes(uint32_t id, core::ByteView data, core::Now now) {
  Link* l = find_link(id);
  if (l == nullptr || l->state != LinkState::kConnected) return;
  const uint64_t before = l->client->stats().packets_received;
  l->client->receive(data, now);
  // Packets from peers keep a link in use (the relay's own keepalives do not).
  if (l->client->stats().packets_received != before) l->last_used = now.mono;
  drain_events(*l, now);
}

void RelayLinks::disconnected(uint32_t id, core::Now now) {
  Link* l = find_link(id);
  if (l == nullptr) return;
  if (l->client) l->client->transport_closed(now);
  lost(*l, now, false);
}

void RelayLinks::lost(Link& l, core::Now now, bool dial_failure) {
  if (!dial_failure) ++stats_.disconnects;
  down_.push_back(l.region);
  l.state = LinkState::kBackoff;
  l.client.reset();
  l.early.clear();
  l.rtt.reset();
  l.id = 0;
  // The next attempt goes to the region's next relay node.
  ++l.node_index;
  l.backoff = l.backoff.count() == 0 ? kFirstBackoff : std::min(kMaxBackoff, l.backoff * 2);
  // Jitter in [backoff/2, backoff]: relays restarted together are not redialed in lockstep.
  const auto half = l.backoff / 2;
  uint64_t draw = 0;
  rng_.fill(reinterpret_cast<uint8_t*>(&draw), sizeof draw);
  const uint64_t span = static_cast<uint64_t>(half.count()) + 1;
  l.retry_at = now.mono + half + core::Duration(static_cast<int64_t>(draw % span));
}

void RelayLinks::drain_events(Link& l, core::Now now) {
  relay::ClientEvent e;
  while (l.client && l.client->poll_event(e)) {
    switch (e.kind) {
      case relay::ClientEventKind::kReady:
        l.backoff = {};
        if (l.probe) {
          l.probe = false;
          l.client->ping(now);
        }
        break;
      case relay::ClientEventKind::kPeerGone:
        ++stats_.peer_gone;
        break;
      case relay::ClientEventKind::kPong:
        l.rtt = e.rtt;
        latencies_.emplace_back(l.region, e.rtt);
        break;
      case relay::ClientEventKind::kClosed: {
        RelayRequest req;
        req.kind = RelayRequest::Kind::kClose;
        req.link = l.id;
        req.region = l.region;
        requests_.push_back(std::move(req));
        lost(l, now, false);
        return;
      }
    }
  }
}

bool RelayLinks::poll_output(uint32_t& link, core::MutableBytes out, std::size_t& size) {
  for (auto& [region, l] : links_) {
    (void)region;
    if (l.state != LinkState::kConnected || !l.client) continue;
    const std::size_t n = l.client->poll_output(out);
    if (n > 0) {
      link = l.id;
      size = n;
      return true;
    }
  }
  return false;
}

std::size_t RelayLinks::poll_output_of(uint32_t link, core::MutableBytes out) {
  Link* l = find_link(link);
  if (l == nullptr || l->state != LinkState::kConnected || !l->client) return 0;
  return l->client->poll_output(out);
}

std::size_t RelayLinks::poll_packet(core::Path& from, core::MutableBytes out) {
  for (auto& [region, l] : links_) {
    if (l.state != LinkState::kConnected || !l.client) continue;
    core::NodePublicKey src;
    const std::size_t n = l.client->poll_packet(src, out);
    if (n > 0) {
      ++stats_.packets_received;
      from = core::Path::via_relay(region, src);
      return n;
    }
  }
  return 0;
}

bool RelayLinks::poll_latency(uint16_t& region, core::Duration& rtt) {
  if (latencies_.empty()) return false;
  region = latencies_.front().first;
  rtt = latencies_.front().second;
  latencies_.pop_front();
  return true;
}

bool RelayLinks::poll_region_down(uint16_t& region) {
  if (down_.empty()) return false;
  region = down_.front();
  down_.pop_front();
  return true;
}

void RelayLinks::update_timers(core::Now now) {
  std::vector<uint16_t> idle;
  for (auto& [region, l] : links_) {
    if (l.state == LinkState::kBackoff) {
      // A region that is no longer home and no longer used is not redialed: it is forgotten.
      if (region != home_ && l.last_used + kIdleClose <= now.mono) {
        idle.push_back(region);
      } else if (l.retry_at <= now.mono) {
        dial(l, now);
      }
      continue;
    }
    if (l.client) {
      if (auto at = l.client->next_deadline(); at && *at <= now.mono) {
        l.client->update_timers(now);
        drain_events(l, now);
      }
    }
    if (region != home_ && l.last_used + kIdleClose <= now.mono) idle.push_back(region);
  }
  for (uint16_t region : idle) {
    ++stats_.idle_closes;
    close(region);
  }
}

std::optional<core::Duration> RelayLinks::next_deadline() const {
  std::optional<core::Duration> at;
  for (const auto& [region, l] : links_) {
    if (l.state == LinkState::kBackoff) {
      earliest(at, l.retry_at);
      if (region != home_) earliest(at, l.last_used + kIdleClose);
      continue;
    }
    if (l.client) earliest(at, l.client->next_deadline());
    if (region != home_) earliest(at, l.last_used + kIdleClose);
  }
  return at;
}

std::vector<RelayLinkStatus> RelayLinks::status() const {
  std::vector<RelayLinkStatus> out;
  for (const auto& [id, l] : links_) {
    RelayLinkStatus s;
    s.region = id;
    const control::RelayRegion* r = region(id);
    if (r != nullptr) {
      s.code = r->code;
      if (!r->nodes.empty()) s.node = r->nodes[l.node_index % r->nodes.size()].name;
    }
    s.home = id == home_;
    s.ready = l.client && l.client->state() == relay::ClientState::kReady;
    s.rtt = l.rtt;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace weft::engine
