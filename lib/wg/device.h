// The WireGuard device as a sans-IO core: datagrams in/out, tunnel packets in/out, timers as
// deadlines (whitepaper sections 5 and 6). The one header drivers (Linux runtime, ns-3) include.
// C++17-clean: no concepts, std::span, designated initializers or <=> here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "wg/allowed_ips.h"
#include "wg/constants.h"
#include "wg/crypto_job.h"
#include "wg/types.h"

namespace weft::wg {

/// Why an input was dropped. Every drop is counted in DeviceStats::drops[reason].
enum class DropReason : uint8_t {
  kNone = 0,
  kMalformed,            ///< wrong size for its type, unknown type, bad inner IP header
  kBadMac1,              ///< mac1 does not authenticate the message to our public key
  kCookieRequired,       ///< under load without a valid mac2: a cookie reply was sent instead
  kRateLimited,          ///< per-source handshake token bucket empty (under load)
  kUnknownPeer,          ///< initiation from a static key that is not configured
  kBadHandshake,         ///< handshake decryption/DH failed, or unexpected handshake state
  kReplayedInitiation,   ///< TAI64N not greater than the last accepted one, or flood (<50 ms)
  kNoSession,            ///< receiver index unknown (or cookie reply for nothing pending)
  kExpiredSession,       ///< keypair older than RejectAfterTime or counter past RejectAfterMessages
  kBadAead,              ///< transport data failed authentication
  kReplay,               ///< transport counter already seen or left of the window
  kSourceNotAllowed,     ///< decrypted packet's source is not in the peer's allowed IPs
  kNoRoute,              ///< outgoing packet's destination matches no peer
  kNoEndpoint,           ///< peer has no known endpoint to send to
  kQueueFull,            ///< staged-packet queue overflowed (oldest packet dropped)
  kBufferTooSmall,       ///< caller's output buffer cannot hold the result
  kCount
};
inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

/// What the driver must do after a call.
enum class Action : uint8_t {
  kNone,             ///< nothing (input consumed, or nothing pending)
  kSendDatagram,     ///< send out[0, size) to `endpoint`
  kDeliverToTunnel,  ///< write the IP packet out[0, size) to the tunnel (it came from `peer`)
  kDrop,             ///< input dropped; `drop` says why (already counted)
};

/// The result of one call. `size` bytes of the caller's output buffer are valid.
struct Output {
  Action action = Action::kNone;
  std::size_t size = 0;
  PeerId peer = kNoPeer;
  Path endpoint{};
  DropReason drop = DropReason::kNone;
};

/// True when the output asks nothing of the driver: poll_transmit() has nothing more to emit
/// (core/drive.h's contract).
inline bool is_idle(const Output& o) { return o.action == Action::kNone; }

/// Static configuration of one peer (as in a wg(8) config file's [Peer] section).
struct PeerConfig {
  PublicKey public_key{};
  PresharedKey preshared_key{};
  Path endpoint{};                       ///< initial endpoint; unset = learn by roaming
  Duration persistent_keepalive{0};          ///< 0 = off
  std::vector<AllowedIp> allowed_ips;
};

/// Counters and state of one peer, for `wg show` / the UAPI.
struct PeerStats {
  PublicKey public_key{};
  Path endpoint{};
  uint64_t rx_bytes = 0;                     ///< all datagram bytes received from the peer
  uint64_t tx_bytes = 0;                     ///< all datagram bytes sent to the peer
  std::optional<WallTime> last_handshake;    ///< when the current session was established
  Duration persistent_keepalive{0};
  bool has_session = false;                  ///< a current keypair exists (it may be past RejectAfterTime until key zeroing)
};

struct DeviceStats {
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t drops_of(DropReason r) const { return drops[static_cast<std::size_t>(r)]; }
};

struct DeviceConfig {
  PrivateKey private_key{};
  std::size_t mtu = kDefaultMtu;             ///< padding never grows plaintext beyond this
};

/// Bytes an encapsulated datagram adds to an IP packet, before padding (header + tag).
inline constexpr std::size_t kDataOverhead = kTransportHeaderSize + kAeadTagSize;
/// Output buffer size that fits any result for an input of `n` bytes.
inline constexpr std::size_t output_capacity_for(std::size_t n) {
  return (n < kHandshakeInitiationSize ? kHandshakeInitiationSize : n) + kDataOverhead +
         kPaddingMultiple;
}

/// A WireGuard interface: our static key, the peers, the index table, cookies and timers.
///
/// Calling contract (single-threaded; every entry point takes `now`):
///  - incoming UDP datagram   -> receive_datagram()
///  - IP packet from the tunnel -> send_packet()
///  - when next_deadline() passes -> update_timers()
///  - after ANY of the above, call poll_transmit() until it returns Action::kNone: it emits
///    handshake initiations, staged packets released by a new session, and keepalives.
/// Output buffers are the caller's; no call keeps a pointer to them, and an output buffer must
/// not overlap the call's input. The data path (encrypt, decrypt) does not allocate. Never
/// throws.
class Device {
 public:
  /// `random` must outlive the device.
  Device(const DeviceConfig& config, Random& random);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  PublicKey public_key() const;
  /// Replaces our private key; all sessions are dropped (peers stay).
  void set_private_key(const PrivateKey& key);

  /// Adds a peer. Returns kNoPeer when the public key is already configured or is our own.
  PeerId add_peer(const PeerConfig& config);
  /// Removes a peer and erases its keys; its id is not reused.
  void remove_peer(PeerId peer);
  /// The peer with this public key, or kNoPeer.
  PeerId find_peer(const PublicKey& key) const;
  /// Ids of all configured peers, ascending.
  std::vector<PeerId> peers() const;
  /// Replaces the peer's allowed IPs. A prefix owned by another peer moves to this one.
  void set_allowed_ips(PeerId peer, const std::vector<AllowedIp>& prefixes);
  std::vector<AllowedIp> allowed_ips(PeerId peer) const;
  void set_endpoint(PeerId peer, const Path& endpoint);
  void set_preshared_key(PeerId peer, const PresharedKey& key);
  void set_persistent_keepalive(Now now, PeerId peer, Duration interval);
  /// Stats of a peer; a default value for an unknown id.
  PeerStats peer_stats(PeerId peer) const;
  DeviceStats stats() const;

  /// The driver's load signal: while true, handshakes need a valid mac2 (else a cookie reply
  /// is sent) and are rate-limited per source address.
  void set_under_load(bool under_load);

  /// Handles one UDP datagram from `from`. Results: kSendDatagram (handshake response or cookie
  /// reply, to `endpoint`), kDeliverToTunnel (decrypted IP packet from `peer`), kNone (handshake
  /// response, cookie reply or keepalive consumed) or kDrop (reason counted). `out` should hold
  /// output_capacity_for(datagram.size) bytes.
  Output receive_datagram(Now now, const Path& from, ByteView datagram, MutableBytes out);

  /// Handles one IP packet read from the tunnel: routes it by destination through allowed IPs
  /// and encrypts it (kSendDatagram), or stages it while a handshake runs (kNone; poll next),
  /// or drops it (kNoRoute, kMalformed, kNoEndpoint, kBufferTooSmall). `ip_packet` may lie in
  /// `out` itself at out.data + kTransportHeaderSize, where the datagram's body goes: it is then
  /// encrypted in place without a copy (anywhere else in `out` it must not overlap).
  Output send_packet(Now now, ByteView ip_packet, MutableBytes out);

  // ---- parallel crypto (docs/dataplane.md, "Workers") ----
  // The same two inputs with the AEAD left to the caller, who may run it on another thread.
  // Everything else happens in the call, in the order of calls: routing, the keypair choice,
  // the nonce (counter) reservation, timers and rekeys on the way out; parsing, the index and
  // keypair lookup on the way in, and, in complete_receive(), the replay window, keypair
  // confirmation, roaming, timers and the source check. A driver that keeps the order of
  // complete_receive() calls (and of the sealed datagrams on the wire) equal to the order of
  // the calls that prepared them sees exactly what the plain entry points give.

  /// send_packet() that leaves sealing to the caller: on kSendDatagram with job.kind == kSeal,
  /// out[0, size) holds the header and the padded plaintext, and must be passed to
  /// TransportCrypto::run(job, out.data, nullptr) before it is sent. Other results are final
  /// (job.kind == kNone). `ip_packet` may lie at out.data + kTransportHeaderSize (no copy), and
  /// stays readable there until the seal.
  Output send_packet(Now now, ByteView ip_packet, MutableBytes out, CryptoJob& job);
  /// receive_datagram() that leaves opening a transport data message to the caller: then the
  /// result is kNone with job.kind == kOpen; run TransportCrypto::run(job, datagram, out.data)
  /// and hand the job to complete_receive(). Any other message, or a data message dropped
  /// before its AEAD (unknown index, expired session, malformed), gives the final result with
  /// job.kind == kNone. `out` should hold output_capacity_for(datagram.size) bytes.
  Output receive_datagram(Now now, const Path& from, ByteView datagram, MutableBytes out,
                          CryptoJob& job);
  /// Finishes an opened data message (job.kind == kOpen, its plaintext in `out`) as
  /// receive_datagram() would have: kDeliverToTunnel, kNone (keepalive) or kDrop (kBadAead,
  /// kReplay, kSourceNotAllowed, kMalformed; kNoSession when its keypair was retired since it
  /// was prepared). `from` is where the datagram came from. Resets job.kind to kNone.
  Output complete_receive(Now now, const Path& from, CryptoJob& job, MutableBytes out);

  /// Emits the next pending datagram (handshake initiation, staged data, keepalive), or kNone.
  /// `out` should hold output_capacity_for(mtu) bytes (at least kHandshakeInitiationSize).
  Output poll_transmit(Now now, MutableBytes out);

  /// Runs every timer due at `now` (retransmissions, keepalives, rekeys, key zeroing).
  void update_timers(Now now);
  /// Earliest time update_timers() has work to do; nullopt when no timer is armed.
  std::optional<Duration> next_deadline() const;
  /// The same for a single peer.
  std::optional<Duration> next_deadline(PeerId peer) const;

  /// Starts a handshake with the peer now (as `wg` does on a config change); poll next.
  void initiate_handshake(Now now, PeerId peer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::wg
