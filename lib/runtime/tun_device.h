// A Linux TUN interface (Documentation/networking/tuntap.rst): layer-3 packets without the
// packet-information header, nonblocking, owned by this object (the kernel deletes the
// interface when the last descriptor closes, which is our cleanup on every exit path).
// Optionally with segmentation offloads: IFF_VNET_HDR + TUNSETOFFLOAD, every packet behind a
// virtio-net header (lib/offload parses, splits and coalesces them).
#pragma once

#include <linux/if_tun.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "runtime/unique_fd.h"
#include "util/result.h"

namespace weft::runtime {

/// Bytes of the virtio-net header (struct virtio_net_hdr, TUNSETVNETHDRSZ) in vnet-hdr mode.
inline constexpr std::size_t kTunVnetHdrSize = 10;

/// How to open the TUN.
struct TunOptions {
  /// Ask for segmentation offloads: IFF_VNET_HDR, TUNSETVNETHDRSZ 10 and TUNSETOFFLOAD with
  /// `offload_flags`. Granted, the kernel hands over TCP super-packets of up to 64 KiB and
  /// packets whose checksum is left partial, and accepts the same on writes. Refused (old
  /// kernel, a flag it does not know), the TUN is made again in the plain mode.
  bool offloads = false;
  /// TUNSETOFFLOAD flags: checksum offload and TSO for IPv4 and IPv6. A test may pass a bit
  /// the kernel does not know to see the fallback.
  unsigned offload_flags = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
};

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
  /// The same, with offloads when `options` ask for them and the kernel grants them
  /// (vnet_hdr() says which). Same errors: a refused offload is not one.
  static Result<TunDevice> create(const std::string& name, const TunOptions& options);

  TunDevice(TunDevice&&) = default;
  TunDevice& operator=(TunDevice&&) = default;

  /// The kernel's name for the interface (resolved "%d").
  const std::string& name() const { return name_; }
  int ifindex() const { return ifindex_; }
  int fd() const { return fd_.get(); }
  /// True when the offloads were granted: every read starts with a kTunVnetHdrSize-byte
  /// virtio-net header (then up to 64 KiB of packet: read into buffers of kTunMaxRead), and
  /// every write must start with one.
  bool vnet_hdr() const { return vnet_hdr_; }
  /// Why offloads that were asked for are off (the failed step and errno); empty otherwise.
  const std::string& offload_refusal() const { return offload_refusal_; }

  /// Largest read in vnet-hdr mode: the header and a 64 KiB super-packet.
  static constexpr std::size_t kTunMaxRead = kTunVnetHdrSize + 65535;

  /// Reads one IP packet into `buf`. Errors: kWouldBlock when the queue is empty;
  /// "runtime.tun_read" otherwise (e.g. the interface was deleted: EBADFD/EIO).
  Result<std::size_t> read(uint8_t* buf, std::size_t capacity);
  /// Writes one IP packet. Errors: kWouldBlock when the kernel queue is full (drop it);
  /// "runtime.tun_write" otherwise (EINVAL for a malformed packet).
  Result<std::size_t> write(const uint8_t* packet, std::size_t size);
  /// Writes one packet gathered from `pieces` (writev; at most kMaxWritePieces): in vnet-hdr
  /// mode the header and then a GRO group's pieces, without copying them together. Same
  /// errors as write().
  Result<std::size_t> write_pieces(const core::ByteView* pieces, std::size_t n);
  static constexpr std::size_t kMaxWritePieces = 256;

 private:
  TunDevice(UniqueFd fd, std::string name, int ifindex, bool vnet_hdr)
      : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex), vnet_hdr_(vnet_hdr) {}
  /// One attempt: the plain mode, or vnet-hdr with offloads (their refusal is the error
  /// "runtime.tun_offload", the descriptor closed).
  static Result<TunDevice> open_mode(const std::string& name, bool vnet, unsigned offload_flags);

  UniqueFd fd_;
  std::string name_;
  int ifindex_ = 0;
  bool vnet_hdr_ = false;
  std::string offload_refusal_;
};

}  // namespace weft::runtime
