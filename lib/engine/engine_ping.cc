// The node engine's ping (engine.h, Engine::ping; issue 9, "Local API"): an ICMP echo request
// from the node's own address into the device as if read from the TUN, and its reply taken out
// of the inbound path after the packet filter.
#include <string>
#include <utility>

#include "engine/engine.h"
#include "engine/engine_impl.h"

namespace weft::engine {
namespace {

const char* why_dropped(wg::DropReason r) {
  switch (r) {
    case wg::DropReason::kNoEndpoint: return "the peer has no known endpoint yet";
    case wg::DropReason::kNoRoute: return "no WireGuard peer routes the address";
    case wg::DropReason::kQueueFull: return "too many packets wait for the handshake";
    default: return "the device refused the packet";
  }
}

}  // namespace

const control::Peer* Engine::Impl::peer_with_address(const util::IpAddress& address) const {
  const controlclient::NetMap* map = netmap();
  if (map == nullptr) return nullptr;
  for (const auto& entry : map->peers)
    for (const auto& a : entry.second.addresses)
      if (a == address) return &entry.second;
  return nullptr;
}

Status Engine::ping(core::Now now, const util::IpAddress& peer_address, uint16_t seq) {
  Impl& m = *impl_;
  m.saw(now);
  const controlclient::NetMap* map = m.netmap();
  if (map == nullptr) {
    return make_error("engine.no_netmap", "this node has no netmap yet: it has no peers to ping");
  }
  if (m.peer_with_address(peer_address) == nullptr) {
    return make_error("engine.no_peer", peer_address.to_string() +
                                            " is not the address of a peer of this node (the "
                                            "policy may not let the two see each other)");
  }
  const util::IpAddress* self = nullptr;
  for (const auto& a : map->self.addresses)
    if (a.family() == peer_address.family()) self = &a;
  if (self == nullptr) {
    return make_error("engine.no_address", std::string("this node has no IPv") +
                                               (peer_address.is_v4() ? "4" : "6") +
                                               " address to ping " + peer_address.to_string() +
                                               " from");
  }
  if (!m.ping_id) {
    uint8_t b[2];
    m.rng.fill(b, sizeof b);
    m.ping_id = static_cast<uint16_t>((b[0] << 8) | b[1]);
  }
  const std::vector<uint8_t> packet = echo_request(*self, peer_address, *m.ping_id, seq);
  Impl::PendingDatagram d;
  d.bytes.resize(wg::output_capacity_for(packet.size()));
  const Output o = send_packet(now, core::ByteView{packet.data(), packet.size()},
                               core::MutableBytes{d.bytes.data(), d.bytes.size()});
  if (o.action == wg::Action::kDrop) {
    return make_error("engine.ping_dropped",
                      "the echo request to " + peer_address.to_string() + " was dropped: " +
                          why_dropped(o.drop));
  }
  ++m.stats.pings_sent;
  m.pings.sent(peer_address, seq, now.mono);
  if (o.action == wg::Action::kSendDatagram) {
    d.bytes.resize(o.size);
    d.out = o;
    m.pending.push_back(std::move(d));
  }
  return Ok{};
}

bool Engine::Impl::take_ping_reply(core::Now now, core::ByteView packet) {
  if (!ping_id || pings.outstanding() == 0) return false;
  const std::optional<EchoReply> reply = parse_echo_reply(packet);
  if (!reply || reply->id != *ping_id) return false;
  const std::optional<core::Duration> rtt = pings.answered(reply->from, reply->seq, now.mono);
  if (!rtt) return false;
  ++stats.ping_replies;
  Event e;
  e.kind = EventKind::kPingReply;
  e.ping_peer = reply->from;
  e.ping_seq = reply->seq;
  e.ping_rtt = *rtt;
  events.push_back(std::move(e));
  return true;
}

}  // namespace weft::engine
