// MagicDNS in a scenario (docs/scenarios.md, "DNS"): resolver hosts answering fixed records, the
// tailnet's DNS settings set on the coordinator as `weft admin dns set` does, one DNS slot per
// node (dns-core.h: the unchanged resolver core at 100.100.100.100) fed from every netmap its
// engine applies, and the probes and judgement of the DNS expectations.
#include "core-conversions.h"
#include "dns/netmap_view.h"
#include "ns3/simulator.h"
#include "scenario-world.h"

namespace weft::sim {
namespace {

constexpr uint16_t kDnsPort = 53;

util::IpAddress to_ip(ns3::Ipv4Address a) {
  uint8_t b[4];
  a.Serialize(b);
  return util::IpAddress::v4({b[0], b[1], b[2], b[3]});
}

const char* rcode_name(uint8_t rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "an unknown rcode";
  }
}

std::string addresses_text(const std::vector<util::IpAddress>& addresses) {
  std::string s;
  for (const util::IpAddress& a : addresses) s += (s.empty() ? "" : ", ") + a.to_string();
  return s;
}

}  // namespace

void ScenarioWorld::AddResolverHosts(InternetSpec& net) const {
  for (const ResolverSpec& r : m_spec.resolvers) {
    net.hosts.push_back(HostSpec{r.name, r.network, r.link});
  }
}

bool ScenarioWorld::StartDns(std::string& error) {
  for (const ResolverSpec& r : m_spec.resolvers) {
    std::map<std::string, util::IpAddress> records;
    for (const auto& [name, address] : r.records) {
      records.emplace(name, *util::IpAddress::parse(address));
    }
    m_resolvers[r.name] =
        m_net->Host(r.name)->AddCore(kDnsPort, std::make_unique<DnsUpstreamCore>(records, r.silent));
  }
  if (m_spec.dns) {
    Status s = ApplyDnsSettings(*m_spec.dns);
    if (!s) {
      error = std::to_string(m_spec.dns->pos.line) + ":" + std::to_string(m_spec.dns->pos.column) +
              ": the coordinator refused the DNS settings: " + s.error().detail;
      return false;
    }
  }
  return true;
}

Status ScenarioWorld::ApplyDnsSettings(const DnsSettingsSpec& settings) {
  auto address = [&](const std::string& resolver) {
    return to_ip(m_net->PublicAddress(resolver));
  };
  coord::DnsSettings d;
  for (const std::string& n : settings.nameservers) d.nameservers.push_back(address(n));
  d.search_domains = settings.search_domains;
  for (const auto& [domain, names] : settings.split) {
    control::DnsRoute route;
    route.domain = domain;
    for (const std::string& n : names) route.nameservers.push_back(address(n));
    d.routes.push_back(std::move(route));
  }
  Status s = m_server->Operate([&](coord::Coordinator& c, core::Now now, core::Random&) {
    return c.set_dns(d, now);
  });
  Log("server", s ? "DNS settings in force: " + std::to_string(d.nameservers.size()) +
                        " nameservers, " + std::to_string(d.routes.size()) + " split domains"
                  : "DNS settings refused (" + s.error().detail + ")");
  return s;
}

void ScenarioWorld::AddDnsSlot(WorldNode& n) {
  // Only where the scenario uses DNS: a slot costs each node a socket and its buffers, and
  // its names a log line per change (the scale benchmark runs a thousand nodes).
  bool uses_dns = m_spec.dns.has_value() || !m_spec.resolvers.empty();
  for (const ExpectSpec& x : m_spec.expect) {
    uses_dns = uses_dns || x.kind == ExpectKind::kResolves || x.kind == ExpectKind::kDnsRcode;
  }
  if (!uses_dns) return;
  AddMagicDnsAddress(m_net->Node(n.Name()));
  n.dns = m_net->Host(n.Name())->AddCore(kDnsPort, std::make_unique<DnsCore>());
}

void ScenarioWorld::ConfigureDns(WorldNode& n) {
  if (n.dns == nullptr || !n.up) return;
  const controlclient::NetMap* map = n.Engine().netmap();
  if (map == nullptr) return;
  dns::ResolverConfig config = dns::netmap_resolver_config(*map);
  std::string view;
  for (const dns::Host& h : config.hosts) view += (view.empty() ? "" : ", ") + h.name;
  view = "MagicDNS names " + (view.empty() ? std::string("none") : view) + "; upstreams";
  for (const util::IpAddress& a : config.nameservers) {
    const std::string r = ResolverAt(a);
    view += " " + (r.empty() ? a.to_string() : r);
  }
  if (config.nameservers.empty()) view += " none";
  if (!config.routes.empty()) view += "; " + std::to_string(config.routes.size()) + " split domains";
  n.dns->GetCore().Configure(std::move(config));
  std::string& last = m_dnsView[n.position];
  if (view != last) {
    Log(n.Name(), view);
    last = view;
  }
}

void ScenarioWorld::RestartDns(WorldNode& n) {
  if (n.dns == nullptr) return;
  n.dns->GetCore().Reset();
  m_dnsView.erase(n.position);
  n.dns->Start(m_net->Node(n.Name()), default_wall_epoch());
}

void ScenarioWorld::ScheduleDnsProbe(std::size_t i) {
  const ExpectSpec& x = m_spec.expect[i];
  auto probe = std::make_unique<DnsProbe>();
  DnsProbe* p = probe.get();
  m_dnsProbes[i] = std::move(probe);
  WorldNode* n = Node(x.node);
  ns3::Simulator::Schedule(ToNs3(x.at), [this, p, n, &x, i] {
    p->SetMark(ResolversAsked(x.name));
    p->Send(m_net->Node(n->Name()), x.name, static_cast<uint16_t>(0x5000 + i));
    Log(n->Name(), "asks 100.100.100.100 for " + x.name);
  });
}

const DnsProbe* ScenarioWorld::DnsProbeOf(std::size_t expectation) const {
  auto it = m_dnsProbes.find(expectation);
  return it == m_dnsProbes.end() ? nullptr : it->second.get();
}

const DnsUpstreamCore* ScenarioWorld::Resolver(const std::string& name) const {
  auto it = m_resolvers.find(name);
  return it == m_resolvers.end() ? nullptr : &it->second->GetCore();
}

std::string ScenarioWorld::ResolverAt(const util::IpAddress& address) const {
  for (const ResolverSpec& r : m_spec.resolvers) {
    if (to_ip(m_net->PublicAddress(r.name)) == address) return r.name;
  }
  return {};
}

const std::string& ScenarioWorld::DnsDomain() const { return m_server->Core().dns_domain(); }

uint64_t ScenarioWorld::ResolversAsked(const std::string& name) const {
  uint64_t n = 0;
  for (const auto& [resolver, slot] : m_resolvers) n += slot->GetCore().Asked(name);
  return n;
}

JudgedExpectation JudgeDns(ScenarioWorld& w, std::size_t i) {
  const ExpectSpec& x = w.Spec().expect[i];
  JudgedExpectation j;
  const DnsProbe* p = w.DnsProbeOf(i);
  WorldNode& n = *w.Node(x.node);
  // A tailnet name: NAME.<domain> or a bare NAME of a node of the scenario.
  const std::string& domain = w.DnsDomain();
  std::string label = x.name;
  if (!domain.empty() && label.size() > domain.size() + 1 &&
      label.compare(label.size() - domain.size(), domain.size(), domain) == 0 &&
      label[label.size() - domain.size() - 1] == '.') {
    label.resize(label.size() - domain.size() - 1);
  }
  const WorldNode* target = label.find('.') == std::string::npos ? w.Node(label) : nullptr;

  if (p == nullptr || !p->Sent()) {
    j.observed = "no query was sent";
  } else if (!p->Answered()) {
    j.observed = "no answer within " + time_text(x.within) + " to the query sent at " +
                 time_text(FromNs3(p->SentAt())) + (n.up ? "" : " (" + x.node + " was not running)");
  } else {
    j.observed = std::string(rcode_name(p->Rcode())) + " after " +
                 time_text(FromNs3(p->AnsweredAt() - p->SentAt())) +
                 (p->Addresses().empty() ? "" : " (" + addresses_text(p->Addresses()) + ")");
    if (x.kind == ExpectKind::kDnsRcode) {
      j.ok = p->Rcode() == x.rcode;
    } else {
      j.ok = p->Rcode() == 0 && !p->Addresses().empty();
      if (target != nullptr) {
        // The answer must be the node's tailnet address as the server assigned it.
        const controlclient::NetMap* own =
            target->slot != nullptr && target->up ? target->Engine().netmap() : nullptr;
        std::vector<util::IpAddress> expected;
        if (own != nullptr) {
          for (const util::IpAddress& a : own->self.addresses) {
            if (a.is_v4()) expected.push_back(a);
          }
        }
        bool matches = false;
        for (const util::IpAddress& a : p->Addresses()) {
          for (const util::IpAddress& e : expected) matches = matches || a == e;
        }
        j.ok = j.ok && matches;
        j.observed += "; " + target->Name() + "'s tailnet address " +
                      (expected.empty() ? std::string("unknown") : addresses_text(expected));
      }
      if (x.via_upstream) {
        const uint64_t asked = w.ResolversAsked(x.name) - p->Mark();
        std::string records;
        bool from_records = false;
        for (const ResolverSpec& r : w.Spec().resolvers) {
          for (const auto& [name, address] : r.records) {
            if (name != x.name) continue;
            records += (records.empty() ? "" : ", ") + r.name + " has " + address;
            for (const util::IpAddress& a : p->Addresses()) {
              from_records = from_records || a.to_string() == address;
            }
          }
        }
        j.ok = j.ok && asked > 0 && from_records;
        j.observed += "; the resolver hosts were asked " + std::to_string(asked) + " times (" +
                      (records.empty() ? "none has a record for it" : records) + ")";
      }
    }
  }
  // What the node's resolver answered from at the instant.
  if (n.dns != nullptr) {
    const dns::ResolverConfig& c = n.dns->GetCore().Resolver().config();
    std::string names;
    for (const dns::Host& h : c.hosts) names += (names.empty() ? "" : ", ") + h.name;
    j.observed += "; " + x.node + "'s MagicDNS names: " + (names.empty() ? "none" : names);
    const DnsDriverCounters& k = n.dns->GetCore().Counters();
    j.observed += " (" + std::to_string(k.upstream_timeouts) + " upstream timeouts, " +
                  std::to_string(k.upstream_failures) + " SERVFAILs after every upstream)";
  } else {
    j.observed += "; " + x.node + " has no MagicDNS (it never joined)";
  }
  return j;
}

}  // namespace weft::sim
