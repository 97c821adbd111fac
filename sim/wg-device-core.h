// The unchanged WireGuard core (weft::wg::Device) as a simulator core: the device with the seeded
// Random it draws from, and how the simulator reads its outputs (CoreTraits).
#pragma once

#include <cstdint>

#include "core-slot.h"
#include "core/random.h"
#include "wg/device.h"

namespace weft::sim {

/// Holds the Random before the device is built (the device keeps a reference to it).
struct SeededRandomHolder {
  explicit SeededRandomHolder(uint64_t seed) : m_random(seed) {}
  core::SeededRandom m_random;
};

/// A wg::Device whose randomness comes from `seed`; every call reaches the device unchanged.
class WgDeviceCore final : private SeededRandomHolder, public wg::Device {
 public:
  WgDeviceCore(const wg::DeviceConfig& config, uint64_t seed)
      : SeededRandomHolder(seed), wg::Device(config, m_random) {}
};

template <>
struct CoreTraits<WgDeviceCore> {
  static constexpr std::size_t kOutputCapacity = wg::output_capacity_for(kMaxDatagram);
  static constexpr std::size_t kDropReasons = wg::kDropReasonCount;
  static Effect effect(const wg::Output& output);
};

/// A private key drawn from a seeded generator (X25519 clamps any 32 bytes).
wg::PrivateKey seeded_private_key(uint64_t seed);

}  // namespace weft::sim
