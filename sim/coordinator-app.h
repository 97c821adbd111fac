// The unchanged coordinator core (weft::coord::Coordinator) as an ns-3 application: a listening
// simulated TCP socket whose connections are the core's connection ids, one ns-3 event at its
// next_deadline(), and an in-memory store as the server's simulated disk.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coord/coordinator.h"
#include "core/random.h"
#include "core/time.h"
#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/node.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"
#include "stream-listener.h"
#include "stream-socket.h"
#include "support/memory_state_store.h"

namespace weft::sim {

/// Calling contract of coord::Coordinator: every call is followed by AfterCall() (transmits to
/// their connections, closes, the timer re-armed); operator actions go through Operate().
class CoordinatorApp : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId();
  CoordinatorApp();
  ~CoordinatorApp() override;

  /// Builds the core at the current simulated time (before the application starts, so the
  /// operator can create users and keys first). Errors: those of coord::Coordinator::create.
  Status Setup(const coord::CoordinatorConfig& config, const coord::RegistryConfig& registry,
               uint16_t port, uint64_t seed, core::WallTime wall_epoch);

  /// A coordinator from `config` (an empty registry config, the default wall epoch) on `node`,
  /// listening on `port`, its Random seeded with `seed`, started at 0 s. Aborts the simulation
  /// when the core refuses the config.
  static ns3::Ptr<CoordinatorApp> Install(ns3::Ptr<ns3::Node> node,
                                          const coord::CoordinatorConfig& config, uint16_t port,
                                          uint64_t seed);

  /// A reusable pre-auth key that registers nodes with `tag`, owned by `user` (created as a
  /// member the first time). Aborts the simulation when the coordinator refuses.
  std::string TaggedAuthKey(const std::string& user, const std::string& tag);

  /// Runs an operator action `f(coordinator, now, rng)` (set_policy, create_auth_key, ...) and
  /// then delivers what it queued; returns what `f` returns.
  template <class F>
  auto Operate(F&& f) {
    const core::Now now = Now();
    auto result = f(*m_core, now, *m_random);
    AfterCall();
    return result;
  }

  const coord::Coordinator& Core() const { return *m_core; }
  /// The server's simulated disk: what the store committed.
  const weft::test::MemoryStore& Disk() const { return m_store; }
  std::size_t OpenConnections() const { return m_connections.size(); }
  uint64_t Accepted() const { return m_nextConnection - 1; }

 protected:
  void DoDispose() override;

 private:
  void StartApplication() override;
  void StopApplication() override;
  core::Now Now() const;
  void OnAccepted(ns3::Ptr<ns3::Socket> socket);
  void OnBytes(uint64_t id, core::ByteView bytes);
  void OnClosed(uint64_t id);
  void OnTimer();
  /// Transmits to their streams (closing those the core closes), then the timer re-armed.
  void AfterCall();

  uint16_t m_port = 0;
  core::WallTime m_wallEpoch{};
  std::unique_ptr<core::SeededRandom> m_random;
  weft::test::MemoryStore m_store;
  std::unique_ptr<coord::Coordinator> m_core;
  StreamListener m_listener;
  std::map<uint64_t, std::unique_ptr<StreamSocket>> m_connections;
  std::vector<std::unique_ptr<StreamSocket>> m_closing;
  uint64_t m_nextConnection = 1;
  DeadlineEvent m_timer;
};

}  // namespace weft::sim
