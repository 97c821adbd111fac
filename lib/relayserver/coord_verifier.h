// `weft derp --verify-clients URL` (docs/connectivity.md, "Verifying clients"): a Verifier that
// asks the coordination server over a control connection of its own (VerifyChannel over
// node::ControlDialer), caches answers briefly, and fails closed: while the server cannot be
// reached or does not answer, unknown node keys are refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/key.h"
#include "core/random.h"
#include "node/control_dial.h"
#include "relayserver/relay_service.h"
#include "runtime/clock.h"
#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::relayserver {

struct CoordVerifierOptions {
  std::string server_url;
  /// TLS trust (ca_file) and timeouts of the dial.
  node::DialOptions dial;
  core::Duration allowed_ttl = std::chrono::seconds(60);
  core::Duration refused_ttl = std::chrono::seconds(10);
  /// Questions unanswered this long fail the connection (and are refused).
  std::chrono::milliseconds answer_timeout{5000};
  /// Cached answers kept at most; beyond, the cache starts over.
  std::size_t max_cached = 65536;
  /// Connection failures, one line each; null: silent.
  std::function<void(const std::string&)> log;
};

struct CoordVerifierCounters {
  uint64_t asked = 0;         ///< questions sent to the server
  uint64_t cache_hits = 0;
  uint64_t allowed = 0;       ///< answers from the server
  uint64_t refused = 0;
  uint64_t failed = 0;        ///< questions refused because the server could not answer
  uint64_t connections = 0;   ///< control connections opened
};

class CoordVerifier final : public Verifier {
 public:
  /// `machine` is the key the relay presents on the control channel (any key: the coordinator
  /// answers these questions to any client). Errors: "dial.url", "dial.tls_config".
  static Result<std::unique_ptr<CoordVerifier>> create(boost::asio::io_context& io,
                                                       CoordVerifierOptions options,
                                                       const core::MachinePrivateKey& machine,
                                                       core::Random& rng,
                                                       const runtime::MonotonicClock& clock);
  ~CoordVerifier() override;

  void verify(const core::NodePublicKey& node_key, std::function<void(bool)> done) override;
  const CoordVerifierCounters& counters() const;

  struct State;  // coord_verifier.cc

 private:
  explicit CoordVerifier(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;  // held weakly by the dial's and the stream's handlers
};

}  // namespace weft::relayserver
