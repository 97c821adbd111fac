// The unchanged WireGuard core behind the simulator's SansIoCore interface (see wg-device-core.h).
#include "wg-device-core.h"

namespace weft::sim {

WgDeviceCore::WgDeviceCore(const wg::DeviceConfig& config, uint64_t seed)
    : m_random(seed), m_device(config, m_random) {}

wg::PrivateKey seeded_private_key(uint64_t seed) {
  core::SeededRandom random(seed);
  wg::PrivateKey key;
  random.fill(key.bytes.data(), key.bytes.size());
  return key;
}

}  // namespace weft::sim
