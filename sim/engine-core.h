// The unchanged node engine (weft::engine::Engine: control client + WireGuard device + packet
// filter) as a simulator core: the engine with the seeded Random it draws from, replaceable by a
// new engine on a process restart, and how the simulator reads its outputs (CoreTraits).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core-slot.h"
#include "core/random.h"
#include "engine/engine.h"
#include "split-crypto.h"

namespace weft::sim {

/// One node's engine process. Every data-plane call reaches the engine unchanged; the control
/// driver (ControlLink) reaches it through Engine().
class EngineCore {
 public:
  /// Errors: those of engine::Engine::create.
  static Result<std::unique_ptr<EngineCore>> Create(const engine::EngineConfig& config,
                                                     uint64_t seed);
  EngineCore(const EngineCore&) = delete;
  EngineCore& operator=(const EngineCore&) = delete;

  /// A process restart: a new engine from the same config (machine and node key kept, as the
  /// state directory keeps them) and a new seed; nothing of the old engine survives.
  /// Errors: those of engine::Engine::create.
  Status Restart(uint64_t seed);

  engine::Engine& Engine() { return *m_engine; }
  const engine::Engine& Engine() const { return *m_engine; }
  /// The Random the control calls take (the same the engine was created with).
  core::Random& Random() { return *m_random; }
  const engine::EngineConfig& Config() const { return m_config; }

  /// The data path's crypto from now on: the split path (split-crypto.h) for the datagrams
  /// of the UDP socket and the tunnel's packets; nullptr: whole calls (the default).
  void UseSplitCrypto(std::unique_ptr<SplitCrypto> split) { m_split = std::move(split); }
  /// The split path in use, or nullptr.
  const SplitCrypto* Split() const { return m_split.get(); }

  // What lib/core/drive.h and CoreSlotOf ask of a core.
  engine::Output receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                                  core::MutableBytes out) {
    if (m_split) return m_split->Receive(*m_engine, now, from, datagram, out);
    return m_engine->receive_datagram(now, from, datagram, out);
  }
  /// An IP packet from the node's tunnel, through the crypto path in use.
  engine::Output send_packet(core::Now now, core::ByteView ip_packet, core::MutableBytes out) {
    if (m_split) return m_split->Send(*m_engine, now, ip_packet, out);
    return m_engine->send_packet(now, ip_packet, out);
  }
  engine::Output poll_transmit(core::Now now, core::MutableBytes out) {
    return m_engine->poll_transmit(now, out);
  }
  void update_timers(core::Now now) { m_engine->update_timers(now); }
  std::optional<core::Duration> next_deadline() const { return m_engine->next_deadline(); }

 private:
  explicit EngineCore(const engine::EngineConfig& config) : m_config(config) {}

  engine::EngineConfig m_config;
  // Declared before the engine, which keeps a reference to it.
  std::unique_ptr<core::SeededRandom> m_random;
  std::unique_ptr<engine::Engine> m_engine;
  // Declared after the engine: destroyed first, its pending jobs with it.
  std::unique_ptr<SplitCrypto> m_split;
};

/// A node's engine config for a simulated tailnet: machine and node key drawn from `keys`, the
/// coordinator's key, a pre-auth key, the host name, OS "linux".
engine::EngineConfig NodeConfig(core::Random& keys, const core::MachinePublicKey& server_key,
                                const std::string& auth_key, const std::string& hostname);

/// Drop reasons: the device's (wg::DropReason) first, then one for the engine's filter denies.
inline constexpr std::size_t kEngineFilterDrop = wg::kDropReasonCount;

template <>
struct CoreTraits<EngineCore> {
  static constexpr std::size_t kOutputCapacity = wg::output_capacity_for(kMaxDatagram);
  static constexpr std::size_t kDropReasons = wg::kDropReasonCount + 1;
  static Effect effect(const engine::Output& output);
};

}  // namespace weft::sim
