// The four-tuple index in front of ns-3's endpoint demux (see endpoint-index.h): these
// definitions interpose on libns3-internet's Ipv4EndPointDemux::Lookup, DeAllocate and destructor.
#include "endpoint-index.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "ns3/abort.h"
#include "ns3/ipv4-end-point-demux.h"
#include "ns3/ipv4-end-point.h"
#include "ns3/ipv4-interface.h"
#include "ns3/net-device.h"

namespace weft::sim {
namespace {

/// A segment's four-tuple as a demux sees it, and the demux.
struct Key {
  const ns3::Ipv4EndPointDemux* demux;
  uint32_t local_address;
  uint32_t peer_address;
  uint16_t local_port;
  uint16_t peer_port;
  bool operator==(const Key& o) const {
    return demux == o.demux && local_address == o.local_address &&
           peer_address == o.peer_address && local_port == o.local_port &&
           peer_port == o.peer_port;
  }
};

struct KeyHash {
  std::size_t operator()(const Key& k) const {
    uint64_t h = reinterpret_cast<uintptr_t>(k.demux);
    h = h * 0x9E3779B97F4A7C15ULL ^ ((uint64_t{k.local_address} << 32) | k.peer_address);
    h = h * 0x9E3779B97F4A7C15ULL ^ ((uint64_t{k.local_port} << 16) | k.peer_port);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

/// exact[k] == e exactly when key_of[e] == k: an endpoint is remembered under one key at most,
/// and forgetting it (before ns-3 deletes it) leaves no pointer to it behind.
struct Index {
  std::unordered_map<Key, ns3::Ipv4EndPoint*, KeyHash> exact;
  std::unordered_map<const ns3::Ipv4EndPoint*, Key> key_of;
  EndpointIndexStats stats;
  bool linear = false;
};

/// Never destroyed: demuxes may be destroyed during static destruction, after a static Index.
Index& index() {
  static Index* const kIndex = [] {
    auto* i = new Index;
    const char* linear = std::getenv("WEFT_SIM_LINEAR_DEMUX");
    i->linear = linear != nullptr && std::strcmp(linear, "1") == 0;
    return i;
  }();
  return *kIndex;
}

void forget(const ns3::Ipv4EndPoint* endpoint) {
  Index& idx = index();
  auto it = idx.key_of.find(endpoint);
  if (it == idx.key_of.end()) return;
  idx.exact.erase(it->second);
  idx.key_of.erase(it);
}

void remember(const Key& key, ns3::Ipv4EndPoint* endpoint) {
  Index& idx = index();
  forget(endpoint);
  auto old = idx.exact.find(key);
  if (old != idx.exact.end()) {
    idx.key_of.erase(old->second);
    idx.exact.erase(old);
  }
  idx.exact.emplace(key, endpoint);
  idx.key_of.emplace(endpoint, key);
}

/// True when ns-3's walk would put `e` among its exact (all four fields) matches for this
/// segment: receiving, the ports and addresses equal, and either unbound or bound to the device
/// the segment came in on.
bool matches_exactly(ns3::Ipv4EndPoint* e, const Key& key,
                     const ns3::Ptr<ns3::Ipv4Interface>& incoming) {
  if (!e->IsRxEnabled() || e->GetLocalPort() != key.local_port ||
      e->GetPeerPort() != key.peer_port || e->GetLocalAddress().Get() != key.local_address ||
      e->GetPeerAddress().Get() != key.peer_address) {
    return false;
  }
  ns3::Ptr<ns3::NetDevice> bound = e->GetBoundNetDevice();
  return !bound || bound == incoming->GetDevice();
}

/// ns-3's own function, found past this executable in the link order.
template <typename Fn>
Fn ns3_definition(const char* symbol) {
  void* f = dlsym(RTLD_NEXT, symbol);
  NS_ABORT_MSG_IF(f == nullptr, "endpoint index: ns-3's " << symbol << " not found");
  return reinterpret_cast<Fn>(f);
}

// The member functions as libns3-internet defines them (Itanium C++ ABI on x86-64): `this` is
// the first declared argument, and a class result comes back through a hidden pointer passed
// before it, for a member and a plain function alike; Ptr<> is passed as a temporary the
// caller owns in both.
using LookupFn = ns3::Ipv4EndPointDemux::EndPoints (*)(ns3::Ipv4EndPointDemux*, ns3::Ipv4Address,
                                                        uint16_t, ns3::Ipv4Address, uint16_t,
                                                        ns3::Ptr<ns3::Ipv4Interface>);
using DeAllocateFn = void (*)(ns3::Ipv4EndPointDemux*, ns3::Ipv4EndPoint*);

}  // namespace

EndpointIndexStats endpoint_index_stats() {
  EndpointIndexStats s = index().stats;
  s.remembered = index().exact.size();
  return s;
}

}  // namespace weft::sim

namespace ns3 {

Ipv4EndPointDemux::EndPoints Ipv4EndPointDemux::Lookup(Ipv4Address daddr, uint16_t dport,
                                                       Ipv4Address saddr, uint16_t sport,
                                                       Ptr<Ipv4Interface> incomingInterface) {
  static const auto walk = weft::sim::ns3_definition<weft::sim::LookupFn>(
      "_ZN3ns317Ipv4EndPointDemux6LookupB5cxx11ENS_11Ipv4AddressEtS1_tNS_3PtrINS_13Ipv4InterfaceEEE");
  weft::sim::Index& idx = weft::sim::index();
  if (idx.linear) {
    ++idx.stats.walks;
    return walk(this, daddr, dport, saddr, sport, incomingInterface);
  }
  const weft::sim::Key key{this, daddr.Get(), saddr.Get(), dport, sport};
  auto it = idx.exact.find(key);
  if (it != idx.exact.end()) {
    if (weft::sim::matches_exactly(it->second, key, incomingInterface)) {
      ++idx.stats.hits;
      return EndPoints{it->second};
    }
    weft::sim::forget(it->second);  // its fields changed since: ask ns-3 again
  }
  ++idx.stats.walks;
  EndPoints found = walk(this, daddr, dport, saddr, sport, incomingInterface);
  if (found.size() == 1 && weft::sim::matches_exactly(found.front(), key, incomingInterface)) {
    weft::sim::remember(key, found.front());
  }
  return found;
}

void Ipv4EndPointDemux::DeAllocate(Ipv4EndPoint* endPoint) {
  static const auto deallocate = weft::sim::ns3_definition<weft::sim::DeAllocateFn>(
      "_ZN3ns317Ipv4EndPointDemux10DeAllocateEPNS_12Ipv4EndPointE");
  weft::sim::forget(endPoint);
  deallocate(this, endPoint);
}

// ns-3's destructor deletes the endpoints still allocated; this one forgets them first. (It
// cannot call ns-3's: the member list would then be destroyed twice.)
Ipv4EndPointDemux::~Ipv4EndPointDemux() {
  for (Ipv4EndPoint* endPoint : m_endPoints) {
    weft::sim::forget(endPoint);
    delete endPoint;
  }
  m_endPoints.clear();
}

}  // namespace ns3
