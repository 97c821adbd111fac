// The cookie mechanism (whitepaper 5.4.4 and 5.4.7): mac1 on every handshake message, mac2 keyed
// by a cookie the responder hands out under load in an XChaCha20-Poly1305 sealed cookie_reply.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "crypto/crypto.h"
#include "wg/messages.h"
#include "wg/types.h"

namespace weft::wg {

using Mac = std::array<uint8_t, 16>;

/// Responder side, one per device: verifies mac1/mac2 of incoming handshake messages and makes
/// cookie replies. The cookie secret is drawn from the injected randomness and replaced once it
/// is older than CookieRefreshTime.
class CookieChecker {
 public:
  CookieChecker() = default;
  CookieChecker(const CookieChecker&) = delete;
  CookieChecker& operator=(const CookieChecker&) = delete;
  ~CookieChecker();

  /// Derives the mac1 and cookie-encryption keys from our public key.
  void init(const PublicKey& our_public);
  /// True when msg[mac1_offset, +16) is MAC(HASH(label-mac1 || our public), msg[0, mac1_offset)).
  bool check_mac1(const uint8_t* msg, std::size_t mac1_offset) const;
  /// True when mac2 (right after mac1) matches the cookie we would give `source` now. Always
  /// false once the secret is stale, so the sender has to fetch a fresh cookie.
  bool check_mac2(Duration now, const Path& source, const uint8_t* msg,
                  std::size_t mac2_offset) const;
  /// A cookie_reply for the message whose mac1 is `mac1`, to be sent to `source`.
  CookieReply make_reply(Duration now, Random& random, uint32_t receiver_index, const Mac& mac1,
                         const Path& source);

 private:
  Mac cookie_for(const Path& source) const;
  crypto::Key32 mac1_key_{};
  crypto::Key32 cookie_key_{};
  crypto::Key32 secret_{};
  std::optional<Duration> secret_born_;
};

/// Initiator side, one per peer: writes mac1/mac2 into our handshake messages and keeps the
/// cookie from the peer's last cookie_reply.
class CookieGenerator {
 public:
  CookieGenerator() = default;
  CookieGenerator(const CookieGenerator&) = delete;
  CookieGenerator& operator=(const CookieGenerator&) = delete;
  ~CookieGenerator();

  void init(const PublicKey& peer_public);
  /// Fills mac1 and mac2 (zero unless a cookie younger than CookieRefreshTime is held) of a
  /// serialized handshake message and remembers mac1 for the reply that may come back.
  void add_macs(Duration now, uint8_t* msg, std::size_t mac1_offset);
  /// Decrypts a cookie_reply. False (state unchanged) when no message was sent to answer or the
  /// ciphertext does not authenticate.
  bool consume_reply(Duration now, const CookieReply& reply);
  bool has_valid_cookie(Duration now) const;

 private:
  crypto::Key32 mac1_key_{};
  crypto::Key32 cookie_key_{};
  Mac cookie_{};
  std::optional<Duration> cookie_set_;
  Mac last_mac1_{};
  bool have_last_mac1_ = false;
};

/// Token bucket per source (Path::host_key: a UDP source's address without its port, a relayed
/// path's relay and far node), applied to handshakes under load.
class RateLimiter {
 public:
  /// True when a handshake from `source` may be processed at `now`.
  bool allow(Duration now, const Path& source);
  /// Number of sources currently tracked.
  std::size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    Duration tokens;
    Duration last;
  };
  void collect_garbage(Duration now);
  std::map<core::PathKey, Bucket> buckets_;
  Duration last_gc_{0};
};

}  // namespace weft::wg
