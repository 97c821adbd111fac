// A node's cores in one ns-3 Application (see core-host.h).
#include "core-host.h"

#include "core-conversions.h"
#include "ns3/log.h"

namespace weft::sim {

NS_LOG_COMPONENT_DEFINE("WeftCoreHost");
NS_OBJECT_ENSURE_REGISTERED(CoreHost);

ns3::TypeId CoreHost::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::CoreHost")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Weft")
                               .AddConstructor<CoreHost>();
  return tid;
}

CoreHost::CoreHost() : m_wallEpoch(default_wall_epoch()), m_running(false) {}

CoreHost::~CoreHost() = default;

CoreSlot* CoreHost::GetSlot(uint16_t port) const {
  for (const std::unique_ptr<CoreSlot>& slot : m_slots) {
    if (slot->GetPort() == port) {
      return slot.get();
    }
  }
  return nullptr;
}

void CoreHost::Adopt(std::unique_ptr<CoreSlot> slot) {
  NS_ABORT_MSG_IF(GetSlot(slot->GetPort()) != nullptr,
                  "port " << slot->GetPort() << " already has a core");
  m_slots.push_back(std::move(slot));
  if (m_running) {
    m_slots.back()->Start(GetNode(), m_wallEpoch);
  }
}

void CoreHost::DoDispose() {
  m_slots.clear();
  ns3::Application::DoDispose();
}

void CoreHost::StartApplication() {
  m_running = true;
  for (const std::unique_ptr<CoreSlot>& slot : m_slots) {
    slot->Start(GetNode(), m_wallEpoch);
  }
}

void CoreHost::StopApplication() {
  // A stopped node is silent: no sockets, no timers; its cores keep their state untouched.
  m_running = false;
  for (const std::unique_ptr<CoreSlot>& slot : m_slots) {
    slot->Stop();
  }
}

}  // namespace weft::sim
