// Noise_IKpsk2 message processing for WireGuard (whitepaper 5.4.2-5.4.5) as token sequences over
// SymmetricState. Each step works on a local SymmetricState and commits ck and h only when the
// step succeeded, so a forged message never disturbs a handshake in progress.
#include "wg/noise.h"

#include <cstring>
#include <string_view>

#include "wg/noise_symmetric.h"

namespace weft::wg {
namespace {

using crypto::Key32;

struct Wipe {
  Key32& k;
  ~Wipe() { crypto::secure_zero(k.data(), k.size()); }
};

// Ci = HASH(Construction), Hi = HASH(HASH(Ci || Identifier) || responder static public key):
// Noise's InitializeSymmetric, MixHash(prologue) and the "<- s" pre-message.
void initial_chain(const PublicKey& responder_static, SymmetricState& ss) {
  ss.initialize(std::string_view(kConstruction, sizeof(kConstruction) - 1));
  ss.mix_hash(reinterpret_cast<const uint8_t*>(kIdentifier), sizeof(kIdentifier) - 1);
  ss.mix_hash(responder_static.bytes.data(), responder_static.bytes.size());
}

// The "e" token with a psk modifier: the ephemeral goes into both h and ck (Noise 9.2).
void mix_ephemeral(SymmetricState& ss, const Key32& e) {
  ss.mix_hash(e.data(), e.size());
  ss.mix_key(e.data(), e.size());
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
  SymmetricState ss;
  Key32 dh;
  Key32 eph_private = crypto::x25519_private_from_random(ephemeral_random);
  Wipe w1{dh}, w2{eph_private};
  initial_chain(hs.remote_static, ss);

  out.unencrypted_ephemeral = crypto::x25519_public(eph_private);
  mix_ephemeral(ss, out.unencrypted_ephemeral);
  if (!crypto::x25519(eph_private, hs.remote_static.bytes, dh)) return false;  // es
  ss.mix_key(dh.data(), dh.size());
  ss.encrypt_and_hash(id.public_key.bytes.data(), id.public_key.bytes.size(),
                      out.encrypted_static.data());
  ss.mix_key(hs.static_static.data(), hs.static_static.size());  // ss
  ss.encrypt_and_hash(timestamp.data(), timestamp.size(), out.encrypted_timestamp.data());

  out.sender_index = local_index;
  hs.hash = ss.hash();
  hs.chaining_key = ss.chaining_key();
  hs.local_ephemeral_private = eph_private;
  hs.local_index = local_index;
  hs.state = Handshake::State::kInitiationCreated;
  return true;
}

bool decrypt_initiation_static(const StaticIdentity& id, const HandshakeInitiation& msg,
                               InitiationScratch& scratch) {
  if (!id.has_key) return false;
  SymmetricState ss;
  Key32 dh;
  Wipe w1{dh};
  initial_chain(id.public_key, ss);
  mix_ephemeral(ss, msg.unencrypted_ephemeral);
  if (!crypto::x25519(id.private_key.bytes, msg.unencrypted_ephemeral, dh)) return false;  // es
  ss.mix_key(dh.data(), dh.size());
  if (!ss.decrypt_and_hash(msg.encrypted_static.data(), msg.encrypted_static.size(),
                           scratch.remote_static.bytes.data())) {
    return false;
  }
  scratch.hash = ss.hash();
  scratch.chaining_key = ss.chaining_key();
  return true;
}

std::optional<Tai64n> decrypt_initiation_timestamp(const Handshake& hs, InitiationScratch& scratch,
                                                   const HandshakeInitiation& msg) {
  if (!hs.static_static_ok) return std::nullopt;
  SymmetricState ss;
  ss.resume(scratch.chaining_key, scratch.hash);
  ss.mix_key(hs.static_static.data(), hs.static_static.size());  // ss
  Tai64n ts;
  if (!ss.decrypt_and_hash(msg.encrypted_timestamp.data(), msg.encrypted_timestamp.size(),
                           ts.data())) {
    return std::nullopt;
  }
  scratch.hash = ss.hash();
  scratch.chaining_key = ss.chaining_key();
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
  SymmetricState ss;
  ss.resume(hs.chaining_key, hs.hash);
  Key32 dh;
  Key32 eph_private = crypto::x25519_private_from_random(ephemeral_random);
  Wipe w1{dh}, w2{eph_private};
  out.unencrypted_ephemeral = crypto::x25519_public(eph_private);
  mix_ephemeral(ss, out.unencrypted_ephemeral);
  if (!crypto::x25519(eph_private, hs.remote_ephemeral, dh)) return false;  // ee
  ss.mix_key(dh.data(), dh.size());
  if (!crypto::x25519(eph_private, hs.remote_static.bytes, dh)) return false;  // se
  ss.mix_key(dh.data(), dh.size());
  ss.mix_key_and_hash(hs.preshared_key.bytes.data(), hs.preshared_key.bytes.size());  // psk
  uint8_t nothing = 0;
  ss.encrypt_and_hash(&nothing, 0, out.encrypted_nothing.data());
  out.sender_index = local_index;
  out.receiver_index = hs.remote_index;
  hs.local_index = local_index;
  hs.chaining_key = ss.chaining_key();
  hs.hash = ss.hash();
  return true;
}

bool consume_response(const StaticIdentity& id, Handshake& hs, const HandshakeResponse& msg) {
  if (hs.state != Handshake::State::kInitiationCreated || hs.local_index != msg.receiver_index ||
      !id.has_key) {
    return false;
  }
  SymmetricState ss;
  ss.resume(hs.chaining_key, hs.hash);
  Key32 dh;
  Wipe w1{dh};
  mix_ephemeral(ss, msg.unencrypted_ephemeral);
  if (!crypto::x25519(hs.local_ephemeral_private, msg.unencrypted_ephemeral, dh)) return false;
  ss.mix_key(dh.data(), dh.size());  // ee
  if (!crypto::x25519(id.private_key.bytes, msg.unencrypted_ephemeral, dh)) return false;
  ss.mix_key(dh.data(), dh.size());  // se
  ss.mix_key_and_hash(hs.preshared_key.bytes.data(), hs.preshared_key.bytes.size());  // psk
  uint8_t nothing = 0;
  if (!ss.decrypt_and_hash(msg.encrypted_nothing.data(), msg.encrypted_nothing.size(),
                           &nothing)) {
    return false;
  }
  hs.chaining_key = ss.chaining_key();
  hs.hash = ss.hash();
  hs.remote_ephemeral = msg.unencrypted_ephemeral;
  hs.remote_index = msg.sender_index;
  return true;
}

void derive_session(Handshake& hs, bool initiator, SessionKeys& out) {
  SymmetricState ss;
  ss.resume(hs.chaining_key, hs.hash);
  Key32 first, second;
  ss.split(first, second);
  out.send = initiator ? first : second;
  out.recv = initiator ? second : first;
  out.local_index = hs.local_index;
  out.remote_index = hs.remote_index;
  crypto::secure_zero(first.data(), first.size());
  crypto::secure_zero(second.data(), second.size());
  hs.clear();
}

}  // namespace weft::wg
