// The node engine's exit node choice (docs/network-config.md, "Exit nodes"): which peer's default
// routes WireGuard uses.
#include "engine/engine.h"
#include "engine/engine_impl.h"

namespace weft::engine {

void Engine::set_exit_node(std::string selector) {
  Impl& m = *impl_;
  m.peers.set_exit_node(std::move(selector));
  if (const controlclient::NetMap* map = m.netmap()) m.peers.sync(m.device, map->peers);
}

Engine::ExitNode Engine::exit_node() const {
  return ExitNode{impl_->peers.exit_node(), impl_->peers.exit_offered()};
}

}  // namespace weft::engine
