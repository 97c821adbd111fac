// Handshake messages wait here, apart from transport data, as wireguard-go and wireguard-linux
// keep them: data is never queued behind handshake work, excess handshakes are dropped and
// counted, and the queue's fill is the load signal the WireGuard core's cookies act on
// (whitepaper 5.3: "under load"). Pure logic: `now` is handed in. C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/path.h"
#include "core/time.h"
#include "wg/constants.h"

namespace weft::dataplane {

/// Messages the queue holds (wireguard-go's QueueHandshakeSize).
inline constexpr std::size_t kHandshakeQueueCapacity = 1024;
/// Under load while the queue is more than this fraction full (wireguard-go: an eighth) ...
inline constexpr std::size_t kUnderLoadThreshold = kHandshakeQueueCapacity / 8;
/// ... and for this long after (wireguard-go's UnderLoadAfterTime).
inline constexpr core::Duration kUnderLoadAfterTime = std::chrono::seconds(1);

/// True for the WireGuard message types that cost handshake work: initiation, response and
/// cookie reply (transport data is not one). `datagram` is already classified as WireGuard.
bool is_handshake_message(core::ByteView datagram);

class HandshakeQueue {
 public:
  struct Message {
    core::Path from;  // a UDP source, or a relayed path
    std::size_t size = 0;
    std::array<uint8_t, wg::kHandshakeInitiationSize> bytes{};
  };

  HandshakeQueue();

  /// Queues a copy of a handshake message. False (dropped, counted) when the queue is full or
  /// the message is larger than any handshake message.
  bool push(core::Duration now, const core::Path& from, core::ByteView message);
  /// The oldest message, or nullptr when empty; valid until the next push or pop.
  const Message* front() const;
  void pop();
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// Whether the core should demand cookies now: while the queue holds more than
  /// kUnderLoadThreshold messages, and for kUnderLoadAfterTime after it last did.
  bool under_load(core::Duration now) const;

  uint64_t dropped() const { return dropped_; }

 private:
  void note_fill(core::Duration now);

  std::vector<Message> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::optional<core::Duration> loaded_until_;
  uint64_t dropped_ = 0;
};

}  // namespace weft::dataplane
