// The node's state directory (node_state.h) on lib/runtime's private files.
#include "node/node_state.h"

#include <sstream>

#include "core/key_text.h"
#include "crypto/crypto.h"
#include "engine/netmap_cache.h"
#include "runtime/private_files.h"

namespace weft::node {
namespace {

constexpr char kArea[] = "node";
constexpr std::size_t kMaxServerFile = 4096;

core::KeyBytes fresh_private(core::Random& rng) {
  crypto::Key32 seed{};
  rng.fill(seed.data(), seed.size());
  core::KeyBytes k = crypto::x25519_private_from_random(seed);
  core::secure_wipe(seed.data(), seed.size());
  return k;
}

}  // namespace

std::string format_server_binding(const ServerBinding& server) {
  return "url " + server.url + "\nkey " + core::key_to_base64(server.key.bytes) + "\n";
}

Result<ServerBinding> parse_server_binding(const std::string& text) {
  ServerBinding out;
  bool have_url = false, have_key = false;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto space = line.find(' ');
    const std::string name = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (name == "url" && !have_url && !value.empty()) {
      out.url = value;
      have_url = true;
    } else if (name == "key" && !have_key) {
      auto key = core::key_from_base64(value);
      if (!key) return make_error("node.server_file", "the key line does not hold a base64 key");
      out.key = core::MachinePublicKey(*key);
      have_key = true;
    } else {
      return make_error("node.server_file", "unexpected line \"" + line.substr(0, 64) + "\"");
    }
  }
  if (!have_url || !have_key)
    return make_error("node.server_file", "a \"url\" and a \"key\" line are required");
  return out;
}

Result<std::unique_ptr<NodeState>> NodeState::open(const std::string& dir, core::Random& rng) {
  if (auto s = runtime::prepare_private_dir(dir, kArea); !s.ok()) return s.error();
  std::unique_ptr<NodeState> st(new NodeState());
  st->dir_ = dir;
  core::KeyBytes fresh = fresh_private(rng);
  auto machine = runtime::load_or_create_key_file(st->path("machine.key"), fresh, kArea);
  core::secure_wipe(fresh.data(), fresh.size());
  if (!machine.ok()) return machine.error();
  st->machine_key_ = core::MachinePrivateKey(*machine);
  core::secure_wipe(machine->data(), machine->size());

  fresh = fresh_private(rng);
  auto node = runtime::load_or_create_key_file(st->path("node.key"), fresh, kArea);
  core::secure_wipe(fresh.data(), fresh.size());
  if (!node.ok()) return node.error();
  st->node_key_ = core::NodePrivateKey(*node);
  core::secure_wipe(node->data(), node->size());

  auto server = runtime::read_private_file(st->path("server"), kMaxServerFile, kArea);
  if (!server.ok()) return server.error();
  if (*server) {
    auto parsed = parse_server_binding(std::string((*server)->begin(), (*server)->end()));
    if (!parsed.ok()) {
      return make_error("node.server_file", st->path("server") + ": " + parsed.error().detail);
    }
    st->server_ = std::move(*parsed);
  }
  return st;
}

Status NodeState::save_server(const ServerBinding& server) {
  const std::string text = format_server_binding(server);
  if (auto s = runtime::write_private_file(path("server"),
                                           std::vector<uint8_t>(text.begin(), text.end()), kArea);
      !s.ok()) {
    return s;
  }
  server_ = server;
  return Ok{};
}

Status NodeState::save_node_key(const core::NodePrivateKey& key) {
  std::string text = core::key_to_base64(key.bytes) + "\n";
  std::vector<uint8_t> bytes(text.begin(), text.end());
  Status s = runtime::write_private_file(path("node.key"), bytes, kArea);
  core::secure_wipe(text.data(), text.size());
  core::secure_wipe(bytes.data(), bytes.size());
  if (s.ok()) node_key_ = key;
  return s;
}

Result<std::optional<std::vector<uint8_t>>> NodeState::read_cache() const {
  return runtime::read_private_file(
      path("netmap.cache"),
      engine::kCacheHeaderSize + engine::kMaxCachePayload + engine::kCacheChecksumSize, kArea);
}

Status NodeState::write_cache(const std::vector<uint8_t>& bytes) {
  return runtime::write_private_file(path("netmap.cache"), bytes, kArea);
}

Status NodeState::delete_cache() { return runtime::remove_private_file(path("netmap.cache"), kArea); }

}  // namespace weft::node
