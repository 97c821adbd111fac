// The `weft derp` composition (derp.h): key file, listener with the relay route only, the
// relay service, the STUN listener and the optional verifier, torn down in reverse order.
#include "serve/derp.h"

#include "crypto/crypto.h"
#include "dataplane/loop.h"
#include "relayserver/coord_verifier.h"
#include "relayserver/relay_service.h"
#include "relayserver/stun_listener.h"
#include "runtime/private_files.h"
#include "runtime/system_random.h"
#include "serve/control_listener.h"
#include "serve/relay_route.h"

namespace weft::serve {

struct DerpParts {
  runtime::SystemRandom rng;
  RelayRoute route;
  std::unique_ptr<relayserver::CoordVerifier> verifier;
  std::unique_ptr<relayserver::RelayService> service;
  std::unique_ptr<ControlListener> listener;
  std::unique_ptr<relayserver::StunListener> stun;

  ~DerpParts() {
    // The listener first: it stops calling the route, which stops calling the service.
    listener.reset();
    route.set_listener(nullptr);
    stun.reset();
  }
};

namespace {

Result<core::RelayPrivateKey> relay_key(const std::string& dir, core::Random& rng) {
  crypto::Key32 seed{};
  rng.fill(seed.data(), seed.size());
  core::KeyBytes fresh = crypto::x25519_private_from_random(seed);
  crypto::secure_zero(seed.data(), seed.size());
  if (dir.empty()) return core::RelayPrivateKey(fresh);
  if (auto st = runtime::prepare_private_dir(dir, "derp"); !st.ok()) return st.error();
  auto key = runtime::load_or_create_key_file(dir + "/relay.key", fresh, "derp");
  crypto::secure_zero(fresh.data(), fresh.size());
  if (!key.ok()) return key.error();
  return core::RelayPrivateKey(*key);
}

}  // namespace

Result<std::unique_ptr<Derp>> Derp::open(dataplane::Loop& loop, DerpOptions options) {
  auto parts = std::make_unique<DerpParts>();
  auto key = relay_key(options.state_dir, parts->rng);
  if (!key.ok()) return key.error();

  relayserver::RelayServiceConfig config;
  config.server = options.relay;
  config.server.private_key = *key;
  config.log = options.log;
  if (!options.verify_clients_url.empty()) {
    relayserver::CoordVerifierOptions v;
    v.server_url = options.verify_clients_url;
    v.dial.ca_file = options.ca_file;
    v.log = options.log;
    // The relay's static key doubles as the machine key it shows the coordinator: one secret
    // fewer to keep, and the coordinator asks nothing of it.
    core::MachinePrivateKey machine(key->bytes);
    auto verifier =
        relayserver::CoordVerifier::create(loop.io(), v, machine, parts->rng, loop.clock());
    if (!verifier.ok()) return verifier.error();
    parts->verifier = std::move(*verifier);
    config.verifier = parts->verifier.get();
  }
  parts->service = std::make_unique<relayserver::RelayService>(loop.io(), std::move(config),
                                                               parts->route, parts->rng,
                                                               loop.clock());
  parts->route.attach(*parts->service);

  ControlListenerConfig lc;
  lc.listen = options.listen;
  if (!options.tls_cert_file.empty()) {
    lc.tls = TlsFiles{options.tls_cert_file, options.tls_key_file};
  }
  auto listener = ControlListener::open(loop.io(), lc, nullptr, &parts->route);
  if (!listener.ok()) return listener.error();
  parts->listener = std::move(*listener);
  parts->route.set_listener(parts->listener.get());

  if (options.stun_port != 0) {
    core::SocketAddress at = options.listen;
    at.port = options.stun_port;
    auto stun = relayserver::StunListener::open(loop, at);
    if (!stun.ok()) return stun.error();
    parts->stun = std::move(*stun);
  }
  return std::unique_ptr<Derp>(new Derp(std::move(parts)));
}

Derp::Derp(std::unique_ptr<DerpParts> parts) : parts_(std::move(parts)) {}
Derp::~Derp() = default;

uint16_t Derp::port() const { return parts_->listener->port(); }
uint16_t Derp::stun_port() const { return parts_->stun ? parts_->stun->port() : 0; }
const core::RelayPublicKey& Derp::public_key() const { return parts_->service->public_key(); }
const relay::ServerStats& Derp::stats() const { return parts_->service->stats(); }

}  // namespace weft::serve
