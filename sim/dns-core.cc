// MagicDNS on a simulated node (dns-core.h): every decision is the resolver core's; this file is
// what lib/node/dns_server.cc does around it with sockets and timers, on one simulated socket.
#include "dns-core.h"

#include <algorithm>
#include <cstring>

namespace weft::sim {

void DnsCore::Reset() {
  m_resolver.configure(dns::ResolverConfig{});
  m_forwards.clear();
  m_pending.clear();
}

DnsOutput DnsCore::Send(const core::Path& to, const std::vector<uint8_t>& bytes,
                        core::MutableBytes out) {
  DnsOutput o;
  // Answers built here fit (the resolver cuts UDP answers to the client's size, at most
  // 65,535 only with an EDNS size the scenarios' client never sends); upstream answers are
  // checked before.
  if (bytes.size() > out.size) return o;
  std::memcpy(out.data, bytes.data(), bytes.size());
  o.action = DnsOutput::Action::kSend;
  o.size = bytes.size();
  o.to = to;
  return o;
}

DnsOutput DnsCore::receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                                    core::MutableBytes out) {
  // An upstream's answer: from port 53 of the upstream a forward is waiting on, answering its
  // query (dns::answers, as the Linux driver checks); anything else from there is dropped.
  if (from.is_udp() && from.udp.port == kDnsPort) {
    for (auto it = m_forwards.begin(); it != m_forwards.end(); ++it) {
      if (it->next == 0 || it->upstreams[it->next - 1] != from.udp.address) continue;
      if (!dns::answers(it->query, datagram)) continue;
      if (datagram.size > std::min(out.size, kMaxDnsMessage)) {
        ++m_counters.too_large;
        DnsOutput o;
        o.action = DnsOutput::Action::kDrop;
        o.drop = DnsDrop::kTooLarge;
        return o;
      }
      ++m_counters.answers_relayed;
      const core::Path client = it->client;
      m_forwards.erase(it);
      return Send(client, std::vector<uint8_t>(datagram.data, datagram.data + datagram.size), out);
    }
    const bool from_upstream =
        std::any_of(m_forwards.begin(), m_forwards.end(), [&](const Forward& f) {
          return std::find(f.upstreams.begin(), f.upstreams.end(), from.udp.address) !=
                 f.upstreams.end();
        });
    if (from_upstream) {
      ++m_counters.unmatched_responses;
      DnsOutput o;
      o.action = DnsOutput::Action::kDrop;
      o.drop = DnsDrop::kUnmatchedResponse;
      return o;
    }
  }
  ++m_counters.queries;
  dns::Decision d = m_resolver.handle(datagram, true);
  switch (d.action) {
    case dns::Action::kDrop: {
      DnsOutput o;
      o.action = DnsOutput::Action::kDrop;
      o.drop = DnsDrop::kNotAQuery;
      return o;
    }
    case dns::Action::kAnswer: return Send(from, d.answer, out);
    case dns::Action::kForward: break;
  }
  if (m_forwards.size() >= kMaxForwards) {
    ++m_counters.forwards_refused;
    return Send(from, m_resolver.upstream_failed(d.query, true), out);
  }
  Forward f;
  f.client = from;
  f.query = std::move(d.query);
  f.bytes.assign(datagram.data, datagram.data + datagram.size);
  f.upstreams = std::move(d.upstreams);
  m_forwards.push_back(std::move(f));
  TryNext(m_forwards.back(), now);
  return poll_transmit(now, out);
}

void DnsCore::TryNext(Forward& f, core::Now now) {
  if (f.next >= f.upstreams.size()) {
    ++m_counters.upstream_failures;
    m_pending.push_back(Pending{f.client, m_resolver.upstream_failed(f.query, true)});
    f.upstreams.clear();  // marks it finished; update_timers removes it
    return;
  }
  const util::IpAddress upstream = f.upstreams[f.next++];
  f.deadline = now.mono + kUpstreamTimeout;
  m_pending.push_back(Pending{core::Path::to_udp(core::SocketAddress{upstream, kDnsPort}), f.bytes});
}

DnsOutput DnsCore::poll_transmit(core::Now, core::MutableBytes out) {
  if (m_pending.empty()) return DnsOutput{};
  Pending p = std::move(m_pending.front());
  m_pending.pop_front();
  return Send(p.to, p.bytes, out);
}

void DnsCore::update_timers(core::Now now) {
  for (auto it = m_forwards.begin(); it != m_forwards.end();) {
    if (!it->upstreams.empty() && it->deadline <= now.mono) {
      ++m_counters.upstream_timeouts;
      TryNext(*it, now);
    }
    it = it->upstreams.empty() ? m_forwards.erase(it) : std::next(it);
  }
}

std::optional<core::Duration> DnsCore::next_deadline() const {
  std::optional<core::Duration> next;
  for (const Forward& f : m_forwards) {
    if (!next || f.deadline < *next) next = f.deadline;
  }
  return next;
}

}  // namespace weft::sim
