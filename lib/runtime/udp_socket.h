// A nonblocking UDP socket for WireGuard datagrams: one dual-stack IPv6 socket (IPv4 peers as
// v4-mapped addresses) or IPv4 only where IPv6 is unavailable; batched with recvmmsg/sendmmsg.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/path.h"
#include "runtime/unique_fd.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::runtime {

/// One receive buffer of a batch: the caller sets data/capacity, receive_batch fills the rest.
struct RecvSlot {
  uint8_t* data = nullptr;
  std::size_t capacity = 0;
  std::size_t size = 0;     // out: datagram length (truncated to capacity)
  core::SocketAddress from;       // out

  static RecvSlot over(uint8_t* data, std::size_t capacity) {
    RecvSlot s;
    s.data = data;
    s.capacity = capacity;
    return s;
  }
};

/// One datagram to send.
struct SendItem {
  const uint8_t* data = nullptr;
  std::size_t size = 0;
  core::SocketAddress to;
};

/// The kernel-facing arrays of one batch (recvmmsg/sendmmsg), reused so the data path does
/// not allocate. One per thread that receives or sends.
struct BatchScratch {
  BatchScratch();
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  std::vector<sockaddr_storage> addrs;
};

/// Receives up to `n` (at most UdpSocket::kMaxBatch) datagrams from the nonblocking UDP socket
/// `fd` in one recvmmsg, using `scratch`. For a thread that receives on a socket another
/// thread sends on. Errors: kWouldBlock when none is queued; "runtime.udp_recv" otherwise.
Result<std::size_t> receive_batch(int fd, BatchScratch& scratch, RecvSlot* slots, std::size_t n);

class UdpSocket {
 public:
  /// Largest batch one call handles; larger spans are cut to this.
  static constexpr std::size_t kMaxBatch = 64;

  /// Binds the wildcard address on `port` (0: the kernel picks). Dual-stack IPv6 when the
  /// namespace has IPv6, else IPv4 only. Errors: "runtime.udp_socket", "runtime.udp_bind"
  /// (EADDRINUSE when the port is taken).
  static Result<UdpSocket> bind_any(uint16_t port);
  /// Binds one specific local address (tests use 127.0.0.1 / ::1). Same errors.
  static Result<UdpSocket> bind(const core::SocketAddress& local);

  UdpSocket(UdpSocket&&) = default;
  UdpSocket& operator=(UdpSocket&&) = default;

  int fd() const { return fd_.get(); }
  uint16_t local_port() const { return port_; }
  bool dual_stack() const { return family_ == AF_INET6; }

  /// Receives up to `n` datagrams in one recvmmsg. Errors: kWouldBlock when none is queued;
  /// "runtime.udp_recv" otherwise.
  Result<std::size_t> receive_batch(RecvSlot* slots, std::size_t n);
  /// Sends up to `n` datagrams with sendmmsg; returns how many the kernel took (the rest are
  /// the caller's to retry or drop). Errors: kWouldBlock when the first could not be queued;
  /// "runtime.udp_send" (e.g. ENETUNREACH, or EAFNOSUPPORT: IPv6 destination on an IPv4-only
  /// socket). sendmmsg reports an error only for the first datagram of the batch, so on an
  /// error the caller drops items[0] and retries from items[1].
  Result<std::size_t> send_batch(const SendItem* items, std::size_t n);
  /// Kernel send and receive buffers of `bytes` each: SO_SNDBUFFORCE/SO_RCVBUFFORCE (root may
  /// exceed net.core.*mem_max), else the capped SO_SNDBUF/SO_RCVBUF. Bursts of a fast tunnel
  /// overflow the ~200 KiB defaults. Errors: "runtime.udp_buffers" when even the capped
  /// request fails.
  Status set_buffer_sizes(int bytes);
  /// SO_MARK for policy routing (wg's fwmark). Errors: "runtime.udp_mark".
  Status set_mark(uint32_t mark);

 private:
  UdpSocket(UniqueFd fd, int family, uint16_t port);
  bool to_sockaddr(const core::SocketAddress& a, sockaddr_storage& out, socklen_t& len) const;

  UniqueFd fd_;
  int family_ = AF_INET6;
  uint16_t port_ = 0;
  BatchScratch scratch_;
};

/// Converts a kernel socket address (v4, v6 or v4-mapped v6) to a core::SocketAddress.
core::SocketAddress from_sockaddr(const sockaddr_storage& ss);

}  // namespace weft::runtime
