// Issue 10's relay promise on ns-3: the unchanged relay server core and two unchanged node engines
// a and b that can reach each other only through it (UDP between them is lost on b's link). The
// coordinator's relay map names the relay's region; both nodes make it their home, a <-> b traffic
// flows through the relay, the relay's link goes down for a minute and the engines redial (their
// backoff) until traffic resumes. The tailnet itself is relay-tailnet.h's.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ns3/simulator.h"
#include "relay-tailnet.h"
#include "scenario.h"

using namespace weft;
using namespace weft::sim;

namespace {

const ns3::Time kTrafficStart = ns3::Seconds(5);
const ns3::Time kPacketInterval = ns3::MilliSeconds(100);
const ns3::Time kRelayDown = ns3::Seconds(60);  // the relay's link goes down ...
const ns3::Time kRelayUp = ns3::Seconds(120);   // ... for a minute
const ns3::Time kEnd = ns3::Seconds(200);
/// The engines notice a silent relay when a ping stays unanswered 10 s (the netcheck's relay
/// probe once STUN fails, or the client's own after 25 s of silence), then redial with a
/// doubling backoff (at most 30 s) and a 3 s connect timeout: traffic is back within this long
/// of the link's return.
const ns3::Time kResumeWithin = ns3::Seconds(45);

const char* const kRelayBack = "the relay's link is back";

TailnetOptions relay_path_options() {
  TailnetOptions o;
  o.outages.push_back(OutageSpec{RelayTailnet::kRelayLink, kRelayDown, kRelayUp});
  o.direct_udp = false;
  return o;
}

class RelayPath {
 public:
  explicit RelayPath(uint64_t seed) : m_net(seed, relay_path_options()) {}
  int Run();

 private:
  std::vector<Expectation> Expectations();

  Scenario m_scenario{"sim/relay_path"};
  RelayTailnet m_net;
  uint64_t m_forwardedAtDown = 0;
};

std::vector<Expectation> RelayPath::Expectations() {
  const ns3::Time before_down = kRelayDown - ns3::Seconds(1);
  TailnetNode& a = m_net.A();
  TailnetNode& b = m_net.B();
  TailnetFlow& ab = m_net.Ab();
  TailnetFlow& ba = m_net.Ba();
  std::vector<Expectation> e = m_net.SetupExpectations(before_down);
  e.push_back(
      {At(kTrafficStart), "each node's first netcheck finished within its budget (3 s)",
       [&a, &b] {
         return Verdict(a.Engine().stats().netchecks == 1 && b.Engine().stats().netchecks == 1,
                        "a " + std::to_string(a.Engine().stats().netchecks) + ", b " +
                            std::to_string(b.Engine().stats().netchecks) + " done");
       }});
  std::vector<Expectation> rest = {
      {At(before_down), "no UDP datagram passes between a and b (direct tries lost)",
       [this] {
         const uint64_t dropped = m_net.DirectUdpDropped();
         return Verdict(dropped > 0, std::to_string(dropped) + " dropped on b's link");
       }},
      {At(before_down), "each peer's endpoint is a relayed path in the relay's region",
       [this, &a, &b] {
         std::string detail;
         const bool ok = m_net.RelayedVia(a, b, &detail) && m_net.RelayedVia(b, a, &detail);
         return Verdict(ok, detail);
       }},
      {At(before_down), "a -> b and b -> a through the relay: every packet delivered",
       [&ab, &ba, before_down] {
         const auto cab = ab.Count(kTrafficStart, before_down - ns3::Seconds(1));
         const auto cba = ba.Count(kTrafficStart, before_down - ns3::Seconds(1));
         return Verdict(cab.first > 500 && cab.second == cab.first && cba.first > 500 &&
                            cba.second == cba.first && ab.bad + ba.bad == 0 &&
                            ab.duplicates + ba.duplicates == 0,
                        "a->b " + count_text(cab) + ", b->a " + count_text(cba));
       }},
      {At(before_down), "the relay server core forwarded them (2 clients, nothing cut off)",
       [this, &ab, &ba] {
         const relay::ServerStats& s = m_net.Relay().Core().stats();
         m_forwardedAtDown = s.packets_forwarded;
         const auto cab = ab.Count(ns3::Seconds(0), kRelayDown);
         const auto cba = ba.Count(ns3::Seconds(0), kRelayDown);
         return Verdict(s.clients == 2 && s.packets_forwarded >= cab.second + cba.second &&
                            m_net.Relay().CutOffs() == 0,
                        std::to_string(s.packets_forwarded) + " packets forwarded, " +
                            std::to_string(s.bytes_forwarded) + " bytes");
       }},
      {At(kRelayUp - ns3::Seconds(1)),
       "while the relay is down nothing gets through, and both engines redial it",
       [&a, &b, &ab, &ba] {
         const auto cab = ab.Count(kRelayDown + ns3::Seconds(1), kRelayUp);
         const auto cba = ba.Count(kRelayDown + ns3::Seconds(1), kRelayUp);
         const engine::RelayLinkStats sa = a.Status().relay_stats;
         const engine::RelayLinkStats sb = b.Status().relay_stats;
         return Verdict(cab.first > 0 && cab.second == 0 && cba.first > 0 && cba.second == 0 &&
                            sa.disconnects >= 1 && sb.disconnects >= 1 &&
                            sa.dial_failures >= 1 && sb.dial_failures >= 1,
                        "a->b " + count_text(cab) + ", b->a " + count_text(cba) +
                            "; failed redials: a " + std::to_string(sa.dial_failures) + ", b " +
                            std::to_string(sb.dial_failures));
       }},
      {After(kRelayBack, kResumeWithin),
       "the engines redialed and traffic resumed through the relay within 45 s",
       [this, &a, &b, &ab, &ba] {
         std::string detail;
         bool ok = m_net.RelayedVia(a, b, &detail) && m_net.RelayedVia(b, a, &detail);
         for (const TailnetFlow* f : {&ab, &ba}) {
           const std::optional<ns3::Time> back = f->FirstDeliveryOfSentAfter(kRelayUp);
           ok = ok && back.has_value();
           detail += (f == &ab ? "a->b back after " : "b->a back after ") +
                     (back ? seconds_text(*back - kRelayUp) + " s; " : std::string("never; "));
         }
         const ns3::Time now = ns3::Simulator::Now();
         const auto cab = ab.Count(now - ns3::Seconds(6), now - ns3::Seconds(1));
         const auto cba = ba.Count(now - ns3::Seconds(6), now - ns3::Seconds(1));
         ok = ok && cab.first > 0 && cab.second == cab.first && cba.first > 0 &&
              cba.second == cba.first;
         return Verdict(ok, detail + "last 5 s: a->b " + count_text(cab) + ", b->a " +
                                count_text(cba));
       }},
      {AtEnd(), "the redials followed the engine's backoff (waits double, at most 30 s)",
       [&a, &b] {
         bool ok = true;
         std::string detail;
         for (const TailnetNode* n : {&a, &b}) {
           const std::vector<ns3::Time>& dials = n->relay->DialTimes();
           std::vector<ns3::Time> during;
           for (const ns3::Time& t : dials) {
             if (t >= kRelayDown) during.push_back(t);
           }
           // Each failed dial takes its 3 s timeout; the wait after it is the backoff.
           ns3::Time last_wait = ns3::Seconds(0);
           detail += n->name + " dials at";
           for (std::size_t i = 0; i < during.size(); ++i) {
             detail += " " + seconds_text(during[i], 1);
             if (i == 0) continue;
             const ns3::Time wait = during[i] - during[i - 1] -
                                    ns3::Seconds(RelayDriver::kDialTimeoutSeconds);
             ok = ok && wait >= last_wait && wait <= ns3::Seconds(30);
             last_wait = wait;
           }
           ok = ok && during.size() >= 3;
           detail += "; ";
         }
         return Verdict(ok, detail);
       }},
      {AtEnd(), "a <-> b after the relay returned: every packet delivered",
       [this, &ab, &ba] {
         const ns3::Time from = kRelayUp + kResumeWithin;
         const auto cab = ab.Count(from, kEnd - ns3::Seconds(1));
         const auto cba = ba.Count(from, kEnd - ns3::Seconds(1));
         const relay::ServerStats& s = m_net.Relay().Core().stats();
         return Verdict(cab.first > 0 && cab.second == cab.first && cba.first > 0 &&
                            cba.second == cba.first && s.packets_forwarded > m_forwardedAtDown &&
                            s.clients == 2 && ab.bad + ba.bad == 0,
                        "a->b " + count_text(cab) + ", b->a " + count_text(cba) + "; " +
                            std::to_string(s.packets_forwarded - m_forwardedAtDown) +
                            " packets forwarded since the outage");
       }},
      m_net.HealthyExpectation(),
  };
  e.insert(e.end(), rest.begin(), rest.end());
  return e;
}

int RelayPath::Run() {
  m_net.ScheduleTraffic(kTrafficStart, kEnd, kPacketInterval);
  ns3::Simulator::Schedule(kRelayUp, [this] { m_scenario.Mark(kRelayBack); });
  m_scenario.Expect(Expectations());
  m_scenario.Run(kEnd);
  m_net.PrintSummary();
  m_net.Shutdown();
  return m_scenario.Finish();
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  RelayPath scenario(seed);
  return scenario.Run();
}
