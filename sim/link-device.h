// A point-to-point device that costs the simulator one event per packet and hop.
//
// ns-3's PointToPointNetDevice schedules two events for every packet on every link: the end of
// its transmission (to start the next queued packet) and its arrival at the other end. In the
// 1,000-node outage scenario link events were 77% of all events. A LinkDevice computes the
// transmission schedule when the packet is sent instead, so only the arrival is an event:
//
// - a packet starts transmitting when the previous one has finished (or at once when the link is
//   idle) and takes (size + 2) * 8 / rate seconds, the 2 bytes being the PPP header a
//   PointToPointNetDevice puts on the wire, so that timing is the same as with ns-3's device;
// - at most kQueuePackets packets wait behind the one transmitting, as in ns-3's default
//   DropTailQueue (100 packets); a packet that finds the queue full is dropped and counted;
// - it arrives after its transmission plus the channel's delay, which the LinkChannel draws per
//   packet (latency and jitter), in the order the packets were sent, as ns-3's channel does;
// - the receive error model sees each arriving packet (the IP packet, no PPP header) and may
//   lose it, as with ns-3's device.
//
// Differences from ns-3's device, none of which the scenarios rely on:
// - a queued packet's rate, delay and jitter draw are taken when it is sent (ns-3: when it starts
//   transmitting), so a new shape applies to packets sent after the change, and the channel's
//   one random stream is drawn in send order rather than in transmission order;
// - arrival times are the same, but not always the order of events at one instant: the arrival
//   is scheduled when the packet is sent, and a packet due to start transmitting at this very
//   instant no longer counts as waiting (ns-3 frees its place when its TransmitComplete event
//   runs, which may come after a send at the same instant);
// - the link is always up to the nodes (cuts are the error model's);
// - the frame has no PPP header inside the simulation, only in pcap files (Capture), where an
//   outgoing packet is written when it is sent, not when its transmission starts.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "core/random.h"
#include "ns3/channel.h"
#include "ns3/data-rate.h"
#include "ns3/error-model.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"
#include "ns3/pcap-file-wrapper.h"
#include "ns3/ptr.h"

namespace weft::sim {

class LinkDevice;

/// A uniform draw in [0, 1) from 53 of `random`'s bits (jitter here, loss in link-model.h).
double unit_draw(core::SeededRandom& random);

/// The wire between two LinkDevices: its one-way delay, drawn per packet around a base latency.
class LinkChannel : public ns3::Channel {
 public:
  static ns3::TypeId GetTypeId();
  LinkChannel();

  void SetShape(std::chrono::nanoseconds latency, std::chrono::nanoseconds jitter);
  void SetSeed(uint64_t seed) { m_random = core::SeededRandom(seed); }
  /// This packet's delay: the latency, plus a uniform draw in [-jitter, +jitter] when there is
  /// jitter (never below zero).
  ns3::Time NextDelay();

  /// The two ends, in the order they attached (at most two).
  void Attach(ns3::Ptr<LinkDevice> device);
  /// The other end of `device`, or null when it has none yet.
  ns3::Ptr<LinkDevice> Peer(const LinkDevice* device) const;

  std::size_t GetNDevices() const override;
  ns3::Ptr<ns3::NetDevice> GetDevice(std::size_t i) const override;

 protected:
  void DoDispose() override;

 private:
  std::chrono::nanoseconds m_latency{0};
  std::chrono::nanoseconds m_jitter{0};
  core::SeededRandom m_random{0};
  std::array<ns3::Ptr<LinkDevice>, 2> m_ends;
  std::size_t m_attached = 0;
};

class LinkDevice : public ns3::NetDevice {
 public:
  /// Packets that may wait behind the one transmitting (ns-3's DropTailQueue default).
  static constexpr std::size_t kQueuePackets = 100;

  static ns3::TypeId GetTypeId();
  LinkDevice();

  void Attach(ns3::Ptr<LinkChannel> channel);
  void SetDataRate(ns3::DataRate rate) { m_rate = rate; }
  void SetReceiveErrorModel(ns3::Ptr<ns3::ErrorModel> model) { m_receiveErrorModel = model; }
  /// Writes every packet this device sends and every one it receives (after the error model)
  /// to `file`, a DLT_PPP capture, each with the PPP header a real link would carry.
  void Capture(ns3::Ptr<ns3::PcapFileWrapper> file) { m_pcap = file; }

  /// Arriving IPv4 packets go straight to `ipv4`, the node's IPv4, which must have this device
  /// as an interface and be the only handler of IPv4 on it (as with Internet's links). ns-3's
  /// Node and traffic-control layer would hand them to it too, after walking lists of every
  /// interface's protocol handlers: thousands of entries on a router with a link per host.
  void DeliverTo(ns3::Ptr<ns3::Ipv4L3Protocol> ipv4) { m_ipv4 = ipv4; }

  /// Packets dropped because kQueuePackets were already waiting.
  uint64_t LostToQueue() const { return m_lostToQueue; }

  // ns3::NetDevice
  void SetIfIndex(const uint32_t index) override { m_ifIndex = index; }
  uint32_t GetIfIndex() const override { return m_ifIndex; }
  ns3::Ptr<ns3::Channel> GetChannel() const override;
  void SetAddress(ns3::Address address) override;
  ns3::Address GetAddress() const override { return m_address; }
  bool SetMtu(const uint16_t mtu) override;
  uint16_t GetMtu() const override { return m_mtu; }
  bool IsLinkUp() const override { return m_channel != nullptr; }
  void AddLinkChangeCallback(ns3::Callback<void>) override {}
  bool IsBroadcast() const override { return true; }
  ns3::Address GetBroadcast() const override;
  bool IsMulticast() const override { return true; }
  ns3::Address GetMulticast(ns3::Ipv4Address group) const override;
  ns3::Address GetMulticast(ns3::Ipv6Address group) const override;
  bool IsBridge() const override { return false; }
  bool IsPointToPoint() const override { return true; }
  bool Send(ns3::Ptr<ns3::Packet> packet, const ns3::Address& dest,
            uint16_t protocolNumber) override;
  bool SendFrom(ns3::Ptr<ns3::Packet>, const ns3::Address&, const ns3::Address&,
                uint16_t) override {
    return false;
  }
  ns3::Ptr<ns3::Node> GetNode() const override { return m_node; }
  void SetNode(ns3::Ptr<ns3::Node> node) override { m_node = node; }
  bool NeedsArp() const override { return false; }
  void SetReceiveCallback(ReceiveCallback cb) override { m_rxCallback = cb; }
  void SetPromiscReceiveCallback(PromiscReceiveCallback cb) override { m_promiscCallback = cb; }
  bool SupportsSendFrom() const override { return false; }

 protected:
  void DoDispose() override;

 private:
  /// The packet's arrival at this end (the one scheduled event).
  void Receive(ns3::Ptr<ns3::Packet> packet, uint16_t protocol);
  void WritePcap(ns3::Ptr<const ns3::Packet> packet, uint16_t protocol) const;

  ns3::Ptr<ns3::Node> m_node;
  ns3::Ptr<LinkChannel> m_channel;
  ns3::Ptr<ns3::ErrorModel> m_receiveErrorModel;
  ns3::Ptr<ns3::PcapFileWrapper> m_pcap;
  ns3::Ptr<ns3::Ipv4L3Protocol> m_ipv4;
  ns3::Mac48Address m_address;
  ns3::DataRate m_rate{"100Mbps"};
  uint32_t m_ifIndex = 0;
  uint16_t m_mtu = 1500;
  ReceiveCallback m_rxCallback;
  PromiscReceiveCallback m_promiscCallback;
  /// When the last accepted packet's transmission ends.
  ns3::Time m_busyUntil;
  /// Start times of the packets waiting behind the one transmitting, oldest first.
  std::deque<ns3::Time> m_waiting;
  uint64_t m_lostToQueue = 0;
};

/// Captures every LinkDevice of `nodes` to PREFIX-NODE-DEVICE.pcap (names from ns3::Names when
/// the node has one), as ns-3's PointToPointHelper::EnablePcap names them.
void CaptureLinks(const std::string& prefix, const ns3::NodeContainer& nodes);
/// The same for one device (ignored unless it is a LinkDevice).
void CaptureLink(const std::string& prefix, ns3::Ptr<ns3::NetDevice> device);

}  // namespace weft::sim
