// Applies wg(8) configuration and UAPI set requests (wireguard.com/xplatform) to the sans-IO
// WireGuard core, and reads its state back for UAPI get and the drop-counter log line.
#include "tunnel/device_config.h"

#include "wg/peer_reconcile.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

namespace weft::tunnel {

wg::AllowedIp to_wg(const util::IpPrefix& p) {
  wg::AllowedIp out;
  out.family = p.address().is_v4() ? 4 : 6;
  std::memcpy(out.address.data(), p.address().bytes().data(), p.address().is_v4() ? 4 : 16);
  out.cidr = static_cast<uint8_t>(p.bits());
  return out;
}

util::IpPrefix from_wg(const wg::AllowedIp& a) {
  if (a.family == 4) {
    return util::IpPrefix(
        util::IpAddress::v4({a.address[0], a.address[1], a.address[2], a.address[3]}), a.cidr);
  }
  return util::IpPrefix(util::IpAddress::v6(a.address), a.cidr);
}

Result<wg::DeviceConfig> device_config_from(const TunnelConfig& config, std::size_t mtu) {
  if (!config.interface.private_key || config.interface.private_key->is_zero()) {
    return make_error("config.invalid", "[Interface] has no PrivateKey");
  }
  wg::DeviceConfig out;
  out.private_key = *config.interface.private_key;
  out.mtu = mtu;
  return out;
}

Status add_configured_peers(wg::Device& device, wg::Now now, const TunnelConfig& config,
                            InterfaceSettings& settings) {
  for (const PeerConfig& p : config.peers) {
    wg::PeerConfig pc;
    pc.public_key = p.public_key;
    if (p.preshared_key) pc.preshared_key = *p.preshared_key;
    if (p.endpoint) pc.endpoint = core::Path::to_udp(*p.endpoint);
    for (const auto& a : p.allowed_ips) pc.allowed_ips.push_back(to_wg(a));
    wg::PeerId id = device.add_peer(pc);
    if (id == wg::kNoPeer) {
      return make_error("config.invalid", "[Peer] at line " + std::to_string(p.line) +
                                              " has the interface's own public key");
    }
    if (p.preshared_key) settings.preshared_keys[pc.public_key] = *p.preshared_key;
    // Through the setter, so the first keepalive goes out right away as wg(8) does.
    if (p.persistent_keepalive.count() > 0) {
      device.set_persistent_keepalive(now, id, p.persistent_keepalive);
    }
  }
  return Ok{};
}

DriverChanges apply_set(wg::Device& device, wg::Now now, const UapiSetRequest& request,
                        InterfaceSettings& settings) {
  DriverChanges changes = apply_set_interface(device, now, request, settings);
  apply_set_peers(device, now, request, 0, request.peers.size(), settings);
  return changes;
}

DriverChanges apply_set_interface(wg::Device& device, wg::Now now, const UapiSetRequest& request,
                                  InterfaceSettings& settings) {
  DriverChanges changes;
  if (request.private_key) {
    settings.private_key = *request.private_key;
    device.set_private_key(*request.private_key);
  }
  if (request.listen_port && *request.listen_port != settings.listen_port) {
    changes.listen_port = request.listen_port;
  }
  if (request.fwmark && *request.fwmark != settings.fwmark) {
    settings.fwmark = *request.fwmark;
    changes.fwmark = request.fwmark;
  }
  // The core applies the peer changes (wg/peer_reconcile), one update at a time so that the
  // secrets `wg showconf` prints, kept here beside it, follow exactly what it did.
  if (request.replace_peers) {
    wg::PeerChanges all;
    all.replace_peers = true;
    wg::apply_peer_changes(device, now, all);
    settings.preshared_keys.clear();
  }
  return changes;
}

void spell_out_replace_peers(const wg::Device& device, UapiSetRequest& request) {
  if (!request.replace_peers) return;
  request.replace_peers = false;
  auto removal = [](const wg::PublicKey& key) {
    UapiPeerUpdate u;
    u.public_key = key;
    u.remove = true;
    return u;
  };
  std::set<wg::PublicKey> named;
  for (const UapiPeerUpdate& u : request.peers) named.insert(u.public_key);
  // Peers the request does not name go first; a named one is removed just before its first
  // update, so it keeps routing until then. Peers are independent (a prefix another peer takes
  // moves either way), so this ends where removing all of them first would.
  std::set<wg::PublicKey> to_remove;
  std::vector<UapiPeerUpdate> updates;
  for (wg::PeerId id : device.peers()) {
    wg::PublicKey key = device.peer_stats(id).public_key;
    if (named.count(key) != 0) {
      to_remove.insert(key);
    } else {
      updates.push_back(removal(key));
    }
  }
  for (UapiPeerUpdate& u : request.peers) {
    if (to_remove.erase(u.public_key) != 0) updates.push_back(removal(u.public_key));
    updates.push_back(std::move(u));
  }
  request.peers = std::move(updates);
}

void apply_set_peers(wg::Device& device, wg::Now now, const UapiSetRequest& request,
                     std::size_t first, std::size_t last, InterfaceSettings& settings) {
  last = std::min(last, request.peers.size());
  for (std::size_t i = first; i < last; ++i) {
    const UapiPeerUpdate& u = request.peers[i];
    wg::PeerChanges one;
    wg::PeerUpdate& w = one.peers.emplace_back();
    w.public_key = u.public_key;
    w.remove = u.remove;
    w.update_only = u.update_only;
    w.preshared_key = u.preshared_key;
    if (u.endpoint) w.endpoint = core::Path::to_udp(*u.endpoint);
    if (u.persistent_keepalive) w.persistent_keepalive = *u.persistent_keepalive;
    w.replace_allowed_ips = u.replace_allowed_ips;
    for (const auto& a : u.allowed_ips) w.allowed_ips.push_back(to_wg(a));
    wg::apply_peer_changes(device, now, one);
    bool present = device.find_peer(u.public_key) != wg::kNoPeer;
    if (!present || (u.preshared_key && u.preshared_key->is_zero())) {
      settings.preshared_keys.erase(u.public_key);
    } else if (u.preshared_key) {
      settings.preshared_keys[u.public_key] = *u.preshared_key;
    }
  }
}

UapiDeviceState snapshot(const wg::Device& device, const InterfaceSettings& settings) {
  UapiDeviceState s;
  if (!settings.private_key.is_zero()) s.private_key = settings.private_key;
  s.listen_port = settings.listen_port;
  s.fwmark = settings.fwmark;
  for (wg::PeerId id : device.peers()) {
    wg::PeerStats st = device.peer_stats(id);
    UapiPeerState p;
    p.public_key = wg::PublicKey{st.public_key.bytes};
    auto psk = settings.preshared_keys.find(st.public_key);
    if (psk != settings.preshared_keys.end()) p.preshared_key = psk->second;
    // A relayed path has no wg(8) spelling; `wg show` then prints no endpoint.
    if (st.endpoint.is_udp()) p.endpoint = st.endpoint.udp;
    p.last_handshake = st.last_handshake;
    p.rx_bytes = st.rx_bytes;
    p.tx_bytes = st.tx_bytes;
    p.persistent_keepalive = std::chrono::duration_cast<std::chrono::seconds>(st.persistent_keepalive);
    for (const auto& a : device.allowed_ips(id)) p.allowed_ips.push_back(from_wg(a));
    s.peers.push_back(std::move(p));
  }
  return s;
}

std::string_view drop_reason_name(wg::DropReason reason) {
  switch (reason) {
    case wg::DropReason::kNone: return "none";
    case wg::DropReason::kMalformed: return "malformed";
    case wg::DropReason::kBadMac1: return "bad_mac1";
    case wg::DropReason::kCookieRequired: return "cookie_required";
    case wg::DropReason::kRateLimited: return "rate_limited";
    case wg::DropReason::kUnknownPeer: return "unknown_peer";
    case wg::DropReason::kBadHandshake: return "bad_handshake";
    case wg::DropReason::kReplayedInitiation: return "replayed_initiation";
    case wg::DropReason::kNoSession: return "no_session";
    case wg::DropReason::kExpiredSession: return "expired_session";
    case wg::DropReason::kBadAead: return "bad_aead";
    case wg::DropReason::kReplay: return "replay";
    case wg::DropReason::kSourceNotAllowed: return "source_not_allowed";
    case wg::DropReason::kNoRoute: return "no_route";
    case wg::DropReason::kNoEndpoint: return "no_endpoint";
    case wg::DropReason::kQueueFull: return "queue_full";
    case wg::DropReason::kBufferTooSmall: return "buffer_too_small";
    case wg::DropReason::kCount: break;
  }
  return "unknown";
}

uint64_t total_drops(const wg::DeviceStats& stats) {
  uint64_t total = 0;
  for (uint64_t n : stats.drops) total += n;
  return total;
}

std::string format_drops(const wg::DeviceStats& stats) {
  std::string line = "drops total=" + std::to_string(total_drops(stats));
  for (std::size_t i = 0; i < stats.drops.size(); ++i) {
    if (stats.drops[i] == 0) continue;
    line += ' ';
    line += drop_reason_name(static_cast<wg::DropReason>(i));
    line += '=';
    line += std::to_string(stats.drops[i]);
  }
  return line;
}

std::string format_drops(const wg::DeviceStats& stats, uint64_t handshake_queue_full) {
  std::string line = format_drops(stats);
  if (handshake_queue_full == 0) return line;
  std::string total = std::to_string(total_drops(stats));
  std::string with = std::to_string(total_drops(stats) + handshake_queue_full);
  line.replace(0, std::string("drops total=").size() + total.size(), "drops total=" + with);
  return line + " handshake_queue_full=" + std::to_string(handshake_queue_full);
}

}  // namespace weft::tunnel
