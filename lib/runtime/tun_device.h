// A Linux TUN interface (Documentation/networking/tuntap.rst): layer-3 packets without the
// packet-information header, nonblocking, owned by this object (the kernel deletes the
// interface when the last descriptor closes, which is our cleanup on every exit path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/unique_fd.h"
#include "util/result.h"

namespace weft::runtime {

class TunDevice {
 public:
  /// Creates the interface `name` (at most 15 bytes) with IFF_TUN | IFF_NO_PI. A name with
  /// "%d" is a template: the kernel picks the first free number ("pw%d" -> "pw0"), and name()
  /// reports it. Never adopts an existing link, not even a persistent TUN (`ip tuntap add`),
  /// which would keep our addresses and routes after we close it. Errors: "runtime.tun_exists"
  /// (a link of that name exists), "runtime.tun_open" (no /dev/net/tun, or not permitted),
  /// "runtime.tun_create" (TUNSETIFF refused otherwise, e.g. an invalid template),
  /// "runtime.tun_name" (name too long or empty).
  static Result<TunDevice> create(const std::string& name);

  TunDevice(TunDevice&&) = default;
  TunDevice& operator=(TunDevice&&) = default;

  /// The kernel's name for the interface (resolved "%d").
  const std::string& name() const { return name_; }
  int ifindex() const { return ifindex_; }
  int fd() const { return fd_.get(); }

  /// Reads one IP packet into `buf`. Errors: kWouldBlock when the queue is empty;
  /// "runtime.tun_read" otherwise (e.g. the interface was deleted: EBADFD/EIO).
  Result<std::size_t> read(uint8_t* buf, std::size_t capacity);
  /// Writes one IP packet. Errors: kWouldBlock when the kernel queue is full (drop it);
  /// "runtime.tun_write" otherwise (EINVAL for a malformed packet).
  Result<std::size_t> write(const uint8_t* packet, std::size_t size);

 private:
  TunDevice(UniqueFd fd, std::string name, int ifindex)
      : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex) {}

  UniqueFd fd_;
  std::string name_;
  int ifindex_ = 0;
};

}  // namespace weft::runtime
