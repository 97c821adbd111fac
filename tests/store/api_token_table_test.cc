// The api_tokens table: tokens (hash, scope, times, uses, revocation) survive a reopen exactly,
// and a reloaded server decides as the one that wrote them.
#define BOOST_TEST_MODULE store_api_token_table
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "coord/api_token.h"
#include "store/api_token_table.h"
#include "store/database.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::store;
using namespace std::chrono_literals;

namespace {

const core::WallTime kT0 = core::WallTime{} + std::chrono::hours(24 * 365 * 56) + 987654321ns;

}  // namespace

BOOST_AUTO_TEST_SUITE(api_token_table)

BOOST_AUTO_TEST_CASE(tokens_round_trip_and_decide_the_same_after_a_reopen) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  crypto::Key32 hashing;
  hashing.fill(9);
  core::SeededRandom rng(4);
  ApiTokens tokens(hashing);
  std::vector<std::string> texts;
  {
    auto db = Database::open(path);
    BOOST_REQUIRE(db.ok());
    for (auto [scope, expiry] : {std::pair{ApiScope::kPolicy, core::Duration(1h)},
                                 std::pair{ApiScope::kNodes, core::Duration(48h)},
                                 std::pair{ApiScope::kAll, core::Duration(48h)}}) {
      auto t = tokens.create(scope, expiry, kT0, rng);
      BOOST_REQUIRE(t.ok());
      texts.push_back(t->text);
    }
    BOOST_REQUIRE(tokens.use(texts[1], "nodes.remove", kT0 + 5min).ok());
    BOOST_REQUIRE(tokens.revoke(*ApiTokenId::parse(texts[2].substr(8, 16))).ok());
    BOOST_REQUIRE((*db)
                      ->transaction([&]() -> Status {
                        for (const auto& [id, t] : tokens.tokens())
                          if (auto st = put_api_token(**db, t); !st) return st;
                        return Ok{};
                      })
                      .ok());
  }
  auto db = Database::open(path);
  BOOST_REQUIRE(db.ok());
  auto loaded = load_api_tokens(**db);
  BOOST_REQUIRE(loaded.ok());
  BOOST_REQUIRE(loaded->size() == 3u);
  ApiTokens reloaded(hashing);
  for (const StoredApiToken& r : *loaded) {
    const StoredApiToken* t = tokens.find(r.id);
    BOOST_REQUIRE(t != nullptr);
    BOOST_TEST((r.secret_hash == t->secret_hash));
    BOOST_TEST((r.scope == t->scope));
    BOOST_TEST((r.created == t->created));
    BOOST_TEST((r.expires == t->expires));
    BOOST_TEST((r.last_used == t->last_used));
    BOOST_TEST(r.uses == t->uses);
    BOOST_TEST(r.revoked == t->revoked);
    BOOST_REQUIRE(reloaded.restore(r).ok());
  }
  BOOST_TEST((*reloaded.find(*ApiTokenId::parse(texts[1].substr(8, 16)))->last_used ==
              kT0 + 5min));
  BOOST_TEST((*reloaded.check(texts[0], "policy.set", kT0 + 2h).refusal ==
              ApiTokenRefusal::kExpired));
  BOOST_TEST(reloaded.check(texts[1], "nodes.remove", kT0 + 2h).ok());
  BOOST_TEST((*reloaded.check(texts[2], "status", kT0).refusal == ApiTokenRefusal::kRevoked));
}

BOOST_AUTO_TEST_SUITE_END()
