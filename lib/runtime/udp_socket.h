// A nonblocking UDP socket for WireGuard datagrams: one dual-stack IPv6 socket (IPv4 peers as
// v4-mapped addresses) or IPv4 only where IPv6 is unavailable; batched with recvmmsg/sendmmsg,
// optionally with UDP segmentation offloads (udp(7): UDP_SEGMENT to send, UDP_GRO to receive).
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
  /// out: with UDP_GRO on, the kernel may put several datagrams of one sender in one slot,
  /// each segment_size bytes but the last (which may be shorter); 0 for a single datagram.
  /// split_coalesced() cuts them apart.
  std::size_t segment_size = 0;

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

/// Room for one message's control data: the UDP_SEGMENT or UDP_GRO cmsg (an int or a u16).
struct alignas(cmsghdr) ControlSpace {
  uint8_t bytes[CMSG_SPACE(sizeof(int))];
};

/// The kernel-facing arrays of one batch (recvmmsg/sendmmsg), reused so the data path does
/// not allocate. One per thread that receives or sends.
struct BatchScratch {
  BatchScratch();
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  std::vector<sockaddr_storage> addrs;
  std::vector<ControlSpace> controls;
};

/// Splits a slot the kernel filled with coalesced datagrams (segment_size > 0) into one slot
/// per datagram: views into the same buffer (data, size, capacity == size, from; no copy).
/// A slot without segments gives itself. Returns how many datagrams the slot holds; when that
/// is more than `cap`, nothing is written.
std::size_t split_coalesced(const RecvSlot& slot, RecvSlot* out, std::size_t cap);

/// Receives up to `n` (at most UdpSocket::kMaxBatch) datagrams from the nonblocking UDP socket
/// `fd` in one recvmmsg, using `scratch`. For a thread that receives on a socket another
/// thread sends on. With UDP_GRO on, a slot may hold several datagrams (RecvSlot::segment_size;
/// give such slots kGroBufferSize bytes, or the kernel cuts what does not fit).
/// Errors: kWouldBlock when none is queued; "runtime.udp_recv" otherwise.
Result<std::size_t> receive_batch(int fd, BatchScratch& scratch, RecvSlot* slots, std::size_t n);

/// What UdpSocket::enable_offloads() asks for, and what it obtained.
struct UdpOffloads {
  bool gso = false;  ///< send_batch sends runs of equal-size datagrams as one UDP_SEGMENT message
  bool gro = false;  ///< receive_batch may return coalesced datagrams (RecvSlot::segment_size)
};

/// A receive slot that can hold whatever UDP_GRO coalesces (one UDP payload's maximum).
inline constexpr std::size_t kGroBufferSize = 65535;

class UdpSocket {
 public:
  /// Largest batch one call handles; larger spans are cut to this.
  static constexpr std::size_t kMaxBatch = 64;
  /// Most datagrams in one UDP_SEGMENT message (the kernel's UDP_MAX_SEGMENTS on older
  /// kernels) and most bytes (a UDP length over IPv6 with room to spare).
  static constexpr std::size_t kMaxGsoSegments = 64;
  static constexpr std::size_t kMaxGsoBytes = 65535 - 8 - 40;

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
  /// With GSO on, each run of consecutive items to one destination whose sizes are equal
  /// (the run's last may be shorter) goes as one message with a UDP_SEGMENT cmsg, gathered
  /// from the items' buffers (<= kMaxGsoSegments, <= kMaxGsoBytes); counts are still items.
  /// When the kernel refuses such a message with EIO (no checksum offload on the way out) or
  /// EINVAL / EMSGSIZE (a segment above the path MTU; the code changed in Linux 6.x), GSO is
  /// turned off for this socket and the batch is sent again datagram by datagram, as
  /// wireguard-go does for EIO.
  Result<std::size_t> send_batch(const SendItem* items, std::size_t n);
  /// Asks the kernel for what `want` names: UDP_SEGMENT sends (probed with getsockopt) and
  /// UDP_GRO receives (setsockopt; only for a receiver whose slots have kGroBufferSize bytes,
  /// or coalesced datagrams are cut). Returns what is in force (each may be refused alone).
  /// Never an error.
  UdpOffloads enable_offloads(UdpOffloads want);
  /// The offloads in force now (GSO goes off after a refused send).
  UdpOffloads offloads() const { return offloads_; }
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
  /// Fills scratch_ with one message per item, or per GSO run; returns the message count and
  /// sets items_in[m] to the items of message m.
  Result<std::size_t> build_messages(const SendItem* items, std::size_t n, bool gso);

  UniqueFd fd_;
  int family_ = AF_INET6;
  uint16_t port_ = 0;
  BatchScratch scratch_;
  std::vector<std::size_t> items_in_;  // per message of the last send: how many items
  UdpOffloads offloads_;
};

/// Converts a kernel socket address (v4, v6 or v4-mapped v6) to a core::SocketAddress.
core::SocketAddress from_sockaddr(const sockaddr_storage& ss);

}  // namespace weft::runtime
