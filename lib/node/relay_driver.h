// The Linux driver of the node engine's relay connections (docs/connectivity.md, "Relays in the
// node"): dials the relays the engine asks for (HTTP upgrade, TLS when the relay map says so),
// moves bytes between their byte pumps and the engine, and hands the datagrams that arrive
// through relays to the data path, which treats them as it treats UDP datagrams.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/datapath.h"
#include "engine/engine.h"
#include "runtime/clock.h"
#include "stream/byte_pump.h"

namespace boost::asio {
class io_context;
}

namespace weft::node {

struct RelayDriverCounters {
  uint64_t dials = 0;
  uint64_t dial_failures = 0;
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t datagrams_in = 0;  ///< datagrams handed to the data path
};

/// Calling contract: single-threaded on the loop's io_context; drive() from the data path's
/// after-event hook (it takes the core lock through DataPath::with_core). `engine` and `path`
/// outlive the driver.
class RelayDriver {
 public:
  RelayDriver(boost::asio::io_context& io, const runtime::MonotonicClock& clock,
              dataplane::DataPath& path, engine::Engine& engine, std::string ca_file,
              std::function<void(const std::string&)> log);
  ~RelayDriver();
  RelayDriver(const RelayDriver&) = delete;
  RelayDriver& operator=(const RelayDriver&) = delete;

  /// Acts on the engine's relay requests, writes its relay output, and passes the datagrams
  /// received through relays to the data path.
  void drive();
  /// Closes every relay connection (shutdown).
  void close_all();
  /// SO_MARK for the relay connections dialled from now on (DialOptions::mark; 0: none).
  void set_mark(uint32_t mark) { mark_ = mark; }
  /// Ends every open relay connection as if the relay had closed it (the engine redials after
  /// its backoff): for connections bound to an address the host no longer has, which would
  /// otherwise stay silent until the relay client's ping times out.
  void reconnect_all();
  const RelayDriverCounters& counters() const { return counters_; }

 private:
  struct Link;
  void dial(const engine::RelayRequest& request);
  void on_dialed(uint32_t link, Result<std::shared_ptr<stream::BytePump>> pump);
  void on_bytes(uint32_t link, core::ByteView data);
  void on_closed(uint32_t link);
  /// Moves relayed datagrams to the data path; true when any moved.
  bool deliver_datagrams();
  bool write_output();

  boost::asio::io_context& io_;
  const runtime::MonotonicClock& clock_;
  dataplane::DataPath& path_;
  engine::Engine& engine_;
  std::string ca_file_;
  uint32_t mark_ = 0;
  std::function<void(const std::string&)> log_;
  std::map<uint32_t, std::unique_ptr<Link>> links_;
  std::vector<uint8_t> buffer_;
  bool driving_ = false;
  RelayDriverCounters counters_;
  /// Shared with dial callbacks, so that a dial finishing after the driver is gone does nothing.
  std::shared_ptr<bool> alive_;
};

}  // namespace weft::node
