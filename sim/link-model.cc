// Shaped point-to-point links: latency, bandwidth, loss, jitter, cuts (see link-model.h).
#include "link-model.h"

#include <algorithm>

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/drop-tail-queue.h"
#include "ns3/mac48-address.h"
#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-net-device.h"

namespace weft::sim {
namespace {

/// A uniform draw in [0, 1) from 53 random bits.
double unit(core::SeededRandom& r) { return static_cast<double>(r.next() >> 11) * 0x1.0p-53; }

}  // namespace

NS_OBJECT_ENSURE_REGISTERED(JitterChannel);
NS_OBJECT_ENSURE_REGISTERED(LinkLoss);

ns3::TypeId JitterChannel::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::JitterChannel")
                               .SetParent<ns3::PointToPointChannel>()
                               .SetGroupName("Weft")
                               .AddConstructor<JitterChannel>();
  return tid;
}

JitterChannel::JitterChannel() = default;

void JitterChannel::SetShape(std::chrono::nanoseconds latency, std::chrono::nanoseconds jitter) {
  m_latency = latency;
  m_jitter = jitter;
  SetAttribute("Delay", ns3::TimeValue(ns3::NanoSeconds(latency.count())));
}

bool JitterChannel::TransmitStart(ns3::Ptr<const ns3::Packet> p,
                                  ns3::Ptr<ns3::PointToPointNetDevice> src, ns3::Time txTime) {
  if (m_jitter.count() > 0) {
    // The base class reads its Delay attribute once per packet.
    const double offset = (2 * unit(m_random) - 1) * static_cast<double>(m_jitter.count());
    const int64_t delay =
        std::max<int64_t>(0, m_latency.count() + static_cast<int64_t>(offset));
    SetAttribute("Delay", ns3::TimeValue(ns3::NanoSeconds(delay)));
  }
  return ns3::PointToPointChannel::TransmitStart(p, src, txTime);
}

ns3::TypeId LinkLoss::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::LinkLoss")
                               .SetParent<ns3::ErrorModel>()
                               .SetGroupName("Weft")
                               .AddConstructor<LinkLoss>();
  return tid;
}

LinkLoss::LinkLoss() = default;

void LinkLoss::Configure(double loss, uint64_t seed) {
  m_loss = loss;
  m_random = core::SeededRandom(seed);
}

bool LinkLoss::DoCorrupt(ns3::Ptr<ns3::Packet>) {
  // ErrorModel::IsCorrupt() leaves the enabled test to the model.
  if (!IsEnabled()) return false;
  if (m_down) {
    ++m_lostDown;
    return true;
  }
  if (m_loss > 0 && unit(m_random) < m_loss) {
    ++m_lostRandom;
    return true;
  }
  return false;
}

std::string link_shape_error(const LinkShape& shape) {
  if (shape.latency.count() < 0) return "latency is negative";
  if (shape.jitter.count() < 0) return "jitter is negative";
  if (!(shape.loss >= 0 && shape.loss <= 1)) return "loss is not between 0 and 1";
  ns3::DataRateValue rate;
  if (!rate.DeserializeFromString(shape.bandwidth, ns3::MakeDataRateChecker()) ||
      rate.Get().GetBitRate() == 0) {
    return "bandwidth \"" + shape.bandwidth + "\" is not a data rate such as 100Mbps";
  }
  return {};
}

ShapedLink::ShapedLink(ns3::Ptr<ns3::Node> a, ns3::Ptr<ns3::Node> b, const LinkShape& shape,
                       uint64_t seed)
    : m_shape(shape) {
  const std::string error = link_shape_error(shape);
  NS_ABORT_MSG_IF(!error.empty(), "link: " << error);
  m_channel = ns3::CreateObject<JitterChannel>();
  m_channel->SetSeed(seed * 3 + 1);
  m_channel->SetShape(shape.latency, shape.jitter);
  ns3::Ptr<ns3::Node> ends[2] = {a, b};
  for (uint32_t end = 0; end < 2; ++end) {
    auto device = ns3::CreateObject<ns3::PointToPointNetDevice>();
    device->SetAddress(ns3::Mac48Address::Allocate());
    device->SetDataRate(ns3::DataRate(shape.bandwidth));
    device->SetQueue(ns3::CreateObject<ns3::DropTailQueue<ns3::Packet>>());
    ends[end]->AddDevice(device);
    device->Attach(m_channel);
    m_loss[end] = ns3::CreateObject<LinkLoss>();
    m_loss[end]->Configure(shape.loss, seed * 3 + 2 + end);
    device->SetReceiveErrorModel(m_loss[end]);
    m_devices.Add(device);
  }
}

void ShapedLink::SetShape(const LinkShape& shape) {
  const std::string error = link_shape_error(shape);
  NS_ABORT_MSG_IF(!error.empty(), "link: " << error);
  m_shape = shape;
  m_channel->SetShape(shape.latency, shape.jitter);
  for (uint32_t end = 0; end < 2; ++end) {
    m_devices.Get(end)->GetObject<ns3::PointToPointNetDevice>()->SetDataRate(
        ns3::DataRate(shape.bandwidth));
    m_loss[end]->SetLoss(shape.loss);
  }
}

void ShapedLink::SetDown(bool down) {
  for (const ns3::Ptr<LinkLoss>& l : m_loss) l->SetDown(down);
}

uint64_t ShapedLink::LostWhileDown() const {
  return m_loss[0]->LostWhileDown() + m_loss[1]->LostWhileDown();
}

uint64_t ShapedLink::LostAtRandom() const {
  return m_loss[0]->LostAtRandom() + m_loss[1]->LostAtRandom();
}

}  // namespace weft::sim
