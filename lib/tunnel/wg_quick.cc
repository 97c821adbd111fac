// wg-quick(8)'s hooks, resolvconf and save_config (wg_quick.h), with weft's own code.
#include "tunnel/wg_quick.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/key_text.h"
#include "runtime/subprocess.h"

namespace weft::tunnel {

std::string expand_hook(std::string_view command, std::string_view interface_name) {
  std::string out;
  for (std::size_t i = 0; i < command.size(); ++i) {
    if (command[i] == '%' && i + 1 < command.size() && command[i + 1] == 'i') {
      out += interface_name;
      ++i;
    } else {
      out += command[i];
    }
  }
  return out;
}

Status run_hooks(const std::vector<std::string>& hooks, std::string_view interface_name,
                 const std::function<void(std::string_view)>& log) {
  for (const auto& hook : hooks) {
    std::string command = expand_hook(hook, interface_name);
    if (log) log("[#] " + command);
    auto status = runtime::run_program({"bash", "-c", command});
    if (!status.ok()) return status.error();
    if (*status != 0) {
      return make_error("tunnel.hook",
                        "hook `" + command + "' failed with status " + std::to_string(*status));
    }
  }
  return Ok{};
}

std::string resolvconf_input(const std::vector<util::IpAddress>& servers,
                             const std::vector<std::string>& search) {
  std::string out;
  for (const auto& s : servers) out += "nameserver " + s.to_string() + "\n";
  if (!search.empty()) {
    out += "search";
    for (const auto& d : search) out += " " + d;
    out += "\n";
  }
  return out;
}

Result<std::unique_ptr<ResolvconfRegistration>> ResolvconfRegistration::add(
    const std::string& interface_name, const std::vector<util::IpAddress>& servers,
    const std::vector<std::string>& search, std::function<void(std::string_view)> log) {
  std::vector<std::string> argv = {"resolvconf", "-a", interface_name, "-m", "0", "-x"};
  if (log) log("[#] resolvconf -a " + interface_name + " -m 0 -x");
  auto status = runtime::run_program(argv, resolvconf_input(servers, search));
  if (!status.ok()) {
    if (status.error().detail.find(std::strerror(ENOENT)) != std::string::npos) {
      return make_error("tunnel.no_resolvconf",
                        "DNS = needs resolvconf(8), which is not installed (on Debian: apt "
                        "install openresolv); or remove DNS = from the config");
    }
    return status.error();
  }
  if (*status != 0) {
    return make_error("tunnel.resolvconf",
                      "resolvconf -a " + interface_name + " failed with status " +
                          std::to_string(*status));
  }
  return std::unique_ptr<ResolvconfRegistration>(
      new ResolvconfRegistration(interface_name, std::move(log)));
}

ResolvconfRegistration::~ResolvconfRegistration() {
  if (log_) log_("[#] resolvconf -d " + name_ + " -f");
  auto status = runtime::run_program({"resolvconf", "-d", name_, "-f"});
  if (log_ && (!status.ok() || *status != 0)) {
    log_("resolvconf -d " + name_ + " failed; resolv.conf may still name the tunnel's DNS");
  }
}

std::string format_saved_config(const UapiDeviceState& state, const InterfaceConfig& itf) {
  std::string out = "[Interface]\n";
  for (const auto& a : itf.addresses) out += "Address = " + a.to_string() + "\n";
  for (const auto& d : itf.dns_servers) out += "DNS = " + d.to_string() + "\n";
  for (const auto& d : itf.dns_search) out += "DNS = " + d + "\n";
  if (itf.mtu) out += "MTU = " + std::to_string(*itf.mtu) + "\n";
  if (itf.table.mode != routing::TableSetting::Mode::kAuto) {
    out += "Table = " + itf.table.to_string() + "\n";
  }
  if (itf.save_config) out += "SaveConfig = true\n";
  for (const auto& h : itf.pre_up) out += "PreUp = " + h + "\n";
  for (const auto& h : itf.post_up) out += "PostUp = " + h + "\n";
  for (const auto& h : itf.pre_down) out += "PreDown = " + h + "\n";
  for (const auto& h : itf.post_down) out += "PostDown = " + h + "\n";
  // From here on, `wg showconf`'s layout.
  if (state.listen_port != 0) out += "ListenPort = " + std::to_string(state.listen_port) + "\n";
  if (state.fwmark != 0) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%x", state.fwmark);
    out += std::string("FwMark = ") + hex + "\n";
  }
  if (state.private_key) {
    out += "PrivateKey = " + core::key_to_base64(state.private_key->bytes) + "\n";
  }
  for (const auto& p : state.peers) {
    out += "\n[Peer]\nPublicKey = " + core::key_to_base64(p.public_key.bytes) + "\n";
    if (!p.preshared_key.is_zero()) {
      out += "PresharedKey = " + core::key_to_base64(p.preshared_key.bytes) + "\n";
    }
    if (!p.allowed_ips.empty()) {
      out += "AllowedIPs = ";
      for (std::size_t i = 0; i < p.allowed_ips.size(); ++i) {
        out += (i ? ", " : "") + p.allowed_ips[i].to_string();
      }
      out += "\n";
    }
    if (p.endpoint) out += "Endpoint = " + p.endpoint->to_string() + "\n";
    if (p.persistent_keepalive.count() > 0) {
      out += "PersistentKeepalive = " + std::to_string(p.persistent_keepalive.count()) + "\n";
    }
  }
  return out;
}

Status write_config_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return make_error("tunnel.save_config", "cannot write " + tmp + ": " + std::strerror(errno));
  }
  std::size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return make_error("tunnel.save_config",
                      "cannot replace " + path + ": " + std::strerror(err));
  }
  return Ok{};
}

}  // namespace weft::tunnel
