// Device internals shared by device.cc (configuration), device_receive.cc (incoming datagrams),
// device_send.cc (outgoing packets, poll_transmit) and device_timers.cc. Not a public header.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "wg/allowed_ips.h"
#include "wg/cookie.h"
#include "wg/deadline_queue.h"
#include "wg/device.h"
#include "wg/peer.h"

namespace weft::wg {

struct Device::Impl {
  Impl(const DeviceConfig& config, Random& rng);

  Random& random;
  StaticIdentity identity;
  std::size_t mtu;
  std::vector<std::unique_ptr<Peer>> peers;  // index = PeerId; null once removed
  std::map<PublicKey, PeerId> by_key;
  std::unordered_map<uint32_t, PeerId> index_table;
  AllowedIps allowed;
  CookieChecker checker;
  RateLimiter limiter;
  bool under_load = false;
  DeviceStats stats;
  std::deque<PeerId> pending;  // peers with something for poll_transmit
  DeadlineQueue deadlines;     // each peer's earliest timer
  std::vector<PeerId> touched;  // peers to re-file in `deadlines` before the call returns
  std::vector<PeerId> due;      // update_timers' scratch list
  uint64_t next_keypair_serial = 0;  // Keypair::serial

  Peer* peer(PeerId id) const;
  /// Notes that the peer's timers may change during this call. Every path that arms or
  /// disarms a peer timer goes through it; refile_touched() then updates the schedule.
  void touch(Peer& p);
  /// Re-files every touched peer under its earliest deadline. The public entry points call it
  /// before returning, so next_deadline() is always current.
  void refile_touched();
  /// Computes DH(our static, peer static) if the peer's copy is stale.
  void ensure_static_static(Peer& p);
  Output drop(DropReason reason);
  Output send_to(Peer& p, std::size_t size);

  // Index table (whitepaper 5.4.1: random 32-bit indices, 0 reserved here as "none").
  /// A fresh index mapped to `id`, or 0 when the injected randomness keeps colliding (a broken
  /// RNG must not hang the core).
  uint32_t allocate_index(PeerId id);
  void free_index(uint32_t index);
  /// Clears a peer's handshake, releasing its index.
  void clear_handshake(Peer& p);
  /// Drops a peer's sessions and handshake (key zeroing, key change, removal).
  void clear_sessions(Peer& p);
  void install_keypair(Peer& p, std::unique_ptr<Keypair> kp);

  void mark_pending(Peer& p);
  /// Queues an initiation unless one went out less than RekeyTimeout ago.
  void request_initiation(Duration now, Peer& p, bool is_retry);
  /// Queues a keepalive (or lets staged data serve as one).
  void request_keepalive(Peer& p);
  /// A keypair usable for sending now, or null.
  Keypair* sendable_keypair(Peer& p, Duration now) const;

  // device_receive.cc
  Output receive(Now now, const Path& from, ByteView dg, MutableBytes out, CryptoJob* job);
  Output on_initiation(Now now, const Path& from, ByteView dg, MutableBytes out);
  Output on_response(Now now, const Path& from, ByteView dg, MutableBytes out);
  Output on_cookie_reply(Now now, ByteView dg);
  /// With `job`, stops before the AEAD and fills the job (see Device::receive_datagram).
  Output on_data(Now now, const Path& from, ByteView dg, MutableBytes out, CryptoJob* job);
  /// The part of on_data after a successful open: replay window, confirmation, timers, roaming,
  /// the inner packet and its source check.
  Output finish_data(Now now, const Path& from, Peer& p, Keypair& kp, uint64_t counter,
                     std::size_t datagram_size, std::size_t plain_len, MutableBytes out);
  Output complete_receive(Now now, const Path& from, CryptoJob& job, MutableBytes out);
  /// Under load: answers with a cookie reply (returned) when mac2 is bad, or drops when the
  /// source is over its rate. nullopt when the message may proceed.
  std::optional<Output> load_gate(Now now, const Path& from, ByteView dg,
                                  std::size_t mac2_offset, uint32_t sender_index,
                                  MutableBytes out);

  // device_send.cc
  Output send(Now now, ByteView packet, MutableBytes out, CryptoJob* job);
  Output poll(Now now, MutableBytes out);
  Output write_initiation(Now now, Peer& p, MutableBytes out);
  /// Encrypts `len` bytes into out as transport data; updates counters and timers. With
  /// `job`, writes the plaintext and fills the job instead of sealing.
  Output encrypt(Now now, Peer& p, Keypair& kp, const uint8_t* packet, std::size_t len,
                 MutableBytes out, CryptoJob* job = nullptr);

  // device_timers.cc
  void update_timers(Now now);
};

}  // namespace weft::wg
