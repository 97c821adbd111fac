// The users table: every field survives a reopen, e-mails are unique (the transaction that
// breaks that leaves nothing), deletes touch one row, and an unknown role is reported as corrupt.
#define BOOST_TEST_MODULE store_user_table
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "coord/device.h"
#include "store/database.h"
#include "store/user_table.h"
#include "support/store_db.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::store;
using namespace store_test;
using namespace std::chrono_literals;

namespace {

void check_same(const User& a, const User& b) {
  BOOST_TEST(a.id.value == b.id.value);
  BOOST_TEST(a.email == b.email);
  BOOST_TEST(role_name(a.role) == role_name(b.role));
  BOOST_TEST((a.created == b.created));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_user_table)

BOOST_AUTO_TEST_CASE(users_of_every_role_survive_a_reopen) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const Role roles[] = {Role::kMember,       Role::kOwner,        Role::kAdmin,
                        Role::kNetworkAdmin, Role::kItAdmin,      Role::kBillingAdmin,
                        Role::kAuditor};
  std::vector<User> written;
  {
    auto db = open_ok(path);
    BOOST_TEST(value_ok(load_users(*db)).empty());
    uint64_t id = 10;
    for (Role role : roles) {
      User u{UserId{id}, "user" + std::to_string(id) + "@example.com", role,
             kT0 + std::chrono::nanoseconds(id)};
      require_ok(save_user(*db, u));
      written.push_back(u);
      id -= 1;  // written out of id order: loaded by id
    }
  }
  auto db = open_ok(path);
  std::vector<User> loaded = value_ok(load_users(*db));
  BOOST_REQUIRE(loaded.size() == written.size());
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    check_same(loaded[i], written[written.size() - 1 - i]);
  }

  // Readable with the sqlite3 shell: the role is its name.
  auto role = db->prepare("SELECT role FROM users WHERE id = 9");
  BOOST_REQUIRE(role.ok());
  BOOST_REQUIRE(*role->step());
  BOOST_TEST(role->column_text(0) == "owner");
}

BOOST_AUTO_TEST_CASE(an_identity_provider_binding_and_synced_groups_survive_a_reopen) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  User u{UserId{3}, "alice@example.com", Role::kMember, kT0};
  u.oidc_issuer = "https://idp.example";
  u.oidc_subject = "sub-alice";
  u.groups = {"group:eng@example.com", "group:ops@corp.example"};
  User plain{UserId{4}, "ops@example.com", Role::kMember, kT0};
  {
    auto db = open_ok(path);
    require_ok(save_user(*db, u));
    require_ok(save_user(*db, plain));
  }
  auto db = open_ok(path);
  std::vector<User> loaded = value_ok(load_users(*db));
  BOOST_REQUIRE(loaded.size() == 2u);
  BOOST_TEST(loaded[0].oidc_issuer == u.oidc_issuer);
  BOOST_TEST(loaded[0].oidc_subject == u.oidc_subject);
  BOOST_TEST(loaded[0].groups == u.groups, boost::test_tools::per_element());
  BOOST_TEST(!loaded[1].has_identity());
  BOOST_TEST(loaded[1].groups.empty());
  // One account of the provider binds one user.
  User twin{UserId{5}, "alice2@example.com", Role::kMember, kT0};
  twin.oidc_issuer = u.oidc_issuer;
  twin.oidc_subject = u.oidc_subject;
  BOOST_TEST(!save_user(*db, twin).ok());
}

BOOST_AUTO_TEST_CASE(putting_a_user_again_replaces_its_row) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  require_ok(save_user(*db, {UserId{1}, "alice@example.com", Role::kMember, kT0}));
  const User changed{UserId{1}, "alice@example.org", Role::kAdmin, kT0 + 1h};
  require_ok(save_user(*db, changed));
  std::vector<User> loaded = value_ok(load_users(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  check_same(loaded[0], changed);
  // The old e-mail is free again.
  require_ok(save_user(*db, {UserId{2}, "alice@example.com", Role::kMember, kT0}));
}

BOOST_AUTO_TEST_CASE(a_duplicate_email_is_refused_and_the_transaction_rolled_back) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  require_ok(save_user(*db, {UserId{1}, "alice@example.com", Role::kOwner, kT0}));
  Status st = db->transaction([&]() -> Status {
    if (auto s = put_user(*db, {UserId{2}, "bob@example.com", Role::kMember, kT0}); !s) return s;
    return put_user(*db, {UserId{3}, "alice@example.com", Role::kMember, kT0});
  });
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "store.sqlite");
  BOOST_TEST(st.error().detail.find("UNIQUE") != std::string::npos);
  std::vector<User> loaded = value_ok(load_users(*db));
  BOOST_REQUIRE(loaded.size() == 1u);  // bob went with the failed transaction
  BOOST_TEST(loaded[0].id.value == 1u);
}

BOOST_AUTO_TEST_CASE(deleting_a_user_removes_only_its_row) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  require_ok(save_user(*db, {UserId{1}, "alice@example.com", Role::kOwner, kT0}));
  require_ok(save_user(*db, {UserId{2}, "bob@example.com", Role::kMember, kT0}));
  require_ok(db->transaction([&] { return delete_user(*db, UserId{1}); }));
  std::vector<User> loaded = value_ok(load_users(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  BOOST_TEST(loaded[0].email == "bob@example.com");
}

BOOST_AUTO_TEST_CASE(deleting_an_unknown_user_is_refused) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  require_ok(save_user(*db, {UserId{1}, "alice@example.com", Role::kOwner, kT0}));
  Status st = db->transaction([&] { return delete_user(*db, UserId{7}); });
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "store.unknown_user");
  BOOST_TEST(value_ok(load_users(*db)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_unknown_role_is_refused_when_written_and_reported_corrupt_when_read) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  require_ok(save_user(*db, {UserId{1}, "alice@example.com", Role::kOwner, kT0}));
  require_ok(save_user(*db, {UserId{2}, "bob@example.com", Role::kMember, kT0}));
  BOOST_TEST(!db->exec("UPDATE users SET role = 'emperor' WHERE id = 2").ok());  // the CHECK
  // A row the CHECK never saw (an edited file): the load names it rather than guessing.
  require_ok(db->exec("PRAGMA ignore_check_constraints = ON"));
  require_ok(db->exec("UPDATE users SET role = 'emperor' WHERE id = 2"));
  auto users = load_users(*db);
  BOOST_REQUIRE(!users.ok());
  BOOST_TEST(users.error().code == "store.corrupt");
  BOOST_TEST(users.error().detail.find("users row 2") != std::string::npos);
  BOOST_TEST(users.error().detail.find("emperor") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
