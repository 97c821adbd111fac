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
#include "policy/model.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::policy {

/// Who a packet's source or destination is: what the coordination server (or a test) knows of
/// a node. A user-owned node has `user`; a tagged node has `tags` and no user.
struct Identity {
  std::optional<std::string> user;  // "alice@example.com"
  std::vector<std::string> tags;    // "tag:prod"
  std::vector<std::string> roles;   // "admin", "owner", ... (for autogroup:admin etc.)
  std::vector<util::IpAddress> addresses;
  std::map<std::string, std::string> posture_attrs;  // "node:os" -> "linux"
  /// Group memberships known besides the policy's `groups` ("group:eng"), e.g. from the
  /// identity provider; also how a test src that names a group without members is evaluated.
  std::vector<std::string> groups;
};

/// Parses the forms that tests and `acl query` accept for a source or destination host:
/// "alice@example.com", "tag:prod", "group:eng" (not for dst), a host alias, an IP address.
/// Errors: unknown group/tag/host, malformed address, a form not allowed there.
Result<Identity> identity_from_text(const Policy& policy, std::string_view text, bool is_src);

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

  /// The decision for `proto`/`port` from src to dst (port ignored for port-less protocols).
  Decision decide(const Principal& src, const Principal& dst, uint8_t proto, uint16_t port) const;

  /// Convenience: resolve both sides then decide.
  Decision decide(const Identity& src, const Identity& dst, uint8_t proto, uint16_t port) const;

  /// SSH as `user` from src to dst: the first `ssh` rule whose src, dst, posture and users all
  /// match decides, "check" rules before "accept" rules, each in file order (as Tailscale orders
  /// the SSH policy it sends to nodes); none matching = deny.
  SshDecision decide_ssh(const Principal& src, const Principal& dst, std::string_view user) const;

 private:
  explicit Evaluator(std::unique_ptr<CompiledPolicy> impl);
  std::unique_ptr<CompiledPolicy> impl_;
};

/// Parses a protocol as written in policies: a name ("tcp", "udp", "icmp", "ipv6-icmp", "sctp",
/// "igmp", "gre", "esp", "ah", ...) or an IANA number ("17"). nullopt when unknown.
std::optional<uint8_t> protocol_from_text(std::string_view text);
/// The canonical name of a protocol number ("tcp"), or its number as text.
std::string protocol_name(uint8_t proto);

}  // namespace weft::policy
