// libFuzzer target for the tailnet file (weft::policy::load_tailnet, `weft acl check --tailnet`):
// any input gives a tailnet or positioned findings, never a crash; a tailnet that loads answers
// for every user and address it lists, and decides a fixed policy's tests.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/pipeline.h"
#include "policy/tailnet.h"

namespace {

// Rules naming every kind of fact a tailnet file holds: roles, synced groups, domains, tags,
// device addresses.
constexpr const char* kPolicy = R"({
  "tagOwners": {"tag:web": [], "tag:ci": []},
  "acls": [
    {"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:web:22"]},
    {"action": "accept", "src": ["group:sec@example.com"], "dst": ["tag:web:443"]},
    {"action": "accept", "src": ["user:*@example.com"], "dst": ["autogroup:self:*"]},
    {"action": "accept", "src": ["tag:ci"], "dst": ["100.64.0.0/10:8080"]},
  ],
  "ssh": [{"action": "check", "src": ["autogroup:admin"], "dst": ["tag:web"], "users": ["localpart:*@example.com"]}],
  "tests": [
    {"src": "alice@example.com", "accept": ["tag:web:22"], "deny": ["tag:web:443", "100.64.0.1:8080"]},
    {"src": "100.64.0.1", "deny": ["tag:web:22", "100.64.0.2:8080"]},
    {"src": "group:sec@example.com", "accept": ["tag:web:443"]},
  ],
  "sshTests": [{"src": "100.64.0.2", "dst": ["tag:web"], "check": ["alice"], "deny": ["root"]}],
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weft::policy;
  const TailnetLoad r = load_tailnet(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.tailnet.has_value() == has_errors(r.diagnostics)) std::abort();
  Diagnostics sorted = r.diagnostics;
  sort_by_position(sorted);
  for (std::size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i].message.empty() || sorted[i].message != r.diagnostics[i].message) std::abort();
  if (!r.tailnet) return 0;
  const TailnetView view = view_of(*r.tailnet, "fuzz.hujson");
  for (const auto& u : r.tailnet->users) {
    Identity id;
    id.user = u.email;
    view.enrich(id);
    if (id.facts.empty()) std::abort();  // every listed user has a role to report
  }
  for (const auto& d : r.tailnet->devices)
    for (const auto& a : d.addresses) {
      Identity id;
      id.addresses = {a};
      view.enrich(id);
      if (id.facts.empty()) std::abort();  // a held address names its device
    }
  const CheckedPolicy c = check_policy(kPolicy, RunTests::kYes, view);
  if (c.tests.undecidable() != 0) std::abort();  // a known tailnet decides every test
  return 0;
}
