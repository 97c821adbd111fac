// The weft control channel handshake over Noise IK (docs/control-plane.md, "The channel"):
// framing, the clear version, the version prologue and payloads around IkInitiator/IkResponder.
#include "control/channel.h"

#include <cstring>

namespace weft::control {
namespace {

void put_version(uint16_t v, uint8_t* out) {
  out[0] = static_cast<uint8_t>(v >> 8);
  out[1] = static_cast<uint8_t>(v);
}

uint16_t get_version(const uint8_t* in) { return static_cast<uint16_t>((in[0] << 8) | in[1]); }

core::ByteView view(const std::string& s) {
  return core::ByteView{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string prologue_for(uint16_t version) {
  return "weft control v" + std::to_string(version);
}

// ---- Node ----

NodeHandshake::NodeHandshake(const core::MachinePrivateKey& machine,
                             const core::MachinePublicKey& server, uint16_t version)
    : version_(version), ik_(machine.bytes, server.bytes, view(prologue_for(version))) {}

NodeHandshake::NodeHandshake(const core::MachinePrivateKey& machine,
                             const core::MachinePublicKey& server, const IkStatics& statics,
                             uint16_t version)
    : version_(version), ik_(machine.bytes, server.bytes, view(prologue_for(version)), statics) {}

template <typename WriteMessage1>
Outcome NodeHandshake::write_hello(core::MutableBytes out, WriteMessage1&& write_message1) {
  if (out.size < kNodeHelloSize) return Outcome{Refusal::kBufferTooSmall};
  uint8_t payload[kVersionSize];
  put_version(version_, payload);
  uint8_t* body = out.data + kLengthPrefixSize;
  put_version(version_, body);
  const Outcome w = write_message1(
      core::ByteView{payload, sizeof payload},
      core::MutableBytes{body + kVersionSize, out.size - kLengthPrefixSize - kVersionSize});
  if (!w.ok()) return w;
  write_length_prefix(kNodeHelloSize - kLengthPrefixSize, out.data);
  return Outcome{Refusal::kNone, 0, kNodeHelloSize};
}

Outcome NodeHandshake::start(core::Random& rng, core::MutableBytes out) {
  return write_hello(out, [&](core::ByteView payload, core::MutableBytes body) {
    return ik_.write_message1(rng, payload, body);
  });
}

Outcome NodeHandshake::start(const crypto::Key32& ephemeral_seed, core::MutableBytes out) {
  return write_hello(out, [&](core::ByteView payload, core::MutableBytes body) {
    return ik_.write_message1(ephemeral_seed, payload, body);
  });
}

Outcome NodeHandshake::finish(core::ByteView input, Transport& transport) {
  const FrameView frame = split_frame(input);
  if (frame.refusal != Refusal::kNone) return Outcome{frame.refusal};
  if (frame.frame_size != kServerHelloSize) return Outcome{Refusal::kMalformed};
  uint8_t payload[kVersionSize];
  const Outcome r = ik_.read_message2(frame.body, core::MutableBytes{payload, sizeof payload});
  if (!r.ok()) return r;
  if (get_version(payload) != version_) return Outcome{Refusal::kVersionMismatch};
  const Refusal f = ik_.finish(transport);
  if (f != Refusal::kNone) return Outcome{f};
  return Outcome{Refusal::kNone, frame.frame_size, 0};
}

// ---- Server ----

ServerHandshake::ServerHandshake(const core::MachinePrivateKey& server, uint16_t version)
    : version_(version), ik_(server.bytes, view(prologue_for(version))) {}

Accepted ServerHandshake::accept(core::ByteView input, core::Random& rng, core::MutableBytes out,
                                 Transport& transport) {
  Accepted a;
  const FrameView frame = split_frame(input);
  if (frame.refusal != Refusal::kNone) {
    a.outcome = Outcome{frame.refusal};
    return a;
  }
  if (frame.body.size < kVersionSize) {
    a.outcome = Outcome{Refusal::kMalformed};
    return a;
  }
  // The clear version first: another version may lay out the rest differently.
  a.node_version = get_version(frame.body.data);
  if (a.node_version != version_) {
    a.outcome = Outcome{Refusal::kVersionMismatch};
    return a;
  }
  if (frame.frame_size != kNodeHelloSize) {
    a.outcome = Outcome{Refusal::kMalformed};
    return a;
  }
  if (out.size < kServerHelloSize) {
    a.outcome = Outcome{Refusal::kBufferTooSmall};
    return a;
  }
  uint8_t payload[kVersionSize];
  const Outcome r = ik_.read_message1(
      core::ByteView{frame.body.data + kVersionSize, frame.body.size - kVersionSize},
      core::MutableBytes{payload, sizeof payload});
  if (!r.ok()) {
    a.outcome = r;
    return a;
  }
  // Authenticated and prologue-bound, so a mismatch here is a broken node, not an attacker.
  if (get_version(payload) != version_) {
    a.outcome = Outcome{Refusal::kVersionMismatch};
    return a;
  }
  std::memcpy(a.node.bytes.data(), ik_.remote_static().data(), a.node.bytes.size());
  put_version(version_, payload);
  const Outcome w = ik_.write_message2(
      rng, core::ByteView{payload, sizeof payload},
      core::MutableBytes{out.data + kLengthPrefixSize, out.size - kLengthPrefixSize});
  if (!w.ok()) {
    a.outcome = w;
    return a;
  }
  write_length_prefix(kServerHelloSize - kLengthPrefixSize, out.data);
  const Refusal f = ik_.finish(transport);
  a.outcome = Outcome{f, frame.frame_size, f == Refusal::kNone ? kServerHelloSize : 0};
  return a;
}

}  // namespace weft::control
