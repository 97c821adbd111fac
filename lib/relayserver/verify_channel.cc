// The relay's verification channel (verify_channel.h): control::NodeHandshake, then one
// VerifyNodeRequest per question and the answers in order.
#include "relayserver/verify_channel.h"

#include <variant>

#include "control/message_codec.h"

namespace weft::relayserver {

VerifyChannel::VerifyChannel(const core::MachinePrivateKey& machine,
                             const core::MachinePublicKey& server)
    : handshake_(machine, server) {}

Status VerifyChannel::start(core::Random& rng) {
  const std::size_t at = out_.size();
  out_.resize(at + control::kNodeHelloSize);
  auto o = handshake_.start(rng, core::MutableBytes{out_.data() + at, control::kNodeHelloSize});
  if (!o.ok()) {
    out_.resize(at);
    return make_error("verify.handshake", "cannot start the control handshake");
  }
  out_.resize(at + o.size);
  return Ok{};
}

Status VerifyChannel::ask(const core::NodePublicKey& node_key) {
  if (!handshaken_) {
    waiting_.push_back(node_key);
    return Ok{};
  }
  return send(node_key);
}

Status VerifyChannel::send(const core::NodePublicKey& key) {
  const std::vector<uint8_t> bytes =
      control::encode(control::NodeMessage{control::VerifyNodeRequest{key}});
  return sender_.seal(core::ByteView{bytes.data(), bytes.size()}, transport_, out_);
}

Status VerifyChannel::receive(core::ByteView bytes) {
  core::ByteView in = bytes;
  if (!handshaken_) {
    hello_.insert(hello_.end(), bytes.data, bytes.data + bytes.size);
    auto o = handshake_.finish(core::ByteView{hello_.data(), hello_.size()}, transport_);
    if (o.refusal == control::Refusal::kTruncated) return Ok{};
    if (!o.ok()) {
      return make_error("verify.handshake",
                        "the coordination server's handshake failed (wrong server key, or not "
                        "a weft control server)");
    }
    handshaken_ = true;
    // What followed the hello in the same reads is the start of the message stream.
    std::vector<uint8_t> rest(hello_.begin() + static_cast<std::ptrdiff_t>(o.consumed), hello_.end());
    hello_.clear();
    for (const auto& key : waiting_) {
      if (auto st = send(key); !st.ok()) return st;
    }
    waiting_.clear();
    if (rest.empty()) return Ok{};
    return receive(core::ByteView{rest.data(), rest.size()});
  }
  for (;;) {
    control::Received r = receiver_.poll(in, transport_);
    if (r.status == control::ReceiveStatus::kNeedMore) return Ok{};
    if (r.status == control::ReceiveStatus::kError) return r.error;
    auto m = control::decode_server_message(r.message);
    if (!m.ok()) return m.error();
    if (auto* answer = std::get_if<control::VerifyNodeResponse>(&*m)) {
      answers_.push_back(*answer);
    } else if (auto* e = std::get_if<control::ErrorMessage>(&*m)) {
      return make_error("verify.refused", e->code + ": " + e->message);
    } else if (!std::holds_alternative<control::KeepAlive>(*m)) {
      return make_error("verify.unexpected", "the coordination server sent another message");
    }
  }
}

std::vector<uint8_t> VerifyChannel::take_output() {
  std::vector<uint8_t> out;
  out.swap(out_);
  return out;
}

bool VerifyChannel::poll_answer(control::VerifyNodeResponse& answer) {
  if (answers_.empty()) return false;
  answer = answers_.front();
  answers_.pop_front();
  return true;
}

}  // namespace weft::relayserver
