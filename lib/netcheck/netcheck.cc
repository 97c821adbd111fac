// The netcheck core: the probe plan (tries per region and family, staggered over the region's
// STUN servers), matching answers by transaction id, and the report (docs/connectivity.md,
// "Netcheck").
#include "netcheck/netcheck.h"

#include <algorithm>
#include <map>

namespace weft::netcheck {
namespace {

bool family_is_v4(const core::SocketAddress& a) { return a.address.is_v4(); }

// Section "MappingVariesByDestIP" of docs/connectivity.md: per family, the first mapped address
// each STUN server IP saw; known with two servers or more.
std::optional<bool> varies(const std::map<util::IpAddress, core::SocketAddress>& seen) {
  if (seen.size() < 2) return std::nullopt;
  const core::SocketAddress& first = seen.begin()->second;
  for (const auto& entry : seen) {
    if (entry.second != first) return true;
  }
  return false;
}

// Where a node's STUN server is reached over a family: its literal address of that family, else
// its host when that is a literal of the family (control::RelayNode allows either).
std::optional<util::IpAddress> stun_address(const control::RelayNode& node, bool v4) {
  std::optional<util::IpAddress> ip = v4 ? node.ipv4 : node.ipv6;
  if (!ip) ip = util::IpAddress::parse(node.host);
  if (!ip || ip->is_v4() != v4) return std::nullopt;
  return ip;
}

}  // namespace

Netcheck::Netcheck(const std::vector<control::RelayRegion>& regions, core::Now now,
                   core::Random& random, const Options& options)
    : deadline_(now.mono + options.budget), options_(options) {
  for (const control::RelayRegion& region : regions) {
    for (const bool v4 : {true, false}) {
      std::vector<core::SocketAddress> servers;
      for (const control::RelayNode& node : region.nodes) {
        const std::optional<util::IpAddress> ip = stun_address(node, v4);
        if (node.stun_port == 0 || !ip) continue;
        servers.push_back(core::SocketAddress{*ip, node.stun_port});
      }
      if (servers.empty()) continue;
      for (int i = 0; i < options.tries_per_region; ++i) {
        Probe p;
        p.region = region.id;
        p.to = servers[static_cast<std::size_t>(i) % servers.size()];
        p.at = now.mono + i * options.try_spacing;
        random.fill(p.id.data(), p.id.size());
        probes_.push_back(p);
      }
    }
  }
}

bool Netcheck::destination_answered(const core::SocketAddress& to) const {
  return std::any_of(probes_.begin(), probes_.end(), [&](const Probe& p) {
    return p.state == ProbeState::kAnswered && p.to == to;
  });
}

// A probe needs nothing more when it has an outcome, or when its STUN server already answered
// another try: one answer per server is all the report uses, and waiting for the rest would
// only delay a check whose first tries were lost.
bool Netcheck::settled(const Probe& p) const {
  if (p.state != ProbeState::kPending && p.state != ProbeState::kSent) return true;
  return destination_answered(p.to);
}

bool Netcheck::done() const {
  return over_ || std::all_of(probes_.begin(), probes_.end(),
                              [&](const Probe& p) { return settled(p); });
}

Output Netcheck::poll_transmit(core::Now now, core::MutableBytes out) {
  Output o;
  if (done() || now.mono >= deadline_) return o;
  for (Probe& p : probes_) {
    if (p.state != ProbeState::kPending || p.at > now.mono) continue;
    if (destination_answered(p.to)) {
      p.state = ProbeState::kSkipped;
      continue;
    }
    const std::size_t n = stun::encode_binding_request(p.id, out);
    if (n == 0) return o;
    p.state = ProbeState::kSent;
    p.sent_at = now.mono;
    ++stats_.requests_sent;
    o.action = Action::kSendDatagram;
    o.size = n;
    o.to = p.to;
    return o;
  }
  return o;
}

Received Netcheck::drop(DropReason reason, bool consumed) {
  ++stats_.drops[static_cast<std::size_t>(reason)];
  Received r;
  r.consumed = consumed;
  r.drop = reason;
  return r;
}

Received Netcheck::receive_datagram(core::Now now, const core::SocketAddress& from,
                                    core::ByteView datagram) {
  // The answer is matched by its 96-bit random transaction id, not by `from`: a server on a
  // wildcard address may answer from another of its addresses.
  (void)from;
  if (!stun::looks_like_stun(datagram)) return drop(DropReason::kNotStun, false);
  stun::Message m;
  const stun::DecodeError error = stun::decode(datagram, m);
  // A length field that does not match the size is no STUN message (the data path's demux
  // agrees): a WireGuard message whose random index holds the magic cookie is WireGuard's.
  if (error == stun::DecodeError::kBadLength) return drop(DropReason::kNotStun, false);
  if (error != stun::DecodeError::kNone) return drop(DropReason::kMalformed);
  auto it = std::find_if(probes_.begin(), probes_.end(), [&](const Probe& p) {
    return p.id == m.transaction_id && p.state != ProbeState::kPending;
  });
  if (it == probes_.end()) return drop(DropReason::kUnknownTransaction);
  Probe& p = *it;
  if (p.state == ProbeState::kAnswered || p.state == ProbeState::kFailed) {
    return drop(DropReason::kDuplicate);
  }
  if (p.state == ProbeState::kTimedOut || over_) return drop(DropReason::kLate);
  if (m.message_class != stun::MessageClass::kSuccessResponse) {
    // An error response is the server's final word on this request (RFC 8489 section 7.3.4).
    if (m.message_class == stun::MessageClass::kErrorResponse) p.state = ProbeState::kFailed;
    return drop(DropReason::kNotSuccess);
  }
  // Section 6.3.3 / 14: a response with unknown comprehension-required attributes is discarded.
  if (m.unknown_required_count > 0) return drop(DropReason::kUnknownAttribute);
  const std::optional<core::SocketAddress> mapped = m.reflexive_address();
  if (!mapped) {
    p.state = ProbeState::kFailed;
    return drop(DropReason::kNoAddress);
  }
  p.state = ProbeState::kAnswered;
  p.rtt = now.mono - p.sent_at;
  p.mapped = *mapped;
  p.answer_order = answers_++;
  ++stats_.answers;
  Received r;
  r.consumed = true;
  return r;
}

void Netcheck::update_timers(core::Now now) {
  if (now.mono >= deadline_) over_ = true;
  for (Probe& p : probes_) {
    if (p.state == ProbeState::kSent && now.mono >= p.sent_at + options_.probe_timeout) {
      p.state = ProbeState::kTimedOut;
    }
  }
}

std::optional<core::Duration> Netcheck::next_deadline() const {
  if (done()) return std::nullopt;
  core::Duration next = deadline_;
  for (const Probe& p : probes_) {
    if (settled(p)) continue;
    if (p.state == ProbeState::kPending) next = std::min(next, p.at);
    if (p.state == ProbeState::kSent) next = std::min(next, p.sent_at + options_.probe_timeout);
  }
  return next;
}

Report Netcheck::report() const {
  Report r;
  std::map<uint16_t, RegionLatency> regions;
  std::map<util::IpAddress, core::SocketAddress> seen_v4;
  std::map<util::IpAddress, core::SocketAddress> seen_v6;
  // In the order the answers came: the first answer of a family gives the global address, and
  // the first answer of each server stands for that server.
  std::vector<const Probe*> answered;
  for (const Probe& p : probes_) {
    if (p.state == ProbeState::kAnswered) answered.push_back(&p);
  }
  std::sort(answered.begin(), answered.end(),
            [](const Probe* a, const Probe* b) { return a->answer_order < b->answer_order; });
  for (const Probe* probe : answered) {
    const Probe& p = *probe;
    const bool v4 = family_is_v4(p.to);
    r.udp = true;
    (v4 ? r.ipv4 : r.ipv6) = true;
    std::optional<core::SocketAddress>& global = v4 ? r.global_v4 : r.global_v6;
    if (!global) global = p.mapped;
    (v4 ? seen_v4 : seen_v6).emplace(p.to.address, p.mapped);  // keeps the first
    RegionLatency& lat = regions[p.region];
    lat.region = p.region;
    std::optional<core::Duration>& fam = v4 ? lat.v4 : lat.v6;
    if (!fam || p.rtt < *fam) fam = p.rtt;
  }
  for (auto& entry : regions) {
    RegionLatency& lat = entry.second;
    lat.latency = lat.v4 && lat.v6 ? std::min(*lat.v4, *lat.v6) : (lat.v4 ? *lat.v4 : *lat.v6);
    r.region_latencies.push_back(lat);
  }
  std::sort(r.region_latencies.begin(), r.region_latencies.end(),
            [](const RegionLatency& a, const RegionLatency& b) {
              if (a.latency != b.latency) return a.latency < b.latency;
              return a.region < b.region;
            });
  if (!r.region_latencies.empty()) r.preferred_region = r.region_latencies.front().region;
  const std::optional<bool> v4_varies = varies(seen_v4);
  r.mapping_varies_by_dest_ip = v4_varies ? v4_varies : varies(seen_v6);
  return r;
}

const char* to_string(DropReason reason) {
  switch (reason) {
    case DropReason::kNone: return "none";
    case DropReason::kNotStun: return "not_stun";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kUnknownTransaction: return "unknown_transaction";
    case DropReason::kDuplicate: return "duplicate";
    case DropReason::kLate: return "late";
    case DropReason::kNotSuccess: return "not_success";
    case DropReason::kUnknownAttribute: return "unknown_attribute";
    case DropReason::kNoAddress: return "no_address";
    case DropReason::kCount: break;
  }
  return "unknown";
}

}  // namespace weft::netcheck
