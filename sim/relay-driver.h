// A node's relay connections in the simulation (docs/sim.md, "Relays"): drives the engine's relay
// surface as lib/node/relay_driver does on Linux — a simulated TCP connection per dial request
// (the HTTP upgrade is the Linux front's and is not simulated), bytes both ways, and the datagrams
// that arrive through relays handed to the engine's receive_datagram() with their relayed path.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "core-slot.h"
#include "engine-core.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "stream-socket.h"

namespace weft::sim {

/// What a node's relay driver did, for scenario checks.
struct RelayDriverStats {
  uint64_t dials = 0;
  uint64_t dial_failures = 0;  ///< refused, reset, timed out, or no IPv4 address in the map
  uint64_t connections = 0;    ///< dials that connected
  uint64_t disconnects = 0;    ///< connected streams that ended by themselves
  uint64_t closes = 0;         ///< connections the engine asked to close
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t datagrams_in = 0;   ///< relayed datagrams handed to receive_datagram()
  uint64_t unsent = 0;         ///< relay output for a connection that is not (or no longer) up
};

/// The engine's relay driver. Calling contract of engine::Engine ("Relays"): every call into
/// the engine goes through the slot's Input() (its data path drained, its timer re-armed);
/// Poll() runs after every call (CoreSlot::TraceAfterCall) and acts on dial and close requests,
/// writes relay output and hands relayed datagrams back to the engine until nothing is left.
class RelayDriver {
 public:
  /// Connect timeout of a dial (lib/node/relay_driver.cc's connect_timeout).
  static constexpr int64_t kDialTimeoutSeconds = 3;
  /// Output waiting in one stream beyond which the engine's bounded relay queues keep the rest.
  static constexpr std::size_t kMaxBacklog = 1u << 20;

  /// Observer of every relay write: the engine's link id and the bytes.
  using TransmitObserver = std::function<void(uint32_t, core::ByteView)>;
  /// Called with true right before a relayed datagram goes to receive_datagram() and with false
  /// right after (what the engine delivers in between came through a relay).
  using DatagramInObserver = std::function<void(bool)>;

  RelayDriver(CoreSlotOf<EngineCore>* slot, ns3::Ptr<ns3::Node> node);
  ~RelayDriver();
  RelayDriver(const RelayDriver&) = delete;
  RelayDriver& operator=(const RelayDriver&) = delete;

  void Poll();
  /// The node's address went away (it moved): every relay connection ends now and the engine
  /// is told, so it dials again — lib/node's RelayDriver::reconnect_all.
  void ReconnectAll();
  void TraceTransmit(TransmitObserver observer) { m_onTransmit = std::move(observer); }
  void TraceDatagramIn(DatagramInObserver observer) { m_onDatagramIn = std::move(observer); }

  const RelayDriverStats& Stats() const { return m_stats; }
  /// Simulated times of every dial, in order (the engine's redial backoff made visible).
  const std::vector<ns3::Time>& DialTimes() const { return m_dialTimes; }
  std::size_t OpenConnections() const { return m_links.size(); }

 private:
  engine::Engine& Engine() { return m_slot->GetCore().Engine(); }
  void Dial(const engine::RelayRequest& request);
  void Close(uint32_t link);
  void OnConnected(uint32_t link);
  void OnBytes(uint32_t link, core::ByteView bytes);
  void OnClosed(uint32_t link);
  /// Sets a link's stream aside (kept until the driver goes: ns-3 may be inside its callback).
  void Retire(uint32_t link);
  /// The engine's relay output into the streams; true when any was taken.
  bool WriteOutput();
  /// Relayed datagrams into receive_datagram(); true when any was handed over.
  bool DeliverDatagrams();

  struct Link {
    std::unique_ptr<StreamSocket> stream;
    bool connected = false;  ///< the dial succeeded (a dial otherwise)
  };

  CoreSlotOf<EngineCore>* m_slot;
  ns3::Ptr<ns3::Node> m_node;
  std::map<uint32_t, Link> m_links;  ///< by the engine's link id
  std::vector<std::unique_ptr<StreamSocket>> m_ended;
  std::vector<uint8_t> m_buffer;
  std::vector<ns3::Time> m_dialTimes;
  TransmitObserver m_onTransmit;
  DatagramInObserver m_onDatagramIn;
  RelayDriverStats m_stats;
  bool m_polling = false;
};

}  // namespace weft::sim
