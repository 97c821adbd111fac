// Parsing of the policy language's text forms: selectors, host:ports, port lists, grant ip
// entries, test targets (docs/policy.md, "Selectors" and "Ports and protocols").
#include "policy/selector.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "policy/protocol.h"
#include "util/edit_distance.h"

namespace weft::policy {
namespace {

constexpr std::array<std::string_view, 6> kRoleAutogroups = {
    "autogroup:admin",         "autogroup:owner",         "autogroup:it-admin",
    "autogroup:network-admin", "autogroup:billing-admin", "autogroup:auditor",
};

TextError error_at(std::string_view text, std::size_t byte_offset, std::string message) {
  return TextError{code_points(text, byte_offset), std::move(message)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// An address literal is recognised by its characters so that a host alias such as "db" (valid
// hex) is not mistaken for one: IPv4 needs a leading digit and only digits, dots and '/';
// IPv6 needs a ':'.
bool looks_like_address(std::string_view t) {
  if (t.empty()) return false;
  if (t.find(':') != std::string_view::npos) {
    return std::all_of(t.begin(), t.end(),
                       [](char c) { return is_hex(c) || c == ':' || c == '.' || c == '/'; });
  }
  return is_digit(t[0]) &&
         std::all_of(t.begin(), t.end(), [](char c) { return is_digit(c) || c == '.' || c == '/'; });
}

bool valid_name_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
         c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

// Checks the name after "tag:", "group:" or "ipset:"; returns the byte offset of the first bad
// character, or npos.
std::size_t bad_name_char(std::string_view name) {
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!valid_name_char(name[i])) return i;
  return std::string_view::npos;
}

// The domain of "user:*@DOMAIN" or of a synced group "group:NAME@DOMAIN" starts at byte `at` of
// `text`: non-empty, one '@', name characters only. Tailscale also requires the domain to
// belong to the tailnet, which a file alone cannot show.
std::optional<TextError> bad_domain(std::string_view text, std::size_t at, std::string_view what) {
  std::string_view domain = text.substr(at);
  if (domain.empty())
    return error_at(text, at, std::string(what) + " " + quoted(text) + " has no domain after '@'");
  if (domain == "*")
    return error_at(text, at, std::string(what) + " " + quoted(text) + " names no domain: write "
                                  "one of the tailnet's domains, such as \"example.com\"");
  for (std::size_t i = 0; i < domain.size(); ++i) {
    if (domain[i] == '@')
      return error_at(text, at + i, std::string(what) + " " + quoted(text) + " has more than one '@'");
    if (!valid_name_char(domain[i]))
      return error_at(text, at + i, "invalid character " + quoted(domain.substr(i, 1)) + " in " +
                                        std::string(what) + " " + quoted(text));
  }
  return std::nullopt;
}

TextResult<Selector> named(std::string_view text, std::size_t prefix_len, SelectorKind kind,
                           const char* what) {
  std::string_view name = text.substr(prefix_len);
  if (name.empty())
    return error_at(text, prefix_len, std::string(what) + " name is empty in " + quoted(text));
  // Tailscale's tag names start with an ASCII letter ("tag:1st-floor" is refused).
  if (kind == SelectorKind::kTag && !((name[0] >= 'a' && name[0] <= 'z') ||
                                      (name[0] >= 'A' && name[0] <= 'Z')))
    return error_at(text, prefix_len,
                    "tag name " + quoted(text) + " must start with a letter after \"tag:\"");
  // A group synced from the identity provider is named "group:NAME@DOMAIN" (Tailscale SCIM).
  std::size_t at = kind == SelectorKind::kGroup ? name.find('@') : std::string_view::npos;
  if (at == 0) return error_at(text, prefix_len, "group " + quoted(text) + " has no name before '@'");
  if (at != std::string_view::npos) {
    if (auto e = bad_domain(text, prefix_len + at + 1, "group")) return *e;
    name = name.substr(0, at);
  }
  if (auto bad = bad_name_char(name); bad != std::string_view::npos)
    return error_at(text, prefix_len + bad,
                    "invalid character " + quoted(name.substr(bad, 1)) + " in " + what + " name " +
                        quoted(text));
  Selector s;
  s.kind = kind;
  s.name = std::string(text);
  return s;
}

bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// "svc:NAME", where NAME is one DNS label, as Tailscale's tailcfg.ServiceName.Validate checks
// it: 1-63 letters, digits and '-', starting and ending with a letter or digit.
TextResult<Selector> service(std::string_view text) {
  constexpr std::size_t kPrefix = 4;
  constexpr std::size_t kMaxLabel = 63;
  std::string_view name = text.substr(kPrefix);
  if (name.empty()) return error_at(text, kPrefix, "service name is empty in " + quoted(text));
  if (name.size() > kMaxLabel)
    return error_at(text, kPrefix, "service name " + quoted(text) +
                                       " is longer than 63 characters (it is a DNS label)");
  const std::string label_rule = "; a service name is a DNS label: letters, digits and '-', "
                                 "starting and ending with a letter or digit";
  for (std::size_t i = 0; i < name.size(); ++i) {
    bool edge = i == 0 || i + 1 == name.size();
    if (is_alnum(name[i]) || (!edge && name[i] == '-')) continue;
    return error_at(text, kPrefix + i, "invalid character " + quoted(name.substr(i, 1)) +
                                           " in service name " + quoted(text) + label_rule);
  }
  Selector s;
  s.kind = SelectorKind::kService;
  s.name = std::string(text);
  return s;
}

TextResult<Selector> autogroup(std::string_view text) {
  Selector s;
  s.name = std::string(text);
  // "autogroup:members" is Tailscale's older spelling, which its policy files still use.
  if (text == "autogroup:member" || text == "autogroup:members") {
    s.kind = SelectorKind::kAutogroupMember;
  } else if (text == "autogroup:tagged") {
    s.kind = SelectorKind::kAutogroupTagged;
  } else if (text == "autogroup:self") {
    s.kind = SelectorKind::kAutogroupSelf;
  } else if (text == "autogroup:internet") {
    s.kind = SelectorKind::kAutogroupInternet;
  } else if (text == "autogroup:nonroot") {
    s.kind = SelectorKind::kAutogroupNonroot;
  } else if (text == "autogroup:shared") {
    s.kind = SelectorKind::kAutogroupShared;
  } else if (text == "autogroup:danger-all") {
    // Tailscale's "everyone, including users from other tailnets"; weft has no sharing, so it
    // is the wildcard.
    s.kind = SelectorKind::kWildcard;
  } else if (is_role_autogroup(text)) {
    s.kind = SelectorKind::kAutogroupAdmin;
  } else {
    return error_at(text, 0,
                    "unknown autogroup " + quoted(text) + did_you_mean(text, known_autogroups()));
  }
  return s;
}

TextResult<Selector> user(std::string_view text) {
  auto at = text.find('@');
  if (at == 0) return error_at(text, 0, "user " + quoted(text) + " has no name before '@'");
  if (at + 1 == text.size())
    return error_at(text, at, "user " + quoted(text) + " has no domain after '@'");
  if (auto second = text.find('@', at + 1); second != std::string_view::npos)
    return error_at(text, second, "user " + quoted(text) + " has more than one '@'");
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= ' ' || c == ':' || c == ',' || c == '/')
      return error_at(text, i, "invalid character in user " + quoted(text));
  }
  Selector s;
  s.kind = SelectorKind::kUser;
  s.name = std::string(text);
  return s;
}

// "user:*@DOMAIN": every user whose login is in DOMAIN. Other "user:" forms are not Tailscale's
// (a single user is written without the prefix).
TextResult<Selector> user_domain(std::string_view text) {
  constexpr std::string_view kAll = "user:*@";
  if (!text.starts_with(kAll))
    return error_at(text, 0, "unknown selector " + quoted(text) + "; write a user without \"user:\" "
                             "(\"alice@example.com\"), or every user of a domain as \"user:*@example.com\"");
  if (auto e = bad_domain(text, kAll.size(), "user selector")) return *e;
  if (auto i = upper_case_at(text.substr(kAll.size())); i != std::string_view::npos)
    return error_at(text, kAll.size() + i,
                    "user selector " + quoted(text) + " has an upper-case domain, which Tailscale "
                    "refuses; write " + quoted(lower_ascii_text(text)));
  Selector s;
  s.kind = SelectorKind::kUserDomain;
  s.name = std::string(text);
  return s;
}

TextResult<Selector> address(std::string_view text) {
  auto prefix = util::IpPrefix::parse(text, /*strict=*/false);
  if (!prefix) {
    if (text.find('/') != std::string_view::npos)
      return error_at(text, 0, "invalid CIDR " + quoted(text));
    return error_at(text, 0, "invalid IP address " + quoted(text));
  }
  Selector s;
  s.kind = SelectorKind::kPrefix;
  s.name = std::string(text);
  s.prefix = *prefix;
  return s;
}

std::optional<uint32_t> parse_number(std::string_view t) {
  if (t.empty() || t.size() > 6) return std::nullopt;
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

// Splits "host:ports" into host and ports text; `ports_at` receives the byte offset of the
// ports part. Bracketed IPv6 hosts lose their brackets.
TextResult<std::pair<std::string_view, std::string_view>> split_host_ports(std::string_view text,
                                                                           std::size_t& ports_at) {
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return error_at(text, 0, "unterminated '[' in " + quoted(text));
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return error_at(text, close + 1, "expected ':' and ports after ']' in " + quoted(text));
    ports_at = close + 2;
    return std::pair{text.substr(1, close - 1), text.substr(close + 2)};
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return error_at(text, text.size(),
                    "missing port in " + quoted(text) + "; write " + quoted(std::string(text) + ":*") +
                        " for every port");
  std::string_view host = text.substr(0, colon);
  if (host == "tag" || host == "group" || host == "autogroup" || host == "ipset" || host == "svc" ||
      host == "user")
    return error_at(text, text.size(),
                    "missing port in " + quoted(text) + "; write " + quoted(std::string(text) + ":*") +
                        " for every port");
  if (host.empty()) return error_at(text, 0, "missing host before ':' in " + quoted(text));
  ports_at = colon + 1;
  return std::pair{host, text.substr(colon + 1)};
}

// "fd7a::1" split at its last ':' leaves a broken host; say what was probably meant.
std::optional<TextError> ipv6_without_port(std::string_view text) {
  auto addr = util::IpPrefix::parse(text);
  if (!addr || addr->address().is_v4()) return std::nullopt;
  return error_at(text, text.size(),
                  "missing port in " + quoted(text) + "; write " +
                      quoted("[" + std::string(text) + "]:*") + " for every port");
}

// Re-bases an error found in a part of `whole` that starts at byte `byte_base`.
TextError shifted(std::string_view whole, std::size_t byte_base, const TextError& e) {
  return TextError{code_points(whole, byte_base) + e.offset, e.message};
}

}  // namespace

uint32_t code_points(std::string_view text, std::size_t bytes) {
  bytes = std::min(bytes, text.size());
  uint32_t n = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++n;
  return n;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // Judge closeness on the name after its "group:"/"tag:" prefix, so that "group:ops" is not
  // offered for "group:eng" merely because the prefixes match.
  auto colon = word.rfind(':');
  std::size_t n = colon == std::string_view::npos ? word.size() : word.size() - colon - 1;
  std::size_t max = n <= 3 ? 1 : n <= 5 ? 2 : std::min<std::size_t>(3, (n + 1) / 3);
  auto match = util::closest_match(word, candidates, max);
  if (!match || *match == word) return "";
  return "; did you mean " + quoted(*match) + "?";
}

bool is_synced_group(std::string_view name) {
  return name.starts_with("group:") && name.find('@') != std::string_view::npos;
}

std::string user_domain_key(std::string_view login) {
  auto at = login.rfind('@');
  if (at == std::string_view::npos) return "";
  return "user:*@" + lower_ascii_text(login.substr(at + 1));
}

std::size_t upper_case_at(std::string_view domain) {
  for (std::size_t i = 0; i < domain.size(); ++i)
    if (domain[i] >= 'A' && domain[i] <= 'Z') return i;
  return std::string_view::npos;
}

std::string lower_ascii_text(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool names_ipv6_address(const Selector& s) {
  return (s.kind == SelectorKind::kPrefix || s.kind == SelectorKind::kHost) && s.prefix.is_single_address() &&
         !s.prefix.address().is_v4();
}

bool is_role_autogroup(std::string_view name) {
  return std::find(kRoleAutogroups.begin(), kRoleAutogroups.end(), name) != kRoleAutogroups.end();
}

const std::vector<std::string>& known_autogroups() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v = {"autogroup:member",   "autogroup:tagged",  "autogroup:self",
                                  "autogroup:internet", "autogroup:nonroot", "autogroup:danger-all",
                                  "autogroup:shared"};
    for (auto r : kRoleAutogroups) v.emplace_back(r);
    return v;
  }();
  return all;
}

TextResult<Selector> parse_selector(std::string_view text) {
  if (text.empty()) return error_at(text, 0, "empty selector");
  if (text == "*") {
    Selector s;
    s.name = "*";
    return s;
  }
  if (text.starts_with("autogroup:")) return autogroup(text);
  if (text.starts_with("group:")) return named(text, 6, SelectorKind::kGroup, "group");
  if (text.starts_with("tag:")) return named(text, 4, SelectorKind::kTag, "tag");
  if (text.starts_with("ipset:")) return named(text, 6, SelectorKind::kIpSet, "ipset");
  if (text.starts_with("svc:")) return service(text);
  if (text.starts_with("user:")) return user_domain(text);
  if (text.find('@') != std::string_view::npos) return user(text);
  if (looks_like_address(text)) return address(text);
  if (auto colon = text.find(':'); colon != std::string_view::npos)
    return error_at(text, 0,
                    "unknown selector " + quoted(text) +
                        "; expected \"*\", a user, user:*@, group:, tag:, autogroup:, ipset:, "
                        "svc:, a host alias or an IP address");
  if (auto bad = bad_name_char(text); bad != std::string_view::npos)
    return error_at(text, bad, "invalid character " + quoted(text.substr(bad, 1)) +
                                   " in host alias " + quoted(text));
  Selector s;
  s.kind = SelectorKind::kHost;
  s.name = std::string(text);
  return s;
}

TextResult<std::vector<PortRange>> parse_ports(std::string_view text) {
  if (text.empty()) return error_at(text, 0, "empty port list");
  if (text == "*") return std::vector<PortRange>{PortRange{}};
  std::vector<PortRange> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    if (item.empty()) return error_at(text, start, "empty port in " + quoted(text));
    auto dash = item.find('-');
    std::string_view a = item.substr(0, dash);
    std::string_view b = dash == std::string_view::npos ? a : item.substr(dash + 1);
    std::size_t b_at = dash == std::string_view::npos ? start : start + dash + 1;
    auto first = parse_number(a);
    if (!first)
      return error_at(text, start, "invalid port " + quoted(a) + "; expected a number, a range or \"*\"");
    auto last = parse_number(b);
    if (!last)
      return error_at(text, b_at, "invalid port " + quoted(b) + "; expected a number, a range or \"*\"");
    if (*first > 65535) return error_at(text, start, "port " + quoted(a) + " is out of range 0-65535");
    if (*last > 65535) return error_at(text, b_at, "port " + quoted(b) + " is out of range 0-65535");
    if (dash == std::string_view::npos && *first == 0)
      return error_at(text, start, "port 0 is not a valid port");
    if (*first > *last)
      return error_at(text, start, "invalid port range " + quoted(item) + ": first port is greater than last");
    out.push_back(PortRange{static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)});
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

TextResult<AclDestination> parse_destination(std::string_view text) {
  std::size_t ports_at = 0;
  auto split = split_host_ports(text, ports_at);
  if (!split) return split.error();
  auto [host, ports_text] = split.value();
  std::size_t host_at = (!text.empty() && text[0] == '[') ? 1 : 0;
  auto sel = parse_selector(host);
  if (!sel) {
    if (auto e = ipv6_without_port(text)) return *e;
    return shifted(text, host_at, sel.error());
  }
  auto ports = parse_ports(ports_text);
  if (!ports) return shifted(text, ports_at, ports.error());
  AclDestination d;
  d.target = std::move(sel.value());
  d.ports = std::move(ports.value());
  return d;
}

TextResult<GrantIp> parse_grant_ip(std::string_view text) {
  GrantIp g;
  if (text.empty()) return error_at(text, 0, "empty ip entry");
  if (text == "*") {
    g.ports.push_back(PortRange{});
    return g;
  }
  std::string_view proto_text;
  std::string_view ports_text;
  std::size_t ports_at = 0;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    proto_text = text.substr(0, colon);
    ports_text = text.substr(colon + 1);
    ports_at = colon + 1;
  } else if (is_digit(text[0])) {
    ports_text = text;
  } else {
    // Tailscale refuses a protocol without ports in grants; "icmp:*" is how it is written.
    return error_at(text, 0, "grant ip " + quoted(text) + " must be written proto:ports; use " +
                                 quoted(std::string(text) + ":*"));
  }
  if (proto_text.empty() || proto_text == "*") {
    g.protos = {kProtoTcp, kProtoUdp, kProtoSctp};
    if (ports_text == "*" && proto_text == "*") g.protos.clear();
  } else {
    auto proto = protocol_from_text(proto_text);
    if (!proto) return error_at(text, 0, "unknown protocol " + quoted(proto_text));
    if (!protocol_has_ports(*proto) && ports_text != "*")
      return error_at(text, ports_at,
                      "protocol " + quoted(proto_text) + " has no ports; use " +
                          quoted(std::string(proto_text) + ":*"));
    g.protos = {*proto};
  }
  auto ports = parse_ports(ports_text);
  if (!ports) return shifted(text, ports_at, ports.error());
  g.ports = std::move(ports.value());
  return g;
}

TextResult<TestTarget> parse_test_target(std::string_view text) {
  std::size_t ports_at = 0;
  auto split = split_host_ports(text, ports_at);
  if (!split) return split.error();
  auto [host, port_text] = split.value();
  std::size_t host_at = (!text.empty() && text[0] == '[') ? 1 : 0;
  auto sel = parse_selector(host);
  if (!sel) {
    if (auto e = ipv6_without_port(text)) return *e;
    return shifted(text, host_at, sel.error());
  }
  auto port = parse_number(port_text);
  // Port 0 is how tests of port-less protocols (icmp) are written.
  if (!port || *port > 65535)
    return error_at(text, ports_at,
                    "test destination " + quoted(text) + " needs exactly one port (0-65535)");
  TestTarget t;
  t.text = std::string(text);
  t.host = std::move(sel.value());
  t.port = static_cast<uint16_t>(*port);
  return t;
}

}  // namespace weft::policy
