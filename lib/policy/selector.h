// Text forms of the policy language: selectors ("tag:prod", "alice@example.com", "10.0.0.0/8"),
// `host:ports` destinations, port lists and grant `ip` entries (docs/policy.md, "Selectors").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/model.h"

namespace weft::policy {

/// Why a piece of text was rejected: a message and the code-point offset of the offending
/// character inside the text (0 = the start), so diagnostics can point inside a string.
struct TextError {
  uint32_t offset = 0;
  std::string message;
};

/// A parsed value or a TextError. Kept apart from weft::Result because callers need the offset.
template <class T>
class TextResult {
 public:
  TextResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  TextResult(TextError error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  const TextError& error() const { return error_; }

 private:
  std::optional<T> value_;
  TextError error_;
};

/// The role autogroups Tailscale defines ("autogroup:admin", "autogroup:owner", ...); they all
/// map to SelectorKind::kAutogroupAdmin with the full text kept in Selector::name.
bool is_role_autogroup(std::string_view name);

/// True for a group synced from the identity provider ("group:security@example.com"): it is not
/// defined in `groups`, and its members are known only to the identity provider.
bool is_synced_group(std::string_view name);

/// The "user:*@domain" selector text that matches `login` ("Ann@Example.com" ->
/// "user:*@example.com"); domains compare without regard to ASCII case. "" without an '@'.
std::string user_domain_key(std::string_view login);

/// Where the first upper-case ASCII letter of a `user:*@DOMAIN` or `localpart:*@DOMAIN` domain
/// is (npos when none). Tailscale compares such a domain exactly with the tailnet's, which are
/// lower case, so it refuses "EXAMPLE.COM" where "example.com" is the tailnet's.
std::size_t upper_case_at(std::string_view domain);

/// `text` with ASCII letters in lower case, for suggestions.
std::string lower_ascii_text(std::string_view text);

/// True for an IP address or a (validated) host alias of one that is IPv6. As an `sshTests`
/// dst it names no device: Tailscale finds none by an IPv6 address there (docs/policy.md).
bool names_ipv6_address(const Selector& s);

/// Every autogroup weft accepts, for "did you mean" suggestions.
const std::vector<std::string>& known_autogroups();

/// Classifies one alias. Does not look anything up: a bare name becomes kHost and the validator
/// checks it exists. Errors: empty text, "tag:"/"group:"/"ipset:" with an empty name, an unknown
/// autogroup, a malformed user ("@example.com"), a service name that is not a DNS label
/// ("svc:my_db"), a "user:" form other than "user:*@DOMAIN", a domain that is empty or "*" (in
/// "user:*@DOMAIN" and synced groups "group:NAME@DOMAIN"), a `user:*@DOMAIN` domain with an
/// upper-case letter, a CIDR with a bad length,
/// characters not allowed in a host alias, an unknown "prefix:" form.
TextResult<Selector> parse_selector(std::string_view text);

/// Parses a port list: "*", "22", "22,80,443", "8000-8099" or a mix. Errors: empty list or
/// item, non-digits, values above 65535, a lone port 0, reversed ranges.
TextResult<std::vector<PortRange>> parse_ports(std::string_view text);

/// Splits and parses an ACL destination "host:ports": the host is everything before the last
/// ':' ("tag:prod:22", "fd7a::1:22") or the bracketed part ("[fd7a::1]:22"). Errors: no ports
/// part, and whatever parse_selector / parse_ports report (offsets relative to `text`).
TextResult<AclDestination> parse_destination(std::string_view text);

/// Parses one element of a grant's `ip`: "*", "tcp:443", "udp:53", "icmp", "443", "80,443",
/// "tcp:8000-8100", "6:443". Errors: unknown protocol, bad ports, ports on a port-less
/// protocol ("icmp:22").
TextResult<GrantIp> parse_grant_ip(std::string_view text);

/// Parses a test destination "host:port" with exactly one port ("tag:prod:22", "[fd7a::1]:80").
TextResult<TestTarget> parse_test_target(std::string_view text);

/// "; did you mean \"x\"?" when a candidate is close to `word`, else "". Close means an edit
/// distance of at most 1 for names (the part after the last ':') of up to 3 characters, 2 up to
/// 5, then a third of the length (at most 3). For appending to a diagnostic.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// Number of code points in the first `bytes` bytes of UTF-8 `text` (for column arithmetic).
uint32_t code_points(std::string_view text, std::size_t bytes);

}  // namespace weft::policy
