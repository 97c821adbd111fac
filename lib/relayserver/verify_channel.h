// A relay's questions to the coordination server (docs/connectivity.md, "Verifying clients"),
// sans-IO: the control channel's Noise IK handshake under the relay's own machine key, then
// VerifyNodeRequest messages out and VerifyNodeResponse answers in, on a connection of its own.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "control/channel.h"
#include "control/message_stream.h"
#include "control/messages.h"
#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"
#include "util/result.h"

namespace weft::relayserver {

/// Calling contract: one per connection; start() once, then ask() and receive() in any order;
/// the bytes to write are taken with take_output() after each call. Any error is terminal.
class VerifyChannel {
 public:
  VerifyChannel(const core::MachinePrivateKey& machine, const core::MachinePublicKey& server);
  VerifyChannel(const VerifyChannel&) = delete;
  VerifyChannel& operator=(const VerifyChannel&) = delete;

  /// Writes the handshake's first frame. Errors: "verify.handshake".
  Status start(core::Random& rng);
  /// Queues a question (sent once the handshake is done). Errors: "control.message_too_large"
  /// and "control.transport" from the sender (the connection is then unusable).
  Status ask(const core::NodePublicKey& node_key);
  /// Bytes from the server. Errors: "verify.handshake" (not the expected server, or no weft
  /// control server), "control.*" (the stream broke), "verify.refused" (the server sent an
  /// ErrorMessage; the detail is its code and text), "verify.unexpected" (another message).
  Status receive(core::ByteView bytes);

  std::vector<uint8_t> take_output();
  bool poll_answer(control::VerifyNodeResponse& answer);
  bool handshaken() const { return handshaken_; }

 private:
  Status send(const core::NodePublicKey& key);

  control::NodeHandshake handshake_;
  control::Transport transport_;
  control::MessageSender sender_;
  control::MessageReceiver receiver_;
  std::vector<uint8_t> hello_;  // the server's hello, while it arrives in pieces
  std::vector<uint8_t> out_;
  std::vector<core::NodePublicKey> waiting_;  // asked before the handshake finished
  std::deque<control::VerifyNodeResponse> answers_;
  bool handshaken_ = false;
};

}  // namespace weft::relayserver
