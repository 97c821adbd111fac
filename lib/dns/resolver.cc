// MagicDNS's resolver core (resolver.h): the ladder of one query — parse, opcode, the tailnet's
// names (docs/network-config.md, "MagicDNS"), reverse lookups of tailnet addresses, split DNS,
// the default upstreams.
#include "dns/resolver.h"

#include <algorithm>
#include <array>

#include "util/dns_domain.h"

namespace weft::dns {
namespace {

using util::at_or_under;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::vector<std::string> labels_of(const std::string& name) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    out.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

Record address_record(const util::IpAddress& a) {
  Record r;
  r.type = a.is_v4() ? kTypeA : kTypeAaaa;
  r.ttl = kAnswerTtlSeconds;
  r.data.assign(a.bytes().begin(), a.bytes().begin() + (a.is_v4() ? 4 : 16));
  return r;
}

}  // namespace

std::optional<util::IpAddress> reverse_name_address(const std::string& name) {
  static const std::string kV4 = ".in-addr.arpa";
  static const std::string kV6 = ".ip6.arpa";
  if (ends_with(name, kV4)) {
    const auto labels = labels_of(name.substr(0, name.size() - kV4.size()));
    if (labels.size() != 4) return std::nullopt;
    std::array<uint8_t, 4> b{};
    for (std::size_t i = 0; i < 4; ++i) {
      const std::string& l = labels[3 - i];
      if (l.empty() || l.size() > 3 || (l.size() > 1 && l[0] == '0')) return std::nullopt;
      unsigned v = 0;
      for (char c : l) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v > 255) return std::nullopt;
      b[i] = static_cast<uint8_t>(v);
    }
    return util::IpAddress::v4(b);
  }
  if (ends_with(name, kV6)) {
    const auto labels = labels_of(name.substr(0, name.size() - kV6.size()));
    if (labels.size() != 32) return std::nullopt;
    std::array<uint8_t, 16> b{};
    for (std::size_t i = 0; i < 32; ++i) {
      const std::string& l = labels[31 - i];
      const int v = l.size() == 1 ? hex_value(l[0]) : -1;
      if (v < 0) return std::nullopt;
      b[i / 2] = static_cast<uint8_t>(b[i / 2] | (i % 2 == 0 ? v << 4 : v));
    }
    return util::IpAddress::v6(b);
  }
  return std::nullopt;
}

ResolverConfig resolver_config(const control::DnsConfig& dns, std::vector<Host> hosts) {
  ResolverConfig c;
  c.domain = dns.domain;
  std::transform(c.domain.begin(), c.domain.end(), c.domain.begin(),
                 [](char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch; });
  if (!c.domain.empty() && c.domain.back() == '.') c.domain.pop_back();
  c.hosts = std::move(hosts);
  c.nameservers = dns.nameservers;
  c.routes = dns.routes;
  return c;
}

void Resolver::configure(ResolverConfig config) {
  config_ = std::move(config);
  std::sort(config_.hosts.begin(), config_.hosts.end(),
            [](const Host& a, const Host& b) { return a.name < b.name; });
}

const Host* Resolver::find(const std::string& label) const {
  auto it = std::lower_bound(config_.hosts.begin(), config_.hosts.end(), label,
                             [](const Host& h, const std::string& l) { return h.name < l; });
  return it != config_.hosts.end() && it->name == label ? &*it : nullptr;
}

const Host* Resolver::find(const util::IpAddress& address) const {
  for (const auto& h : config_.hosts)
    if (std::find(h.addresses.begin(), h.addresses.end(), address) != h.addresses.end()) return &h;
  return nullptr;
}

Decision Resolver::answer_tailnet(const Query& q, const std::string& label, bool udp) {
  Decision d;
  d.action = Action::kAnswer;
  const Host* host = label.empty() ? nullptr : find(label);
  if (q.question.klass != kClassIn && q.question.klass != kTypeAny) {
    d.answer = build_response(q, Rcode::kRefused, true, {}, udp);
    return d;
  }
  if (host == nullptr) {
    ++counters_.nxdomain;
    d.answer = build_response(q, Rcode::kNxDomain, true, {}, udp);
    return d;
  }
  std::vector<Record> records;
  const uint16_t t = q.question.type;
  for (const auto& a : host->addresses) {
    if ((a.is_v4() && (t == kTypeA || t == kTypeAny)) ||
        (!a.is_v4() && (t == kTypeAaaa || t == kTypeAny)))
      records.push_back(address_record(a));
  }
  ++counters_.answered;
  d.answer = build_response(q, Rcode::kNoError, true, records, udp);  // no records: NODATA
  return d;
}

Decision Resolver::handle(core::ByteView bytes, bool udp) {
  ++counters_.queries;
  Decision d;
  const ParsedQuery parsed = parse_query(bytes);
  if (!parsed.query) {
    if (!parsed.has_header || parsed.error == ParseError::kNotAQuery) {
      ++counters_.dropped;
      return d;
    }
    ++counters_.malformed;
    d.action = Action::kAnswer;
    d.answer = build_error(parsed.id, parsed.opcode, parsed.recursion_desired, Rcode::kFormErr);
    return d;
  }
  const Query& q = *parsed.query;
  if (q.opcode != kOpcodeQuery) {
    ++counters_.not_implemented;
    d.action = Action::kAnswer;
    d.answer = build_error(q.id, q.opcode, q.recursion_desired, Rcode::kNotImp);
    return d;
  }
  const std::string& name = q.question.name;
  // The tailnet's names: NAME.<domain> (deeper names and the domain itself exist nowhere
  // else either) and bare single labels.
  if (at_or_under(name, config_.domain)) {
    std::string label;
    if (name.size() > config_.domain.size()) label = name.substr(0, name.size() - config_.domain.size() - 1);
    if (label.find('.') != std::string::npos) label.clear();
    if (label.empty() && name == config_.domain) {
      ++counters_.answered;
      d.action = Action::kAnswer;
      d.answer = build_response(q, Rcode::kNoError, true, {}, udp);
      return d;
    }
    return answer_tailnet(q, label, udp);
  }
  if (!name.empty() && name.find('.') == std::string::npos) return answer_tailnet(q, name, udp);
  // Reverse lookups of the addresses of hosts the node sees; other addresses go upstream.
  if (q.question.type == kTypePtr) {
    if (auto a = reverse_name_address(name)) {
      if (const Host* h = find(*a)) {
        const std::string full = config_.domain.empty() ? h->name : h->name + "." + config_.domain;
        if (auto wire = encode_name(full)) {
          Record r;
          r.type = kTypePtr;
          r.ttl = kAnswerTtlSeconds;
          r.data = std::move(*wire);
          ++counters_.answered;
          d.action = Action::kAnswer;
          d.answer = build_response(q, Rcode::kNoError, true, {r}, udp);
          return d;
        }
      }
    }
  }
  // Split DNS: the longest route domain the name is at or under.
  const control::DnsRoute* route = nullptr;
  for (const auto& r : config_.routes)
    if (at_or_under(name, r.domain) && (route == nullptr || r.domain.size() > route->domain.size()))
      route = &r;
  const auto& upstreams = route != nullptr ? route->nameservers : config_.nameservers;
  if (upstreams.empty()) {
    ++counters_.no_upstream;
    d.action = Action::kAnswer;
    d.answer = build_response(q, Rcode::kServFail, false, {}, udp);
    return d;
  }
  ++counters_.forwarded;
  d.action = Action::kForward;
  d.upstreams = upstreams;
  d.query = q;
  return d;
}

std::vector<uint8_t> Resolver::upstream_failed(const Query& query, bool udp) const {
  return build_response(query, Rcode::kServFail, false, {}, udp);
}

}  // namespace weft::dns
