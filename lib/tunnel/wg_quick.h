// wg-quick(8)'s interface extras around a running tunnel: hooks (PreUp/PostUp/PreDown/
// PostDown), DNS through resolvconf(8), and SaveConfig's file. Text is decided by pure
// functions; the few OS effects (running programs, writing the file) are kept small.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/config_file.h"
#include "tunnel/uapi.h"
#include "util/result.h"

namespace weft::tunnel {

/// A hook with every "%i" replaced by the interface name, as wg-quick does.
std::string expand_hook(std::string_view command, std::string_view interface_name);

/// Runs each hook with `bash -c` (wg-quick evals them in bash), in order, logging each line
/// as "[#] COMMAND". Errors: "tunnel.hook" naming the hook and its exit status (wg-quick stops
/// at a failing hook too), "runtime.spawn" when bash is missing.
Status run_hooks(const std::vector<std::string>& hooks, std::string_view interface_name,
                 const std::function<void(std::string_view)>& log);

/// The text wg-quick pipes into `resolvconf -a IFACE -m 0 -x`: "nameserver X" lines, then one
/// "search a b" line when there are search domains.
std::string resolvconf_input(const std::vector<util::IpAddress>& servers,
                             const std::vector<std::string>& search);

/// DNS servers registered with resolvconf(8) for one interface; the destructor deregisters
/// them (`resolvconf -d IFACE -f`), which restores the resolv.conf from before.
class ResolvconfRegistration {
 public:
  /// Errors: "tunnel.no_resolvconf" when resolvconf(8) is not installed (the detail names
  /// Debian's openresolv), "tunnel.resolvconf" when it fails.
  static Result<std::unique_ptr<ResolvconfRegistration>> add(
      const std::string& interface_name, const std::vector<util::IpAddress>& servers,
      const std::vector<std::string>& search, std::function<void(std::string_view)> log);
  ~ResolvconfRegistration();
  ResolvconfRegistration(const ResolvconfRegistration&) = delete;
  ResolvconfRegistration& operator=(const ResolvconfRegistration&) = delete;

 private:
  ResolvconfRegistration(std::string name, std::function<void(std::string_view)> log)
      : name_(std::move(name)), log_(std::move(log)) {}
  std::string name_;
  std::function<void(std::string_view)> log_;
};

/// SaveConfig's file, as wg-quick's save_config writes it: `wg showconf`'s text of `state`
/// with wg-quick's own keys (Address, DNS, MTU when the file set one, Table when set,
/// SaveConfig, the hooks) first in [Interface]. Host-name endpoints are saved as the address
/// in use, as wg-quick does.
std::string format_saved_config(const UapiDeviceState& state, const InterfaceConfig& itf);

/// Replaces `path` with `text` atomically (a 0600 temporary beside it, fsync, rename), as
/// wg-quick does with umask 077. Errors: "tunnel.save_config".
Status write_config_file(const std::string& path, const std::string& text);

}  // namespace weft::tunnel
