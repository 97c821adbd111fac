// Parses the source/destination forms of policy `tests` and `acl query` into an Identity
// (Tailscale "ACL tests": users, groups, tags, services as destinations, host aliases, IP addresses).
#include <string>
#include <string_view>

#include "policy/identity.h"
#include "policy/selector.h"

namespace weft::policy {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Result<Identity> identity_from_text(const Policy& policy, std::string_view text, bool is_src) {
  Identity id;
  if (text.empty()) return make_error("identity.empty", "empty source or destination");
  std::string_view addr = text;
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (auto a = util::IpAddress::parse(addr)) {
    id.addresses.push_back(*a);
    return id;
  }
  if (starts_with(text, "tag:")) {
    for (const auto& t : policy.tag_owners)
      if (t.tag == text) {
        id.tags.emplace_back(text);
        return id;
      }
    return make_error("identity.unknown_tag", quoted(text) + " is not in tagOwners");
  }
  // A group, on either side, is a node of one of its members: the rules that name the group.
  if (starts_with(text, "group:")) {
    for (const auto& g : policy.groups)
      if (g.name == text) {
        id.groups.emplace_back(text);
        return id;
      }
    // A group synced from the identity provider needs no definition: a node carrying it.
    if (is_synced_group(text) && parse_selector(text)) {
      id.groups.emplace_back(text);
      return id;
    }
    return make_error("identity.unknown_group", "unknown group " + quoted(text));
  }
  if (starts_with(text, "svc:")) {
    if (is_src)
      return make_error("identity.service_src", "a Tailscale Service cannot be a source: " + quoted(text));
    auto s = parse_selector(text);
    if (!s) return make_error("identity.service", s.error().message);
    id.services.emplace_back(text);
    return id;
  }
  if (starts_with(text, "autogroup:") || starts_with(text, "ipset:") || starts_with(text, "user:") ||
      text == "*")
    return make_error("identity.form",
                      quoted(text) + " names many nodes; use a user, tag, host or address");
  for (const auto& h : policy.hosts)
    if (h.name == text) {
      id.addresses.push_back(h.prefix.address());
      return id;
    }
  if (text.find('@') != std::string_view::npos) {
    id.user = std::string(text);
    return id;
  }
  if (auto p = util::IpPrefix::parse(addr)) {
    id.addresses.push_back(p->address());
    return id;
  }
  return make_error("identity.unknown", "unknown host, user or address " + quoted(text));
}

}  // namespace weft::policy
