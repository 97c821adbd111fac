// The device's timer schedule: each peer's earliest deadline in an indexed binary min-heap, so
// next_deadline() is O(1) and re-arming one peer is O(log peers), whatever the peer count.
// Internal to lib/wg (device_impl.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "wg/allowed_ips.h"
#include "wg/types.h"

namespace weft::wg {

class DeadlineQueue {
 public:
  DeadlineQueue() = default;
  DeadlineQueue(const DeadlineQueue&) = delete;
  DeadlineQueue& operator=(const DeadlineQueue&) = delete;

  /// Makes room for `peer` so that later set() calls for it do not allocate (ids are dense:
  /// the device hands them out in order). `peer` must not be kNoPeer.
  void track(PeerId peer);
  /// Files `peer` under `deadline`, or takes it out when nullopt. O(log n); no-op when unchanged.
  /// `peer` must have been tracked.
  void set(PeerId peer, std::optional<Duration> deadline);
  /// The earliest deadline of all peers; nullopt when none is armed. O(1).
  std::optional<Duration> earliest() const;
  /// The deadline `peer` is filed under, or nullopt.
  std::optional<Duration> deadline_of(PeerId peer) const;
  /// Takes out every peer whose deadline is at or before `now` and appends it to `out`,
  /// earliest first.
  void take_due(Duration now, std::vector<PeerId>& out);
  std::size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    Duration at;
    PeerId peer;
  };
  static constexpr uint32_t kAbsent = 0xffffffffu;
  // Ties are broken by peer id, so the order of a schedule does not depend on its history.
  static bool before(const Entry& x, const Entry& y) {
    return x.at < y.at || (x.at == y.at && x.peer < y.peer);
  }
  void put(std::size_t i, const Entry& e);
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void erase_at(std::size_t i);

  std::vector<Entry> heap_;
  std::vector<uint32_t> position_;  // index = PeerId: its slot in heap_, or kAbsent
};

}  // namespace weft::wg
