// Network configuration in a scenario (docs/scenarios.md, "Routes and posture"): the routes a
// node advertises go into its Hostinfo as `weft up --advertise-routes` puts them, the operator's
// route approvals and posture attributes go to the coordinator as `weft admin routes approve` and
// `weft admin nodes set-attr` send them, and a node's routes are read from its engine's netmap
// (a peer whose allowed IPs hold the prefix carries it).
#include <algorithm>

#include "core-conversions.h"
#include "ns3/simulator.h"
#include "scenario-world.h"

namespace weft::sim {

void ScenarioWorld::AdvertiseRoutes(WorldNode& n) const {
  for (const std::string& r : n.spec->advertise_routes) {
    n.config.client.hostinfo.advertised_routes.push_back(*util::IpPrefix::parse(r, true));
  }
}

void ScenarioWorld::ApplyNetworkConfig(const TimelineEvent& e) {
  WorldNode& n = *Node(e.node);
  if (e.kind == EventKind::kExitNode) {
    // A setting of the node's own process (`weft up --exit-node`): a restart forgets it.
    if (n.slot == nullptr || !n.up) {
      Log(n.Name(), "exit node not set: not running");
      return;
    }
    n.slot->Input([&](core::Now, core::MutableBytes) {
      n.Engine().set_exit_node(e.other);
      return engine::Output{};
    });
    const engine::Engine::ExitNode exit = n.Engine().exit_node();
    Log(n.Name(), e.other.empty() ? std::string("uses no exit node")
                                  : "uses exit node " + e.other +
                                        (exit.offered ? "" : " (not offered by the server)"));
    return;
  }
  const std::optional<coord::DeviceId> id = DeviceOf(n);
  std::string what = to_string(e.kind);
  Status s = make_error("sim.unknown_device", "not registered");
  if (id) {
    s = m_server->Operate([&](coord::Coordinator& c, core::Now now, core::Random&) -> Status {
      switch (e.kind) {
        case EventKind::kSetAttr:
        case EventKind::kUnsetAttr: {
          std::map<std::string, std::string> set(e.attrs.begin(), e.attrs.end());
          return c.set_posture_attributes(*id, set, e.names, now);
        }
        default: {
          std::vector<util::IpPrefix> routes;
          for (const std::string& r : e.names) routes.push_back(*util::IpPrefix::parse(r, true));
          return c.set_route_approval(*id, routes, e.kind == EventKind::kApproveRoutes, now);
        }
      }
    });
  }
  for (const auto& [name, value] : e.attrs) what += " " + name + "=" + value;
  for (const std::string& name : e.names) what += " " + name;
  Log("server", what + " on " + n.Name() + (s ? ": done" : ": refused (" + s.error().detail + ")"));
}

namespace {

/// Every routed prefix of a netmap (not a peer's own address) by the nodes that carry it.
std::map<std::string, std::vector<std::string>> routes_of(ScenarioWorld& w,
                                                          const controlclient::NetMap& map) {
  std::map<std::string, std::vector<std::string>> routes;
  for (const auto& [id, peer] : map.peers) {
    std::string name = peer.name;
    for (WorldNode& other : w.Nodes()) {
      if (other.slot != nullptr && other.Engine().node_public_key() == peer.node_key) {
        name = other.Name();
      }
    }
    for (const util::IpPrefix& p : peer.allowed_ips) {
      if (!p.is_single_address()) routes[p.to_string()].push_back(name);
    }
  }
  return routes;
}

std::string routes_text(const std::map<std::string, std::vector<std::string>>& routes) {
  std::string seen;
  for (const auto& [prefix, via] : routes) {
    std::string names;
    for (const std::string& v : via) names += (names.empty() ? "" : ", ") + v;
    seen += (seen.empty() ? "" : "; ") + prefix + " via " + names;
  }
  return seen.empty() ? "none" : seen;
}

}  // namespace

JudgedExpectation JudgeRoutes(ScenarioWorld& w, std::size_t i) {
  const ExpectSpec& x = w.Spec().expect[i];
  JudgedExpectation j;
  WorldNode& n = *w.Node(x.node);
  const controlclient::NetMap* map = n.slot != nullptr && n.up ? n.Engine().netmap() : nullptr;
  if (map == nullptr) {
    j.observed = x.node + (n.up && n.slot != nullptr ? " has no netmap" : " is not running");
    return j;
  }
  const std::map<std::string, std::vector<std::string>> routes = routes_of(w, *map);
  j.ok = true;
  for (const std::string& text : x.prefixes) {
    const std::string p = util::IpPrefix::parse(text, true)->to_string();
    auto it = routes.find(p);
    bool carried = it != routes.end();
    if (carried && !x.other.empty()) {
      carried = std::find(it->second.begin(), it->second.end(), x.other) != it->second.end();
    }
    j.ok = j.ok && carried == x.include;
  }
  j.observed = x.node + "'s routes: " + routes_text(routes) + " (netmap policy version " +
               std::to_string(map->policy_version) + ")";
  return j;
}

JudgedExpectation JudgeReachesAddress(ScenarioWorld& w, std::size_t i) {
  const ExpectSpec& x = w.Spec().expect[i];
  JudgedExpectation j;
  const Flow* probe = w.ProbeOf(i);
  const std::string expected = x.other.empty() ? "nobody" : x.other;
  std::string by = "nobody";
  if (probe == nullptr || probe->packets.sent.empty()) {
    j.observed = "no probe could be sent (" + (probe ? probe->unsent_why : std::string()) + ")";
  } else if (probe->packets.delivered[0] && probe->received_by) {
    by = w.Nodes()[*probe->received_by].Name();
    j.observed = "the probe to " + x.name + " sent at " +
                 time_text(FromNs3(probe->packets.sent[0])) + " reached " + by + "'s tunnel after " +
                 time_text(FromNs3(*probe->packets.delivered[0] - probe->packets.sent[0])) +
                 (probe->packets.relayed[0] ? " through a relay" : " directly");
  } else {
    j.observed = "the probe to " + x.name + " sent at " +
                 time_text(FromNs3(probe->packets.sent[0])) + " reached no node within " +
                 time_text(x.within);
  }
  j.ok = by == expected;
  WorldNode& n = *w.Node(x.node);
  if (!j.ok && n.slot != nullptr) {
    // The sender's own drops say why a packet never left (no route, no endpoint, ...).
    std::string drops;
    for (std::size_t r = 0; r < CoreTraits<EngineCore>::kDropReasons; ++r) {
      if (n.slot->GetDrops(r) != 0) {
        drops += (drops.empty() ? "" : ", ") + std::to_string(n.slot->GetDrops(r)) + " of reason " +
                 std::to_string(r);
      }
    }
    j.observed += "; " + x.node + "'s engine dropped " + (drops.empty() ? "nothing" : drops);
  }
  const controlclient::NetMap* map = n.slot != nullptr && n.up ? n.Engine().netmap() : nullptr;
  if (map != nullptr) j.observed += "; " + x.node + "'s routes: " + routes_text(routes_of(w, *map));
  return j;
}

}  // namespace weft::sim
