// An ns-3 event scheduler that keeps the events scheduled before the run in a sorted array and
// the rest in a 4-ary heap: the same order as any ns-3 scheduler (time, then scheduling order),
// with a small heap when most events are known up front (a scenario's traffic).
#pragma once

#include <cstddef>
#include <vector>

#include "ns3/scheduler.h"

namespace weft::sim {

/// A 1,000-node scale scenario schedules about a million packets of traffic before
/// Simulator::Run(); in one heap every event of the run would pay for that depth (about 20
/// levels, most of them cache misses) on insertion and removal. Here the events inserted before
/// the first removal (or peek) are sorted once and read from the front; later insertions go to
/// a heap, and the next event is the smaller of the two fronts by ns-3's EventKey. The heap is
/// 4-ary (half the levels of ns-3's HeapScheduler, whose every step also checks its log
/// component).
class PresortedScheduler : public ns3::Scheduler {
 public:
  static ns3::TypeId GetTypeId();
  PresortedScheduler();
  ~PresortedScheduler() override;

  void Insert(const Event& ev) override;
  bool IsEmpty() const override;
  Event PeekNext() const override;
  Event RemoveNext() override;
  void Remove(const Event& ev) override;

 private:
  /// Sorts the events inserted so far, once; every later insertion goes to the heap.
  void Seal() const;
  /// True when the next event is the presorted array's front.
  bool FrontIsNext() const;
  /// The heap's order restored for the event at `i` after its key fell or rose.
  void SiftUp(std::size_t i);
  void SiftDown(std::size_t i);
  /// Takes the heap's event at `i` out.
  Event RemoveHeapAt(std::size_t i);

  mutable bool m_sealed = false;
  mutable std::vector<Event> m_presorted;
  mutable std::size_t m_next = 0;  ///< m_presorted's first event not yet removed
  std::vector<Event> m_heap;  ///< a 4-ary min-heap: the children of i are 4i+1 .. 4i+4
};

}  // namespace weft::sim
