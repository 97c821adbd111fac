// Runs a policy's `tests` and `sshTests` (Tailscale "ACL tests" / "SSH tests") against the
// compiled policy. A src group must pass for every member of the group.
#include "policy/test_runner.h"

#include <string>
#include <utility>

#include "policy/identity.h"

namespace weft::policy {
namespace {

std::string rule_text(const RuleRef& r) {
  const char* section = r.kind == RuleRef::Kind::kAcl ? "acls" : r.kind == RuleRef::Kind::kGrant ? "grants" : "ssh";
  return std::string(section) + "[" + std::to_string(r.index) + "] at line " + std::to_string(r.at.line) +
         ", column " + std::to_string(r.at.column);
}

// The nodes a test names, on either side: one per group member for a group (or one carrying the
// group when it has no members, as a synced group offline), otherwise a single node.
std::vector<std::pair<std::string, Identity>> identities_of(const Policy& policy, const Selector& s);

// identities_of, completed by the caller's enricher (the server's registry).
std::vector<std::pair<std::string, Identity>> enriched(const Policy& policy, const Selector& s,
                                                       const IdentityEnricher& enrich) {
  auto out = identities_of(policy, s);
  if (enrich)
    for (auto& x : out) enrich(x.second);
  return out;
}

std::vector<std::pair<std::string, Identity>> identities_of(const Policy& policy, const Selector& s) {
  std::vector<std::pair<std::string, Identity>> out;
  Identity id;
  switch (s.kind) {
    case SelectorKind::kUser:
      id.user = s.name;
      break;
    case SelectorKind::kTag:
      id.tags.push_back(s.name);
      break;
    case SelectorKind::kHost: {
      util::IpPrefix p = s.prefix;
      for (const auto& h : policy.hosts)
        if (h.name == s.name) p = h.prefix;
      id.addresses.push_back(p.address());
      break;
    }
    case SelectorKind::kPrefix:
      id.addresses.push_back(s.prefix.address());
      break;
    case SelectorKind::kService:
      id.services.push_back(s.name);
      break;
    case SelectorKind::kGroup:
      for (const auto& g : policy.groups) {
        if (g.name != s.name) continue;
        for (const auto& m : g.members) {
          auto members = identities_of(policy, m);
          for (auto& x : members) x.second.groups.push_back(s.name);
          out.insert(out.end(), members.begin(), members.end());
        }
      }
      if (!out.empty()) return out;
      id.groups.push_back(s.name);
      break;
    default:
      // Other forms name no single node; the validator rejects them in tests.
      break;
  }
  out.emplace_back(s.name, std::move(id));
  return out;
}

void run_acl_test(const Policy& policy, const Evaluator& ev, const AclTest& t,
                  const IdentityEnricher& enrich, TestReport& report) {
  auto srcs = enriched(policy, t.src, enrich);
  std::vector<std::pair<std::string, Principal>> src_principals;
  for (auto& [name, id] : srcs) {
    id.posture_attrs = t.src_posture_attrs;
    src_principals.emplace_back(name, ev.resolve(id));
  }
  const uint8_t proto = t.proto.value_or(kProtoTcp);
  auto run = [&](const TestTarget& target, bool expect_accept) {
    TestCaseResult r;
    r.expect_accept = expect_accept;
    r.test_at = t.at;
    r.case_at = target.at;
    r.description = t.src.name + " -> " + target.text + " (" + protocol_name(proto) + ")";
    r.passed = true;
    for (const auto& [dst_name, dst_id] : enriched(policy, target.host, enrich)) {
      Principal dst = ev.resolve(dst_id);
      for (const auto& [src_name, src] : src_principals) {
        Decision d = ev.decide(src, dst, proto, target.port);
        if (d.accept && !r.accepted_by) r.accepted_by = d.rule;
        if (d.accept == expect_accept || !r.passed) continue;
        r.passed = false;
        std::string who = src_name == t.src.name ? std::string() : " (for group member " + src_name + ")";
        if (dst_name != target.host.name) who += " (for destination group member " + dst_name + ")";
        r.message = expect_accept ? "expected accept, got deny" + who
                                  : "expected deny, got accept by " + rule_text(*d.rule) + who;
      }
    }
    report.cases.push_back(std::move(r));
  };
  for (const auto& a : t.accept) run(a, true);
  for (const auto& d : t.deny) run(d, false);
}

const char* action_name(SshAction a) {
  switch (a) {
    case SshAction::kAccept: return "accept";
    case SshAction::kCheck: return "check";
    case SshAction::kDeny: return "deny";
  }
  return "deny";
}

void run_ssh_test(const Policy& policy, const Evaluator& ev, const SshTest& t,
                  const IdentityEnricher& enrich, TestReport& report) {
  std::vector<std::pair<std::string, Principal>> srcs;
  for (const auto& [name, id] : enriched(policy, t.src, enrich)) srcs.emplace_back(name, ev.resolve(id));
  for (const auto& dst_sel : t.dst) {
    std::vector<std::pair<std::string, Principal>> dsts;
    for (const auto& [name, id] : enriched(policy, dst_sel, enrich)) dsts.emplace_back(name, ev.resolve(id));
    auto run = [&](const std::string& user, SshAction want) {
      TestCaseResult r;
      r.expect_accept = want != SshAction::kDeny;
      r.test_at = t.at;
      r.case_at = t.at;
      r.description = t.src.name + " -> " + dst_sel.name + " as " + user + " (ssh " + action_name(want) + ")";
      r.passed = true;
      for (const auto& [dst_name, dst] : dsts)
        for (const auto& [src_name, src] : srcs) {
          SshDecision d = ev.decide_ssh(src, dst, user);
          if (d.rule && !r.accepted_by) r.accepted_by = RuleRef{RuleRef::Kind::kSsh, *d.rule, d.at};
          if (d.action == want || !r.passed) continue;
          r.passed = false;
          r.message = std::string("expected ") + action_name(want) + ", got " + action_name(d.action);
          if (d.rule) r.message += " by " + rule_text(RuleRef{RuleRef::Kind::kSsh, *d.rule, d.at});
          if (src_name != t.src.name) r.message += " (for group member " + src_name + ")";
          if (dst_name != dst_sel.name) r.message += " (for destination group member " + dst_name + ")";
        }
      report.cases.push_back(std::move(r));
    };
    for (const auto& u : t.accept) run(u, SshAction::kAccept);
    for (const auto& u : t.check) run(u, SshAction::kCheck);
    for (const auto& u : t.deny) run(u, SshAction::kDeny);
  }
}

}  // namespace

std::size_t TestReport::passed() const {
  std::size_t n = 0;
  for (const auto& c : cases) n += c.passed ? 1 : 0;
  return n;
}

std::size_t TestReport::failed() const { return cases.size() - passed(); }

TestReport run_tests(const Policy& policy, const Evaluator& evaluator,
                     const IdentityEnricher& enrich) {
  TestReport report;
  for (const auto& t : policy.tests) run_acl_test(policy, evaluator, t, enrich, report);
  for (const auto& t : policy.ssh_tests) run_ssh_test(policy, evaluator, t, enrich, report);
  return report;
}

}  // namespace weft::policy
