// The unchanged node engine as a simulator core (see engine-core.h).
#include "engine-core.h"

#include <utility>

#include "wg-device-core.h"

namespace weft::sim {

Result<std::unique_ptr<EngineCore>> EngineCore::Create(const engine::EngineConfig& config,
                                                       uint64_t seed) {
  std::unique_ptr<EngineCore> core(new EngineCore(config));
  if (Status s = core->Restart(seed); !s) return s.error();
  return core;
}

Status EngineCore::Restart(uint64_t seed) {
  m_engine.reset();
  m_random = std::make_unique<core::SeededRandom>(seed);
  auto created = engine::Engine::create(m_config, *m_random);
  if (!created) return created.error();
  m_engine = std::move(created).value();
  return Ok{};
}

Effect CoreTraits<EngineCore>::effect(const engine::Output& output) {
  // The engine's Output is the device's plus the engine's own drop (a filter deny).
  if (output.action == wg::Action::kDrop &&
      output.engine_drop == engine::EngineDrop::kFilterDenied) {
    return Effect::Drop(kEngineFilterDrop);
  }
  return CoreTraits<WgDeviceCore>::effect(output);
}

}  // namespace weft::sim
