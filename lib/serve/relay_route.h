// The relay route of the HTTP front (docs/connectivity.md, "Drivers"): binds a ControlListener's
// relay upgrades to a relayserver::RelayService, in both directions (the listener's connections
// feed the service; the service writes through the listener). `weft derp` and `weft serve`'s
// embedded relay both use it.
#pragma once

#include <cstdint>
#include <vector>

#include "relayserver/relay_service.h"
#include "serve/control_listener.h"

namespace weft::serve {

/// Create it, the RelayService over it (as its Transport), attach() the service, open the
/// listener with this as its relay sink, then set_listener(). Calls before both are set are
/// dropped (none happen: the listener calls nothing before it is open).
class RelayRoute final : public ConnectionSink, public relayserver::Transport {
 public:
  void attach(relayserver::RelayService& service) { service_ = &service; }
  void set_listener(ControlListener* listener) { listener_ = listener; }

  void opened(uint64_t id) override {
    if (service_) service_->opened(id);
  }
  void bytes(uint64_t id, core::ByteView data) override {
    if (service_) service_->bytes(id, data);
  }
  void closed(uint64_t id) override {
    if (service_) service_->closed(id);
  }
  void drained(uint64_t id) override {
    if (service_) service_->drained(id);
  }

  bool send(uint64_t id, std::vector<uint8_t> bytes, bool close_after) override {
    return listener_ && listener_->send(id, std::move(bytes), close_after);
  }
  void close(uint64_t id) override {
    if (listener_) listener_->close(id);
  }
  std::size_t queued_bytes(uint64_t id) const override {
    return listener_ ? listener_->queued_bytes(id) : 0;
  }

 private:
  relayserver::RelayService* service_ = nullptr;
  ControlListener* listener_ = nullptr;
};

}  // namespace weft::serve
