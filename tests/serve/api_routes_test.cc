// The admin API's route table read both ways: every admin request the CLI sends maps to an HTTP
// request and back to the same admin request; hostile paths, parameters and bodies are refused
// with typed errors.
#define BOOST_TEST_MODULE serve_api_routes
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <string>

#include "serve/api_routes.h"

using namespace weft;
using namespace weft::serve;

namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject(), text);
  return d;
}

std::string error_code(const Result<std::string>& r) { return r.ok() ? "" : r.error().code; }

}  // namespace

BOOST_AUTO_TEST_CASE(every_admin_request_goes_there_and_back) {
  for (const char* request :
       {R"({"op":"status"})", R"({"op":"users.list"})",
        R"({"op":"users.create","email":"alice@example.com","role":"admin"})",
        R"({"op":"users.remove","email":"a+b@example.com"})", R"({"op":"keys.list"})",
        R"({"op":"keys.create","user":"alice@example.com","reusable":true,"tags":["tag:ci"]})",
        R"({"op":"keys.revoke","id":"0123456789abcdef"})", R"({"op":"nodes.list"})",
        R"({"op":"nodes.list","all":true})", R"({"op":"nodes.remove","id":7})",
        R"({"op":"nodes.approve","id":7})", R"({"op":"nodes.expire","id":7})",
        R"({"op":"nodes.rotate","id":7})", R"({"op":"nodes.tag","id":7,"tags":["tag:a"]})",
        R"({"op":"nodes.set_expiry","id":7,"expiry_seconds":3600})",
        R"({"op":"nodes.set_expiry","id":7,"never":true})", R"({"op":"policy.get"})",
        R"({"op":"policy.history"})", R"({"op":"policy.set","text":"{}"})",
        R"({"op":"policy.check","text":"{\"acls\":[]}"})", R"({"op":"tailnet.export"})",
        R"({"op":"tokens.list"})", R"({"op":"tokens.create","scope":"policy"})",
        R"({"op":"tokens.revoke","id":"0123456789abcdef"})", R"({"op":"routes.list"})",
        R"({"op":"routes.approve","id":7,"routes":["10.9.0.0/24","0.0.0.0/0"]})",
        R"({"op":"routes.reject","id":7,"routes":["10.9.0.0/24"]})"}) {
    auto call = api_call_for(request);
    BOOST_TEST_REQUIRE(call.ok(), request);
    BOOST_TEST(call->target.rfind("/api/v1/", 0) == 0u);
    auto back = admin_request_for(call->method, call->target, "application/json", call->body);
    BOOST_TEST_REQUIRE(back.ok(), request << " -> " << call->method << " " << call->target);
    BOOST_TEST((json(*back) == json(request)), request << " came back as " << *back);
  }
}

BOOST_AUTO_TEST_CASE(the_path_parameter_wins_over_the_body) {
  auto r = admin_request_for("DELETE", "/api/v1/nodes/3", "application/json", R"({"id": 99})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(json(*r)["id"].GetUint64() == 3u);
  auto op = admin_request_for("GET", "/api/v1/status", "", R"({"op": "nodes.remove", "id": 1})");
  BOOST_REQUIRE(op.ok());
  BOOST_TEST(std::string(json(*op)["op"].GetString()) == "status");
  BOOST_TEST(op_of(*op) == "status");
}

BOOST_AUTO_TEST_CASE(a_policy_body_that_is_not_json_is_the_policy_text) {
  const std::string text = "// CI's policy\n{\"acls\": []}\n";
  auto r = admin_request_for("POST", "/api/v1/policy", "application/hujson", text);
  BOOST_REQUIRE(r.ok());
  auto d = json(*r);
  BOOST_TEST(std::string(d["op"].GetString()) == "policy.set");
  BOOST_TEST(std::string(d["text"].GetString()) == text);
  // Elsewhere such a body is refused.
  BOOST_TEST(error_code(admin_request_for("POST", "/api/v1/users", "text/plain", text)) ==
             "api.request");
}

BOOST_AUTO_TEST_CASE(refuses_unknown_paths_methods_and_malformed_parameters) {
  BOOST_TEST(error_code(admin_request_for("GET", "/api/v1/nope", "", "")) == "api.not_found");
  BOOST_TEST(error_code(admin_request_for("GET", "/api/v2/status", "", "")) == "api.not_found");
  BOOST_TEST(error_code(admin_request_for("GET", "/api/v1/nodes/1/2", "", "")) == "api.not_found");
  auto method = admin_request_for("PUT", "/api/v1/nodes", "", "");
  BOOST_TEST(error_code(method) == "api.method");
  BOOST_TEST(method.error().detail == "GET");
  for (const char* target : {"/api/v1/nodes/x1", "/api/v1/nodes/-1", "/api/v1/nodes/%",
                             "/api/v1/nodes/99999999999999999999999", "/api/v1/users/a%2Fb",
                             "/api/v1/users/a%00b", "/api/v1/users/%G0", "/api/v1/nodes?all=2",
                             "/api/v1/status?x=1"}) {
    const std::string m = std::string(target).find("users") != std::string::npos ? "DELETE"
                          : std::string(target).find("nodes/") != std::string::npos ? "DELETE"
                                                                                      : "GET";
    BOOST_TEST(error_code(admin_request_for(m, target, "", "")) == "api.request", target);
  }
  for (const char* body : {"[]", "{", "\"x\"", "{\"a\":1}{"})
    BOOST_TEST(error_code(admin_request_for("POST", "/api/v1/users", "", body)) == "api.request");
  BOOST_TEST(error_code(admin_request_for("POST", "/api/v1/users", "", std::string(1u << 16, '[')))
             == "api.request");
}

BOOST_AUTO_TEST_CASE(percent_escapes_are_decoded_in_parameters) {
  auto r = admin_request_for("DELETE", "/api/v1/users/alice%40example.com", "", "");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(std::string(json(*r)["email"].GetString()) == "alice@example.com");
}

BOOST_AUTO_TEST_CASE(a_request_without_a_route_is_refused_on_the_client) {
  BOOST_TEST(!api_call_for(R"({"op":"nodes.fly"})").ok());
  BOOST_TEST(!api_call_for(R"({"op":"nodes.remove"})").ok());  // no id
  BOOST_TEST(!api_call_for("not json").ok());
}
