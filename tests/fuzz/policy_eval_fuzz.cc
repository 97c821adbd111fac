// libFuzzer target for the evaluator and test runner: any policy the front end accepts must
// compile, run its tests, and decide the same way through Identity and through Principal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "policy/evaluator.h"
#include "policy/load.h"
#include "policy/test_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace weft::policy;

  if (size < 64) {
    auto p = protocol_from_text(text);
    if (p && *protocol_from_text(protocol_name(*p)) != *p) std::abort();
  }

  auto loaded = load_policy(text);
  if (!loaded.policy) return 0;
  const Policy& policy = *loaded.policy;
  auto compiled = Evaluator::compile(policy);
  if (!compiled) std::abort();  // the validator must have caught anything compile rejects
  const Evaluator& ev = *compiled;
  TestReport report = run_tests(policy, ev);
  if (report.passed() + report.failed() + report.undecidable() != report.cases.size()) std::abort();
  for (const auto& c : report.cases)
    if (!c.passed && c.message.empty()) std::abort();

  // Identities drawn from the policy itself: its group members, tags, hosts.
  std::vector<Identity> ids;
  ids.emplace_back();
  for (const auto& g : policy.groups)
    for (const auto& m : g.members) {
      auto id = identity_from_text(policy, m.name, true);
      if (id) ids.push_back(*id);
    }
  for (const auto& t : policy.tag_owners) {
    Identity id;
    id.tags.push_back(t.tag);
    ids.push_back(id);
  }
  for (const auto& h : policy.hosts) {
    Identity id;
    id.addresses.push_back(h.prefix.address());
    ids.push_back(id);
  }
  if (ids.size() > 24) ids.resize(24);
  std::vector<Principal> ps;
  for (const auto& id : ids) ps.push_back(ev.resolve(id));
  static constexpr uint8_t kProtos[] = {kProtoTcp, kProtoUdp, kProtoIcmp, 47};
  for (std::size_t i = 0; i < ids.size(); ++i)
    for (std::size_t j = 0; j < ids.size(); ++j)
      for (uint8_t proto : kProtos) {
        const uint16_t port = static_cast<uint16_t>(size * 131 + i * 7 + j);
        Decision a = ev.decide(ps[i], ps[j], proto, port);
        Decision b = ev.decide(ids[i], ids[j], proto, port);
        if (a.accept != b.accept || a.accept != a.rule.has_value()) std::abort();
        (void)ev.decide_ssh(ps[i], ps[j], "root");
      }
  return 0;
}
