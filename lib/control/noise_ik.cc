// Noise_IK message processing (Noise spec rev. 34, sections 5.3, 7.5): each message is a token
// ladder over SymmetricState; a refused step marks the handshake failed, never half-advanced.
#include "control/noise_ik.h"

#include <cstring>
#include <string_view>

#include "control/transport.h"

namespace weft::control {
namespace {

using crypto::Key32;

void wipe(Key32& k) { crypto::secure_zero(k.data(), k.size()); }

// InitializeSymmetric(name), MixHash(prologue), then the pre-message "<- s".
void initialize(wg::SymmetricState& ss, core::ByteView prologue, const Key32& responder_static) {
  ss.initialize(std::string_view(kNoiseIkName, sizeof(kNoiseIkName) - 1));
  ss.mix_hash(prologue.data, prologue.size);
  ss.mix_hash(responder_static.data(), responder_static.size());
}

// MixKey(DH(priv, pub)); false on an all-zero result.
bool mix_dh(wg::SymmetricState& ss, const Key32& priv, const Key32& pub) {
  Key32 shared{};
  bool ok = crypto::x25519(priv, pub, shared);
  if (ok) ss.mix_key(shared.data(), shared.size());
  wipe(shared);
  return ok;
}

// The "e" token when writing: the ephemeral from `seed` into `e`, its public key to `out` and
// into h.
void write_ephemeral(wg::SymmetricState& ss, const Key32& seed, Key32& e, uint8_t* out) {
  e = crypto::x25519_private_from_random(seed);
  const Key32 e_pub = crypto::x25519_public(e);
  std::memcpy(out, e_pub.data(), kDhSize);
  ss.mix_hash(out, kDhSize);
}

Key32 load(const uint8_t* p) {
  Key32 k{};
  std::memcpy(k.data(), p, k.size());
  return k;
}

void split_into(const wg::SymmetricState& ss, bool initiator, Transport& transport) {
  Key32 first{}, second{};
  ss.split(first, second);
  if (initiator) {
    transport.start(first, second);
  } else {
    transport.start(second, first);
  }
  wipe(first);
  wipe(second);
}

}  // namespace

// ---- Initiator ----

IkStatics::IkStatics(const Key32& local_static_private, const Key32& remote_static_public)
    : s_pub(crypto::x25519_public(local_static_private)) {
  ss_ok = crypto::x25519(local_static_private, remote_static_public, ss);
  if (!ss_ok) wipe(ss);
}

IkStatics::~IkStatics() { wipe(ss); }

IkInitiator::IkInitiator(const Key32& local_static_private, const Key32& remote_static_public,
                         core::ByteView prologue)
    : IkInitiator(local_static_private, remote_static_public, prologue,
                  IkStatics(local_static_private, remote_static_public)) {}

IkInitiator::IkInitiator(const Key32& local_static_private, const Key32& remote_static_public,
                         core::ByteView prologue, const IkStatics& statics)
    : s_(local_static_private), rs_(remote_static_public), statics_(statics) {
  initialize(ss_, prologue, rs_);
}

IkInitiator::~IkInitiator() {
  wipe(s_);
  wipe(e_);
}

Outcome IkInitiator::fail(Refusal r) {
  step_ = Step::kFailed;
  wipe(e_);
  return Outcome{r, 0, 0};
}

Outcome IkInitiator::write_message1(core::Random& rng, core::ByteView payload,
                                    core::MutableBytes out) {
  // A message that cannot be written draws nothing.
  if (const Refusal r = message1_refusal(payload.size, out.size); r != Refusal::kNone) {
    return fail(r);
  }
  Key32 seed{};
  rng.fill(seed.data(), seed.size());
  const Outcome o = write_message1(seed, payload, out);
  wipe(seed);
  return o;
}

Refusal IkInitiator::message1_refusal(std::size_t payload_size, std::size_t out_size) const {
  if (step_ != Step::kWrite1) return Refusal::kWrongState;
  const std::size_t size = kIkMessage1Overhead + payload_size;
  if (size > kMaxFrameBody) return Refusal::kOversized;
  if (out_size < size) return Refusal::kBufferTooSmall;
  return Refusal::kNone;
}

Outcome IkInitiator::write_message1(const Key32& ephemeral_seed, core::ByteView payload,
                                    core::MutableBytes out) {
  if (const Refusal r = message1_refusal(payload.size, out.size); r != Refusal::kNone) {
    return fail(r);
  }
  const std::size_t size = kIkMessage1Overhead + payload.size;
  uint8_t* p = out.data;
  // e
  write_ephemeral(ss_, ephemeral_seed, e_, p);
  p += kDhSize;
  // es
  if (!mix_dh(ss_, e_, rs_)) return fail(Refusal::kLowOrderKey);
  // s
  if (!ss_.encrypt_and_hash(statics_.s_pub.data(), kDhSize, p)) {
    return fail(Refusal::kNonceExhausted);
  }
  p += kDhSize + kTagSize;
  // ss (computed once for the two static keys)
  if (!statics_.ss_ok) return fail(Refusal::kLowOrderKey);
  ss_.mix_key(statics_.ss.data(), statics_.ss.size());
  if (!ss_.encrypt_and_hash(payload.data, payload.size, p)) return fail(Refusal::kNonceExhausted);
  step_ = Step::kRead2;
  return Outcome{Refusal::kNone, 0, size};
}

Outcome IkInitiator::read_message2(core::ByteView msg, core::MutableBytes payload_out) {
  if (step_ != Step::kRead2) return fail(Refusal::kWrongState);
  if (msg.size < kIkMessage2Overhead) return fail(Refusal::kMalformed);
  const std::size_t payload_size = msg.size - kIkMessage2Overhead;
  if (payload_out.size < payload_size) return fail(Refusal::kBufferTooSmall);
  const uint8_t* p = msg.data;
  // e
  const Key32 re = load(p);
  ss_.mix_hash(p, kDhSize);
  p += kDhSize;
  // ee, se
  if (!mix_dh(ss_, e_, re)) return fail(Refusal::kLowOrderKey);
  if (!mix_dh(ss_, s_, re)) return fail(Refusal::kLowOrderKey);
  if (!ss_.decrypt_and_hash(p, payload_size + kTagSize, payload_out.data))
    return fail(Refusal::kDecryptFailed);
  wipe(e_);
  step_ = Step::kSplit;
  return Outcome{Refusal::kNone, msg.size, payload_size};
}

Refusal IkInitiator::finish(Transport& transport) {
  if (step_ != Step::kSplit) return fail(Refusal::kWrongState).refusal;
  split_into(ss_, true, transport);
  step_ = Step::kDone;
  return Refusal::kNone;
}

// ---- Responder ----

IkResponder::IkResponder(const Key32& local_static_private, core::ByteView prologue)
    : s_(local_static_private) {
  initialize(ss_, prologue, crypto::x25519_public(s_));
}

IkResponder::~IkResponder() {
  wipe(s_);
  wipe(e_);
}

Outcome IkResponder::fail(Refusal r) {
  step_ = Step::kFailed;
  wipe(e_);
  return Outcome{r, 0, 0};
}

Outcome IkResponder::read_message1(core::ByteView msg, core::MutableBytes payload_out) {
  if (step_ != Step::kRead1) return fail(Refusal::kWrongState);
  if (msg.size < kIkMessage1Overhead) return fail(Refusal::kMalformed);
  const std::size_t payload_size = msg.size - kIkMessage1Overhead;
  if (payload_out.size < payload_size) return fail(Refusal::kBufferTooSmall);
  const uint8_t* p = msg.data;
  // e
  re_ = load(p);
  ss_.mix_hash(p, kDhSize);
  p += kDhSize;
  // es
  if (!mix_dh(ss_, s_, re_)) return fail(Refusal::kLowOrderKey);
  // s
  uint8_t rs[kDhSize];
  if (!ss_.decrypt_and_hash(p, kDhSize + kTagSize, rs)) return fail(Refusal::kDecryptFailed);
  rs_ = load(rs);
  p += kDhSize + kTagSize;
  // ss
  if (!mix_dh(ss_, s_, rs_)) return fail(Refusal::kLowOrderKey);
  if (!ss_.decrypt_and_hash(p, payload_size + kTagSize, payload_out.data))
    return fail(Refusal::kDecryptFailed);
  step_ = Step::kWrite2;
  return Outcome{Refusal::kNone, msg.size, payload_size};
}

Outcome IkResponder::write_message2(core::Random& rng, core::ByteView payload,
                                    core::MutableBytes out) {
  if (step_ != Step::kWrite2) return fail(Refusal::kWrongState);
  const std::size_t size = kIkMessage2Overhead + payload.size;
  if (size > kMaxFrameBody) return fail(Refusal::kOversized);
  if (out.size < size) return fail(Refusal::kBufferTooSmall);
  uint8_t* p = out.data;
  // e
  Key32 seed{};
  rng.fill(seed.data(), seed.size());
  write_ephemeral(ss_, seed, e_, p);
  wipe(seed);
  p += kDhSize;
  // ee, se
  if (!mix_dh(ss_, e_, re_)) return fail(Refusal::kLowOrderKey);
  if (!mix_dh(ss_, e_, rs_)) return fail(Refusal::kLowOrderKey);
  if (!ss_.encrypt_and_hash(payload.data, payload.size, p)) return fail(Refusal::kNonceExhausted);
  wipe(e_);
  step_ = Step::kSplit;
  return Outcome{Refusal::kNone, 0, size};
}

Refusal IkResponder::finish(Transport& transport) {
  if (step_ != Step::kSplit) return fail(Refusal::kWrongState).refusal;
  split_into(ss_, false, transport);
  step_ = Step::kDone;
  return Refusal::kNone;
}

}  // namespace weft::control
