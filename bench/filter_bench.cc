// Packet filter benchmark (lib/filter): a netmap-sized filter of 20,000 source addresses in
// three rules (as the coordinator compiles a group of 20,000 devices reaching this node on TCP 22,
// TCP 443 and UDP 53), then check_inbound() decisions per second for admitted, denied, reply and
// malformed packets, and note_outbound() per second. Prints numbers; never fails on timing.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "filter/packet_filter.h"
#include "filter/packets.h"

namespace {

using namespace weft;
using namespace weft::filter;
using namespace weft::filter::testing;

constexpr int kSources = 20000;
constexpr std::size_t kPackets = 4096;  // distinct packets per case, cycled
constexpr double kGoalDecisions = 5e6;  // per CPU-second: well above one core's tunnel rate

const char* kSelf = "100.64.0.1";

// CPU time of this thread: on a shared machine wall time mostly measures the other processes.
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string source(int i) {
  // 100.64.0.0/10 from 100.64.1.0 upwards, as the coordinator's address pool hands them out.
  const int n = i + 256;
  return "100." + std::to_string(64 + n / 65536) + "." + std::to_string(n / 256 % 256) + "." + std::to_string(n % 256);
}

control::FilterRule rule(const std::vector<util::IpPrefix>& sources, uint16_t proto, uint16_t port) {
  control::FilterRule r;
  r.sources = sources;
  r.destinations = {*util::IpPrefix::parse(kSelf), *util::IpPrefix::parse("fd7a:115c:a1e0::1")};
  r.protocol = proto;
  r.port_first = r.port_last = port;
  return r;
}

struct Case {
  const char* name;
  bool outbound;
  std::vector<Bytes> packets;
};

// Runs `c` for about 0.3 s of CPU, prints its rate and the share accepted; returns the rate.
double run(PacketFilter& f, const Case& c, core::Duration& now) {
  const double t0 = thread_cpu_s();
  const auto w0 = std::chrono::steady_clock::now();
  uint64_t calls = 0;
  uint64_t accepted = 0;
  double cpu = 0;
  while (cpu < 0.3) {
    for (const Bytes& b : c.packets) {
      now += std::chrono::microseconds(1);
      if (c.outbound) {
        f.note_outbound(core::Now{now, {}}, view(b));
      } else {
        accepted += f.check_inbound(core::Now{now, {}}, view(b)).accept ? 1 : 0;
      }
    }
    calls += c.packets.size();
    cpu = thread_cpu_s() - t0;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const double rate = static_cast<double>(calls) / cpu;
  char share[16] = "     -";
  if (!c.outbound)
    std::snprintf(share, sizeof share, "%5.1f%%", 100.0 * static_cast<double>(accepted) / static_cast<double>(calls));
  std::printf("  %-36s %6.1f M/CPU-s  %6.1f ns each  (%5.1f M/s wall)  accepted %s  %s\n", c.name, rate / 1e6,
              1e9 / rate, static_cast<double>(calls) / wall / 1e6, share,
              c.outbound || rate >= kGoalDecisions ? "" : "(below goal)");
  return rate;
}

}  // namespace

int main() {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> pick(0, kSources - 1);
  std::uniform_int_distribution<int> port(1024, 65535);

  std::vector<util::IpPrefix> sources;
  for (int i = 0; i < kSources; ++i) sources.emplace_back(*util::IpAddress::parse(source(i)), 32);
  const std::vector<control::FilterRule> rules = {rule(sources, kProtoTcp, 22), rule(sources, kProtoTcp, 443),
                                                  rule(sources, kProtoUdp, 53)};
  PacketFilter f;
  const double s0 = thread_cpu_s();
  f.set_rules(rules);
  std::printf("filter_bench: %d sources x %zu rules; set_rules %.1f ms CPU; goal %.0f M decisions/CPU-s\n",
              kSources, rules.size(), (thread_cpu_s() - s0) * 1e3, kGoalDecisions / 1e6);

  std::vector<Case> cases;
  cases.push_back({"admitted TCP SYN (source hit)", false, {}});
  cases.push_back({"denied TCP SYN (source miss)", false, {}});
  cases.push_back({"denied TCP SYN (port miss)", false, {}});
  cases.push_back({"outbound UDP (opens 4,096 flows)", true, {}});
  cases.push_back({"UDP reply (flow hit)", false, {}});
  cases.push_back({"UDP not a reply (flow miss, denied)", false, {}});
  cases.push_back({"malformed (truncated)", false, {}});
  for (std::size_t i = 0; i < kPackets; ++i) {
    const std::string src = source(pick(rng));
    const auto sport = static_cast<uint16_t>(port(rng));
    cases[0].packets.push_back(ipv4(src, kSelf, kProtoTcp, tcp(sport, i % 2 ? 22 : 443, kTcpSyn)));
    cases[1].packets.push_back(ipv4("100.127." + std::to_string(i / 256) + "." + std::to_string(i % 256), kSelf,
                                    kProtoTcp, tcp(sport, 22, kTcpSyn)));
    cases[2].packets.push_back(ipv4(src, kSelf, kProtoTcp, tcp(sport, 8080, kTcpSyn)));
    const std::string remote = "100.127.1." + std::to_string(i % 200);
    cases[3].packets.push_back(ipv4(kSelf, remote, kProtoUdp, udp(static_cast<uint16_t>(10000 + i), 8000)));
    cases[4].packets.push_back(ipv4(remote, kSelf, kProtoUdp, udp(8000, static_cast<uint16_t>(10000 + i))));
    cases[5].packets.push_back(ipv4(remote, kSelf, kProtoUdp, udp(8001, static_cast<uint16_t>(10000 + i))));
    Bytes cut = cases[0].packets.back();
    cut.resize(30);
    cases[6].packets.push_back(cut);
  }
  core::Duration now{};
  double admitted_rate = 0;
  for (const Case& c : cases) {
    const double rate = run(f, c, now);
    if (&c == &cases[0]) admitted_rate = rate;
  }
  // What the index avoids: the same admitted packets decided by scanning the three rules' sources.
  {
    const double t0 = thread_cpu_s();
    uint64_t calls = 0;
    uint64_t accepted = 0;
    while (thread_cpu_s() - t0 < 0.3) {
      const Bytes& b = cases[0].packets[calls % kPackets];
      PacketInfo p;
      (void)parse_packet(view(b), p);
      bool ok = false;
      for (const auto& r : rules) {
        if (r.protocol != p.protocol || p.dst_port < r.port_first || p.dst_port > r.port_last) continue;
        for (const auto& src : r.sources)
          if (src.contains(p.src)) {
            ok = true;
            break;
          }
        if (ok) break;
      }
      accepted += ok ? 1 : 0;
      ++calls;
    }
    const double linear = static_cast<double>(calls) / (thread_cpu_s() - t0);
    std::printf("  %-36s %6.3f M/CPU-s  %6.0f ns each  (the index is %.0fx faster; accepted %llu)\n",
                "linear scan of the sources (baseline)", linear / 1e6, 1e9 / linear, admitted_rate / linear,
                static_cast<unsigned long long>(accepted));
  }
  const FilterStats& s = f.stats();
  std::printf("  flows %zu, created %llu, evicted %llu, expired %llu\n", f.flow_count(),
              static_cast<unsigned long long>(s.flows_created), static_cast<unsigned long long>(s.flows_evicted),
              static_cast<unsigned long long>(s.flows_expired));
  return 0;
}
