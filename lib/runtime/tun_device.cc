// TUN device creation and packet I/O through /dev/net/tun (TUNSETIFF with IFF_TUN | IFF_NO_PI,
// plus IFF_VNET_HDR / TUNSETVNETHDRSZ / TUNSETOFFLOAD for offloads).
#include "runtime/tun_device.h"

#include <fcntl.h>
#include <net/if.h>  // before linux/if.h, whose libc-compat then defers to it
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
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

constexpr char kOffloadRefused[] = "runtime.tun_offload";

}  // namespace

Result<TunDevice> TunDevice::create(const std::string& name) { return create(name, TunOptions{}); }

Result<TunDevice> TunDevice::create(const std::string& name, const TunOptions& options) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return make_error("runtime.tun_name", "interface name must be 1-15 bytes: \"" + name + "\"");
  }
  // TUNSETIFF would attach to an existing persistent TUN of that name, which then outlives us
  // with our addresses and routes. The check gives the clear message; IFF_TUN_EXCL closes the
  // race with a link created in between. A template ("wg%d") never names an existing link.
  if (::if_nametoindex(name.c_str()) != 0) return exists_error(name);
  std::string refusal;
  if (options.offloads) {
    auto tun = open_mode(name, true, options.offload_flags);
    if (tun.ok() || tun.error().code != kOffloadRefused) return tun;
    // The refused descriptor is closed, which deleted its interface: make it again, plain.
    refusal = tun.error().detail;
  }
  auto tun = open_mode(name, false, 0);
  if (tun.ok()) tun->offload_refusal_ = std::move(refusal);
  return tun;
}

Result<TunDevice> TunDevice::open_mode(const std::string& name, bool vnet, unsigned offload_flags) {
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return errno_error("tun_open", "open /dev/net/tun");
  if (vnet) {
    unsigned features = 0;
    if (::ioctl(fd.get(), TUNGETFEATURES, &features) < 0 || (features & IFF_VNET_HDR) == 0) {
      return make_error(kOffloadRefused, "TUNGETFEATURES: no IFF_VNET_HDR");
    }
  }
  struct ifreq ifr {};
  ifr.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL | (vnet ? IFF_VNET_HDR : 0));
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    if (errno == EBUSY) return exists_error(name);
    return errno_error("tun_create", "TUNSETIFF " + name);
  }
  if (vnet) {
    const int hdr_size = static_cast<int>(kTunVnetHdrSize);
    if (::ioctl(fd.get(), TUNSETVNETHDRSZ, &hdr_size) < 0) {
      return make_error(kOffloadRefused, std::string("TUNSETVNETHDRSZ: ") + std::strerror(errno));
    }
    if (::ioctl(fd.get(), TUNSETOFFLOAD, offload_flags) < 0) {
      return make_error(kOffloadRefused, std::string("TUNSETOFFLOAD: ") + std::strerror(errno));
    }
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
  return TunDevice(std::move(fd), std::move(actual), idx.ifr_ifindex, vnet);
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

Result<std::size_t> TunDevice::write_pieces(const core::ByteView* pieces, std::size_t n) {
  if (n > kMaxWritePieces) {
    return errno_error("tun_write", "writev " + name_ + ": too many pieces", EINVAL);
  }
  iovec iov[kMaxWritePieces];
  for (std::size_t i = 0; i < n; ++i) iov[i] = iovec{const_cast<uint8_t*>(pieces[i].data), pieces[i].size};
  ssize_t w = ::writev(fd_.get(), iov, static_cast<int>(n));
  if (w < 0) return errno_error("tun_write", "writev " + name_);
  return static_cast<std::size_t>(w);
}

}  // namespace weft::runtime
