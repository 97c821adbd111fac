// Fuzz target: the operator's API (lib/serve/admin_api.cc) with arbitrary request bytes against a
// coordinator that holds users, keys and devices in every state. Nothing may crash or leak, and
// every answer is one line holding one JSON object with a boolean "ok" (and, when false, an
// "error" object with a "code" and a "message").
//
// Input: byte 0 picks the mode. 0: the rest is requests separated by '\n', run in turn against
// one coordinator (so a key created by one can be revoked by the next); 1 / 2: the rest is the
// policy text of one {"op": "policy.set"} / {"op": "policy.check"} request.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "coord/coordinator.h"
#include "coord/registry.h"
#include "core/random.h"
#include "serve/admin_api.h"
#include "support/memory_state_store.h"
#include "support/test_keys.h"

using namespace weft;

namespace {

const char* const kPolicy =
    R"({"tagOwners": {"tag:web": ["alice@example.com"], "tag:db": ["alice@example.com"]},
        "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]})";

[[noreturn]] void broken(const char* what, std::string_view answer) {
  std::fprintf(stderr, "admin_api_fuzz: %s: %.*s\n", what, static_cast<int>(answer.size()),
               answer.data());
  std::abort();
}

core::Now start_time() {
  return core::Now{std::chrono::seconds(1000), core::WallTime(std::chrono::hours(24 * 365 * 56))};
}

// The stored state every run starts from, built once with a registry of its own: two users,
// three keys, and devices authorized, tagged, pending and expired.
struct Stored {
  crypto::Key32 secret{};
  weft::test::MemoryStore store;

  Stored() {
    core::SeededRandom rng(0xad31);
    rng.fill(secret.data(), secret.size());
    coord::RegistryConfig rc;
    rc.require_approval = true;
    auto created = coord::Registry::create(rc, secret);
    if (!created.ok()) std::abort();
    coord::Registry& r = **created;
    const core::WallTime now = start_time().wall;
    auto commit = [&](const Result<coord::RegistryChange>& c) {
      if (!c.ok()) std::abort();
      coord::StateChange sc;
      sc.registry = &*c;
      (void)store.commit(sc);
    };
    commit(r.create_user("alice@example.com", coord::Role::kAdmin, now));
    commit(r.create_user("bob@example.com", coord::Role::kMember, now));
    const coord::TagOwnerCheck owns = [](coord::UserId, std::string_view) { return true; };
    auto key = [&](const char* email, std::vector<std::string> tags) {
      coord::AuthKeyRequest req;
      req.user = r.find_user(email)->id;
      req.reusable = true;
      req.tags = std::move(tags);
      auto k = r.create_auth_key(req, now, rng, owns);
      if (!k.ok()) std::abort();
      commit(k->change);
      return k->key.text;
    };
    const std::string alice = key("alice@example.com", {});
    const std::string web = key("alice@example.com", {"tag:web"});
    const std::string bob = key("bob@example.com", {});
    const std::string* for_device[] = {&alice, &web, &bob, &alice};
    for (uint64_t i = 0; i < 4; ++i) {
      coord::RegisterInput in;
      in.machine_key = weft::test::public_of<core::MachinePublicKey>(
          weft::test::random_private<core::MachinePrivateKey>(rng));
      in.node_key = weft::test::public_of<core::NodePublicKey>(
          weft::test::random_private<core::NodePrivateKey>(rng));
      in.auth_key = *for_device[i];
      in.hostname = "host" + std::to_string(i);
      in.os = "linux";
      auto reg = r.register_device(in, now, rng, owns);
      if (!reg.ok()) std::abort();
      commit(reg->change);
      const coord::DeviceId id = reg->device.id;
      if (i != 2) commit(r.approve(id, now));  // device 3 stays pending
      if (i == 3) commit(r.expire(id, now));
    }
    coord::StateChange sc;
    coord::PolicyRecord policy{1, kPolicy, now};
    sc.policy = &policy;
    (void)store.commit(sc);
  }
};

// {"ok": bool, ...} on one line; a refusal carries {"code": string, "message": string}.
void check_answer(const std::string& answer) {
  if (answer.find('\n') != std::string::npos) broken("the answer is not one line", answer);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(answer.data(), answer.size());
  if (d.HasParseError() || !d.IsObject()) broken("the answer is not a JSON object", answer);
  if (!d.HasMember("ok") || !d["ok"].IsBool()) broken("the answer has no boolean ok", answer);
  if (d["ok"].GetBool()) return;
  if (!d.HasMember("error") || !d["error"].IsObject()) broken("a refusal without error", answer);
  const rapidjson::Value& error = d["error"];
  if (!error.HasMember("code") || !error["code"].IsString() || !error.HasMember("message") ||
      !error["message"].IsString())
    broken("a refusal without code and message", answer);
}

std::string policy_request(const char* op, std::string_view text) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("op");
  w.String(op);
  w.Key("text");
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  w.EndObject();
  return buf.GetString();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const Stored stored;
  weft::test::MemoryStore store = stored.store;
  core::SeededRandom rng(0xad32);
  coord::CoordinatorConfig config;
  config.server_key = weft::test::random_private<core::MachinePrivateKey>(rng);
  config.auth_key_secret = stored.secret;
  coord::RegistryConfig rc;
  core::Now now = start_time();
  auto created = coord::Coordinator::create(config, rc, store.state(), store, now, rng);
  if (!created.ok()) std::abort();
  coord::Coordinator& c = **created;

  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      std::size_t at = 0;
      for (int n = 0; n < 16 && at <= rest.size(); ++n) {
        std::size_t end = rest.find('\n', at);
        if (end == std::string_view::npos) end = rest.size();
        check_answer(serve::handle_admin_request(c, rest.substr(at, end - at), now, rng));
        now.mono += std::chrono::seconds(1);
        now.wall += std::chrono::seconds(1);
        at = end + 1;
      }
      break;
    }
    case 1: check_answer(serve::handle_admin_request(c, policy_request("policy.set", rest), now, rng)); break;
    default:
      check_answer(serve::handle_admin_request(c, policy_request("policy.check", rest), now, rng));
      break;
  }
  // Deltas the requests owed go nowhere (no connections); draining them must not fail either.
  coord::Transmit t;
  while (c.poll_transmit(t)) {
  }
  return 0;
}
