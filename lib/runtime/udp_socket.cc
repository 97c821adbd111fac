// UDP datagram batches with recvmmsg(2)/sendmmsg(2); dual-stack per ipv6(7) IPV6_V6ONLY=0;
// UDP_SEGMENT / UDP_GRO per udp(7).
#include "runtime/udp_socket.h"

#include <arpa/inet.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys_error.h"

namespace weft::runtime {
namespace {

bool is_v4_mapped(const in6_addr& a) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.s6_addr, kPrefix, 12) == 0;
}

Result<uint16_t> bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    return errno_error("udp_bind", "getsockname");
  }
  return from_sockaddr(ss).port;
}

}  // namespace

core::SocketAddress from_sockaddr(const sockaddr_storage& ss) {
  core::SocketAddress out;
  if (ss.ss_family == AF_INET) {
    const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    std::array<uint8_t, 4> b{};
    std::memcpy(b.data(), &s4.sin_addr, 4);
    out.address = util::IpAddress::v4(b);
    out.port = ntohs(s4.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
    if (is_v4_mapped(s6.sin6_addr)) {
      std::array<uint8_t, 4> b{};
      std::memcpy(b.data(), s6.sin6_addr.s6_addr + 12, 4);
      out.address = util::IpAddress::v4(b);
    } else {
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), s6.sin6_addr.s6_addr, 16);
      out.address = util::IpAddress::v6(b);
    }
    out.port = ntohs(s6.sin6_port);
  }
  return out;
}

UdpSocket::UdpSocket(UniqueFd fd, int family, uint16_t port)
    : fd_(std::move(fd)), family_(family), port_(port), items_in_(kMaxBatch) {}

Result<UdpSocket> UdpSocket::bind_any(uint16_t port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.valid()) {
    int off = 0;
    if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
      return errno_error("udp_socket", "IPV6_V6ONLY=0");
    }
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(port);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
      auto p = bound_port(fd.get());
      if (!p) return p.error();
      return UdpSocket(std::move(fd), AF_INET6, *p);
    }
    // EADDRNOTAVAIL: IPv6 disabled in this namespace; fall back to IPv4 below.
    if (errno != EADDRNOTAVAIL && errno != EAFNOSUPPORT) {
      return errno_error("udp_bind", "bind [::]:" + std::to_string(port));
    }
  } else if (errno != EAFNOSUPPORT) {
    return errno_error("udp_socket", "socket(AF_INET6)");
  }
  core::SocketAddress any4{util::IpAddress::v4({0, 0, 0, 0}), port};
  return bind(any4);
}

Result<UdpSocket> UdpSocket::bind(const core::SocketAddress& local) {
  int family = local.address.is_v4() ? AF_INET : AF_INET6;
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error("udp_socket", "socket");
  UdpSocket probe(UniqueFd{}, family, 0);
  sockaddr_storage ss{};
  socklen_t len = 0;
  probe.to_sockaddr(local, ss, len);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    return errno_error("udp_bind", "bind " + local.address.to_string() + " port " +
                                       std::to_string(local.port));
  }
  auto p = bound_port(fd.get());
  if (!p) return p.error();
  return UdpSocket(std::move(fd), family, *p);
}

bool UdpSocket::to_sockaddr(const core::SocketAddress& a, sockaddr_storage& out, socklen_t& len) const {
  std::memset(&out, 0, sizeof(out));
  if (family_ == AF_INET) {
    if (!a.address.is_v4()) return false;
    auto& s4 = reinterpret_cast<sockaddr_in&>(out);
    s4.sin_family = AF_INET;
    s4.sin_port = htons(a.port);
    std::memcpy(&s4.sin_addr, a.address.bytes().data(), 4);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto& s6 = reinterpret_cast<sockaddr_in6&>(out);
  s6.sin6_family = AF_INET6;
  s6.sin6_port = htons(a.port);
  if (a.address.is_v4()) {
    s6.sin6_addr.s6_addr[10] = 0xff;
    s6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(s6.sin6_addr.s6_addr + 12, a.address.bytes().data(), 4);
  } else {
    std::memcpy(s6.sin6_addr.s6_addr, a.address.bytes().data(), 16);
  }
  len = sizeof(sockaddr_in6);
  return true;
}

BatchScratch::BatchScratch()
    : msgs(UdpSocket::kMaxBatch),
      iovs(UdpSocket::kMaxBatch),
      addrs(UdpSocket::kMaxBatch),
      controls(UdpSocket::kMaxBatch) {}

std::size_t split_coalesced(const RecvSlot& slot, RecvSlot* out, std::size_t cap) {
  const std::size_t seg = slot.segment_size;
  if (seg == 0 || slot.size <= seg) {
    if (cap < 1) return 1;
    out[0] = slot;
    out[0].segment_size = 0;
    return 1;
  }
  const std::size_t count = (slot.size + seg - 1) / seg;
  if (count > cap) return count;
  for (std::size_t k = 0; k < count; ++k) {
    RecvSlot& d = out[k];
    d.data = slot.data + k * seg;
    d.size = k + 1 < count ? seg : slot.size - k * seg;
    d.capacity = d.size;
    d.from = slot.from;
    d.segment_size = 0;
  }
  return count;
}

Result<std::size_t> receive_batch(int fd, BatchScratch& scratch, RecvSlot* slots, std::size_t n) {
  if (n > UdpSocket::kMaxBatch) n = UdpSocket::kMaxBatch;
  for (std::size_t i = 0; i < n; ++i) {
    scratch.iovs[i] = iovec{slots[i].data, slots[i].capacity};
    scratch.msgs[i] = mmsghdr{};
    scratch.msgs[i].msg_hdr.msg_name = &scratch.addrs[i];
    scratch.msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    scratch.msgs[i].msg_hdr.msg_iov = &scratch.iovs[i];
    scratch.msgs[i].msg_hdr.msg_iovlen = 1;
    scratch.msgs[i].msg_hdr.msg_control = scratch.controls[i].bytes;
    scratch.msgs[i].msg_hdr.msg_controllen = sizeof(scratch.controls[i].bytes);
  }
  int got;
  do {
    got = ::recvmmsg(fd, scratch.msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return errno_error("udp_recv", "recvmmsg");
  for (int i = 0; i < got; ++i) {
    slots[i].size = scratch.msgs[i].msg_len;
    slots[i].from = from_sockaddr(scratch.addrs[i]);
    slots[i].segment_size = 0;
    msghdr& h = scratch.msgs[i].msg_hdr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        int gso_size = 0;
        std::memcpy(&gso_size, CMSG_DATA(c), sizeof(gso_size));
        if (gso_size > 0 && slots[i].size > static_cast<std::size_t>(gso_size)) {
          slots[i].segment_size = static_cast<std::size_t>(gso_size);
        }
      }
    }
  }
  return static_cast<std::size_t>(got);
}

Result<std::size_t> UdpSocket::receive_batch(RecvSlot* slots, std::size_t n) {
  return runtime::receive_batch(fd_.get(), scratch_, slots, n);
}

Result<std::size_t> UdpSocket::build_messages(const SendItem* items, std::size_t n, bool gso) {
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++m) {
    socklen_t len = 0;
    if (!to_sockaddr(items[i].to, scratch_.addrs[m], len)) {
      return errno_error("udp_send", "IPv6 destination on an IPv4-only socket", EAFNOSUPPORT);
    }
    // A GSO run: one destination, equal sizes; a shorter datagram ends it.
    std::size_t run = 1, bytes = items[i].size;
    const std::size_t seg = items[i].size;
    while (gso && seg > 0 && seg <= 0xffff && i + run < n && run < kMaxGsoSegments &&
           items[i + run - 1].size == seg && items[i + run].size <= seg &&
           items[i + run].size > 0 && bytes + items[i + run].size <= kMaxGsoBytes &&
           items[i + run].to == items[i].to) {
      bytes += items[i + run].size;
      ++run;
    }
    for (std::size_t k = i; k < i + run; ++k) {
      scratch_.iovs[k] = iovec{const_cast<uint8_t*>(items[k].data), items[k].size};
    }
    mmsghdr& msg = scratch_.msgs[m];
    msg = mmsghdr{};
    msg.msg_hdr.msg_name = &scratch_.addrs[m];
    msg.msg_hdr.msg_namelen = len;
    msg.msg_hdr.msg_iov = &scratch_.iovs[i];
    msg.msg_hdr.msg_iovlen = run;
    if (run > 1) {
      msg.msg_hdr.msg_control = scratch_.controls[m].bytes;
      msg.msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&msg.msg_hdr);
      c->cmsg_level = IPPROTO_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto size = static_cast<uint16_t>(seg);
      std::memcpy(CMSG_DATA(c), &size, sizeof(size));
    }
    items_in_[m] = run;
    i += run;
  }
  return m;
}

Result<std::size_t> UdpSocket::send_batch(const SendItem* items, std::size_t n) {
  if (n > kMaxBatch) n = kMaxBatch;
  for (;;) {
    auto messages = build_messages(items, n, offloads_.gso);
    if (!messages) return messages.error();
    int sent;
    do {
      sent = ::sendmmsg(fd_.get(), scratch_.msgs.data(), static_cast<unsigned>(*messages), MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      // The kernel refused segmentation itself (udp_send_skb: EIO without checksum offload
      // on the way out; a segment above the path MTU is EINVAL, EMSGSIZE since Linux 6.x):
      // off for good, and this batch again without it.
      if (offloads_.gso && *messages > 0 && items_in_[0] > 1 &&
          (errno == EIO || errno == EINVAL || errno == EMSGSIZE)) {
        offloads_.gso = false;
        continue;
      }
      return errno_error("udp_send", "sendmmsg");
    }
    std::size_t done = 0;
    for (int m = 0; m < sent; ++m) done += items_in_[static_cast<std::size_t>(m)];
    return done;
  }
}

UdpOffloads UdpSocket::enable_offloads(UdpOffloads want) {
  if (want.gso) {
    int value = 0;
    socklen_t len = sizeof(value);
    offloads_.gso = ::getsockopt(fd_.get(), IPPROTO_UDP, UDP_SEGMENT, &value, &len) == 0;
  }
  if (want.gro) {
    const int on = 1;
    offloads_.gro = ::setsockopt(fd_.get(), IPPROTO_UDP, UDP_GRO, &on, sizeof(on)) == 0;
  }
  return offloads_;
}

Status UdpSocket::set_buffer_sizes(int bytes) {
  for (auto [force, capped] : {std::pair{SO_SNDBUFFORCE, SO_SNDBUF}, {SO_RCVBUFFORCE, SO_RCVBUF}}) {
    if (::setsockopt(fd_.get(), SOL_SOCKET, force, &bytes, sizeof(bytes)) == 0) continue;
    if (::setsockopt(fd_.get(), SOL_SOCKET, capped, &bytes, sizeof(bytes)) < 0) {
      return errno_error("udp_buffers", "SO_SNDBUF/SO_RCVBUF");
    }
  }
  return Ok{};
}

Status UdpSocket::set_mark(uint32_t mark) {
  if (::setsockopt(fd_.get(), SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
    return errno_error("udp_mark", "SO_MARK");
  }
  return Ok{};
}

}  // namespace weft::runtime
