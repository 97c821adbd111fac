// The unchanged WireGuard core as a simulator core (see wg-device-core.h).
#include "wg-device-core.h"

namespace weft::sim {

Effect CoreTraits<WgDeviceCore>::effect(const wg::Output& output) {
  switch (output.action) {
    case wg::Action::kSendDatagram:
      return Effect::Send(output.size, output.endpoint);
    case wg::Action::kDeliverToTunnel:
      return Effect::Deliver(output.size);
    case wg::Action::kDrop:
      return Effect::Drop(output.drop);
    case wg::Action::kNone:
      break;
  }
  return Effect{};
}

wg::PrivateKey seeded_private_key(uint64_t seed) {
  core::SeededRandom random(seed);
  wg::PrivateKey key;
  random.fill(key.bytes.data(), key.bytes.size());
  return key;
}

}  // namespace weft::sim
