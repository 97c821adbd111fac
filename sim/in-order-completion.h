// Order-preserving completion of work that finishes in any order (docs/dataplane.md, "Workers":
// the crypto workers hand results on in the order the core prepared them). A pure queue, no ns-3,
// no clock: the simulated crypto workers (split-crypto.h) finish jobs out of order and release
// them through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

namespace weft::sim {

/// Items numbered in the order they were added (their ticket); each is marked finished in any
/// order; PopReady() hands out the oldest item once it and every item before it finished.
template <class T>
class InOrderCompletion {
 public:
  /// Appends `item` (not finished yet) and returns its ticket.
  uint64_t Add(T item) {
    m_items.push_back(Entry{std::move(item), false});
    return m_first + m_items.size() - 1;
  }

  /// The item with `ticket` while it is queued (added, not popped), else nullptr.
  T* Find(uint64_t ticket) {
    if (ticket < m_first || ticket - m_first >= m_items.size()) return nullptr;
    return &m_items[ticket - m_first].item;
  }

  /// Marks the item finished; false when `ticket` is not queued (popped, or never added).
  /// An item finished while an older one is still unfinished is counted as held back.
  bool Finish(uint64_t ticket) {
    if (Find(ticket) == nullptr) return false;
    Entry& e = m_items[ticket - m_first];
    if (e.finished) return true;
    e.finished = true;
    if (!m_items.front().finished) ++m_heldBack;
    return true;
  }

  /// True when the oldest queued item is finished: PopReady() returns it.
  bool Ready() const { return !m_items.empty() && m_items.front().finished; }

  /// The oldest item, removed. Call only when Ready().
  T PopReady() {
    T item = std::move(m_items.front().item);
    m_items.pop_front();
    ++m_first;
    return item;
  }

  /// Calls f(item) for every queued item, oldest first.
  template <class F>
  void Each(F f) {
    for (Entry& e : m_items) f(e.item);
  }

  /// Drops every queued item (a process restart loses its workers' jobs).
  void Clear() {
    m_first += m_items.size();
    m_items.clear();
  }

  std::size_t Size() const { return m_items.size(); }
  /// Items that finished before an older one and waited for it, since construction.
  uint64_t HeldBack() const { return m_heldBack; }

 private:
  struct Entry {
    T item;
    bool finished;
  };
  std::deque<Entry> m_items;
  uint64_t m_first = 0;  ///< ticket of m_items.front()
  uint64_t m_heldBack = 0;
};

}  // namespace weft::sim
