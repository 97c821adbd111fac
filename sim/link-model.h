// A live simulated link built from a LinkShape: a point-to-point link (two LinkDevices, see
// link-device.h) whose latency, bandwidth, loss and jitter change at run time ("degraded"), and
// which can be cut and restored ("down").
#pragma once

#include <array>
#include <cstdint>

#include "core/random.h"
#include "link-device.h"
#include "link-shape.h"
#include "ns3/error-model.h"
#include "ns3/node.h"
#include "ns3/ptr.h"

namespace weft::sim {

/// A receive error model for one end of a link: everything lost while the link is down, else
/// each packet lost with the shape's probability. Counts both.
class LinkLoss : public ns3::ErrorModel {
 public:
  static ns3::TypeId GetTypeId();
  LinkLoss();

  void Configure(double loss, uint64_t seed);
  void SetLoss(double loss) { m_loss = loss; }
  void SetDown(bool down) { m_down = down; }
  bool IsDown() const { return m_down; }
  uint64_t LostWhileDown() const { return m_lostDown; }
  uint64_t LostAtRandom() const { return m_lostRandom; }

 private:
  bool DoCorrupt(ns3::Ptr<ns3::Packet> packet) override;
  void DoReset() override {}

  double m_loss = 0;
  bool m_down = false;
  core::SeededRandom m_random{0};
  uint64_t m_lostDown = 0;
  uint64_t m_lostRandom = 0;
};

/// Two nodes joined by a shaped point-to-point link. The devices are the nodes' new last
/// devices; the caller adds them to IPv4.
class ShapedLink {
 public:
  /// `seed` drives this link's loss and jitter draws. Aborts on a bandwidth ns-3 cannot read
  /// or a loss outside 0..1 (validate specs before building).
  ShapedLink(ns3::Ptr<ns3::Node> a, ns3::Ptr<ns3::Node> b, const LinkShape& shape, uint64_t seed);
  ShapedLink(const ShapedLink&) = delete;
  ShapedLink& operator=(const ShapedLink&) = delete;

  /// Takes a new shape for the packets sent from now on (those in flight or queued keep theirs).
  void SetShape(const LinkShape& shape);
  /// Cut (every packet lost both ways, the nodes not told) or restored.
  void SetDown(bool down);
  bool IsDown() const { return m_loss[0]->IsDown(); }
  const LinkShape& Shape() const { return m_shape; }
  /// Device at end 0 (node a) or 1 (node b).
  ns3::Ptr<LinkDevice> Device(uint32_t end) const { return m_ends.at(end); }
  /// Packets lost by cuts and by the loss rate, both ends together.
  uint64_t LostWhileDown() const;
  uint64_t LostAtRandom() const;
  /// Packets dropped at either end because its queue was full (link-device.h).
  uint64_t LostToQueue() const;

 private:
  LinkShape m_shape;
  std::array<ns3::Ptr<LinkDevice>, 2> m_ends;
  ns3::Ptr<LinkChannel> m_channel;
  std::array<ns3::Ptr<LinkLoss>, 2> m_loss;
};

/// An empty string when `shape` can be built, else what is wrong with it.
std::string link_shape_error(const LinkShape& shape);

}  // namespace weft::sim
