// The declarative policy: typed values read from a HuJSON policy file (Tailscale's tailnet
// policy language), every element with its source position. No behaviour here; see
// evaluator.h for the compiled form. Semantics are documented in docs/policy.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/protocol.h"
#include "util/ip_prefix.h"

namespace weft::policy {

/// Kinds of alias usable in src/dst/owners/targets. Which kinds are legal where is checked by
/// the validator (e.g. autogroup:self only on the dst side).
enum class SelectorKind : uint8_t {
  kWildcard,           // "*"
  kUser,               // "alice@example.com" (also "alice@github", "alice@passkey")
  kGroup,              // "group:eng"
  kTag,                // "tag:prod"
  kHost,               // a name from `hosts`
  kPrefix,             // "100.64.0.1", "10.0.0.0/8", "fd7a::/48"
  kIpSet,              // "ipset:name"
  kAutogroupMember,    // autogroup:member
  kAutogroupTagged,    // autogroup:tagged
  kAutogroupSelf,      // autogroup:self (dst only)
  kAutogroupInternet,  // autogroup:internet (dst only)
  kAutogroupAdmin,     // autogroup:admin (and the other role autogroups, see `name`)
  kAutogroupNonroot,   // autogroup:nonroot (ssh users only)
  kAutogroupShared,    // autogroup:shared: users a device is shared with (nobody in weft)
  kService,            // "svc:db": a Tailscale Service (grant and test destinations only)
  kUserDomain,         // "user:*@example.com": every user whose login is in that domain
};

struct Selector {
  SelectorKind kind = SelectorKind::kWildcard;
  std::string name;    // the text as written ("group:eng", "alice@example.com", "db", ...)
  util::IpPrefix prefix;  // kPrefix: the prefix; kHost: resolved from `hosts` by the validator
  SourceRef at;
};

/// An inclusive port range; "*" is {0, 65535}.
struct PortRange {
  uint16_t first = 0;
  uint16_t last = 65535;
  friend bool operator==(const PortRange& a, const PortRange& b) {
    return a.first == b.first && a.last == b.last;
  }
};

/// One `host:ports` entry of an ACL's dst.
struct AclDestination {
  Selector target;
  std::vector<PortRange> ports;
  SourceRef at;
};

/// An `acls` entry. protos empty = the default set (TCP, UDP, ICMP, ICMPv6).
struct Acl {
  std::string action;  // "accept"
  std::vector<Selector> src;
  std::vector<uint8_t> protos;
  std::vector<AclDestination> dst;
  std::vector<std::string> src_posture;  // "posture:name"
  SourceRef at;
};

/// One element of a grant's `ip` list: "*", "tcp:443", "udp:53", "icmp", "443", "tcp:8000-8100".
/// protos empty = every protocol.
struct GrantIp {
  std::vector<uint8_t> protos;
  std::vector<PortRange> ports;
  SourceRef at;
};

/// One application capability of a grant's `app`, kept verbatim.
struct AppCapability {
  std::string name;        // "example.com/cap/foo"
  std::string json_value;  // the value (an array of objects) as compact JSON
  SourceRef at;
};

struct Grant {
  std::vector<Selector> src;
  std::vector<Selector> dst;
  std::vector<GrantIp> ip;
  std::vector<AppCapability> app;
  std::vector<Selector> via;             // tags
  std::vector<std::string> src_posture;  // "posture:name"
  SourceRef at;
};

struct Group {
  std::string name;  // "group:eng"
  std::vector<Selector> members;  // users (validator rejects groups: no recursion)
  SourceRef at;
};

struct TagOwner {
  std::string tag;  // "tag:prod"
  std::vector<Selector> owners;  // users, groups, tags, autogroup:admin...
  SourceRef at;
};

struct Host {
  std::string name;
  util::IpPrefix prefix;
  SourceRef at;
};

/// An `ipsets` entry: a list of additions and removals ("add"/"remove" forms or plain strings).
struct IpSetEntry {
  bool remove = false;
  Selector selector;  // kPrefix, kHost, kIpSet or kAutogroupInternet
};
struct IpSet {
  std::string name;  // "ipset:office"
  std::vector<IpSetEntry> entries;
  SourceRef at;
};

struct RouteApprover {
  util::IpPrefix route;
  std::vector<Selector> approvers;
  SourceRef at;
};

struct AutoApprovers {
  std::vector<RouteApprover> routes;
  std::vector<Selector> exit_node;
  SourceRef at;
};

struct NodeAttr {
  std::vector<Selector> target;
  std::vector<std::string> attr;
  std::vector<AppCapability> app;
  SourceRef at;
};

/// One posture condition: "node:os IN ['macos', 'linux']", "node:tsVersion >= '1.40'",
/// "custom:x == 3", "node:foo IS SET".
enum class PostureOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn, kIsSet, kNotSet };
struct PostureCondition {
  std::string attribute;  // "node:os"
  PostureOp op = PostureOp::kEq;
  std::vector<std::string> values;  // one for comparisons, several for IN / NOT IN
  bool numeric = false;              // values were written as numbers
  SourceRef at;
};
struct Posture {
  std::string name;  // "posture:latest"
  std::vector<PostureCondition> conditions;  // all must hold
  SourceRef at;
};

struct SshRule {
  std::string action;  // "accept" or "check"
  std::vector<Selector> src;
  std::vector<Selector> dst;
  std::vector<std::string> users;  // "root", "autogroup:nonroot", "localpart:*@example.com"...
  std::optional<std::string> check_period;
  std::vector<std::string> accept_env;
  std::vector<std::string> src_posture;
  std::vector<Selector> recorder;  // tags of the session recorder nodes (Tailscale kb/1246)
  bool enforce_recorder = false;   // refuse the session when no recorder can be reached
  SourceRef at;
};

/// A `host:port` of a test's accept/deny list.
struct TestTarget {
  std::string text;  // as written
  Selector host;
  uint16_t port = 0;
  SourceRef at;
};

struct AclTest {
  Selector src;
  std::optional<uint8_t> proto;  // unset = TCP
  std::map<std::string, std::string> src_posture_attrs;  // "srcPostureAttrs"
  std::vector<TestTarget> accept;
  std::vector<TestTarget> deny;
  SourceRef at;
};

struct SshTest {
  Selector src;
  std::vector<Selector> dst;
  std::vector<std::string> accept;
  std::vector<std::string> check;
  std::vector<std::string> deny;
  SourceRef at;
};

struct Policy {
  std::vector<Acl> acls;
  std::vector<Grant> grants;
  std::vector<Group> groups;
  std::vector<TagOwner> tag_owners;
  std::vector<Host> hosts;
  std::vector<IpSet> ipsets;
  AutoApprovers auto_approvers;
  std::vector<NodeAttr> node_attrs;
  std::vector<Posture> postures;
  std::vector<std::string> default_src_posture;
  std::vector<SshRule> ssh;
  std::vector<SshTest> ssh_tests;
  std::vector<AclTest> tests;
};

}  // namespace weft::policy
