// Policy outcomes on the server: the registry as policy tests see it (tailnet_of: authorized
// devices only, owners, tags, addresses, posture) and failing tests that name the registry facts
// that decided them, in `weft acl check --tailnet`'s words.
#define BOOST_TEST_MODULE coord_policy_outcome
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "coord/coordinator_harness.h"
#include "coord/policy_outcome.h"
#include "coord/registry.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::coord::test;

namespace {

const char* kOwners = R"({
  "tagOwners": {"tag:web": ["alice@example.com"]},
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]
})";

/// A server with alice (admin) and bob (member); web (tag:web, by alice) and laptop (bob's)
/// authorized; with `require_approval`, every device waits until approved here.
struct Tailnet {
  explicit Tailnet(bool require_approval = false) : w(kOwners, require_approval) {
    BOOST_REQUIRE(w.coordinator->create_user("alice@example.com", Role::kAdmin, w.now).ok());
    BOOST_REQUIRE(w.coordinator->create_user("bob@example.com", Role::kMember, w.now).ok());
    web = id_of(w.join(w.key("alice@example.com", {"tag:web"}), "web"));
    laptop = id_of(w.join(w.key("bob@example.com"), "laptop"));
    if (require_approval) {
      BOOST_REQUIRE(w.coordinator->approve(DeviceId{web}, w.now).ok());
      BOOST_REQUIRE(w.coordinator->approve(DeviceId{laptop}, w.now).ok());
    }
  }
  std::string v4(uint64_t id) const {
    const Device* d = w.coordinator->registry().find(DeviceId{id});
    BOOST_REQUIRE(d != nullptr && d->addresses);
    return d->addresses->v4.to_string();
  }

  World w;
  uint64_t web = 0;
  uint64_t laptop = 0;
};

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(policy_outcome)

BOOST_AUTO_TEST_CASE(failing_tests_name_the_registry_facts_that_decided_them) {
  Tailnet t;
  const std::string laptop = t.v4(t.laptop);
  const std::string policy = R"({
    "tagOwners": {"tag:web": ["alice@example.com"]},
    "acls": [{"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:web:22"]}],
    "tests": [
      {"src": "alice@example.com", "deny": ["tag:web:22"]},
      {"src": ")" + laptop + R"(", "accept": ["tag:web:22"]},
      {"src": "tag:web", "deny": ["tag:web:22"]},
    ]
  })";
  PolicyOutcome out = t.w.coordinator->check_policy(policy);
  BOOST_TEST(!out.valid);
  BOOST_TEST(joined(out.failed_tests) ==
             "5:45: error: test failed: alice@example.com -> tag:web:22 (tcp): expected deny, got "
             "accept by acls[0] at line 3, column 14 (decided by: alice@example.com is admin in "
             "the server's registry)\n"
             "6:" + std::to_string(30 + laptop.size()) + ": error: test failed: " + laptop +
                 " -> tag:web:22 (tcp): expected accept, got deny (decided by: " + laptop +
                 " is laptop of bob@example.com in the server's registry; bob@example.com is "
                 "member in the server's registry)\n",
             joined(out.failed_tests));
}

BOOST_AUTO_TEST_CASE(a_test_decided_without_registry_facts_names_none) {
  Tailnet t;
  PolicyOutcome out = t.w.coordinator->check_policy(R"({
    "tagOwners": {"tag:web": ["alice@example.com"]},
    "acls": [],
    "tests": [{"src": "tag:web", "accept": ["tag:web:22"]}]
  })");
  BOOST_TEST_REQUIRE(out.failed_tests.size() == 1u);
  BOOST_TEST(out.failed_tests[0].find("decided by") == std::string::npos, out.failed_tests[0]);
}

BOOST_AUTO_TEST_CASE(tailnet_of_holds_users_and_authorized_devices_as_policies_see_them) {
  Tailnet t;
  const policy::TailnetDescription d = tailnet_of(t.w.coordinator->registry());
  BOOST_TEST_REQUIRE(d.users.size() == 2u);
  BOOST_TEST(d.users[0].email == "alice@example.com");
  BOOST_TEST(d.users[0].role == "admin");
  BOOST_TEST(d.users[1].role == "member");
  BOOST_TEST(!d.domains.has_value());  // the server keeps none
  BOOST_TEST(d.groups.empty());        // nor synced groups
  BOOST_TEST_REQUIRE(d.devices.size() == 2u);
  const policy::TailnetDevice& web = d.devices[0];
  BOOST_TEST(web.name == "web");
  BOOST_TEST(!web.user.has_value());  // tagged: its tags own it
  BOOST_TEST(web.tags == std::vector<std::string>{"tag:web"});
  BOOST_TEST(web.addresses.size() == 2u);
  const policy::TailnetDevice& laptop = d.devices[1];
  BOOST_TEST(laptop.user.value_or("") == "bob@example.com");
  BOOST_TEST(laptop.addresses.front().to_string() == t.v4(t.laptop));
  BOOST_TEST(laptop.posture.at("node:os") == "linux");  // as the harness registers
}

BOOST_AUTO_TEST_CASE(pending_and_expired_devices_are_no_device_for_tests) {
  Tailnet t(/*require_approval=*/true);
  const uint64_t waiting = id_of(t.w.join(t.w.key("bob@example.com"), "waiting"));
  BOOST_REQUIRE(t.w.coordinator->registry().find(DeviceId{waiting})->state ==
                DeviceState::kPending);
  BOOST_REQUIRE(t.w.coordinator->expire(DeviceId{t.laptop}, t.w.now).ok());

  const policy::TailnetDescription d = tailnet_of(t.w.coordinator->registry());
  BOOST_TEST_REQUIRE(d.devices.size() == 1u);
  BOOST_TEST(d.devices[0].name == "web");

  // Both keep their addresses, yet a test naming them sees no device: as the peer view does.
  for (uint64_t id : {waiting, t.laptop}) {
    const std::string a = t.v4(id);
    PolicyOutcome out = t.w.coordinator->check_policy(R"({
      "tagOwners": {"tag:web": ["alice@example.com"]},
      "acls": [{"action": "accept", "src": ["bob@example.com"], "dst": ["tag:web:22"]}],
      "tests": [{"src": ")" + a + R"(", "accept": ["tag:web:22"]}]
    })");
    BOOST_TEST_REQUIRE(out.failed_tests.size() == 1u);
    BOOST_TEST(out.failed_tests[0].find("(decided by: no device holds " + a +
                                        " in the server's registry)") != std::string::npos,
               out.failed_tests[0]);
  }
}

BOOST_AUTO_TEST_CASE(a_device_in_the_tailnet_carries_its_posture_into_ssh_tests) {
  Tailnet t;
  const std::string laptop = t.v4(t.laptop);
  // SSH tests keep the source device's posture (ACL tests take srcPostureAttrs instead).
  auto outcome = [&](const char* os) {
    return t.w.coordinator->check_policy(std::string(R"({
      "tagOwners": {"tag:web": ["alice@example.com"]},
      "postures": {"posture:os": ["node:os == ')") + os + R"('"]},
      "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
      "ssh": [{"action": "accept", "src": ["bob@example.com"], "dst": ["tag:web"],
               "users": ["root"], "srcPosture": ["posture:os"]}],
      "sshTests": [{"src": ")" + laptop + R"(", "dst": ["tag:web"], "accept": ["root"]}]
    })");
  };
  BOOST_TEST(outcome("linux").valid);
  PolicyOutcome windows = outcome("windows");
  BOOST_TEST(!windows.valid);
  BOOST_TEST(windows.failed_tests.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
