// Test harness for the netcheck core: STUN servers (the real stun::Server core) on an in-memory
// wire with a fake clock, a per-server round trip and loss, and a NAT in front of the client
// whose mapping is endpoint-independent or per destination (RFC 4787).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "control/messages.h"
#include "core/random.h"
#include "netcheck/netcheck.h"
#include "stun/server.h"

namespace weft::netcheck::test {

using std::chrono::milliseconds;

enum class Mapping { kEndpointIndependent, kPerDestination };

inline core::SocketAddress sa(const char* text) { return *core::SocketAddress::parse(text); }

/// A relay node with STUN at a literal IPv4 address (and IPv6 when given).
inline control::RelayNode stun_node(const char* name, const char* v4, const char* v6 = nullptr,
                                    uint16_t stun_port = 3478) {
  control::RelayNode n;
  n.name = name;
  n.host = v4 ? v4 : (v6 ? v6 : "");
  if (v4) n.ipv4 = util::IpAddress::parse(v4);
  if (v6) n.ipv6 = util::IpAddress::parse(v6);
  n.relay_port = 443;
  n.stun_port = stun_port;
  return n;
}

inline control::RelayRegion region(uint16_t id, const char* code, std::vector<control::RelayNode> nodes) {
  control::RelayRegion r;
  r.id = id;
  r.code = code;
  r.name = code;
  r.nodes = std::move(nodes);
  return r;
}

struct ServerSpec {
  core::Duration rtt = milliseconds(10);
  int lose_first = 0;    ///< requests lost before the first that arrives
  bool blocked = false;  ///< every request lost
};

/// Runs a Netcheck to completion against servers at given addresses.
class World {
 public:
  Mapping mapping = Mapping::kEndpointIndependent;
  core::SocketAddress public_v4 = sa("203.0.113.10:41000");
  core::SocketAddress public_v6 = sa("[2001:db8:ff::10]:41000");
  std::map<core::SocketAddress, ServerSpec> servers;
  core::Now now{};
  core::SeededRandom random{7};
  std::vector<core::SocketAddress> sent_to;

  /// A STUN server at `addr` answering after `rtt_ms`.
  void add(const char* addr, int rtt_ms) { servers[sa(addr)].rtt = milliseconds(rtt_ms); }

  /// Drives the check as a driver would until done (or 60 simulated seconds); returns it.
  Report run(Netcheck& check) {
    for (int step = 0; step < 100000 && !check.done(); ++step) {
      drain(check);
      std::optional<core::Duration> next = check.next_deadline();
      for (const auto& d : in_flight_) {
        if (!next || d.at < *next) next = d.at;
      }
      if (!next) break;
      if (*next > now.mono) now.mono = *next;
      deliver(check);
      check.update_timers(now);
    }
    return check.report();
  }

  core::Duration elapsed() const { return now.mono; }

 private:
  struct Delivery {
    core::Duration at;
    core::SocketAddress from;
    std::vector<uint8_t> bytes;
  };

  core::SocketAddress mapped_for(const core::SocketAddress& to) {
    core::SocketAddress m = to.address.is_v4() ? public_v4 : public_v6;
    if (mapping == Mapping::kPerDestination) {
      auto it = ports_.find(to);
      if (it == ports_.end()) it = ports_.emplace(to, static_cast<uint16_t>(50000 + ports_.size())).first;
      m.port = it->second;
    }
    return m;
  }

  void drain(Netcheck& check) {
    for (;;) {
      std::vector<uint8_t> buf(stun::kMaxEncodedSize);
      const Output o = check.poll_transmit(now, core::MutableBytes{buf.data(), buf.size()});
      if (is_idle(o)) return;
      sent_to.push_back(o.to);
      auto it = servers.find(o.to);
      if (it == servers.end() || it->second.blocked) continue;
      if (it->second.lose_first > 0) {
        --it->second.lose_first;
        continue;
      }
      std::vector<uint8_t> answer(stun::kMaxEncodedSize);
      const stun::Output a = server_.receive_datagram(
          mapped_for(o.to), core::ByteView{buf.data(), o.size},
          core::MutableBytes{answer.data(), answer.size()});
      if (a.action != stun::Action::kSendDatagram) continue;
      answer.resize(a.size);
      in_flight_.push_back(Delivery{now.mono + it->second.rtt, o.to, std::move(answer)});
    }
  }

  void deliver(Netcheck& check) {
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (it->at <= now.mono) {
        check.receive_datagram(now, it->from, core::ByteView{it->bytes.data(), it->bytes.size()});
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
  }

  stun::Server server_;
  std::vector<Delivery> in_flight_;
  std::map<core::SocketAddress, uint16_t> ports_;
};

}  // namespace weft::netcheck::test
