// The compiled policy: answers (source, destination, protocol, port) -> accept/deny and names
// the rule that accepted. Built once per policy; decisions are lock-free reads, fit for a packet
// filter. Default deny.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/identity.h"
#include "policy/model.h"
#include "policy/protocol.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::policy {

/// Which rule accepted: an ACL or grant by index (or, in SSH test results, an `ssh` rule),
/// with its position in the file.
struct RuleRef {
  enum class Kind : uint8_t { kAcl, kGrant, kSsh } kind = Kind::kAcl;
  uint32_t index = 0;
  SourceRef at;
};

struct Decision {
  bool accept = false;
  std::optional<RuleRef> rule;  // set when accepted
};

class CompiledPolicy;

/// A compiled identity: resolved once (groups, autogroups, matching prefixes), then reused for
/// many decisions. Cheap to copy.
struct Principal {
  std::vector<uint32_t> keys;  // interned identity keys, sorted (implementation detail)
  std::optional<uint32_t> user_key;
  bool tagged = false;
  std::vector<util::IpAddress> addresses;
  std::map<std::string, std::string> posture_attrs;
  /// The subsets of `keys` that some rule names on its src (dst) side; decide() pairs only these.
  std::vector<uint32_t> src_keys;
  std::vector<uint32_t> dst_keys;
  /// Nonzero for a user-owned, untagged node: a 64-bit hash of the user (autogroup:self).
  uint64_t owner = 0;
  std::string user;  // the owning user of an untagged node, for SSH "localpart:" users
  /// Bit i set: the node's posture satisfies the compiled policy's posture requirement i.
  std::vector<uint64_t> posture_sets;
};

/// Outcome of a Tailscale SSH connection attempt (`ssh` rules).
enum class SshAction : uint8_t { kDeny, kAccept, kCheck };

struct SshDecision {
  SshAction action = SshAction::kDeny;
  std::optional<uint32_t> rule;  // index into Policy::ssh of the deciding rule
  SourceRef at;
};

class Evaluator {
 public:
  /// Compiles a validated policy. The policy must outlive nothing: the evaluator copies what it
  /// needs. Errors only on internal inconsistencies the validator should have caught.
  static Result<Evaluator> compile(const Policy& policy);

  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;
  ~Evaluator();

  Principal resolve(const Identity& id) const;

  /// The decision for `proto`/`port` from src to dst (port ignored unless
  /// protocol_has_ports(proto)).
  Decision decide(const Principal& src, const Principal& dst, uint8_t proto, uint16_t port) const;

  /// Convenience: resolve both sides then decide.
  Decision decide(const Identity& src, const Identity& dst, uint8_t proto, uint16_t port) const;

  /// SSH as `user` from src to dst: the first `ssh` rule whose src, dst, posture and users all
  /// match decides, "check" rules before "accept" rules, each in file order (as Tailscale orders
  /// the SSH policy it sends to nodes); none matching = deny.
  SshDecision decide_ssh(const Principal& src, const Principal& dst, std::string_view user) const;

  /// The compiled tables (compiled_policy.h), for indexes built over the same (src key, dst key)
  /// pairs that decide() looks up: the coordinator's peer visibility. Never fails.
  const CompiledPolicy& compiled() const;

 private:
  explicit Evaluator(std::unique_ptr<CompiledPolicy> impl);
  std::unique_ptr<CompiledPolicy> impl_;
};

}  // namespace weft::policy
