// Transport keypairs and their rotation (whitepaper 5.4.6 and 6.1): one AEAD context per
// direction, a send counter, a replay window, and the previous/current/next slots of a peer.
#pragma once

#include <cstdint>
#include <memory>

#include "crypto/crypto.h"
#include "wg/replay.h"
#include "wg/types.h"

namespace weft::wg {

/// One session's keys. Non-movable (the AEAD contexts are), so held by unique_ptr.
struct Keypair {
  Keypair(const crypto::Key32& send_key, const crypto::Key32& recv_key, bool initiator,
          Duration created, uint32_t local_index, uint32_t remote_index);
  Keypair(const Keypair&) = delete;
  Keypair& operator=(const Keypair&) = delete;

  crypto::AeadContext send;
  crypto::AeadContext recv;
  uint64_t next_send_counter = 0;
  ReplayWindow replay;
  Duration created;
  bool initiator;
  uint32_t local_index;
  uint32_t remote_index;
  /// Unique per device (Device::Impl::next_keypair_serial): a CryptoJob prepared for this
  /// keypair completes only against it, even if its local index was reused meanwhile.
  uint64_t serial = 0;

  /// False once RejectAfterTime passed since creation.
  bool fresh(Duration now) const { return now - created < kRejectAfterTime; }
};

/// The three keypair slots of a peer. `next` is a responder's new session, unconfirmed until
/// the initiator's first data packet arrives with it.
struct Keypairs {
  std::unique_ptr<Keypair> previous;
  std::unique_ptr<Keypair> current;
  std::unique_ptr<Keypair> next;

  /// Installs a freshly derived keypair (whitepaper 5.4.6): an initiator switches to it at
  /// once; a responder parks it in `next`. Returns local indices of dropped keypairs via
  /// `retired` (up to 2; 0 = none) so the index table can forget them.
  void install(std::unique_ptr<Keypair> kp, uint32_t retired[2]);
  /// Called when data arrived on `kp`: promotes `next` to current on its first use. Returns
  /// true when it did; `retired` then holds the local index of the dropped keypair (0 = none).
  bool confirm(const Keypair* kp, uint32_t& retired);
  /// The keypair with this local index, or null.
  Keypair* find(uint32_t local_index) const;
  /// Drops all keypairs; their indices are written to `retired` (up to 3; 0 = none).
  void clear(uint32_t retired[3]);
};

}  // namespace weft::wg
