// Reading Tailscale SSH rules and the policy's own tests: `ssh`, `sshTests` and `tests`
// entries (docs/policy.md, "Sections").
#include <array>
#include <chrono>
#include <optional>

#include "policy/protocol.h"
#include "policy/reader.h"
#include "policy/selector.h"
#include "util/duration.h"

namespace weft::policy {
namespace {

// The longest check period Tailscale's policy API accepts (one week; headscale's port of check
// mode uses the same bound).
constexpr std::chrono::hours kMaxCheckPeriod{168};

// The SSH login names a rule may grant. Tailscale's API takes every entry but "" and "*" as a
// login, literally: "group:foo", "autogroup:member" or a malformed "localpart:" become logins
// that no account can have (recorded API answers). weft keeps them literally too, and warns.
void check_ssh_user(Reader& r, std::string_view u, SourceRef at) {
  if (u.empty()) {
    r.error(at, "ssh user is empty (Tailscale refuses it); list logins such as \"root\" or "
                "\"autogroup:nonroot\"");
    return;
  }
  if (u == "*") {
    r.error(at, "ssh user \"*\" is not valid (Tailscale refuses it); use \"autogroup:nonroot\" for "
                "every login but root");
    return;
  }
  if (u == "autogroup:nonroot") return;
  constexpr std::string_view kLocalpart = "localpart:*@";
  if (u.starts_with("localpart:")) {
    std::string_view domain = u.starts_with(kLocalpart) ? u.substr(kLocalpart.size()) : std::string_view();
    if (domain == "*") {
      r.error(at, "ssh user " + quoted(u) + " names no domain: write one of the tailnet's domains "
                  "(\"localpart:*@example.com\")");
    } else if (domain.empty() || domain.find_first_of("@*") != std::string_view::npos) {
      r.warning(at, "ssh user " + quoted(u) + " is not \"localpart:*@DOMAIN\", so Tailscale takes it as a "
                    "login name, which no account can have");
    } else if (upper_case_at(domain) != std::string_view::npos) {
      // Recorded: "localpart:*@EXAMPLE.COM" is refused where "example.com" is the tailnet's.
      r.error(at, "ssh user " + quoted(u) + " has an upper-case domain, which Tailscale refuses; write " +
                      quoted(lower_ascii_text(u)));
    }
    return;
  }
  if (u.starts_with("autogroup:") || u.starts_with("group:") || u.starts_with("tag:") ||
      u.starts_with("user:")) {
    r.warning(at, "ssh user " + quoted(u) + " is a login name to Tailscale, not a set of people: no "
                  "account can be called that; choose who connects in \"src\" and list logins here "
                  "(such as \"autogroup:nonroot\")");
    return;
  }
  for (char c : u) {
    if (static_cast<unsigned char>(c) > ' ' && c != ':' && c != '/' && c != '*') continue;
    r.warning(at, "ssh user " + quoted(u) + " is a login name no account can have (it contains " +
                      quoted(std::string_view(&c, 1)) + "); Tailscale accepts it, and it matches nothing");
    return;
  }
}

void read_ssh_rule(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "ssh entry")) return;
  static constexpr std::array<std::string_view, 9> kKeys = {
      "action",     "src",        "dst",      "users",          "checkPeriod",
      "acceptEnv",  "srcPosture", "recorder", "enforceRecorder"};
  auto f = r.fields(v, kKeys, "ssh entry");
  SshRule rule;
  rule.at = source_ref(v.pos);
  if (r.require(f[0], v, "action", "ssh entry") && r.expect(*f[0], hujson::Kind::kString, "action")) {
    rule.action = r.trimmed_action(*f[0]);
    if (rule.action != "accept" && rule.action != "check")
      r.error(source_ref(f[0]->pos),
              "ssh action must be \"accept\" or \"check\", found " + quoted(rule.action));
  }
  // Tailscale's API accepts a rule without "src" or "dst"; such a rule matches no connection.
  rule.src = r.selectors(f[1], "src");
  rule.dst = r.selectors(f[2], "dst");
  if (!f[1])
    r.warning(rule.at, "ssh rule can never match: it has no \"src\"; add one such as "
                       "[\"autogroup:member\"]");
  if (!f[2])
    r.warning(rule.at, "ssh rule can never match: it has no \"dst\"; add one such as "
                       "[\"autogroup:self\"]");
  if (r.require(f[3], v, "users", "ssh entry")) {
    for (const auto* s : r.strings(*f[3], "users")) {
      std::string_view login = trim_space(s->text);
      if (login.size() != s->text.size() && !login.empty())
        r.warning(source_ref(s->pos), "ssh user " + quoted(s->text) + " has surrounding "
                                      "whitespace; Tailscale ignores it: write " + quoted(login));
      check_ssh_user(r, login, source_ref(s->pos));
      rule.users.emplace_back(login);
    }
    // Tailscale refuses a rule that grants no login at all.
    if (f[3]->is_array() && f[3]->items.empty())
      r.error(source_ref(f[3]->pos), "ssh \"users\" is empty; list at least one login such as "
                                     "\"autogroup:nonroot\"");
  }
  // `null` is how some generators write an absent checkPeriod or acceptEnv; the API agrees.
  if (!Reader::absent(f[4]) && r.expect(*f[4], hujson::Kind::kString, "checkPeriod")) {
    if (rule.action != "check")
      r.error(source_ref(f[4]->pos), "\"checkPeriod\" is only valid with action \"check\"");
    else if (f[4]->text != "always") {
      auto period = util::parse_duration(f[4]->text);
      if (!period)
        r.error(source_ref(f[4]->pos), "invalid checkPeriod " + quoted(f[4]->text) +
                                           "; expected a duration such as \"12h\" or \"always\"");
      else if (*period > kMaxCheckPeriod)
        r.error(source_ref(f[4]->pos), "checkPeriod " + quoted(f[4]->text) +
                                           " is longer than 168h (one week), the most Tailscale allows");
    }
    rule.check_period = f[4]->text;
  }
  if (!Reader::absent(f[5])) {
    for (const auto* s : r.strings(*f[5], "acceptEnv")) {
      bool ok = !s->text.empty();
      for (char c : s->text)
        ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '*' || c == '?');
      if (!ok) r.error(source_ref(s->pos), "invalid acceptEnv pattern " + quoted(s->text));
      rule.accept_env.push_back(s->text);
    }
  }
  rule.src_posture = r.posture_refs(f[6], "srcPosture");
  if (f[7]) rule.recorder = r.selectors(f[7], "recorder");
  if (f[8] && r.expect(*f[8], hujson::Kind::kBool, "enforceRecorder"))
    rule.enforce_recorder = f[8]->boolean;
  policy.ssh.push_back(std::move(rule));
}

std::vector<std::string> plain_strings(Reader& r, const hujson::Value* v, std::string_view field) {
  std::vector<std::string> out;
  if (v == nullptr) return out;
  for (const auto* s : r.strings(*v, field)) out.push_back(s->text);
  return out;
}

void read_ssh_test(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "sshTests entry")) return;
  // "allow" is the legacy name of "accept", still accepted by Tailscale; both may be given.
  static constexpr std::array<std::string_view, 7> kKeys = {
      "src", "dst", "accept", "check", "deny", "srcPostureAttrs", "allow"};
  auto f = r.fields(v, kKeys, "sshTests entry");
  // Accepted for compatibility; weft's SSH tests do not evaluate postures yet.
  if (f[5]) r.expect(*f[5], hujson::Kind::kObject, "srcPostureAttrs");
  SshTest t;
  t.at = source_ref(v.pos);
  bool src_ok = false;
  if (r.require(f[0], v, "src", "sshTests entry") && r.expect(*f[0], hujson::Kind::kString, "src")) {
    if (auto s = r.selector(*f[0])) {
      t.src = std::move(*s);
      src_ok = true;
    }
  }
  if (r.require(f[1], v, "dst", "sshTests entry")) t.dst = r.selectors(f[1], "dst");
  t.accept = plain_strings(r, f[2], "accept");
  for (auto& login : plain_strings(r, f[6], "allow")) t.accept.push_back(std::move(login));
  t.check = plain_strings(r, f[3], "check");
  t.deny = plain_strings(r, f[4], "deny");
  if (!f[2] && !f[3] && !f[4] && !f[6]) r.error(t.at, "sshTests entry needs \"accept\", \"check\" or \"deny\"");
  if (src_ok) policy.ssh_tests.push_back(std::move(t));
}

std::vector<TestTarget> test_targets(Reader& r, const hujson::Value* v, std::string_view field) {
  std::vector<TestTarget> out;
  if (v == nullptr) return out;
  for (const auto* s : r.strings(*v, field)) {
    auto t = parse_test_target(s->text);
    if (!t) {
      r.error(r.inside(*s, t.error().offset), t.error().message);
      continue;
    }
    t.value().at = source_ref(s->pos);
    t.value().host.at = t.value().at;
    out.push_back(std::move(t.value()));
  }
  return out;
}

void read_test(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "tests entry")) return;
  // "allow" is the legacy name of "accept", still accepted by Tailscale; both may be given.
  static constexpr std::array<std::string_view, 6> kKeys = {"src",    "proto", "srcPostureAttrs",
                                                            "accept", "deny",  "allow"};
  auto f = r.fields(v, kKeys, "tests entry");
  AclTest t;
  t.at = source_ref(v.pos);
  bool src_ok = false;
  if (r.require(f[0], v, "src", "tests entry") && r.expect(*f[0], hujson::Kind::kString, "src")) {
    if (auto s = r.selector(*f[0])) {
      t.src = std::move(*s);
      src_ok = true;
    }
  }
  if (f[1] && r.expect(*f[1], hujson::Kind::kString, "proto")) {
    t.proto = protocol_from_text(f[1]->text);
    if (!t.proto) r.error(source_ref(f[1]->pos), "unknown protocol " + quoted(f[1]->text));
  }
  if (f[2] && r.expect(*f[2], hujson::Kind::kObject, "srcPostureAttrs")) {
    for (const auto& m : f[2]->members) {
      const auto& val = m.value;
      if (val.is_string() || val.is_number())
        t.src_posture_attrs[m.key] = val.text;
      else if (val.is_bool())
        t.src_posture_attrs[m.key] = val.boolean ? "true" : "false";
      else
        r.error(source_ref(val.pos), "srcPostureAttrs value " + quoted(m.key) +
                                         " must be a string, number or boolean, found " +
                                         hujson::kind_name(val.kind));
    }
  }
  t.accept = test_targets(r, f[3], "accept");
  t.deny = test_targets(r, f[4], "deny");
  for (auto& target : test_targets(r, f[5], "allow")) t.accept.push_back(std::move(target));
  if (!f[3] && !f[4] && !f[5]) r.error(t.at, "tests entry needs \"accept\" or \"deny\"");
  if (src_ok) policy.tests.push_back(std::move(t));
}

}  // namespace

void read_ssh(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kArray, "ssh")) return;
  for (const auto& item : v.items) read_ssh_rule(r, item, policy);
}

void read_ssh_tests(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kArray, "sshTests")) return;
  for (const auto& item : v.items) read_ssh_test(r, item, policy);
}

void read_tests(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kArray, "tests")) return;
  policy.tests.reserve(v.items.size());
  for (const auto& item : v.items) read_test(r, item, policy);
}

}  // namespace weft::policy
