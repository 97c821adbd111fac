// A node's control stream in the simulation: drives the engine's control surface (dial when it
// wants a connection, bytes both ways, the end of a connection) over simulated TCP to the
// coordinator, and keeps the node's simulated disk (the engine's kCacheWrite bytes).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core-slot.h"
#include "engine-core.h"
#include "ns3/inet-socket-address.h"
#include "ns3/node.h"
#include "stream-socket.h"

namespace weft::sim {

/// What a node's control driver did, for scenario checks.
struct ControlLinkStats {
  uint64_t dials = 0;
  uint64_t dial_failures = 0;  ///< refused, reset or timed out (EngineConfig dial_timeout)
  uint64_t connections = 0;    ///< dials that connected
  uint64_t disconnects = 0;    ///< connected streams that ended by themselves
  uint64_t closes = 0;         ///< connections the engine asked to close
  uint64_t bytes_sent = 0;     ///< control bytes handed to streams
  uint64_t bytes_received = 0;
};

/// The engine's control driver, as lib/node's ControlConnection is on Linux. Calling contract
/// of engine::Engine ("Control plane"): every call into the engine goes through the slot's
/// Input() so its data path is drained and its timer re-armed; Poll() runs after every call
/// (CoreSlot::TraceAfterCall) and drains control transmits and events.
class ControlLink {
 public:
  using EventHandler = std::function<void(const engine::Event&)>;

  /// `wall_epoch` as the slot's host has it (CoreHost::SetWallEpoch).
  ControlLink(CoreSlotOf<EngineCore>* slot, ns3::Ptr<ns3::Node> node,
              const ns3::InetSocketAddress& server, core::WallTime wall_epoch,
              EventHandler on_event);
  ~ControlLink();
  ControlLink(const ControlLink&) = delete;
  ControlLink& operator=(const ControlLink&) = delete;

  /// The node's process died: its stream is gone without a word to the engine (which is about
  /// to be replaced). Poll() does nothing until the slot runs again.
  void Crash();
  /// The node's address went away (it moved): the stream, bound to the old address, ends now
  /// and the engine is told, so it dials again at once — lib/node's ControlConnection::reconnect.
  void Reconnect();
  /// After any call into the engine: events (cache writes kept on the disk), control bytes to
  /// the stream, and a dial when the engine wants a connection.
  void Poll();

  /// The simulated disk: the last cache file the engine asked to write (empty: none).
  const std::vector<uint8_t>& CachedBytes() const { return m_disk; }
  bool IsConnected() const { return m_streamConnected; }
  const ControlLinkStats& Stats() const { return m_stats; }

 private:
  engine::Engine& Engine() { return m_slot->GetCore().Engine(); }
  void Dial();
  void OnConnected();
  void OnBytes(core::ByteView bytes);
  void OnClosed();
  /// Sets the current stream aside (after it ended, or the engine hung up).
  void DropStream();

  CoreSlotOf<EngineCore>* m_slot;
  ns3::Ptr<ns3::Node> m_node;
  ns3::InetSocketAddress m_server;
  EventHandler m_onEvent;
  std::unique_ptr<StreamSocket> m_stream;
  /// Streams closing after their last bytes (the engine asked to close them).
  std::vector<std::unique_ptr<StreamSocket>> m_closing;
  /// Streams that ended (kept, not deleted inside their own callbacks; a few hundred per outage).
  std::vector<std::unique_ptr<StreamSocket>> m_ended;
  std::vector<uint8_t> m_disk;
  ControlLinkStats m_stats;
  core::WallTime m_wallEpoch;
  bool m_streamConnected = false;  ///< m_stream connected (a dial otherwise)
  bool m_polling = false;
};

}  // namespace weft::sim
