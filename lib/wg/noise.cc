// Noise_IKpsk2 message processing for WireGuard (whitepaper 5.4.2-5.4.5). Each step works on
// local copies of the chaining key and hash and commits them only when the step succeeded, so a
// forged message never disturbs a handshake in progress.
#include "wg/noise.h"

#include <cstring>

namespace weft::wg {
namespace {

using crypto::Key32;

struct Wipe {
  Key32& k;
  ~Wipe() { crypto::secure_zero(k.data(), k.size()); }
};

void mix_hash(Key32& h, const uint8_t* data, std::size_t len) {
  h = crypto::blake2s256(h.data(), h.size(), data, len);
}

// Ci = HASH(Construction), Hi = HASH(HASH(Ci || Identifier) || responder static public key).
void initial_chain(const PublicKey& responder_static, Key32& ck, Key32& h) {
  ck = crypto::blake2s256(reinterpret_cast<const uint8_t*>(kConstruction),
                          sizeof(kConstruction) - 1);
  h = crypto::blake2s256(ck.data(), ck.size(), reinterpret_cast<const uint8_t*>(kIdentifier),
                         sizeof(kIdentifier) - 1);
  mix_hash(h, responder_static.bytes.data(), responder_static.bytes.size());
}

void kdf1(Key32& ck, const uint8_t* input, std::size_t len) {
  Key32 next;
  crypto::wg_kdf(ck, input, len, &next, nullptr, nullptr);
  ck = next;
  crypto::secure_zero(next.data(), next.size());
}

void kdf2(Key32& ck, const uint8_t* input, std::size_t len, Key32& key) {
  Key32 next;
  crypto::wg_kdf(ck, input, len, &next, &key, nullptr);
  ck = next;
  crypto::secure_zero(next.data(), next.size());
}

// The pre-shared-key step common to both sides of the response (whitepaper 5.4.3).
void mix_psk(Key32& ck, Key32& h, const PresharedKey& psk, Key32& key) {
  Key32 next;
  Key32 tau;
  crypto::wg_kdf(ck, psk.bytes.data(), psk.bytes.size(), &next, &tau, &key);
  ck = next;
  mix_hash(h, tau.data(), tau.size());
  crypto::secure_zero(next.data(), next.size());
  crypto::secure_zero(tau.data(), tau.size());
}

}  // namespace

Tai64n tai64n(WallTime t) {
  // TAI64 label: 2^62 + 10 (TAI-UTC offset at the epoch of the format) + seconds since 1970.
  constexpr uint64_t kBase = (uint64_t{1} << 62) + 10;
  constexpr uint32_t kWhitenerMask = 0x1000000 - 1;
  auto since = t.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  if (since < secs) secs -= std::chrono::seconds(1);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
  uint64_t s = kBase + static_cast<uint64_t>(secs.count());
  uint32_t n = static_cast<uint32_t>(nanos) & ~kWhitenerMask;
  Tai64n out;
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(s >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  return out;
}

bool tai64n_after(const Tai64n& a, const Tai64n& b) {
  return std::memcmp(a.data(), b.data(), a.size()) > 0;
}

Handshake::~Handshake() {
  clear();
  crypto::secure_zero(static_static.data(), static_static.size());
}

void Handshake::clear() {
  crypto::secure_zero(hash.data(), hash.size());
  crypto::secure_zero(chaining_key.data(), chaining_key.size());
  crypto::secure_zero(local_ephemeral_private.data(), local_ephemeral_private.size());
  crypto::secure_zero(remote_ephemeral.data(), remote_ephemeral.size());
  local_index = 0;
  remote_index = 0;
  state = State::kZeroed;
}

InitiationScratch::~InitiationScratch() {
  crypto::secure_zero(chaining_key.data(), chaining_key.size());
}

SessionKeys::~SessionKeys() {
  crypto::secure_zero(send.data(), send.size());
  crypto::secure_zero(recv.data(), recv.size());
}

void precompute_static_static(const StaticIdentity& id, Handshake& hs) {
  hs.static_static_ok =
      id.has_key && crypto::x25519(id.private_key.bytes, hs.remote_static.bytes, hs.static_static);
}

bool create_initiation(const StaticIdentity& id, Handshake& hs, const Key32& ephemeral_random,
                       uint32_t local_index, const Tai64n& timestamp, HandshakeInitiation& out) {
  if (!id.has_key || !hs.static_static_ok) return false;
  Key32 ck, h, key, dh;
  Wipe w1{ck}, w2{key}, w3{dh};
  initial_chain(hs.remote_static, ck, h);

  Key32 eph_private = crypto::x25519_private_from_random(ephemeral_random);
  Key32 eph_public = crypto::x25519_public(eph_private);
  out.unencrypted_ephemeral = eph_public;
  kdf1(ck, eph_public.data(), eph_public.size());
  mix_hash(h, eph_public.data(), eph_public.size());

  if (!crypto::x25519(eph_private, hs.remote_static.bytes, dh)) {
    crypto::secure_zero(eph_private.data(), eph_private.size());
    return false;
  }
  kdf2(ck, dh.data(), dh.size(), key);
  crypto::aead_seal(key, 0, id.public_key.bytes.data(), id.public_key.bytes.size(), h.data(),
                    h.size(), out.encrypted_static.data());
  mix_hash(h, out.encrypted_static.data(), out.encrypted_static.size());

  kdf2(ck, hs.static_static.data(), hs.static_static.size(), key);
  crypto::aead_seal(key, 0, timestamp.data(), timestamp.size(), h.data(), h.size(),
                    out.encrypted_timestamp.data());
  mix_hash(h, out.encrypted_timestamp.data(), out.encrypted_timestamp.size());

  out.sender_index = local_index;
  hs.hash = h;
  hs.chaining_key = ck;
  hs.local_ephemeral_private = eph_private;
  hs.local_index = local_index;
  hs.state = Handshake::State::kInitiationCreated;
  crypto::secure_zero(eph_private.data(), eph_private.size());
  return true;
}

bool decrypt_initiation_static(const StaticIdentity& id, const HandshakeInitiation& msg,
                               InitiationScratch& scratch) {
  if (!id.has_key) return false;
  Key32 ck, h, key, dh;
  Wipe w1{ck}, w2{key}, w3{dh};
  initial_chain(id.public_key, ck, h);
  kdf1(ck, msg.unencrypted_ephemeral.data(), msg.unencrypted_ephemeral.size());
  mix_hash(h, msg.unencrypted_ephemeral.data(), msg.unencrypted_ephemeral.size());
  if (!crypto::x25519(id.private_key.bytes, msg.unencrypted_ephemeral, dh)) return false;
  kdf2(ck, dh.data(), dh.size(), key);
  if (!crypto::aead_open(key, 0, msg.encrypted_static.data(), msg.encrypted_static.size(),
                         h.data(), h.size(), scratch.remote_static.bytes.data())) {
    return false;
  }
  mix_hash(h, msg.encrypted_static.data(), msg.encrypted_static.size());
  scratch.hash = h;
  scratch.chaining_key = ck;
  return true;
}

std::optional<Tai64n> decrypt_initiation_timestamp(const Handshake& hs, InitiationScratch& scratch,
                                                   const HandshakeInitiation& msg) {
  if (!hs.static_static_ok) return std::nullopt;
  Key32 ck = scratch.chaining_key;
  Key32 key;
  Wipe w1{ck}, w2{key};
  kdf2(ck, hs.static_static.data(), hs.static_static.size(), key);
  Tai64n ts;
  if (!crypto::aead_open(key, 0, msg.encrypted_timestamp.data(), msg.encrypted_timestamp.size(),
                         scratch.hash.data(), scratch.hash.size(), ts.data())) {
    return std::nullopt;
  }
  mix_hash(scratch.hash, msg.encrypted_timestamp.data(), msg.encrypted_timestamp.size());
  scratch.chaining_key = ck;
  return ts;
}

void accept_initiation(Handshake& hs, const InitiationScratch& scratch,
                       const HandshakeInitiation& msg, const Tai64n& timestamp, Duration now) {
  hs.clear();
  hs.hash = scratch.hash;
  hs.chaining_key = scratch.chaining_key;
  hs.remote_ephemeral = msg.unencrypted_ephemeral;
  hs.remote_index = msg.sender_index;
  hs.latest_timestamp = timestamp;
  hs.last_initiation_consumed = now;
  hs.state = Handshake::State::kInitiationConsumed;
}

bool create_response(Handshake& hs, const Key32& ephemeral_random, uint32_t local_index,
                     HandshakeResponse& out) {
  if (hs.state != Handshake::State::kInitiationConsumed) return false;
  Key32 ck = hs.chaining_key;
  Key32 h = hs.hash;
  Key32 key, dh;
  Wipe w1{ck}, w2{key}, w3{dh};
  Key32 eph_private = crypto::x25519_private_from_random(ephemeral_random);
  Wipe w4{eph_private};
  Key32 eph_public = crypto::x25519_public(eph_private);
  out.unencrypted_ephemeral = eph_public;
  kdf1(ck, eph_public.data(), eph_public.size());
  mix_hash(h, eph_public.data(), eph_public.size());
  if (!crypto::x25519(eph_private, hs.remote_ephemeral, dh)) return false;
  kdf1(ck, dh.data(), dh.size());
  if (!crypto::x25519(eph_private, hs.remote_static.bytes, dh)) return false;
  kdf1(ck, dh.data(), dh.size());
  mix_psk(ck, h, hs.preshared_key, key);
  uint8_t nothing = 0;
  crypto::aead_seal(key, 0, &nothing, 0, h.data(), h.size(), out.encrypted_nothing.data());
  mix_hash(h, out.encrypted_nothing.data(), out.encrypted_nothing.size());
  out.sender_index = local_index;
  out.receiver_index = hs.remote_index;
  hs.local_index = local_index;
  hs.chaining_key = ck;
  hs.hash = h;
  return true;
}

bool consume_response(const StaticIdentity& id, Handshake& hs, const HandshakeResponse& msg) {
  if (hs.state != Handshake::State::kInitiationCreated || hs.local_index != msg.receiver_index ||
      !id.has_key) {
    return false;
  }
  Key32 ck = hs.chaining_key;
  Key32 h = hs.hash;
  Key32 key, dh;
  Wipe w1{ck}, w2{key}, w3{dh};
  kdf1(ck, msg.unencrypted_ephemeral.data(), msg.unencrypted_ephemeral.size());
  mix_hash(h, msg.unencrypted_ephemeral.data(), msg.unencrypted_ephemeral.size());
  if (!crypto::x25519(hs.local_ephemeral_private, msg.unencrypted_ephemeral, dh)) return false;
  kdf1(ck, dh.data(), dh.size());
  if (!crypto::x25519(id.private_key.bytes, msg.unencrypted_ephemeral, dh)) return false;
  kdf1(ck, dh.data(), dh.size());
  mix_psk(ck, h, hs.preshared_key, key);
  uint8_t nothing = 0;
  if (!crypto::aead_open(key, 0, msg.encrypted_nothing.data(), msg.encrypted_nothing.size(),
                         h.data(), h.size(), &nothing)) {
    return false;
  }
  mix_hash(h, msg.encrypted_nothing.data(), msg.encrypted_nothing.size());
  hs.chaining_key = ck;
  hs.hash = h;
  hs.remote_ephemeral = msg.unencrypted_ephemeral;
  hs.remote_index = msg.sender_index;
  return true;
}

void derive_session(Handshake& hs, bool initiator, SessionKeys& out) {
  Key32 first, second;
  crypto::wg_kdf(hs.chaining_key, nullptr, 0, &first, &second, nullptr);
  out.send = initiator ? first : second;
  out.recv = initiator ? second : first;
  out.local_index = hs.local_index;
  out.remote_index = hs.remote_index;
  crypto::secure_zero(first.data(), first.size());
  crypto::secure_zero(second.data(), second.size());
  hs.clear();
}

}  // namespace weft::wg
