// The unchanged WireGuard core (weft::wg::Device) behind the simulator's SansIoCore interface,
// with a seeded random source so a simulated run is reproducible.
#pragma once

#include <cstdint>

#include "sans-io-core.h"
#include "core/random.h"
#include "wg/device.h"

namespace weft::sim {

/// Owns one wg::Device and the Random it draws from; forwards every call unchanged.
class WgDeviceCore final : public SansIoCore {
 public:
  WgDeviceCore(const wg::DeviceConfig& config, uint64_t seed);

  wg::Device& GetDevice() { return m_device; }
  const wg::Device& GetDevice() const { return m_device; }

  wg::Output receive_datagram(wg::Now now, const wg::Path& from, wg::ByteView datagram,
                              wg::MutableBytes out) override {
    return m_device.receive_datagram(now, from, datagram, out);
  }
  wg::Output send_packet(wg::Now now, wg::ByteView ip_packet, wg::MutableBytes out) override {
    return m_device.send_packet(now, ip_packet, out);
  }
  wg::Output poll_transmit(wg::Now now, wg::MutableBytes out) override {
    return m_device.poll_transmit(now, out);
  }
  void update_timers(wg::Now now) override { m_device.update_timers(now); }
  std::optional<wg::Duration> next_deadline() const override { return m_device.next_deadline(); }

 private:
  core::SeededRandom m_random;  // declared first: the device keeps a reference to it
  wg::Device m_device;
};

/// A private key drawn from a seeded generator (X25519 clamps any 32 bytes).
wg::PrivateKey seeded_private_key(uint64_t seed);

}  // namespace weft::sim
