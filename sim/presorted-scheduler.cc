// Presorted events before the run, a 4-ary heap for the rest (see presorted-scheduler.h).
#include "presorted-scheduler.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "ns3/assert.h"
#include "ns3/object.h"

namespace weft::sim {
namespace {
constexpr std::size_t kArity = 4;

bool before(const ns3::Scheduler::Event& a, const ns3::Scheduler::Event& b) {
  return a.key < b.key;
}
}  // namespace

NS_OBJECT_ENSURE_REGISTERED(PresortedScheduler);

ns3::TypeId PresortedScheduler::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::PresortedScheduler")
                               .SetParent<ns3::Scheduler>()
                               .SetGroupName("Weft")
                               .AddConstructor<PresortedScheduler>();
  return tid;
}

PresortedScheduler::PresortedScheduler() = default;

PresortedScheduler::~PresortedScheduler() = default;

void PresortedScheduler::Seal() const {
  if (m_sealed) return;
  m_sealed = true;
  // Keys are unique (uid), so the order is total and std::sort's instability does not matter.
  std::sort(m_presorted.begin(), m_presorted.end(), before);
}

bool PresortedScheduler::FrontIsNext() const {
  Seal();
  if (m_next == m_presorted.size()) return false;
  return m_heap.empty() || before(m_presorted[m_next], m_heap.front());
}

void PresortedScheduler::SiftUp(std::size_t i) {
  const Event ev = m_heap[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!before(ev, m_heap[parent])) break;
    m_heap[i] = m_heap[parent];
    i = parent;
  }
  m_heap[i] = ev;
}

void PresortedScheduler::SiftDown(std::size_t i) {
  const Event ev = m_heap[i];
  const std::size_t n = m_heap.size();
  for (;;) {
    const std::size_t first = kArity * i + 1;
    if (first >= n) break;
    std::size_t least = first;
    const std::size_t last = std::min(first + kArity, n);
    for (std::size_t c = first + 1; c < last; ++c) {
      if (before(m_heap[c], m_heap[least])) least = c;
    }
    if (!before(m_heap[least], ev)) break;
    m_heap[i] = m_heap[least];
    i = least;
  }
  m_heap[i] = ev;
}

ns3::Scheduler::Event PresortedScheduler::RemoveHeapAt(std::size_t i) {
  const Event ev = m_heap[i];
  m_heap[i] = m_heap.back();
  m_heap.pop_back();
  if (i < m_heap.size()) {
    // The moved event may belong above or below `i`.
    SiftUp(i);
    SiftDown(i);
  }
  return ev;
}

void PresortedScheduler::Insert(const Event& ev) {
  if (!m_sealed) {
    m_presorted.push_back(ev);
    return;
  }
  m_heap.push_back(ev);
  SiftUp(m_heap.size() - 1);
}

bool PresortedScheduler::IsEmpty() const {
  return m_next == m_presorted.size() && m_heap.empty();
}

ns3::Scheduler::Event PresortedScheduler::PeekNext() const {
  NS_ASSERT(!IsEmpty());
  return FrontIsNext() ? m_presorted[m_next] : m_heap.front();
}

ns3::Scheduler::Event PresortedScheduler::RemoveNext() {
  NS_ASSERT(!IsEmpty());
  if (!FrontIsNext()) return RemoveHeapAt(0);
  const Event ev = m_presorted[m_next++];
  if (m_next == m_presorted.size()) {
    std::vector<Event>().swap(m_presorted);
    m_next = 0;
  }
  return ev;
}

void PresortedScheduler::Remove(const Event& ev) {
  Seal();
  const auto first = m_presorted.begin() + static_cast<std::ptrdiff_t>(m_next);
  const auto it = std::lower_bound(first, m_presorted.end(), ev, before);
  if (it != m_presorted.end() && it->key.m_uid == ev.key.m_uid) {
    m_presorted.erase(it);
    return;
  }
  // Simulator::Remove() is rare (the harness cancels instead): a linear search will do.
  for (std::size_t i = 0; i < m_heap.size(); ++i) {
    if (m_heap[i].key.m_uid == ev.key.m_uid) {
      RemoveHeapAt(i);
      return;
    }
  }
  NS_ASSERT_MSG(false, "PresortedScheduler: removing an event that is not scheduled");
}

}  // namespace weft::sim
