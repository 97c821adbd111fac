// The operator's API (handle_admin_request) against a coordinator over an in-memory store:
// hostile requests are answered with JSON errors, never a crash, and answers carry whole values.
#define BOOST_TEST_MODULE serve_admin_api
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>
#include <string>

#include "coord/coordinator.h"
#include "coord/registry.h"
#include "core/random.h"
#include "serve/admin_api.h"
#include "support/memory_state_store.h"
#include "support/test_keys.h"

using namespace weft;

namespace {

struct Api {
  Api() {
    config.server_key = test::random_private<core::MachinePrivateKey>(rng);
    rng.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
    auto c = coord::Coordinator::create(config, coord::RegistryConfig{}, store.state(), store, now,
                                        rng);
    BOOST_REQUIRE(c.ok());
    coordinator = std::move(c).value();
  }
  rapidjson::Document call(const std::string& request) {
    const std::string answer = serve::handle_admin_request(*coordinator, request, now, rng);
    rapidjson::Document d;
    d.Parse(answer.data(), answer.size());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject(), answer);
    return d;
  }
  static std::string error_code(const rapidjson::Document& d) {
    if (!d.HasMember("error")) return "";
    return d["error"]["code"].GetString();
  }

  core::SeededRandom rng{11};
  core::Now now{std::chrono::seconds(1), core::WallTime(std::chrono::hours(24 * 365 * 56))};
  coord::CoordinatorConfig config;
  test::MemoryStore store;
  std::unique_ptr<coord::Coordinator> coordinator;
};

}  // namespace

BOOST_AUTO_TEST_CASE(answers_a_deeply_nested_request_with_an_error) {
  Api api;
  // Within the admin socket's 1 MiB: deep enough to overflow a recursive parser's stack.
  const std::string deep(1u << 20, '[');
  auto d = api.call(deep);
  BOOST_TEST(!d["ok"].GetBool());
  BOOST_TEST(Api::error_code(d) == "admin.request");
}

BOOST_AUTO_TEST_CASE(refuses_a_key_expiry_beyond_the_limit_however_large) {
  Api api;
  BOOST_REQUIRE(api.call(R"({"op": "users.create", "email": "alice@example.com"})")["ok"].GetBool());
  for (const char* seconds : {"7776001", "10000000000", "18446744073709551615"}) {
    auto d = api.call(std::string(R"({"op": "keys.create", "user": "alice@example.com", )") +
                      R"("expiry_seconds": )" + seconds + "}");
    BOOST_TEST(!d["ok"].GetBool());
    BOOST_TEST(Api::error_code(d) == "auth_key.expiry");
  }
  BOOST_TEST(api.call(R"({"op": "keys.create", "user": "alice@example.com",
                          "expiry_seconds": 7776000})")["ok"].GetBool());
}

BOOST_AUTO_TEST_CASE(policy_get_returns_the_whole_text_even_with_a_nul_byte) {
  Api api;
  const std::string text = std::string("{\"acls\": []} // a ") + '\0' + " b\n";
  rapidjson::Document set_request(rapidjson::kObjectType);
  auto& a = set_request.GetAllocator();
  set_request.AddMember("op", "policy.set", a);
  set_request.AddMember(
      "text", rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a), a);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  set_request.Accept(w);
  auto set = api.call(buf.GetString());
  BOOST_REQUIRE(set["valid"].GetBool());

  auto got = api.call(R"({"op": "policy.get"})");
  BOOST_TEST(std::string(got["text"].GetString(), got["text"].GetStringLength()) == text);
}
