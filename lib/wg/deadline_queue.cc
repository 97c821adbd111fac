// Indexed binary min-heap of per-peer deadlines (see deadline_queue.h).
#include "wg/deadline_queue.h"

#include <cassert>

namespace weft::wg {

void DeadlineQueue::track(PeerId peer) {
  assert(peer != kNoPeer);
  if (peer >= position_.size()) position_.resize(std::size_t{peer} + 1, kAbsent);
  // At most one entry per peer: with capacity for every id, set() never reallocates.
  if (heap_.capacity() < position_.size()) heap_.reserve(2 * position_.size());
}

void DeadlineQueue::set(PeerId peer, std::optional<Duration> deadline) {
  assert(peer < position_.size());
  uint32_t slot = position_[peer];
  if (slot == kAbsent) {
    if (!deadline) return;
    heap_.push_back(Entry{*deadline, peer});
    position_[peer] = static_cast<uint32_t>(heap_.size() - 1);
    sift_up(heap_.size() - 1);
    return;
  }
  if (!deadline) {
    erase_at(slot);
    return;
  }
  if (heap_[slot].at == *deadline) return;
  bool earlier = *deadline < heap_[slot].at;
  heap_[slot].at = *deadline;
  if (earlier) {
    sift_up(slot);
  } else {
    sift_down(slot);
  }
}

std::optional<Duration> DeadlineQueue::earliest() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().at;
}

std::optional<Duration> DeadlineQueue::deadline_of(PeerId peer) const {
  if (peer >= position_.size() || position_[peer] == kAbsent) return std::nullopt;
  return heap_[position_[peer]].at;
}

void DeadlineQueue::take_due(Duration now, std::vector<PeerId>& out) {
  while (!heap_.empty() && heap_.front().at <= now) {
    out.push_back(heap_.front().peer);
    erase_at(0);
  }
}

void DeadlineQueue::put(std::size_t i, const Entry& e) {
  heap_[i] = e;
  position_[e.peer] = static_cast<uint32_t>(i);
}

void DeadlineQueue::sift_up(std::size_t i) {
  Entry e = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!before(e, heap_[parent])) break;
    put(i, heap_[parent]);
    i = parent;
  }
  put(i, e);
}

void DeadlineQueue::sift_down(std::size_t i) {
  Entry e = heap_[i];
  const std::size_t n = heap_.size();
  while (true) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], e)) break;
    put(i, heap_[child]);
    i = child;
  }
  put(i, e);
}

void DeadlineQueue::erase_at(std::size_t i) {
  position_[heap_[i].peer] = kAbsent;
  Entry last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  // The last entry fills the hole and moves whichever way restores the order.
  bool up = i > 0 && before(last, heap_[(i - 1) / 2]);
  put(i, last);
  if (up) {
    sift_up(i);
  } else {
    sift_down(i);
  }
}

}  // namespace weft::wg
