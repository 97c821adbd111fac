// Fuzz target: the HTTP admin API (lib/serve/api_http.cc, api_routes.cc) with arbitrary requests
// against a coordinator holding a user and API tokens of each scope, one expired and one revoked.
// Nothing may crash or leak; every answer has a status the API documents and the admin socket's
// JSON shape; a request answered 401, 403 or 405 changes no state; and every request the server
// routes maps back to an HTTP request on the client's side (api_call_for).
//
// Input (text, so the seed corpus reads well): "METHOD TARGET\n", header lines "Name: value\n"
// up to an empty line, then the body. In header values $POLICY, $NODES, $ALL, $EXPIRED and
// $REVOKED stand for those tokens; "X-Peer: ADDRESS" sets the peer (default 127.0.0.1) and
// "X-TLS: 1" marks the connection TLS.
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "coord/coordinator.h"
#include "coord/registry.h"
#include "core/random.h"
#include "serve/api_http.h"
#include "serve/api_routes.h"
#include "support/memory_state_store.h"
#include "support/test_keys.h"

using namespace weft;

namespace {

[[noreturn]] void broken(const char* what, std::string_view detail) {
  std::fprintf(stderr, "api_http_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::string substitute(std::string value, const std::map<std::string, std::string>& tokens) {
  for (const auto& [name, text] : tokens)
    for (std::size_t at = value.find(name); at != std::string::npos; at = value.find(name, at))
      value.replace(at, name.size(), text);
  return value;
}

// A fingerprint of the state a refused request must leave alone.
std::string state_of(const coord::Coordinator& c) {
  std::string s = std::to_string(c.registry().users().size()) + "/" +
                  std::to_string(c.registry().devices().size()) + "/" +
                  std::to_string(c.policy_history().size()) + "/" +
                  std::to_string(c.registry().auth_keys().keys().size());
  for (const auto& [id, t] : c.api_tokens().tokens())
    s += "/" + std::to_string(t.revoked) + std::to_string(t.uses);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  core::SeededRandom rng(0xa91);
  test::MemoryStore store;
  coord::CoordinatorConfig config;
  config.server_key = test::random_private<core::MachinePrivateKey>(rng);
  rng.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
  core::Now now{std::chrono::seconds(1000), core::WallTime(std::chrono::hours(24 * 365 * 56))};
  auto created = coord::Coordinator::create(config, coord::RegistryConfig{}, store.state(), store,
                                            now, rng);
  if (!created.ok()) std::abort();
  coord::Coordinator& c = **created;
  if (!c.create_user("alice@example.com", coord::Role::kMember, now).ok()) std::abort();
  std::map<std::string, std::string> tokens;
  auto token = [&](const char* name, coord::ApiScope scope, core::Duration expiry) {
    auto t = c.create_api_token(scope, expiry, now, rng);
    if (!t.ok()) std::abort();
    tokens[name] = t->text;
    return t->id;
  };
  token("$POLICY", coord::ApiScope::kPolicy, std::chrono::hours(1));
  token("$NODES", coord::ApiScope::kNodes, std::chrono::hours(1));
  token("$ALL", coord::ApiScope::kAll, std::chrono::hours(1));
  token("$EXPIRED", coord::ApiScope::kAll, std::chrono::seconds(1));
  if (!c.revoke_api_token(token("$REVOKED", coord::ApiScope::kAll, std::chrono::hours(1)), now).ok())
    std::abort();
  now.wall += std::chrono::seconds(2);
  now.mono += std::chrono::seconds(2);

  serve::HttpRequest r;
  r.peer = *util::IpAddress::parse("127.0.0.1");
  std::size_t line_end = in.find('\n');
  const std::string_view first = in.substr(0, line_end);
  const std::size_t space = first.find(' ');
  r.method = std::string(first.substr(0, space));
  r.target = space == std::string_view::npos ? "" : std::string(first.substr(space + 1));
  std::size_t at = line_end == std::string_view::npos ? in.size() : line_end + 1;
  while (at < in.size()) {
    std::size_t end = in.find('\n', at);
    if (end == std::string_view::npos) end = in.size();
    const std::string_view line = in.substr(at, end - at);
    at = end + 1;
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    std::string value = colon == std::string_view::npos ? "" : std::string(line.substr(colon + 1));
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "X-Peer") {
      if (auto a = util::IpAddress::parse(value)) r.peer = *a;
    } else if (name == "X-TLS") {
      r.tls = value == "1";
    } else {
      r.headers.emplace_back(std::move(name), substitute(std::move(value), tokens));
    }
  }
  if (at < in.size()) r.body = std::string(in.substr(at));

  const std::string before = state_of(c);
  const serve::ApiOutcome out = serve::handle_api_request(c, r, now, rng);
  const unsigned s = out.answer.status;
  if (s != 200 && s != 400 && s != 401 && s != 403 && s != 404 && s != 405 && s != 409 &&
      s != 422 && s != 503)
    broken("an undocumented status", std::to_string(s));
  rapidjson::Document d;
  d.Parse(out.answer.body.data(), out.answer.body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("ok") || !d["ok"].IsBool())
    broken("the answer is not the admin JSON", out.answer.body);
  if ((s == 200) != d["ok"].GetBool() && s != 422) broken("ok does not match the status", out.answer.body);
  if ((s == 401 || s == 403 || s == 405) && state_of(c) != before)
    broken("a refused request changed the state", out.answer.body);

  auto routed = serve::admin_request_for(r.method, r.target, r.header("Content-Type"), r.body);
  if (routed.ok() && !serve::api_call_for(*routed).ok())
    broken("a routed request has no way back", *routed);
  coord::Transmit t;
  while (c.poll_transmit(t)) {
  }
  return 0;
}
