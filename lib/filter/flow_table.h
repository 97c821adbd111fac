// The packet filter's connection table (docs/control-plane.md, "Packet filter"): flows this node
// opened, keyed by protocol, addresses and ports, with per-class idle timeouts and a fixed bound.
// Open addressing plus one LRU list per timeout class; starts small and doubles up to the bound,
// so it allocates only when it grows. C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.h"

namespace weft::filter {

/// A flow as the node sees it: its own address and port, the remote's, the protocol. ICMP echo
/// flows carry the echo id as local_port; other port-less protocols leave the ports 0.
struct FlowKey {
  std::array<uint8_t, 16> local{};
  std::array<uint8_t, 16> remote{};
  uint16_t local_port = 0;
  uint16_t remote_port = 0;
  uint8_t protocol = 0;
  uint8_t v6 = 0;
  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return a.local == b.local && a.remote == b.remote && a.local_port == b.local_port &&
           a.remote_port == b.remote_port && a.protocol == b.protocol && a.v6 == b.v6;
  }
};

/// Which idle timeout a flow is under (FilterLimits names them).
enum class FlowClass : uint8_t { kTcp, kTcpTransitory, kUdp, kOther, kCount };
inline constexpr std::size_t kFlowClassCount = static_cast<std::size_t>(FlowClass::kCount);

/// TCP bits a flow keeps to move between kTcpTransitory and kTcp.
inline constexpr uint8_t kFlowAnswered = 0x01;  ///< the remote sent something back
inline constexpr uint8_t kFlowFinOut = 0x02;
inline constexpr uint8_t kFlowFinIn = 0x04;
inline constexpr uint8_t kFlowReset = 0x08;

struct Flow {
  FlowKey key;
  core::Duration last_seen{};
  uint32_t hash = 0;
  uint32_t prev = 0;  // LRU neighbours (kNil at the ends)
  uint32_t next = 0;
  FlowClass cls = FlowClass::kOther;
  uint8_t tcp = 0;  // kFlow* bits
};

class FlowTable {
 public:
  /// Room for `initial` flows at first, doubled whenever a new flow finds it full, up to
  /// `capacity` (>= 1) flows; `idle[c]` is class c's idle timeout.
  FlowTable(std::size_t capacity, const std::array<core::Duration, kFlowClassCount>& idle,
            std::size_t initial = kInitialFlows);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  /// The flow with this key, or nullptr (an expired flow is reclaimed first). Allocation-free.
  Flow* find(core::Duration now, const FlowKey& key);
  /// Adds a flow that find() did not return: the table grows while below its bound, then the
  /// least recently used flow is evicted. Allocates only when it grows; a Flow pointer taken
  /// before is invalid after.
  Flow& insert(core::Duration now, const FlowKey& key, FlowClass cls);
  /// Marks the flow used now, under `cls` from now on.
  void touch(core::Duration now, Flow& flow, FlowClass cls);
  /// Reclaims every flow idle past its class's timeout.
  void expire(core::Duration now);
  /// Forgets every flow (counted as expired). Allocation-free.
  void clear();
  /// When the next flow expires; nullopt when empty.
  std::optional<core::Duration> next_deadline() const;

  /// Flows allocated before the table first grows (about 17 KiB at 64 bytes a flow).
  static constexpr std::size_t kInitialFlows = 256;

  std::size_t size() const { return size_; }
  /// The bound: flows held at most.
  std::size_t capacity() const { return capacity_; }
  /// Flows allocated now (grows by doubling up to capacity()).
  std::size_t allocated() const { return flows_.size(); }
  uint64_t created() const { return created_; }
  uint64_t expired() const { return expired_; }
  uint64_t evicted() const { return evicted_; }

 private:
  static constexpr uint32_t kNil = 0xffffffffu;
  struct List {
    uint32_t head = kNil;  // most recently used
    uint32_t tail = kNil;  // least recently used
  };

  static uint32_t hash_of(const FlowKey& key);
  bool is_expired(core::Duration now, const Flow& f) const;
  uint32_t find_slot(const FlowKey& key, uint32_t hash) const;
  void link_front(uint32_t index);
  void unlink(uint32_t index);
  void remove(uint32_t index);
  /// Doubles the slab (at most to capacity_) and rebuilds the hash table for it.
  void grow();
  void place(uint32_t index);

  std::size_t capacity_ = 1;
  std::vector<Flow> flows_;       // slab of allocated() flows, capacity_ at most
  std::vector<uint32_t> slots_;   // hash table: flow index + 1, 0 = empty (power of two, >= 2x)
  std::vector<uint32_t> free_;    // unused flow indexes
  std::array<List, kFlowClassCount> lists_{};
  std::array<core::Duration, kFlowClassCount> idle_{};
  std::size_t size_ = 0;
  uint64_t created_ = 0;
  uint64_t expired_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace weft::filter
