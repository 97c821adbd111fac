// Runs the AEAD of a CryptoJob with a per-thread cache of key contexts (see crypto_job.h).
#include "wg/crypto_job.h"

#include "wg/constants.h"

namespace weft::wg {

TransportCrypto::TransportCrypto() = default;
TransportCrypto::~TransportCrypto() { clear(); }

void TransportCrypto::clear() {
  for (Slot& s : slots_) {
    s.context.reset();
    crypto::secure_zero(s.key.data(), s.key.size());
  }
}

crypto::AeadContext& TransportCrypto::context_for(const crypto::Key32& key) {
  for (Slot& s : slots_) {
    if (s.context && crypto::constant_time_equal(s.key.data(), key.data(), key.size())) {
      return *s.context;
    }
  }
  Slot& s = slots_[next_victim_];
  next_victim_ = (next_victim_ + 1) % kSlots;
  s.context = std::make_unique<crypto::AeadContext>(key);
  s.key = key;
  return *s.context;
}

void TransportCrypto::run(CryptoJob& job, uint8_t* datagram, uint8_t* out) {
  switch (job.kind) {
    case CryptoJob::Kind::kNone:
      return;
    case CryptoJob::Kind::kSeal: {
      uint8_t* body = datagram + kTransportHeaderSize;
      context_for(job.key).seal(job.counter, body, job.length, body);
      job.kind = CryptoJob::Kind::kNone;  // sealed: the datagram is final
      break;
    }
    case CryptoJob::Kind::kOpen:
      job.opened = context_for(job.key).open(job.counter, datagram + kTransportHeaderSize,
                                             job.length, out);
      break;
  }
  crypto::secure_zero(job.key.data(), job.key.size());
}

}  // namespace weft::wg
