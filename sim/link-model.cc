// Shaped point-to-point links: latency, bandwidth, loss, jitter, cuts (see link-model.h).
#include "link-model.h"

#include <algorithm>

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/mac48-address.h"

namespace weft::sim {

NS_OBJECT_ENSURE_REGISTERED(LinkLoss);

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
  if (m_loss > 0 && unit_draw(m_random) < m_loss) {
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
  m_channel = ns3::CreateObject<LinkChannel>();
  m_channel->SetSeed(seed * 3 + 1);
  m_channel->SetShape(shape.latency, shape.jitter);
  ns3::Ptr<ns3::Node> ends[2] = {a, b};
  for (uint32_t end = 0; end < 2; ++end) {
    auto device = ns3::CreateObject<LinkDevice>();
    device->SetAddress(ns3::Mac48Address::Allocate());
    device->SetDataRate(ns3::DataRate(shape.bandwidth));
    m_ends[end] = device;
    ends[end]->AddDevice(device);
    device->Attach(m_channel);
    m_loss[end] = ns3::CreateObject<LinkLoss>();
    m_loss[end]->Configure(shape.loss, seed * 3 + 2 + end);
    device->SetReceiveErrorModel(m_loss[end]);
  }
}

void ShapedLink::SetShape(const LinkShape& shape) {
  const std::string error = link_shape_error(shape);
  NS_ABORT_MSG_IF(!error.empty(), "link: " << error);
  m_shape = shape;
  m_channel->SetShape(shape.latency, shape.jitter);
  for (uint32_t end = 0; end < 2; ++end) {
    m_ends[end]->SetDataRate(ns3::DataRate(shape.bandwidth));
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

uint64_t ShapedLink::LostToQueue() const {
  return m_ends[0]->LostToQueue() + m_ends[1]->LostToQueue();
}

}  // namespace weft::sim
