// The node engine's split crypto path (lib/wg's CryptoJob entry points and TransportCrypto, the
// ones `weft up --threads N` drives from lib/dataplane) driven from ns-3: the AEAD of each
// tunnel packet and of each datagram from the UDP socket runs apart from the call that prepared
// it, either inline or on simulated workers that take a drawn time per job and so finish out of
// order; results go back to the engine in preparation order (docs/simulation.md, "Crypto path").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/bytes.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "engine/engine.h"
#include "in-order-completion.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "wg/crypto_job.h"

namespace weft::sim {

class EngineCore;
template <class Core>
class CoreSlotOf;

struct SplitCryptoStats {
  uint64_t seals = 0;             ///< tunnel packets sealed apart from send_packet()
  uint64_t opens = 0;             ///< data messages opened apart from receive_datagram()
  uint64_t held_back = 0;         ///< jobs finished before an older one of their direction
  uint64_t lost_to_restart = 0;   ///< jobs pending when the process restarted
  uint64_t keypair_switches = 0;  ///< opens whose keypair differs from the open's before (rekeys)
  std::size_t max_in_flight = 0;  ///< most jobs pending at once (both directions)
};

/// One node's crypto workers. Inline: the job runs inside the call that prepared it (what one
/// thread with the split entry points does). Deferred: every job finishes after a delay drawn
/// uniformly from [0, max_delay] (a worker's queue and AEAD time), a sealed datagram leaves
/// the socket and an opened one reaches complete_receive() only once every older job of its
/// direction finished — the order-preserving completion of lib/dataplane's crypto pool.
/// Relayed datagrams stay on the whole path, as in the Linux driver.
class SplitCrypto {
 public:
  /// `seed` draws the delays (deterministic per run).
  SplitCrypto(bool deferred, ns3::Time max_delay, uint64_t seed);
  ~SplitCrypto();
  SplitCrypto(const SplitCrypto&) = delete;
  SplitCrypto& operator=(const SplitCrypto&) = delete;

  /// The slot whose core owns this (completions go through its Input()). Needed when deferred.
  void Attach(CoreSlotOf<EngineCore>* slot) { m_slot = slot; }
  bool Deferred() const { return m_deferred; }

  /// Engine::send_packet() with the seal left to the workers. Deferred: a datagram to seal is
  /// held (the result is kNone) and sent when released.
  engine::Output Send(engine::Engine& engine, core::Now now, core::ByteView ip_packet,
                      core::MutableBytes out);
  /// Engine::receive_datagram() with the open left to the workers. Deferred: a data message is
  /// held (the result is kNone) and completed when released.
  engine::Output Receive(engine::Engine& engine, core::Now now, const core::Path& from,
                         core::ByteView datagram, core::MutableBytes out);
  /// The process restarted: pending jobs are lost (keys wiped), as with its threads.
  void Reset();

  SplitCryptoStats Stats() const;

 private:
  struct Work {
    std::unique_ptr<wg::CryptoJob> job;
    engine::Output output;           ///< seal: the prepared send (size, endpoint)
    core::Path from;                 ///< open: where the datagram came from
    std::vector<uint8_t> datagram;   ///< seal: header + plaintext + tag room; open: as received
    std::vector<uint8_t> plaintext;  ///< open: the worker's result
    ns3::EventId finish;
  };
  using Queue = InOrderCompletion<Work>;

  ns3::Time DrawDelay();
  /// The worker finished job `ticket` of `queue`: runs its AEAD, then releases what is ready.
  void Finish(Queue* queue, uint64_t ticket);
  void Release(Queue& queue);
  void NoteInFlight();

  bool m_deferred;
  ns3::Time m_maxDelay;
  core::SeededRandom m_random;
  wg::TransportCrypto m_crypto;
  CoreSlotOf<EngineCore>* m_slot = nullptr;
  std::vector<uint8_t> m_scratch;  ///< inline open: TransportCrypto takes a mutable datagram
  uint64_t m_lastOpenSerial = 0;   ///< the keypair of the last open (0: none yet)
  Queue m_seals;
  Queue m_opens;
  SplitCryptoStats m_stats;
};

}  // namespace weft::sim
