// Issue 11's path promise on ns-3: the unchanged engines of a and b and the unchanged relay server
// core (relay-tailnet.h), where a and b also have a direct UDP path. Traffic starts relayed, goes
// direct once discovery's pongs prove the path, falls back to the relay within 5 s when the direct
// path is cut (UDP between a and b lost both ways) and goes direct again when it returns
// (docs/connectivity.md, "Path selection").
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core-conversions.h"
#include "disco/peer_paths.h"
#include "ns3/simulator.h"
#include "relay-tailnet.h"
#include "scenario.h"

using namespace weft;
using namespace weft::sim;

namespace {

const ns3::Time kTrafficStart = ns3::Seconds(5);
const ns3::Time kPacketInterval = ns3::MilliSeconds(100);
/// The direct path is cut at kCutBase plus a seeded offset under one heartbeat interval (2 s),
/// so that seeds cover every phase of the heartbeats, and restored kCutLength later.
const ns3::Time kCutBase = ns3::Seconds(60);
const ns3::Time kCutLength = ns3::Seconds(30);
const ns3::Time kAfterRestore = ns3::Seconds(30);
/// Bounds checked. Direct: one discovery round (pings to the reported address, a pong 20 ms
/// later) is enough once both nodes are active; a lost first round would be retried after
/// disco::kDiscoveryInterval (3 s), which this bound does not allow.
const ns3::Time kDirectWithin = ns3::Seconds(1);
/// Fallback: the proven address is trusted disco::kTrustDuration (4.5 s) after its last pong.
const ns3::Time kFallbackWithin = ns3::Seconds(5);
/// Direct again: the next full discovery round (every 3 s without a trusted path) finds it.
const ns3::Time kDirectAgainWithin = ns3::Seconds(4);

const char* const kCutMark = "the direct path is cut";
const char* const kRestoreMark = "the direct path is back";

/// One change of a node's path to its peer, as its engine's status shows it.
struct PathSample {
  ns3::Time at;
  disco::PathState state = disco::PathState::kIdle;
  core::Path endpoint;
  uint64_t relayed_out = 0;  ///< WireGuard datagrams the engine had sent through relays by then
};

bool is_direct(const PathSample& s) {
  return s.state == disco::PathState::kDirect && s.endpoint.is_udp();
}
bool is_relayed(const PathSample& s) {
  return s.state == disco::PathState::kRelay && s.endpoint.is_relay() &&
         s.endpoint.relay.relay == RelayTailnet::kRegion;
}

class DiscoPath {
 public:
  explicit DiscoPath(uint64_t seed);
  int Run();

 private:
  /// After every call into a node's engine: records a change of its path to the other node.
  void Sample(int node);
  /// The first time at or after `from` when node `node`'s path satisfied `pred`.
  template <typename Pred>
  std::optional<ns3::Time> FirstSince(int node, ns3::Time from, Pred pred) const;
  /// "a 1.234 s, b 0.567 s" for FirstSince() of both nodes, and whether both are within `bound`.
  template <typename Pred>
  Verdict BothWithin(ns3::Time from, ns3::Time bound, Pred pred, const std::string& what) const;
  /// Every packet sent both ways in [from, to) delivered once and intact: all of them through
  /// the relay (`relayed` true), all directly (false), or either way (nullopt); appends the
  /// counts to `detail`.
  bool AllDelivered(ns3::Time from, ns3::Time to, std::optional<bool> relayed,
                    std::string* detail);
  std::vector<Expectation> Expectations();
  void PrintPaths() const;

  Scenario m_scenario{"sim/disco_path"};
  RelayTailnet m_net;
  ns3::Time m_cut;
  ns3::Time m_restore;
  ns3::Time m_end;
  std::vector<PathSample> m_paths[2];  ///< a's path to b, b's path to a: every change
};

DiscoPath::DiscoPath(uint64_t seed)
    : m_net(seed, TailnetOptions{{}, true}),
      m_cut(kCutBase + ns3::MilliSeconds(static_cast<int64_t>((seed * 7919) % 2000))),
      m_restore(m_cut + kCutLength),
      m_end(m_restore + kAfterRestore) {
  m_net.A().slot->TraceAfterCall(ns3::Callback<void>([this] { Sample(0); }));
  m_net.B().slot->TraceAfterCall(ns3::Callback<void>([this] { Sample(1); }));
}

void DiscoPath::Sample(int node) {
  const TailnetNode& self = node == 0 ? m_net.A() : m_net.B();
  const TailnetNode& other = node == 0 ? m_net.B() : m_net.A();
  if (self.Engine().netmap() == nullptr) return;
  const std::optional<engine::PeerStatus> p = self.PeerOf(other);
  if (!p) return;
  std::vector<PathSample>& log = m_paths[node];
  if (!log.empty() && log.back().state == p->path && log.back().endpoint == p->endpoint) return;
  log.push_back(
      PathSample{ns3::Simulator::Now(), p->path, p->endpoint, self.Engine().stats().relayed_out});
}

template <typename Pred>
std::optional<ns3::Time> DiscoPath::FirstSince(int node, ns3::Time from, Pred pred) const {
  const std::vector<PathSample>& log = m_paths[node];
  std::size_t i = 0;
  while (i < log.size() && log[i].at <= from) ++i;
  // The sample in force at `from` counts from `from`.
  if (i > 0 && pred(log[i - 1])) return from;
  for (; i < log.size(); ++i) {
    if (pred(log[i])) return log[i].at;
  }
  return std::nullopt;
}

template <typename Pred>
Verdict DiscoPath::BothWithin(ns3::Time from, ns3::Time bound, Pred pred,
                              const std::string& what) const {
  bool ok = true;
  std::string detail;
  for (int node = 0; node < 2; ++node) {
    const std::optional<ns3::Time> t = FirstSince(node, from, pred);
    ok = ok && t && *t - from <= bound;
    detail += std::string(node == 0 ? "a" : "b") + " " + what + " after " +
              (t ? seconds_text(*t - from) + " s" : std::string("never")) + "; ";
  }
  return Verdict(ok, detail + "bound " + seconds_text(bound, 1) + " s");
}

bool DiscoPath::AllDelivered(ns3::Time from, ns3::Time to, std::optional<bool> relayed,
                             std::string* detail) {
  const TailnetFlow& ab = m_net.Ab();
  const TailnetFlow& ba = m_net.Ba();
  const auto cab = ab.Count(from, to);
  const auto cba = ba.Count(from, to);
  const uint32_t through_relay = ab.CountRelayed(from, to) + ba.CountRelayed(from, to);
  const uint32_t delivered = cab.second + cba.second;
  *detail += "a->b " + count_text(cab) + ", b->a " + count_text(cba) + ", " +
             std::to_string(through_relay) + " of them relayed";
  return cab.first > 0 && cab.second == cab.first && cba.first > 0 && cba.second == cba.first &&
         (!relayed || through_relay == (*relayed ? delivered : 0)) && ab.bad + ba.bad == 0 &&
         ab.duplicates + ba.duplicates == 0;
}

std::vector<Expectation> DiscoPath::Expectations() {
  TailnetNode& a = m_net.A();
  TailnetNode& b = m_net.B();
  TailnetFlow& ab = m_net.Ab();
  TailnetFlow& ba = m_net.Ba();
  const ns3::Time before_cut = m_cut - ns3::Seconds(1);
  std::vector<Expectation> e = m_net.SetupExpectations(before_cut);
  std::vector<Expectation> rest = {
      {At(kTrafficStart + kDirectWithin),
       "traffic started relayed: each node's path was the relay when its traffic began, and "
       "its first WireGuard datagrams (the handshake) went through the relay",
       [this, &ab, &ba] {
         bool ok = true;
         std::string detail;
         for (int node = 0; node < 2; ++node) {
           const std::optional<ns3::Time> active = FirstSince(
               node, ns3::Seconds(0), [](const PathSample& s) {
                 return s.state != disco::PathState::kIdle;
               });
           const std::optional<ns3::Time> direct = FirstSince(node, ns3::Seconds(0), is_direct);
           const PathSample* first = nullptr;
           const PathSample* at_direct = nullptr;
           for (const PathSample& s : m_paths[node]) {
             if (active && s.at == *active && first == nullptr) first = &s;
             if (direct && s.at == *direct && at_direct == nullptr) at_direct = &s;
           }
           const bool relayed_first = first != nullptr && is_relayed(*first) &&
                                      at_direct != nullptr && at_direct->relayed_out > 0;
           ok = ok && relayed_first;
           detail += std::string(node == 0 ? "a: " : "b: ") +
                     (first ? std::string(disco::to_string(first->state)) + " at " +
                                  seconds_text(first->at) + " s"
                            : std::string("never active")) +
                     ", " +
                     (at_direct ? std::to_string(at_direct->relayed_out) +
                                      " WireGuard datagrams relayed before direct at " +
                                      seconds_text(at_direct->at) + " s"
                                : std::string("never direct")) +
                     "; ";
         }
         const ns3::Time until = kTrafficStart + kDirectWithin;
         return Verdict(ok, detail + "tunnel packets delivered through the relay: a->b " +
                                std::to_string(ab.CountRelayed(kTrafficStart, until)) +
                                ", b->a " + std::to_string(ba.CountRelayed(kTrafficStart, until)));
       }},
      {At(kTrafficStart + kDirectWithin),
       "the path went direct (PathState::kDirect, the peer's UDP address) within 1 s of the "
       "first packet",
       [this] {
         return BothWithin(kTrafficStart, kDirectWithin, is_direct, "direct");
       }},
      {At(before_cut), "before the cut each node sends to the other's simulated address",
       [this, &a, &b] {
         bool ok = true;
         std::string detail;
         for (const TailnetNode* n : {&a, &b}) {
           const TailnetNode& other = n == &a ? b : a;
           const std::optional<engine::PeerStatus> p = n->PeerOf(other);
           const core::Path want = m_net.Net().PathOf(other.index, RelayTailnet::kWgPort);
           ok = ok && p && p->path == disco::PathState::kDirect && p->endpoint == want &&
                p->direct && p->direct_latency > core::Duration{};
           detail += n->name + " -> " +
                     (p ? p->endpoint.to_string() + " (" + disco::to_string(p->path) + ", " +
                              seconds_text(to_ns3_time(p->direct_latency)) + " s)"
                        : std::string("no peer")) +
                     "; ";
         }
         return Verdict(ok && m_net.DirectUdpDropped() == 0, detail);
       }},
      {At(before_cut),
       "a <-> b before the cut: every packet delivered, all directly once the path is proven "
       "(from 1 s past the bound)",
       [this, before_cut] {
         std::string detail;
         const ns3::Time direct_from = kTrafficStart + kDirectWithin + ns3::Seconds(1);
         bool ok = AllDelivered(kTrafficStart, direct_from, std::nullopt, &detail);
         detail += " until " + seconds_text(direct_from, 1) + " s; ";
         ok = AllDelivered(direct_from, before_cut - ns3::Seconds(1), false, &detail) && ok;
         return Verdict(ok, detail + " after");
       }},
      {After(kCutMark, kFallbackWithin),
       "after the cut each node's path is the relay within 5 s",
       [this] {
         return BothWithin(m_cut, kFallbackWithin, is_relayed, "relayed");
       }},
      {At(m_restore - ns3::Seconds(1)),
       "during the cut traffic flows through the relay (every packet sent 5 s after the cut "
       "delivered, all relayed)",
       [this, &ab, &ba] {
         const ns3::Time from = m_cut + kFallbackWithin;
         const ns3::Time to = m_restore - ns3::Seconds(2);
         std::string detail;
         const bool ok = AllDelivered(from, to, true, &detail) && m_net.DirectUdpDropped() > 0;
         const auto lost_ab = ab.Count(m_cut, from);
         const auto lost_ba = ba.Count(m_cut, from);
         return Verdict(ok, detail + "; in the first 5 s: a->b " +
                                std::to_string(lost_ab.first - lost_ab.second) + ", b->a " +
                                std::to_string(lost_ba.first - lost_ba.second) +
                                " lost; longest delivery gap a->b " +
                                seconds_text(ab.LongestGap(m_cut, to)) + " s, b->a " +
                                seconds_text(ba.LongestGap(m_cut, to)) + " s");
       }},
      {After(kRestoreMark, kDirectAgainWithin),
       "after the direct path returns each node's path is direct again within 4 s",
       [this] {
         return BothWithin(m_restore, kDirectAgainWithin, is_direct, "direct");
       }},
      {AtEnd(), "after the return: every packet delivered, directly once proven again",
       [this] {
         std::string detail;
         const bool ok = AllDelivered(m_restore + kDirectAgainWithin, m_end - ns3::Seconds(1),
                                      false, &detail);
         return Verdict(ok, detail);
       }},
      {AtEnd(), "discovery counted it: upgrades and a fallback on each node", [&a, &b] {
         bool ok = true;
         std::string detail;
         for (const TailnetNode* n : {&a, &b}) {
           const disco::DiscoveryStats& s = n->Status().disco;
           ok = ok && s.direct_upgrades >= 2 && s.relay_fallbacks >= 1 && s.bad_message == 0 &&
                s.unknown_sender == 0 && s.transmit_overflow == 0;
           detail += n->name + ": " + std::to_string(s.direct_upgrades) + " upgrades, " +
                     std::to_string(s.relay_fallbacks) + " fallbacks, " +
                     std::to_string(s.pings_sent) + " pings, " +
                     std::to_string(s.pongs_received) + " pongs, " +
                     std::to_string(s.call_me_maybe_sent) + " call-me-maybe, " +
                     std::to_string(s.unexpected_pong) + " unexpected pongs; ";
         }
         return Verdict(ok, detail);
       }},
      m_net.HealthyExpectation(),
  };
  e.insert(e.end(), rest.begin(), rest.end());
  return e;
}

void DiscoPath::PrintPaths() const {
  for (int node = 0; node < 2; ++node) {
    std::printf("%s's path to %s:", node == 0 ? "a" : "b", node == 0 ? "b" : "a");
    for (const PathSample& s : m_paths[node]) {
      std::printf(" %s %s %s;", seconds_text(s.at).c_str(), disco::to_string(s.state),
                  s.endpoint.to_string().c_str());
    }
    std::printf("\n");
  }
}

int DiscoPath::Run() {
  std::printf("direct path cut at %s s, back at %s s\n", seconds_text(m_cut).c_str(),
              seconds_text(m_restore).c_str());
  m_net.ScheduleTraffic(kTrafficStart, m_end, kPacketInterval);
  ns3::Simulator::Schedule(m_cut, [this] {
    m_net.SetDirectUdp(false);
    m_scenario.Mark(kCutMark);
  });
  ns3::Simulator::Schedule(m_restore, [this] {
    m_net.SetDirectUdp(true);
    m_scenario.Mark(kRestoreMark);
  });
  m_scenario.Expect(Expectations());
  m_scenario.Run(m_end);
  PrintPaths();
  m_net.PrintSummary();
  m_net.Shutdown();
  return m_scenario.Finish();
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  DiscoPath scenario(seed);
  return scenario.Run();
}
