// Judging a scenario's expectations (docs/scenarios.md, "Expectations") against what the world
// recorded: probes and traffic delivered (and whether a relay brought them), every node's view
// (peers, policy version, control stream) over time, the engines' own state at the instant.
#include <cstdio>

#include "core-conversions.h"
#include "ns3/simulator.h"
#include "scenario-world.h"

namespace weft::sim {
namespace {

std::string seconds(ns3::Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(t.GetNanoSeconds()) / 1e9);
  return buf;
}

std::string ms(ns3::Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(t.GetNanoSeconds()) / 1e6);
  return buf;
}

std::string joined(const std::set<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

/// The nodes an expectation names ("*": every node that ever ran).
std::vector<WorldNode*> targets(ScenarioWorld& w, const std::string& name) {
  std::vector<WorldNode*> out;
  for (WorldNode& n : w.Nodes()) {
    if ((name == "*" && n.slot != nullptr && !n.left) || n.Name() == name) out.push_back(&n);
  }
  return out;
}

/// Since when the node's view has satisfied `pred` without a break (nullopt: it does not now).
template <class Pred>
std::optional<ns3::Time> holding_since(const WorldNode& n, Pred pred) {
  std::optional<ns3::Time> since;
  for (auto it = n.views.rbegin(); it != n.views.rend() && pred(*it); ++it) since = it->at;
  return since;
}

JudgedExpectation reaches(ScenarioWorld& w, std::size_t i, const ExpectSpec& x) {
  JudgedExpectation j;
  const Flow* probe = w.ProbeOf(i);
  WorldNode& from = *w.Node(x.node);
  WorldNode& to = *w.Node(x.other);
  Route route = Route::kNone;
  if (probe == nullptr || probe->packets.sent.empty()) {
    j.observed = "no probe could be sent (" + (probe ? probe->unsent_why : std::string()) + ")";
  } else if (probe->packets.delivered[0]) {
    route = probe->packets.relayed[0] ? Route::kRelay : Route::kDirect;
    j.observed = "the probe sent at " + seconds(probe->packets.sent[0]) + " arrived after " +
                 ms(*probe->packets.delivered[0] - probe->packets.sent[0]) +
                 (route == Route::kRelay ? " through a relay" : " directly");
  } else {
    j.observed = "the probe sent at " + seconds(probe->packets.sent[0]) + " did not arrive within " +
                 time_text(x.within);
  }
  j.ok = route == x.route;
  j.observed += "; route " + std::string(to_string(route)) + "; " + x.node + "'s path to " +
                x.other + ": " + w.PathText(from, to);
  return j;
}

JudgedExpectation peers(ScenarioWorld& w, const ExpectSpec& x) {
  JudgedExpectation j;
  WorldNode& n = *w.Node(x.node);
  const NodeView* v = ScenarioWorld::ViewAt(n, ns3::Simulator::Now());
  const std::set<std::string> have = v ? v->peers : std::set<std::string>{};
  j.ok = true;
  for (const std::string& o : x.others) j.ok = j.ok && (have.count(o) != 0) == x.include;
  j.observed = x.node + "'s peers: " + joined(have) +
               (v ? " (since " + seconds(v->at) + ")" : std::string(" (no netmap yet)"));
  return j;
}

JudgedExpectation no_new_connection(ScenarioWorld& w, std::size_t i, const ExpectSpec& x) {
  JudgedExpectation j;
  const Flow* probe = w.ProbeOf(i);
  WorldNode& n = *w.Node(x.node);
  const ns3::Time from = ToNs3(x.from), to = ToNs3(x.to);
  uint32_t sent = 0, delivered = 0;
  if (probe != nullptr) {
    for (std::size_t s = 0; s < probe->packets.sent.size(); ++s) {
      ++sent;
      delivered += probe->packets.delivered[s].has_value();
    }
  }
  std::optional<ns3::Time> seen;
  const NodeView* start = ScenarioWorld::ViewAt(n, from);
  if (start != nullptr && start->peers.count(x.other) != 0) seen = from;
  for (const NodeView& v : n.views) {
    if (!seen && v.at > from && v.at <= to && v.peers.count(x.other) != 0) seen = v.at;
  }
  j.ok = delivered == 0 && !seen;
  j.observed = std::to_string(sent) + " probes " + x.node + "->" + x.other + " (one a second), " +
               std::to_string(delivered) + " delivered; " + x.other + " " +
               (seen ? "among " + x.node + "'s peers from " + seconds(*seen)
                     : "never among " + x.node + "'s peers") +
               (probe ? "; " + std::to_string(probe->unsendable) + " not sendable" : "");
  return j;
}

JudgedExpectation policy_version(ScenarioWorld& w, const ExpectSpec& x) {
  JudgedExpectation j;
  j.ok = true;
  for (WorldNode* n : targets(w, x.node)) {
    const NodeView* v = ScenarioWorld::ViewAt(*n, ns3::Simulator::Now());
    const uint64_t have = v ? v->policy_version : 0;
    const std::optional<ns3::Time> since =
        holding_since(*n, [&](const NodeView& s) { return s.policy_version == have; });
    j.ok = j.ok && have == x.number;
    j.observed += (j.observed.empty() ? "" : "; ") + n->Name() + " " + std::to_string(have) +
                  (since ? " since " + seconds(*since) : std::string());
  }
  if (j.observed.empty()) {
    j.ok = false;
    j.observed = "no node";
  }
  j.observed += "; the server's version " + std::to_string(w.ServerPolicyVersion());
  return j;
}

/// "; NODE's split crypto: ..." for a node on the split path (its process's counts), else "".
std::string crypto_text(const WorldNode& n) {
  const SplitCrypto* split = n.slot ? n.slot->GetCore().Split() : nullptr;
  if (split == nullptr) return {};
  const SplitCryptoStats s = split->Stats();
  return "; " + n.Name() + "'s split crypto: " + std::to_string(s.seals) + " seals, " +
         std::to_string(s.opens) + " opens, " + std::to_string(s.held_back) +
         " finished before an older job and waited for it, at most " +
         std::to_string(s.max_in_flight) + " in flight, " +
         std::to_string(s.keypair_switches) + " opens on another keypair than the one before" +
         (s.lost_to_restart ? ", " + std::to_string(s.lost_to_restart) + " lost with a restart"
                            : std::string());
}

JudgedExpectation delivers(ScenarioWorld& w, const ExpectSpec& x) {
  JudgedExpectation j;
  const uint32_t from = w.Node(x.node)->position, to = w.Node(x.other)->position;
  uint32_t sent = 0, delivered = 0, relayed = 0, late = 0, flows = 0;
  for (const Flow& f : w.Flows()) {
    if (f.probe || f.from != from || f.to != to) continue;
    ++flows;
    const auto counted = f.packets.Count(ToNs3(x.from), ToNs3(x.to));
    sent += counted.first;
    delivered += counted.second;
    relayed += f.packets.CountRelayed(ToNs3(x.from), ToNs3(x.to));
    late += f.packets.CountLate(ToNs3(x.from), ToNs3(x.to));
  }
  if (flows == 0) {
    j.observed = "no traffic " + x.node + "->" + x.other + " is declared in \"traffic\"";
    return j;
  }
  if (sent == 0) {
    j.observed = "nothing was sent " + x.node + "->" + x.other + " in the window";
    return j;
  }
  const double percent = 100.0 * delivered / sent;
  j.ok = x.at_least ? percent >= x.percent : percent <= x.percent;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%u sent, %u delivered (%.2f%%), %u of them through a relay; ",
                sent, delivered, percent, relayed);
  const WorldNode& dest = *w.Node(x.other);
  j.observed = buf + x.other + "'s filter denied " +
               std::to_string(dest.slot ? dest.Engine().stats().filter_denied : 0) +
               " packets (its process's count)";
  if (x.in_order) {
    j.observed += "; " + std::to_string(late) + " arrived after a later-numbered packet";
    j.ok = j.ok && late == 0;
    j.observed += crypto_text(*w.Node(x.node)) + crypto_text(dest);
  }
  return j;
}

JudgedExpectation from_cache(ScenarioWorld& w, const ExpectSpec& x) {
  JudgedExpectation j;
  j.ok = true;
  for (WorldNode* n : targets(w, x.node)) {
    bool cached = false;
    std::string what;
    if (n->slot == nullptr || !n->up) {
      what = "not running";
    } else {
      const engine::EngineStatus s =
          n->Engine().status(to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
      cached = s.has_netmap && s.from_cache;
      what = std::string(!s.has_netmap ? "no netmap" : s.from_cache ? "from its cache"
                                                                    : "from the server") +
             ", " + std::to_string(s.peers.size()) + " peers, " +
             std::to_string(n->restarts) + " restarts";
    }
    j.ok = j.ok && cached;
    j.observed += (j.observed.empty() ? "" : "; ") + n->Name() + ": " + what;
  }
  return j;
}

JudgedExpectation key_rotations(ScenarioWorld& w, const ExpectSpec& x) {
  JudgedExpectation j;
  j.ok = true;
  for (WorldNode* n : targets(w, x.node)) {
    j.ok = j.ok && n->key_rotations == x.number;
    j.observed += (j.observed.empty() ? "" : "; ") + n->Name() + " " +
                  std::to_string(n->key_rotations);
  }
  return j;
}

JudgedExpectation in_sync(ScenarioWorld& w, const ExpectSpec& x) {
  JudgedExpectation j;
  j.ok = true;
  const uint64_t version = w.ServerPolicyVersion();
  const ns3::Time up = w.LastServerUp(ns3::Simulator::Now());
  ns3::Time slowest = ns3::Seconds(0);
  for (WorldNode* n : targets(w, x.node)) {
    const std::optional<ns3::Time> since = holding_since(*n, [&](const NodeView& v) {
      return v.streaming && v.policy_version == version;
    });
    j.ok = j.ok && since.has_value();
    j.observed += (j.observed.empty() ? "" : "; ") + n->Name() + " ";
    if (!since) {
      j.observed += "not in sync";
    } else if (*since >= up) {
      j.observed += seconds(*since - up);
      slowest = std::max(slowest, *since - up);
    } else {
      j.observed += "since " + seconds(*since);
    }
  }
  j.observed += " (streaming the server's policy version " + std::to_string(version) +
                ", counted from " + seconds(up) + "); slowest " + seconds(slowest);
  return j;
}

JudgedExpectation offline(ScenarioWorld& w, const ExpectSpec& x) {
  JudgedExpectation j;
  j.ok = true;
  for (WorldNode* n : targets(w, x.node)) {
    const std::optional<ns3::Time> since =
        holding_since(*n, [](const NodeView& v) { return !v.streaming; });
    const bool running = n->slot != nullptr && n->up;
    j.ok = j.ok && running && since.has_value();
    j.observed += (j.observed.empty() ? "" : "; ") + n->Name() + " " +
                  (!running ? std::string("not running")
                   : since  ? "without its control stream since " + seconds(*since)
                            : std::string("streaming"));
  }
  return j;
}

JudgedExpectation healthy(ScenarioWorld& w) {
  JudgedExpectation j;
  uint64_t early = 0, stuck = 0, unsendable = 0;
  const std::vector<const CoreSlot*> slots = w.Slots();
  for (const CoreSlot* slot : slots) {
    early += slot->GetEarlyWakeups();
    stuck += slot->GetStuckDeadlines();
    unsendable += slot->GetUnsendable();
  }
  j.ok = early == 0 && stuck == 0 && unsendable == 0;
  j.observed = std::to_string(slots.size()) + " core slots: " + std::to_string(early) +
               " stale timer events, " + std::to_string(stuck) + " deadlines left in the past, " +
               std::to_string(unsendable) + " unsendable datagrams";
  return j;
}

}  // namespace

JudgedExpectation Judge(ScenarioWorld& w, std::size_t i) {
  const ExpectSpec& x = w.Spec().expect[i];
  JudgedExpectation j;
  switch (x.kind) {
    case ExpectKind::kReaches: j = reaches(w, i, x); break;
    case ExpectKind::kPeers: j = peers(w, x); break;
    case ExpectKind::kNoNewConnection: j = no_new_connection(w, i, x); break;
    case ExpectKind::kPolicyVersion: j = policy_version(w, x); break;
    case ExpectKind::kDelivers: j = delivers(w, x); break;
    case ExpectKind::kFromCache: j = from_cache(w, x); break;
    case ExpectKind::kKeyRotations: j = key_rotations(w, x); break;
    case ExpectKind::kInSync: j = in_sync(w, x); break;
    case ExpectKind::kOffline: j = offline(w, x); break;
    case ExpectKind::kHealthy: j = healthy(w); break;
    case ExpectKind::kResolves:
    case ExpectKind::kDnsRcode: j = JudgeDns(w, i); break;
    case ExpectKind::kRoutes: j = JudgeRoutes(w, i); break;
    case ExpectKind::kReachesAddress: j = JudgeReachesAddress(w, i); break;
  }
  j.spec = &x;
  j.judged_at = FromNs3(ns3::Simulator::Now());
  if (!j.ok) {
    std::set<std::string> who;
    for (const std::string* name : {&x.node, &x.other}) {
      if (!name->empty()) who.insert(*name);
    }
    who.insert(x.others.begin(), x.others.end());
    if (x.node == "*") {
      for (const WorldNode& n : w.Nodes()) who.insert(n.Name());
    }
    const ns3::Time now = ns3::Simulator::Now();
    const ns3::Time from = x.kind == ExpectKind::kDelivers || x.kind == ExpectKind::kNoNewConnection
                               ? ToNs3(x.from)
                               : now - ns3::Seconds(30);
    j.excerpt = w.Excerpt(std::max(from, ns3::Seconds(0)), now, who);
  }
  return j;
}

}  // namespace weft::sim
