// The ns-3 driver of one sans-IO core: an Application owning a UDP socket that feeds datagrams
// to the core with simulated `now`, sends what the core emits, and keeps ONE timer event armed
// at the core's next_deadline() (design brief, "two drivers").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/packet.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"
#include "sans-io-core.h"

namespace weft::sim {

/// Drives a SansIoCore from a node's UDP socket and from a tunnel the test harness feeds.
/// Trace sources: "TunnelRx" (IP packet the core delivered), "DatagramTx" / "DatagramRx"
/// (UDP payloads with the peer's address).
class UdpCoreApp : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId();
  UdpCoreApp();
  ~UdpCoreApp() override;

  /// The app owns the core. Set before the application starts.
  void SetCore(std::unique_ptr<SansIoCore> core);
  SansIoCore* GetCore() const { return m_core.get(); }
  /// Wall-clock origin handed to the core with every `now` (default: default_wall_epoch()).
  void SetWallEpoch(wg::WallTime epoch) { m_wallEpoch = epoch; }

  /// The tunnel side: hands an IP packet to the core as if read from a TUN device, then sends
  /// whatever the core emits. Returns the core's first result (kNone when the app is stopped).
  wg::Output InjectTunnelPacket(const uint8_t* data, std::size_t size);

  uint64_t GetDrops(wg::DropReason reason) const {
    return m_drops[static_cast<std::size_t>(reason)];
  }
  uint64_t GetTimerFirings() const { return m_timerFirings; }
  /// Simulated time the timer event last fired; negative if it never did.
  ns3::Time GetLastTimerFiring() const { return m_lastTimerFiring; }
  /// Times update_timers() left the deadline at or before `now` (a core bug; 0 when healthy).
  uint64_t GetStuckDeadlines() const { return m_stuckDeadlines; }
  /// Datagrams the core asked to send to an address the simulation cannot express.
  uint64_t GetUnsendable() const { return m_unsendable; }
  /// Simulated time the single timer event is armed for; negative when none is armed.
  ns3::Time GetArmedDeadline() const;

  typedef void (*BytesTracedCallback)(ns3::Ptr<const ns3::Packet> packet);
  typedef void (*DatagramTracedCallback)(ns3::Ptr<const ns3::Packet> packet,
                                         const ns3::Address& peer);

 protected:
  void DoDispose() override;

 private:
  void StartApplication() override;
  void StopApplication() override;

  void HandleRead(ns3::Ptr<ns3::Socket> socket);
  void HandleTimer();
  /// Acts on one core result (send, deliver, count a drop).
  void Execute(const wg::Output& output);
  /// Runs poll_transmit() until the core has nothing more to send.
  void Drain();
  /// Keeps the single timer event at the core's next_deadline().
  void Rearm();
  wg::Now CoreNow() const;
  wg::MutableBytes OutBuffer() { return wg::MutableBytes{m_out.data(), m_out.size()}; }

  std::unique_ptr<SansIoCore> m_core;
  ns3::Ptr<ns3::Socket> m_socket;
  uint16_t m_port;
  bool m_running;
  wg::WallTime m_wallEpoch;
  ns3::EventId m_timer;
  ns3::Time m_timerAt;
  ns3::Time m_lastTimerFiring;
  std::vector<uint8_t> m_in;
  std::vector<uint8_t> m_out;
  std::array<uint64_t, wg::kDropReasonCount> m_drops;
  uint64_t m_timerFirings;
  uint64_t m_stuckDeadlines;
  uint64_t m_unsendable;
  ns3::TracedCallback<ns3::Ptr<const ns3::Packet>> m_tunnelRxTrace;
  ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, const ns3::Address&> m_datagramTxTrace;
  ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, const ns3::Address&> m_datagramRxTrace;
};

}  // namespace weft::sim
