// Implementation limits of the Linux data path, shared by its main loop and receive thread
// (protocol constants stay in lib/wg/constants.h).
#pragma once

#include <cstddef>
#include <thread>

#include "runtime/udp_socket.h"
#include "wg/device.h"

namespace weft::dataplane {

/// Datagrams per recvmmsg/sendmmsg and TUN packets per wake-up: large enough to amortise the
/// system calls, small enough that UDP and TUN take turns (fairness between directions).
inline constexpr std::size_t kBatch = runtime::UdpSocket::kMaxBatch;
/// Receive rounds (recvmmsg calls that returned datagrams) per wake-up before yielding to the
/// other sources.
inline constexpr int kUdpRoundsPerWake = 4;
/// A TUN read or UDP datagram never exceeds 64 KiB; buffers are sized for it so a later
/// `ip link set mtu` cannot truncate packets.
inline constexpr std::size_t kMaxPacket = 65535;
inline constexpr std::size_t kDatagramCapacity = wg::output_capacity_for(kMaxPacket);
/// Most datagrams one UDP_GRO slot may hold before it is dropped whole as malformed (the
/// kernel coalesces at most 64: UDP_GRO_CNT_MAX; the rest is margin for a later kernel).
inline constexpr std::size_t kMaxGroSegments = 256;
/// Datagrams one receive round splits its UDP_GRO slots into before handing them on in
/// kBatch-sized chunks: every slot of a batch full at the kernel's 64.
inline constexpr std::size_t kMaxRoundDatagrams = kBatch * 64;
/// UDP socket buffers: the 7 MiB newer wireguard-go requests (conn/controlfns.go).
inline constexpr int kSocketBufferBytes = 7 << 20;
/// Handshake messages the core handles per turn of the loop before data gets its turn again;
/// each may cost a Diffie-Hellman (~30-270 us), so a turn stays in the low milliseconds.
inline constexpr std::size_t kHandshakesPerTurn = 16;
/// Datagrams waiting between the receive thread and the main thread, each way. A flood must
/// not grow memory without limit; beyond it they are dropped as a full socket buffer would.
inline constexpr std::size_t kMaxHandOff = 4096;
/// `--threads` at most (the crypto workers are threads - 1).
inline constexpr int kMaxThreads = 64;

/// The data path's thread count for a requested one: 0 means one per CPU core (at least 1, at
/// most kMaxThreads); anything else is taken as it is.
inline int resolve_threads(int requested) {
  if (requested != 0) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  if (cores == 0) return 1;
  return cores > static_cast<unsigned>(kMaxThreads) ? kMaxThreads : static_cast<int>(cores);
}

}  // namespace weft::dataplane
