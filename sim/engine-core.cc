// The unchanged node engine as a simulator core (see engine-core.h).
#include "engine-core.h"

#include <utility>

#include "support/test_keys.h"
#include "wg-device-core.h"

namespace weft::sim {

Result<std::unique_ptr<EngineCore>> EngineCore::Create(const engine::EngineConfig& config,
                                                       uint64_t seed) {
  std::unique_ptr<EngineCore> core(new EngineCore(config));
  if (Status s = core->Restart(seed); !s) return s.error();
  return core;
}

Status EngineCore::Restart(uint64_t seed) {
  if (m_split) m_split->Reset();  // the old process's jobs die with it
  m_engine.reset();
  m_random = std::make_unique<core::SeededRandom>(seed);
  auto created = engine::Engine::create(m_config, *m_random);
  if (!created) return created.error();
  m_engine = std::move(created).value();
  return Ok{};
}

engine::EngineConfig NodeConfig(core::Random& keys, const core::MachinePublicKey& server_key,
                                const std::string& auth_key, const std::string& hostname) {
  engine::EngineConfig ec;
  ec.client.machine_key = weft::test::random_private<core::MachinePrivateKey>(keys);
  ec.client.node_key = weft::test::random_private<core::NodePrivateKey>(keys);
  ec.client.server_key = server_key;
  ec.client.auth_key = auth_key;
  ec.client.hostinfo.hostname = hostname;
  ec.client.hostinfo.os = "linux";
  return ec;
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
