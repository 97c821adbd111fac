// Tailscale's verdict on real policies: every policy whose answer from Tailscale's policy API is
// recorded in tests/policy/realworld/cases.jsonl is checked as `weft acl check` checks it, and
// weft's verdict (valid or invalid) is compared with Tailscale's (docs/policy.md, "Agreement with
// Tailscale's recorded answers"). Remaining disagreements are listed, each with its reason, in
// tests/policy/realworld/differences.txt; a new one (or one that went away) fails the test.
#define BOOST_TEST_MODULE realworld
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hujson/parser.h"
#include "hujson/value.h"
#include "policy/pipeline.h"
#include "policy/tailnet.h"

using namespace weft;
using namespace weft::policy;

namespace {

const std::string kDir = std::string(WEFT_TEST_DATA_DIR) + "/policy/realworld/";

// One recorded answer of Tailscale's policy API.
struct Case {
  std::string id;
  std::string file;            // in headscale's testdata folder
  bool tailscale_valid = false;  // HTTP 200
  std::string message;         // Tailscale's error message, "" when accepted
  std::string policy;          // the policy text sent
  std::string tailnet;         // the capture's tailnet, as a weft tailnet file
};

std::string string_member(const hujson::Value& v, std::string_view key) {
  const hujson::Value* m = v.find(key);
  return m != nullptr && m->is_string() ? m->text : std::string();
}

std::vector<Case> load_cases() {
  std::ifstream in(kDir + "cases.jsonl");
  BOOST_TEST_REQUIRE(in.good(), "cannot open " << kDir << "cases.jsonl");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    hujson::ParseOutcome parsed = hujson::parse(line);
    BOOST_TEST_REQUIRE(parsed.value.has_value(), "bad line " << cases.size() + 1);
    const hujson::Value& v = *parsed.value;
    const hujson::Value* status = v.find("status");
    const hujson::Value* tailnet = v.find("tailnet");
    BOOST_TEST_REQUIRE((status != nullptr && tailnet != nullptr));
    cases.push_back({string_member(v, "id"), string_member(v, "file"), status->text == "200",
                     string_member(v, "message"), string_member(v, "policy"),
                     hujson::to_json(*tailnet)});
  }
  return cases;
}

// What weft says of one policy.
struct Verdict {
  bool valid = false;
  std::size_t undecided = 0;  // tests not decidable offline
  bool file_errors = false;   // an error in the file itself (not a failing test)
  std::string first_error;    // the first error or failing test, for the listing
};

Verdict check(const Case& c, const TailnetView& view) {
  CheckedPolicy checked = check_policy(c.policy, RunTests::kYes, view);
  Verdict v{checked.valid(), checked.tests.undecidable(), has_errors(checked.diagnostics), {}};
  for (const Diagnostic& d : checked.diagnostics)
    if (d.severity == Severity::kError && v.first_error.empty())
      v.first_error = std::to_string(d.at.line) + ":" + std::to_string(d.at.column) + ": " +
                      d.message;
  for (const TestCaseResult& t : checked.tests.cases)
    if (t.decidable && !t.passed && v.first_error.empty())
      v.first_error = "test failed: " + t.description + ": " + t.message;
  return v;
}

enum class Outcome { kAgreeValid, kAgreeInvalid, kWeftRejects, kWeftAccepts };

Outcome outcome_of(const Case& c, bool weft_valid) {
  if (c.tailscale_valid) return weft_valid ? Outcome::kAgreeValid : Outcome::kWeftRejects;
  return weft_valid ? Outcome::kWeftAccepts : Outcome::kAgreeInvalid;
}

const char* name_of(Outcome o) {
  switch (o) {
    case Outcome::kAgreeValid: return "agree-valid";
    case Outcome::kAgreeInvalid: return "agree-invalid";
    case Outcome::kWeftRejects: return "weft-rejects-what-tailscale-accepts";
    case Outcome::kWeftAccepts: return "weft-accepts-what-tailscale-rejects";
  }
  return "?";
}

// differences.txt: "ID OUTCOME  reason", one a line; '#' starts a comment line.
std::map<std::string, std::string> load_differences() {
  std::ifstream in(kDir + "differences.txt");
  BOOST_TEST_REQUIRE(in.good(), "cannot open " << kDir << "differences.txt");
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string id, outcome;
    fields >> id >> outcome;
    out[id] = outcome;
  }
  return out;
}

// The comparison with the recorded tailnet: the verdict per case, printed and returned.
struct Tally {
  std::map<Outcome, std::vector<std::string>> by_outcome;
  std::map<std::string, Outcome> disagreements;
  std::vector<std::string> malformed_tests;  // agree-invalid: a failing test to Tailscale
};

}  // namespace

BOOST_AUTO_TEST_SUITE(realworld)

// With the capture's tailnet (its users, the owner's domain, and for policies with tests its
// devices), as Tailscale's API had it: the verdicts agree except for the listed differences.
BOOST_AUTO_TEST_CASE(agrees_with_tailscale_on_recorded_policies_except_listed_differences) {
  const std::vector<Case> cases = load_cases();
  BOOST_TEST(cases.size() == 866u);
  Tally tally;
  for (const Case& c : cases) {
    TailnetLoad tailnet = load_tailnet(c.tailnet);
    BOOST_TEST_REQUIRE(tailnet.tailnet.has_value(), c.id << ": bad tailnet");
    const Verdict v = check(c, view_of(*tailnet.tailnet, "the capture's tailnet"));
    const Outcome o = outcome_of(c, v.valid);
    tally.by_outcome[o].push_back(c.id);
    // Tailscale fails a malformed test ("test(s) failed"); weft refuses it as written.
    if (o == Outcome::kAgreeInvalid && c.message == "test(s) failed" && v.file_errors)
      tally.malformed_tests.push_back(c.id);
    if (o == Outcome::kWeftRejects || o == Outcome::kWeftAccepts) {
      tally.disagreements[c.id] = o;
      std::cout << name_of(o) << ": " << c.file << ": "
                << (c.tailscale_valid ? "weft: " + v.first_error : "tailscale: " + c.message)
                << "\n";
    }
  }
  std::cout << "with the recorded tailnet, " << cases.size() << " policies:";
  for (Outcome o : {Outcome::kAgreeValid, Outcome::kAgreeInvalid, Outcome::kWeftRejects,
                    Outcome::kWeftAccepts})
    std::cout << " " << name_of(o) << " " << tally.by_outcome[o].size();
  std::cout << "\n" << tally.malformed_tests.size()
            << " of agree-invalid: Tailscale answers \"test(s) failed\", weft refuses the test as "
               "written:";
  for (const auto& id : tally.malformed_tests) std::cout << " " << id;
  std::cout << "\n";

  const std::map<std::string, std::string> listed = load_differences();
  for (const auto& [id, o] : tally.disagreements) {
    auto it = listed.find(id);
    BOOST_TEST((it != listed.end() && it->second == name_of(o)),
               id << ": " << name_of(o) << " is not listed in differences.txt");
  }
  for (const auto& [id, o] : listed)
    BOOST_TEST(tally.disagreements.count(id) == 1u,
               id << " is listed in differences.txt but weft now agrees with Tailscale");
}

// The file alone, as `weft acl check FILE` sees it: a policy Tailscale refused because of its
// tailnet (a failing test whose verdict a user's role or a device's address decides, a domain
// outside the tailnet) is "not decidable offline" — valid, with warnings — and is counted apart,
// never as agreement. Every other verdict is the same as with the tailnet.
BOOST_AUTO_TEST_CASE(offline_differs_only_where_the_tailnet_decides) {
  const std::vector<Case> cases = load_cases();
  std::map<std::string, std::size_t> counts;
  std::size_t needs_tailnet = 0;
  std::map<Outcome, std::size_t> outcomes;
  for (const Case& c : cases) {
    TailnetLoad tailnet = load_tailnet(c.tailnet);
    BOOST_TEST_REQUIRE(tailnet.tailnet.has_value());
    const Verdict known = check(c, view_of(*tailnet.tailnet, "the capture's tailnet"));
    const Verdict alone = check(c, TailnetView{});
    ++outcomes[outcome_of(c, alone.valid)];
    if (alone.valid == known.valid) {
      ++counts[alone.undecided > 0 ? "same verdict, with tests not decidable offline"
                                   : "same verdict"];
      continue;
    }
    // Offline can only be more lenient: the tailnet adds facts that refuse.
    BOOST_TEST((alone.valid && !known.valid), c.id << ": offline rejects, the tailnet accepts");
    const bool domain = known.first_error.find("is not one of the tailnet's domains") != std::string::npos;
    BOOST_TEST((alone.undecided > 0 || domain), c.id << ": offline verdict differs unexplained");
    const char* why = alone.undecided > 0 ? "tests not decidable offline"
                                          : "a domain the file cannot know is the tailnet's";
    ++counts[why];
    ++needs_tailnet;
    std::cout << "needs the tailnet (" << why << "): " << c.file << ": " << known.first_error
              << "\n";
  }
  std::cout << "offline, " << cases.size() << " policies:";
  for (const auto& [o, n] : outcomes) std::cout << " " << name_of(o) << " " << n;
  std::cout << "\nagainst the verdict with the tailnet:";
  for (const auto& [what, n] : counts) std::cout << " " << what << ": " << n << ";";
  std::cout << "\n";
  // Recorded: the policies Tailscale refused for what only the tailnet holds.
  BOOST_TEST(needs_tailnet == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
