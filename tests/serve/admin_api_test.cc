// The operator's API (handle_admin_request) against a coordinator over an in-memory store:
// hostile requests are answered with JSON errors, never a crash, and answers carry whole values;
// the tailnet export decides policy tests exactly as the server does.
#define BOOST_TEST_MODULE serve_admin_api
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>
#include <string>

#include "coord/coordinator.h"
#include "coord/coordinator_harness.h"
#include "coord/policy_outcome.h"
#include "coord/registry.h"
#include "core/random.h"
#include "policy/pipeline.h"
#include "policy/tailnet.h"
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

BOOST_AUTO_TEST_CASE(tailnet_export_decides_policy_tests_as_the_server_does) {
  // alice (admin) and bob (member); web tagged by alice, bob's laptop, and two devices of bob
  // that keep addresses but are not in the tailnet: one waiting for approval, one expired.
  coord::test::World w(R"({"tagOwners": {"tag:web": ["alice@example.com"]}})",
                       /*require_approval=*/true);
  BOOST_REQUIRE(w.coordinator->create_user("alice@example.com", coord::Role::kAdmin, w.now).ok());
  std::map<std::string, uint64_t> id;
  for (const char* name : {"web", "laptop", "waiting", "expired"})
    id[name] = coord::test::id_of(w.join(
        name == std::string("web") ? w.key("alice@example.com", {"tag:web"}) : w.key("bob@example.com"),
        name));
  for (const char* name : {"web", "laptop", "expired"})
    BOOST_REQUIRE(w.coordinator->approve(coord::DeviceId{id[name]}, w.now).ok());
  BOOST_REQUIRE(w.coordinator->expire(coord::DeviceId{id["expired"]}, w.now).ok());
  auto v4 = [&](const char* name) {
    return w.coordinator->registry().find(coord::DeviceId{id[name]})->addresses->v4.to_string();
  };

  // Tests on roles, on every device's address (in the tailnet or not), on posture: half of
  // them fail, so both pass and fail verdicts are compared.
  std::string tests;
  for (const char* name : {"web", "laptop", "waiting", "expired"})
    for (const char* verdict : {"accept", "deny"})
      tests += std::string(R"({"src": ")") + v4(name) + R"(", ")" + verdict + R"(": ["tag:web:22"]},)";
  const std::string policy_text = R"({
    "tagOwners": {"tag:web": ["alice@example.com"]},
    "postures": {"posture:linux": ["node:os == 'linux'"]},
    "acls": [{"action": "accept", "src": ["autogroup:admin", "bob@example.com"], "dst": ["tag:web:22"]}],
    "ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web"], "users": ["root"],
             "srcPosture": ["posture:linux"]}],
    "tests": [)" + tests + R"(
      {"src": "alice@example.com", "accept": ["tag:web:22"]},
      {"src": "alice@example.com", "deny": ["tag:web:22"]},
    ],
    "sshTests": [
      {"src": ")" + v4("laptop") + R"(", "dst": ["tag:web"], "accept": ["root"]},
      {"src": ")" + v4("laptop") + R"(", "dst": ["tag:web"], "deny": ["root"]},
      {"src": ")" + v4("waiting") + R"(", "dst": ["tag:web"], "accept": ["root"]},
    ],
  })";

  const std::string answer = serve::handle_admin_request(*w.coordinator, R"({"op": "tailnet.export"})",
                                                         w.now, w.rng);
  rapidjson::Document exported;
  exported.Parse(answer.data(), answer.size());
  BOOST_REQUIRE(!exported.HasParseError() && exported["ok"].GetBool());
  exported.RemoveMember("ok");  // the envelope; the rest is the tailnet file
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  exported.Accept(writer);
  policy::TailnetLoad file = policy::load_tailnet(buf.GetString());
  BOOST_REQUIRE_MESSAGE(file.tailnet.has_value(), buf.GetString());
  BOOST_TEST(file.tailnet->devices.size() == 2u);  // web and laptop

  const coord::PolicyOutcome server = w.coordinator->check_policy(policy_text);
  const coord::PolicyOutcome ci = coord::policy_outcome_of(policy::check_policy(
      policy_text, policy::RunTests::kYes,
      policy::view_of(*file.tailnet, std::string(coord::kRegistrySource))));
  BOOST_TEST(server.findings.empty());
  BOOST_TEST(server.failed_tests.size() == 7u);
  BOOST_TEST(ci.valid == server.valid);
  BOOST_TEST(ci.failed_tests == server.failed_tests, "server:\n" << [&] {
    std::string s;
    for (const auto& t : server.failed_tests) s += t + "\n";
    s += "export:\n";
    for (const auto& t : ci.failed_tests) s += t + "\n";
    return s;
  }());
}

BOOST_AUTO_TEST_CASE(creates_lists_and_revokes_api_tokens_without_showing_their_secrets) {
  Api api;
  auto created = api.call(R"({"op": "tokens.create", "scope": "policy", "expiry_seconds": 3600})");
  BOOST_REQUIRE(created["ok"].GetBool());
  const std::string token = created["token"].GetString();
  const std::string id = created["id"].GetString();
  BOOST_TEST(token.rfind("weftapi-" + id + "-", 0) == 0u);
  BOOST_TEST(std::string(created["scope"].GetString()) == "policy");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "tokens.create", "scope": "root"})")) ==
             "admin.request");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "tokens.create", "expiry_seconds": 99999999999})")) ==
             "api_token.expiry");
  auto list = api.call(R"({"op": "tokens.list"})");
  BOOST_REQUIRE(list["tokens"].Size() == 1u);
  const auto& t = list["tokens"][0];
  BOOST_TEST(std::string(t["id"].GetString()) == id);
  BOOST_TEST(t["last_used"].IsNull());
  BOOST_TEST(t["expires"].GetInt64() - t["created"].GetInt64() == 3600);
  BOOST_TEST(!t["revoked"].GetBool());
  const std::string secret = token.substr(token.rfind('-') + 1);
  const std::string listed =
      serve::handle_admin_request(*api.coordinator, R"({"op": "tokens.list"})", api.now, api.rng);
  BOOST_TEST(listed.find(secret) == std::string::npos);
  BOOST_TEST(api.call(R"({"op": "tokens.revoke", "id": ")" + id + "\"}")["ok"].GetBool());
  BOOST_TEST(api.call(R"({"op": "tokens.list"})")["tokens"][0]["revoked"].GetBool());
  BOOST_TEST(Api::error_code(api.call(R"({"op": "tokens.revoke", "id": "xyz"})")) == "admin.request");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "tokens.revoke", "id": "0000000000000000"})")) ==
             "api_token.unknown");
}

BOOST_AUTO_TEST_CASE(sets_and_shows_dns_settings_and_refuses_bad_ones_unchanged) {
  Api api;
  auto shown = api.call(R"({"op": "dns.show"})");
  BOOST_REQUIRE(shown["ok"].GetBool());
  BOOST_TEST(std::string(shown["domain"].GetString()) == "weft.internal");
  BOOST_TEST(shown["nameservers"].Empty());
  auto set = api.call(R"({"op": "dns.set", "nameservers": ["192.0.2.53"],
                          "search_domains": ["Corp.Example."],
                          "split": ["lab.example=10.9.0.53,10.9.0.54"]})");
  BOOST_REQUIRE_MESSAGE(set["ok"].GetBool(), Api::error_code(set));
  BOOST_TEST(std::string(set["nameservers"][0].GetString()) == "192.0.2.53");
  BOOST_TEST(std::string(set["search_domains"][0].GetString()) == "corp.example");
  BOOST_TEST(std::string(set["routes"][0]["domain"].GetString()) == "lab.example");
  BOOST_TEST(set["routes"][0]["nameservers"].Size() == 2u);
  for (const char* bad : {R"({"op": "dns.set", "nameservers": ["ns.example"]})",
                          R"({"op": "dns.set", "split": ["weft.internal=10.0.0.1"]})",
                          R"({"op": "dns.set", "split": ["lab.example"]})",
                          R"({"op": "dns.set", "search_domains": ["a b"]})"}) {
    auto d = api.call(bad);
    BOOST_TEST(!d["ok"].GetBool());
    BOOST_TEST(Api::error_code(d) == "coord.dns", bad);
  }
  BOOST_TEST(Api::error_code(api.call(R"({"op": "dns.set", "nameservers": "192.0.2.1"})")) ==
             "admin.request");
  BOOST_TEST(api.coordinator->dns().nameservers.size() == 1u);
  BOOST_TEST(api.call(R"({"op": "dns.set"})")["ok"].GetBool());  // clears them
  BOOST_TEST(api.coordinator->dns().routes.empty());
}

BOOST_AUTO_TEST_CASE(set_expiry_needs_a_duration_or_never) {
  Api api;
  BOOST_TEST(Api::error_code(api.call(R"({"op": "nodes.set_expiry", "id": 1})")) == "admin.request");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "nodes.set_expiry", "id": 1, "expiry_seconds": 0})")) ==
             "admin.request");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "nodes.set_expiry", "id": 1, "never": true})")) ==
             "coord.unknown_device");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "nodes.set_expiry", "id": 1,
                                          "expiry_seconds": 18446744073709551615})")) ==
             "coord.unknown_device");
}

BOOST_AUTO_TEST_CASE(sets_shows_and_unsets_posture_attributes) {
  coord::test::World w;
  const uint64_t id = coord::test::id_of(w.join(w.key("bob@example.com"), "laptop"));
  auto call = [&](const std::string& request) {
    const std::string answer = serve::handle_admin_request(*w.coordinator, request, w.now, w.rng);
    auto d = std::make_unique<rapidjson::Document>();
    d->Parse(answer.data(), answer.size());
    BOOST_REQUIRE_MESSAGE(!d->HasParseError() && d->IsObject(), answer);
    return d;
  };
  const std::string node = std::to_string(id);
  auto d = call(R"({"op": "nodes.set_attr", "id": )" + node +
                R"(, "set": {"custom:trusted": "yes", "custom:risk": "40"}})");
  BOOST_TEST((*d)["ok"].GetBool());
  d = call(R"({"op": "nodes.set_attr", "id": )" + node + R"(, "unset": ["custom:risk"]})");
  BOOST_TEST((*d)["ok"].GetBool());
  d = call(R"({"op": "nodes.show", "id": )" + node + "}");
  BOOST_REQUIRE((*d)["ok"].GetBool());
  const auto& n = (*d)["node"];
  BOOST_TEST(n["hostname"].GetString() == std::string("laptop"));
  BOOST_TEST(n["attributes"].MemberCount() == 1u);
  BOOST_TEST(n["attributes"]["custom:trusted"].GetString() == std::string("yes"));
  // The posture holds what the node reported too.
  BOOST_TEST(n["posture"]["node:os"].GetString() == std::string("linux"));
  BOOST_TEST(n["posture"]["custom:trusted"].GetString() == std::string("yes"));
  BOOST_TEST(!n["posture"].HasMember("custom:risk"));

  for (const std::string& bad :
       {R"({"op": "nodes.set_attr", "id": )" + node + "}",
        R"({"op": "nodes.set_attr", "id": )" + node + R"(, "set": ["custom:a"]})",
        R"({"op": "nodes.set_attr", "id": )" + node + R"(, "set": {"custom:a": 1}})",
        R"({"op": "nodes.set_attr", "id": )" + node + R"(, "unset": "custom:a"})",
        std::string(R"({"op": "nodes.set_attr", "set": {"custom:a": "1"}})"),
        std::string(R"({"op": "nodes.show"})")}) {
    d = call(bad);
    BOOST_TEST(!(*d)["ok"].GetBool(), bad);
    BOOST_TEST(Api::error_code(*d) == "admin.request", bad);
  }
  d = call(R"({"op": "nodes.set_attr", "id": )" + node + R"(, "set": {"node:os": "macos"}})");
  BOOST_TEST(Api::error_code(*d) == "coord.posture_attribute");
  d = call(R"({"op": "nodes.show", "id": 999})");
  BOOST_TEST(Api::error_code(*d) == "coord.unknown_device");
}

BOOST_AUTO_TEST_CASE(routes_ops_check_their_fields_before_the_coordinator) {
  Api api;
  auto list = api.call(R"({"op": "routes.list"})");
  BOOST_REQUIRE(list["ok"].GetBool());
  BOOST_TEST(list["routes"].GetArray().Size() == 0u);
  BOOST_TEST(Api::error_code(api.call(R"({"op": "routes.approve", "id": 1})")) == "admin.request");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "routes.approve", "id": 1, "routes": []})")) ==
             "admin.request");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "routes.approve", "id": 1,
                                          "routes": ["10.9.0.1/24"]})")) == "admin.route");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "routes.reject", "id": 99,
                                          "routes": ["10.9.0.0/24"]})")) == "coord.unknown_device");
  BOOST_TEST(Api::error_code(api.call(R"({"op": "routes.drop"})")) == "admin.request");
}

BOOST_AUTO_TEST_CASE(tailnet_export_lists_synced_groups_with_their_members) {
  coord::test::World w;
  w.config.login_url_prefix = "https://weft.example/login/";
  w.restart();
  coord::test::TestNode& n = w.node();
  w.connect(n);
  w.send(n, w.register_request(n, "", "laptop"));
  const std::string url = n.received<control::RegisterResponse>().back().auth_url;
  const coord::ProvenIdentity alice{"https://idp.example", "sub-alice", "alice@example.com",
                                    {"group:eng@example.com", "group:sec@corp.example"}};
  BOOST_REQUIRE(w.coordinator->complete_login(url.substr(url.rfind('/') + 1), alice, w.now, w.rng).ok());

  const std::string answer =
      serve::handle_admin_request(*w.coordinator, R"({"op": "tailnet.export"})", w.now, w.rng);
  rapidjson::Document d;
  d.Parse(answer.data(), answer.size());
  BOOST_REQUIRE(!d.HasParseError() && d["ok"].GetBool());
  BOOST_REQUIRE(d.HasMember("groups") && d["groups"].IsObject());
  BOOST_TEST(d["groups"].MemberCount() == 2u);
  BOOST_TEST(d["groups"]["group:sec@corp.example"][0].GetString() == std::string("alice@example.com"));
  // The export is a tailnet file whose groups acl check --tailnet reads.
  d.RemoveMember("ok");
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  d.Accept(writer);
  policy::TailnetLoad file = policy::load_tailnet(buf.GetString());
  BOOST_REQUIRE_MESSAGE(file.tailnet.has_value(), buf.GetString());
  BOOST_TEST(file.tailnet->groups.at("group:eng@example.com") == std::vector<std::string>{"alice@example.com"});
}
