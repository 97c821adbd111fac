// TUN device creation and packet I/O through /dev/net/tun (TUNSETIFF with IFF_TUN | IFF_NO_PI).
#include "runtime/tun_device.h"

#include <fcntl.h>
#include <net/if.h>  // before linux/if.h, whose libc-compat then defers to it
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys_error.h"

namespace weft::runtime {
namespace {

Error exists_error(const std::string& name) {
  return make_error("runtime.tun_exists",
                    "interface " + name + " already exists; weft creates its own interface and " +
                        "removes it on exit, so it does not take over an existing one (remove it " +
                        "with `ip link del " + name + "` or choose another name)");
}

}  // namespace

Result<TunDevice> TunDevice::create(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return make_error("runtime.tun_name", "interface name must be 1-15 bytes: \"" + name + "\"");
  }
  // TUNSETIFF would attach to an existing persistent TUN of that name, which then outlives us
  // with our addresses and routes. The check gives the clear message; IFF_TUN_EXCL closes the
  // race with a link created in between. A template ("wg%d") never names an existing link.
  if (::if_nametoindex(name.c_str()) != 0) return exists_error(name);
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return errno_error("tun_open", "open /dev/net/tun");
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL;
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    if (errno == EBUSY) return exists_error(name);
    return errno_error("tun_create", "TUNSETIFF " + name);
  }
  std::string actual(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
  // The index comes from a socket ioctl; the TUN fd does not answer SIOCGIFINDEX.
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return errno_error("tun_create", "socket for SIOCGIFINDEX");
  struct ifreq idx {};
  std::memcpy(idx.ifr_name, actual.data(), actual.size());
  if (::ioctl(sock.get(), SIOCGIFINDEX, &idx) < 0) {
    return errno_error("tun_create", "SIOCGIFINDEX " + actual);
  }
  return TunDevice(std::move(fd), std::move(actual), idx.ifr_ifindex);
}

Result<std::size_t> TunDevice::read(uint8_t* buf, std::size_t capacity) {
  ssize_t n = ::read(fd_.get(), buf, capacity);
  if (n < 0) return errno_error("tun_read", "read " + name_);
  return static_cast<std::size_t>(n);
}

Result<std::size_t> TunDevice::write(const uint8_t* packet, std::size_t size) {
  ssize_t n = ::write(fd_.get(), packet, size);
  if (n < 0) return errno_error("tun_write", "write " + name_);
  return static_cast<std::size_t>(n);
}

}  // namespace weft::runtime
