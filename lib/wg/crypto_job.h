// The AEAD work of one transport data message, split from the device so that it can run on a
// worker thread (whitepaper 5.4.6; the split wireguard-go and wireguard-linux make: counters,
// keypair choice and replay checks stay with the owner, in order; only ChaCha20-Poly1305 moves).
// C++17-clean: device.h includes it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "crypto/crypto.h"

namespace weft::wg {

/// Filled by Device::send_packet(..., job) or receive_datagram(..., job) instead of running the
/// AEAD; run by TransportCrypto::run() on any thread; a kOpen job goes back to
/// Device::complete_receive() on the owner. It carries a copy of the session key (so a keypair
/// retired meanwhile cannot be used after free) that run() wipes.
struct CryptoJob {
  enum class Kind : uint8_t {
    kNone,  ///< no AEAD is pending: the Output is final
    kSeal,  ///< seal the datagram's body in place before sending it
    kOpen,  ///< open the datagram into the output buffer, then complete_receive()
  };
  CryptoJob() = default;
  ~CryptoJob() { crypto::secure_zero(key.data(), key.size()); }
  CryptoJob(const CryptoJob&) = delete;
  CryptoJob& operator=(const CryptoJob&) = delete;

  Kind kind = Kind::kNone;
  crypto::Key32 key{};
  uint64_t counter = 0;
  /// kSeal: plaintext bytes (padding included) after the 16-byte header, sealed in place.
  /// kOpen: ciphertext bytes after the header, tag included.
  std::size_t length = 0;
  /// kOpen: the keypair it was prepared for (its local index and serial), the datagram's size
  /// (counted as received bytes) and the result of the open.
  uint32_t local_index = 0;
  uint64_t keypair_serial = 0;
  std::size_t datagram_size = 0;
  bool opened = false;
};

/// One thread's ChaCha20-Poly1305 contexts for the session keys it saw last, so a worker keeps
/// the per-key setup out of the per-packet cost (crypto::AeadContext is one per thread per key).
/// Not thread-safe: one per thread. Holds at most kSlots keys; an evicted one is wiped.
class TransportCrypto {
 public:
  static constexpr std::size_t kSlots = 8;
  TransportCrypto();
  ~TransportCrypto();
  TransportCrypto(const TransportCrypto&) = delete;
  TransportCrypto& operator=(const TransportCrypto&) = delete;

  /// Runs a pending job and wipes its key. kSeal: `datagram` is the whole transport message
  /// (header, plaintext, room for the tag), sealed in place; `out` is unused. kOpen: `datagram`
  /// is the received message, its plaintext goes to `out` (job.length - 16 bytes) and
  /// job.opened says whether it authenticated. A kNone job is left alone.
  void run(CryptoJob& job, uint8_t* datagram, uint8_t* out);
  /// Drops every cached key (wiped).
  void clear();

 private:
  crypto::AeadContext& context_for(const crypto::Key32& key);

  struct Slot {
    crypto::Key32 key{};
    std::unique_ptr<crypto::AeadContext> context;
  };
  std::array<Slot, kSlots> slots_;
  std::size_t next_victim_ = 0;
};

}  // namespace weft::wg
