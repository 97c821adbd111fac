// mac1/mac2 and cookie replies (whitepaper 5.4.4, 5.4.7) plus the per-source handshake token
// bucket used under load (wireguard-go ratelimiter semantics: 20/s, burst 5).
#include "wg/cookie.h"

#include <cstring>


namespace weft::wg {
namespace {

crypto::Key32 label_hash(const char* label, const PublicKey& key) {
  return crypto::blake2s256(reinterpret_cast<const uint8_t*>(label), std::strlen(label),
                            key.bytes.data(), key.bytes.size());
}

}  // namespace

CookieChecker::~CookieChecker() {
  crypto::secure_zero(secret_.data(), secret_.size());
  crypto::secure_zero(cookie_key_.data(), cookie_key_.size());
}

void CookieChecker::init(const PublicKey& our_public) {
  mac1_key_ = label_hash(kLabelMac1, our_public);
  cookie_key_ = label_hash(kLabelCookie, our_public);
  secret_born_.reset();
}

bool CookieChecker::check_mac1(const uint8_t* msg, std::size_t mac1_offset) const {
  Mac expect = crypto::blake2s_mac16(mac1_key_, msg, mac1_offset);
  return crypto::constant_time_equal(expect.data(), msg + mac1_offset, expect.size());
}

Mac CookieChecker::cookie_for(const Path& source) const {
  // The bytes a cookie binds to (only ever checked by us): the path's source identity.
  uint8_t src[Path::kMaxCookieSource];
  std::size_t n = source.cookie_source(src);
  return crypto::blake2s_mac16(secret_, src, n);
}

bool CookieChecker::check_mac2(Duration now, const Path& source, const uint8_t* msg,
                               std::size_t mac2_offset) const {
  if (!secret_born_ || now - *secret_born_ > kCookieRefreshTime) return false;
  Mac cookie = cookie_for(source);
  Mac expect;
  // mac2 is keyed with the 16-byte cookie itself (whitepaper 5.4.4), not a padded 32-byte key.
  crypto::blake2s_keyed(cookie.data(), cookie.size(), msg, mac2_offset, expect.data(),
                        expect.size());
  return crypto::constant_time_equal(expect.data(), msg + mac2_offset, expect.size());
}

CookieReply CookieChecker::make_reply(Duration now, Random& random, uint32_t receiver_index,
                                      const Mac& mac1, const Path& source) {
  if (!secret_born_ || now - *secret_born_ > kCookieRefreshTime) {
    random.fill(secret_.data(), secret_.size());
    secret_born_ = now;
  }
  CookieReply reply;
  reply.receiver_index = receiver_index;
  random.fill(reply.nonce.data(), reply.nonce.size());
  Mac cookie = cookie_for(source);
  crypto::xaead_seal(cookie_key_, reply.nonce, cookie.data(), cookie.size(), mac1.data(),
                     mac1.size(), reply.encrypted_cookie.data());
  return reply;
}

CookieGenerator::~CookieGenerator() { crypto::secure_zero(cookie_.data(), cookie_.size()); }

void CookieGenerator::init(const PublicKey& peer_public) {
  mac1_key_ = label_hash(kLabelMac1, peer_public);
  cookie_key_ = label_hash(kLabelCookie, peer_public);
  cookie_set_.reset();
  have_last_mac1_ = false;
}

bool CookieGenerator::has_valid_cookie(Duration now) const {
  return cookie_set_ && now - *cookie_set_ <= kCookieRefreshTime;
}

void CookieGenerator::add_macs(Duration now, uint8_t* msg, std::size_t mac1_offset) {
  Mac mac1 = crypto::blake2s_mac16(mac1_key_, msg, mac1_offset);
  std::memcpy(msg + mac1_offset, mac1.data(), mac1.size());
  last_mac1_ = mac1;
  have_last_mac1_ = true;
  std::size_t mac2_offset = mac1_offset + mac1.size();
  if (has_valid_cookie(now)) {
    crypto::blake2s_keyed(cookie_.data(), cookie_.size(), msg, mac2_offset, msg + mac2_offset, 16);
  } else {
    std::memset(msg + mac2_offset, 0, 16);
  }
}

bool CookieGenerator::consume_reply(Duration now, const CookieReply& reply) {
  if (!have_last_mac1_) return false;
  Mac cookie;
  if (!crypto::xaead_open(cookie_key_, reply.nonce, reply.encrypted_cookie.data(),
                          reply.encrypted_cookie.size(), last_mac1_.data(), last_mac1_.size(),
                          cookie.data())) {
    return false;
  }
  cookie_ = cookie;
  cookie_set_ = now;
  // One reply per message: a replayed reply must not refresh the cookie's age.
  have_last_mac1_ = false;
  return true;
}

bool RateLimiter::allow(Duration now, const Path& source) {
  constexpr Duration kCost = Duration(std::chrono::seconds(1)) / kHandshakesPerSecondPerSource;
  constexpr Duration kMaxTokens = kCost * kHandshakeBurstPerSource;
  if (now - last_gc_ > std::chrono::seconds(1)) collect_garbage(now);
  core::PathKey key = source.host_key();
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    buckets_.emplace(key, Bucket{kMaxTokens - kCost, now});
    return true;
  }
  Bucket& b = it->second;
  if (now > b.last) b.tokens += now - b.last;
  if (b.tokens > kMaxTokens) b.tokens = kMaxTokens;
  b.last = now;
  if (b.tokens >= kCost) {
    b.tokens -= kCost;
    return true;
  }
  return false;
}

void RateLimiter::collect_garbage(Duration now) {
  last_gc_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    // A bucket idle for a second is full again; forgetting it changes nothing.
    if (now - it->second.last > std::chrono::seconds(1)) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace weft::wg
