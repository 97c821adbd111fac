// A node's cores: one ns-3 Application holding several core slots, each a sans-IO core on its
// own UDP port (WireGuard today; control, discovery and relay cores beside it next).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core-slot.h"
#include "core/time.h"
#include "ns3/application.h"

namespace weft::sim {

/// Starts and stops its slots with the application; a slot added while running starts at once.
class CoreHost : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId();
  CoreHost();
  ~CoreHost() override;

  /// Binds `core` to UDP `port` of this node. Aborts if the port already has a core.
  template <class Core>
  CoreSlotOf<Core>* AddCore(uint16_t port, std::unique_ptr<Core> core) {
    auto slot = std::make_unique<CoreSlotOf<Core>>(port, std::move(core));
    CoreSlotOf<Core>* typed = slot.get();
    Adopt(std::move(slot));
    return typed;
  }
  /// The slot bound to `port`, or nullptr.
  CoreSlot* GetSlot(uint16_t port) const;
  /// Origin of every `now.wall` handed to this node's cores (default: default_wall_epoch()).
  void SetWallEpoch(core::WallTime epoch) { m_wallEpoch = epoch; }

 protected:
  void DoDispose() override;

 private:
  void StartApplication() override;
  void StopApplication() override;
  void Adopt(std::unique_ptr<CoreSlot> slot);

  std::vector<std::unique_ptr<CoreSlot>> m_slots;
  core::WallTime m_wallEpoch;
  bool m_running;
};

}  // namespace weft::sim
