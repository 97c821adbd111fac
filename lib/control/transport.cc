// Sealing and opening control-channel frames with the two CipherStates the handshake split
// into (Noise spec rev. 34, section 5.1); each refusal is checked before any decryption.
#include "control/transport.h"

namespace weft::control {
namespace {

void put_counter(uint64_t c, uint8_t* out) {
  for (std::size_t i = 0; i < kCounterSize; ++i)
    out[i] = static_cast<uint8_t>(c >> (8 * (kCounterSize - 1 - i)));
}

uint64_t get_counter(const uint8_t* in) {
  uint64_t c = 0;
  for (std::size_t i = 0; i < kCounterSize; ++i) c = (c << 8) | in[i];
  return c;
}

}  // namespace

void Transport::start(const crypto::Key32& send_key, const crypto::Key32& recv_key) {
  send_.initialize_key(send_key);
  recv_.initialize_key(recv_key);
}

Outcome Transport::seal(core::ByteView plain, core::MutableBytes out) {
  if (!started()) return Outcome{Refusal::kWrongState};
  if (plain.size > kMaxPlaintext) return Outcome{Refusal::kOversized};
  const std::size_t size = sealed_frame_size(plain.size);
  if (out.size < size) return Outcome{Refusal::kBufferTooSmall};
  const uint64_t counter = send_.nonce();
  uint8_t* body = out.data + kLengthPrefixSize;
  if (!send_.encrypt_with_ad(nullptr, 0, plain.data, plain.size, body + kCounterSize))
    return Outcome{Refusal::kNonceExhausted};
  write_length_prefix(size - kLengthPrefixSize, out.data);
  put_counter(counter, body);
  return Outcome{Refusal::kNone, 0, size};
}

Outcome Transport::open(core::ByteView input, core::MutableBytes plain_out) {
  if (!started()) return Outcome{Refusal::kWrongState};
  const FrameView frame = split_frame(input);
  if (frame.refusal != Refusal::kNone) return Outcome{frame.refusal};
  if (frame.body.size < kCounterSize + kTagSize) return Outcome{Refusal::kMalformed};
  const uint64_t counter = get_counter(frame.body.data);
  if (counter < recv_.nonce()) return Outcome{Refusal::kReplayed};
  if (counter > recv_.nonce()) return Outcome{Refusal::kCounterGap};
  const std::size_t cipher_size = frame.body.size - kCounterSize;
  const std::size_t plain_size = cipher_size - kTagSize;
  if (plain_out.size < plain_size) return Outcome{Refusal::kBufferTooSmall};
  if (!recv_.decrypt_with_ad(nullptr, 0, frame.body.data + kCounterSize, cipher_size,
                             plain_out.data))
    return Outcome{Refusal::kDecryptFailed};
  return Outcome{Refusal::kNone, frame.frame_size, plain_size};
}

}  // namespace weft::control
