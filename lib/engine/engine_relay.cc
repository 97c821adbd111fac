// The node engine's relays and netcheck (docs/connectivity.md, "Relays in the node"): WireGuard
// datagrams go the way discovery chose (a relayed path to the relay connections), STUN answers
// feed a netcheck every kNetcheckInterval, and its latencies choose the home region.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_impl.h"

namespace weft::engine {

// ------------------------------------------------------------------------ routing datagrams

void Engine::Impl::route(wg::Output& o, core::MutableBytes out, core::Now now,
                         wg::CryptoJob* job) {
  if (o.action != wg::Action::kSendDatagram) return;
  if (o.peer != wg::kNoPeer) {
    // Discovery decides the way for every datagram to a tailnet peer: WireGuard's own
    // endpoint (its roaming included) only stands when discovery knows no way.
    if (const PeerSync::Configured* peer = peers.by_peer(o.peer)) {
      if (auto path = disco.path_for(peer->key, now)) o.endpoint = *path;
    }
  }
  if (!o.endpoint.is_relay()) return;
  const core::RelayPath& r = o.endpoint.relay;
  // The relay copies the bytes now, so they must be sealed now.
  if (job != nullptr) crypto.run(*job, out.data, nullptr);
  if (relays.send(static_cast<uint16_t>(r.relay), r.node, core::ByteView{out.data, o.size}, now))
    ++stats.relayed_out;
  o.action = wg::Action::kNone;
  o.size = 0;
}

// ------------------------------------------------------------------------ netcheck and home

void Engine::Impl::on_relay_map(core::Now now) {
  const controlclient::NetMap* map = netmap();
  const std::vector<control::RelayRegion> empty;
  const std::vector<control::RelayRegion>& regions = map != nullptr ? map->relays : empty;
  if (relays_applied && regions_equal(relays.map(), regions)) return;
  relays_applied = true;
  relays.set_map(regions, now);
  std::vector<uint16_t> ids;
  for (const auto& r : regions) ids.push_back(r.id);
  chooser.retain_regions(ids);
  check.reset();
  next_check = regions.empty() ? std::nullopt : std::optional<core::Duration>(now.mono);
  choose_home(now);
}

bool Engine::Impl::regions_equal(const std::vector<control::RelayRegion>& a,
                                 const std::vector<control::RelayRegion>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].code != b[i].code || a[i].nodes.size() != b[i].nodes.size())
      return false;
    for (std::size_t j = 0; j < a[i].nodes.size(); ++j) {
      const auto& x = a[i].nodes[j];
      const auto& y = b[i].nodes[j];
      if (x.name != y.name || x.host != y.host || x.ipv4 != y.ipv4 || x.ipv6 != y.ipv6 ||
          x.relay_port != y.relay_port || x.stun_port != y.stun_port || x.tls != y.tls)
        return false;
    }
  }
  return true;
}

void Engine::Impl::choose_home(core::Now now) {
  uint16_t region = 0;
  core::Duration rtt{};
  while (relays.poll_latency(region, rtt)) chooser.note_latency(now, region, rtt);
  while (relays.poll_region_down(region)) {
    chooser.note_region_down(region);
    // Peers homed there are reached through the region their packets came from meanwhile.
    disco.set_region_down(region, true);
    if (std::find(down_regions.begin(), down_regions.end(), region) == down_regions.end())
      down_regions.push_back(region);
  }
  if (!down_regions.empty()) {
    for (const RelayLinkStatus& l : relays.status()) {
      if (!l.ready) continue;
      auto it = std::find(down_regions.begin(), down_regions.end(), l.region);
      if (it == down_regions.end()) continue;
      disco.set_region_down(l.region, false);
      down_regions.erase(it);
    }
  }
  uint16_t home = chooser.choose(now);
  if (home == 0 && relays.home() == 0) {
    // Nothing measured yet (the first netcheck is running, or UDP is blocked and the relay
    // pings have not come back): the first region with relays, so that peers can reach us.
    for (const auto& r : relays.map()) {
      if (r.nodes.empty()) continue;
      home = r.id;
      break;
    }
  }
  if (home == 0) home = relays.home();
  if (home != relays.home()) {
    relays.set_home(home, now);
    ++stats.home_changes;
  }
  disco.set_home_region(relays.home());
  report_endpoints(now);
}

void Engine::Impl::report_endpoints(core::Now now) {
  all_endpoints = merged_endpoints();
  disco.set_local_endpoints(all_endpoints);
  if (!endpoints_known && relays.home() == 0) return;
  if (endpoints_known && reported_home == relays.home() && reported_endpoints == all_endpoints)
    return;
  if (!client->set_endpoints(all_endpoints, relays.home(), now)) return;
  reported_home = relays.home();
  reported_endpoints = all_endpoints;
}

void Engine::Impl::netcheck_timers(core::Now now) {
  if (!check && next_check && *next_check <= now.mono) {
    netcheck::Options o;
    o.budget = kNetcheckBudget;
    check.emplace(relays.map(), now, rng, o);
    next_check = now.mono + kNetcheckInterval;
  }
  if (!check) return;
  if (auto at = check->next_deadline(); at && *at <= now.mono) check->update_timers(now);
  if (!check->done()) return;
  netcheck::Report report = check->report();
  const bool probed = check->planned_probes() > 0;
  check.reset();
  ++stats.netchecks;
  chooser.note_report(now, report);
  if (probed && !report.udp) {
    // UDP does not get out: measure the regions over their relay connections instead. (Relay
    // nodes without a literal address are never probed: that says nothing about UDP.)
    std::size_t n = 0;
    for (const auto& r : relays.map()) {
      if (n++ == kMaxProbedRegions) break;
      relays.want(r.id, now, /*probe=*/true);
    }
  }
  last_report = std::move(report);
  choose_home(now);
}

// ------------------------------------------------------------------------ the public surface

Status Engine::set_endpoints(const std::vector<core::SocketAddress>& endpoints, core::Now now) {
  Impl& m = *impl_;
  m.saw(now);
  // A new local address (the node moved, an interface came up): its NAT mapping is new too,
  // so the next netcheck runs now rather than within kNetcheckInterval.
  if (m.endpoints_known && endpoints != m.endpoints && !m.check && m.next_check)
    m.next_check = now.mono;
  m.endpoints = endpoints;
  m.endpoints_known = true;
  m.all_endpoints = m.merged_endpoints();
  m.disco.set_local_endpoints(m.all_endpoints);
  Status s = m.client->set_endpoints(m.all_endpoints, m.relays.home(), now);
  if (s) {
    m.reported_endpoints = m.all_endpoints;
    m.reported_home = m.relays.home();
  }
  m.after_client(now);
  return s;
}

bool Engine::poll_relay_request(RelayRequest& out) { return impl_->relays.poll_request(out); }

void Engine::relay_connected(uint32_t link, core::Now now) {
  impl_->saw(now);
  impl_->relays.connected(link, now);
}

void Engine::relay_dial_failed(uint32_t link, core::Now now) {
  impl_->saw(now);
  impl_->relays.dial_failed(link, now);
  impl_->choose_home(now);
}

void Engine::relay_bytes(uint32_t link, core::ByteView data, core::Now now) {
  impl_->saw(now);
  impl_->relays.bytes(link, data, now);
  // A Pong, the relay closed, or a region that was down is ready again.
  if (impl_->relays.has_news() || !impl_->down_regions.empty()) impl_->choose_home(now);
}

void Engine::relay_disconnected(uint32_t link, core::Now now) {
  impl_->saw(now);
  impl_->relays.disconnected(link, now);
  impl_->choose_home(now);
}

bool Engine::poll_relay_transmit(uint32_t& link, core::MutableBytes out, std::size_t& size) {
  return impl_->relays.poll_output(link, out, size);
}

std::size_t Engine::poll_relay_transmit_of(uint32_t link, core::MutableBytes out) {
  return impl_->relays.poll_output_of(link, out);
}

std::size_t Engine::poll_relay_datagram(core::Path& from, core::MutableBytes out) {
  return impl_->relays.poll_packet(from, out);
}

}  // namespace weft::engine
