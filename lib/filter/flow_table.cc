// The packet filter's flow table: open addressing (linear probing, backward-shift deletion, at
// most half full) over a slab of flows that doubles up to the bound, one LRU list per timeout
// class so that the least recently used flow of a class is also the first of it to expire.
#include "filter/flow_table.h"

#include <algorithm>
#include <cassert>

namespace weft::filter {

FlowTable::FlowTable(std::size_t capacity, const std::array<core::Duration, kFlowClassCount>& idle,
                     std::size_t initial)
    : idle_(idle) {
  if (capacity == 0) capacity = 1;
  if (capacity > kNil / 4) capacity = kNil / 4;
  capacity_ = capacity;
  if (initial == 0) initial = 1;
  flows_.resize(std::min(initial, capacity));
  std::size_t slots = 1;
  while (slots < 2 * flows_.size()) slots <<= 1;
  slots_.assign(slots, 0);
  free_.reserve(flows_.size());
  for (std::size_t i = flows_.size(); i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
}

// FNV-1a over the key. Unseeded on purpose: only this node's outbound packets insert flows, so a
// peer cannot choose which slots fill; its lookups cost at most the probe runs the node made.
uint32_t FlowTable::hash_of(const FlowKey& key) {
  uint32_t h = 2166136261u;
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 16777619u; };
  const std::size_t n = key.v6 ? 16 : 4;
  for (std::size_t i = 0; i < n; ++i) mix(key.local[i]);
  for (std::size_t i = 0; i < n; ++i) mix(key.remote[i]);
  mix(static_cast<uint8_t>(key.local_port >> 8));
  mix(static_cast<uint8_t>(key.local_port));
  mix(static_cast<uint8_t>(key.remote_port >> 8));
  mix(static_cast<uint8_t>(key.remote_port));
  mix(key.protocol);
  mix(key.v6);
  return h ^ (h >> 15);
}

bool FlowTable::is_expired(core::Duration now, const Flow& f) const {
  return now - f.last_seen >= idle_[static_cast<std::size_t>(f.cls)];
}

// The slot holding `key`, or the empty slot where it would go.
uint32_t FlowTable::find_slot(const FlowKey& key, uint32_t hash) const {
  const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
  for (uint32_t s = hash & mask;; s = (s + 1) & mask) {
    const uint32_t v = slots_[s];
    if (v == 0) return s;
    const Flow& f = flows_[v - 1];
    if (f.hash == hash && f.key == key) return s;
  }
}

void FlowTable::link_front(uint32_t index) {
  Flow& f = flows_[index];
  List& l = lists_[static_cast<std::size_t>(f.cls)];
  f.prev = kNil;
  f.next = l.head;
  if (l.head != kNil) flows_[l.head].prev = index;
  l.head = index;
  if (l.tail == kNil) l.tail = index;
}

void FlowTable::unlink(uint32_t index) {
  Flow& f = flows_[index];
  List& l = lists_[static_cast<std::size_t>(f.cls)];
  if (f.prev != kNil) flows_[f.prev].next = f.next; else l.head = f.next;
  if (f.next != kNil) flows_[f.next].prev = f.prev; else l.tail = f.prev;
  f.prev = f.next = kNil;
}

void FlowTable::remove(uint32_t index) {
  unlink(index);
  const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
  uint32_t hole = find_slot(flows_[index].key, flows_[index].hash);
  assert(slots_[hole] == index + 1);
  // Backward-shift deletion: move later members of the probe run into the hole when their home
  // slot does not lie (cyclically) between the hole and them, so no tombstones are needed.
  for (uint32_t s = (hole + 1) & mask; slots_[s] != 0; s = (s + 1) & mask) {
    const uint32_t home = flows_[slots_[s] - 1].hash & mask;
    const bool stays = hole <= s ? (hole < home && home <= s) : (hole < home || home <= s);
    if (stays) continue;
    slots_[hole] = slots_[s];
    hole = s;
  }
  slots_[hole] = 0;
  free_.push_back(index);
  --size_;
}

Flow* FlowTable::find(core::Duration now, const FlowKey& key) {
  const uint32_t hash = hash_of(key);
  const uint32_t v = slots_[find_slot(key, hash)];
  if (v == 0) return nullptr;
  if (is_expired(now, flows_[v - 1])) {
    remove(v - 1);
    ++expired_;
    return nullptr;
  }
  return &flows_[v - 1];
}

void FlowTable::place(uint32_t index) {
  const uint32_t slot = find_slot(flows_[index].key, flows_[index].hash);
  assert(slots_[slot] == 0);
  slots_[slot] = index + 1;
}

void FlowTable::grow() {
  // Indexes stay as they are (the LRU lists hold indexes); only the hash table is rebuilt.
  const std::size_t old = flows_.size();
  const std::size_t size = std::min(2 * old, capacity_);
  flows_.resize(size);
  std::size_t slots = slots_.size();
  while (slots < 2 * size) slots <<= 1;
  if (slots != slots_.size()) {
    slots_.assign(slots, 0);
    for (const List& l : lists_)
      for (uint32_t i = l.head; i != kNil; i = flows_[i].next) place(i);
  }
  free_.reserve(size);
  for (std::size_t i = size; i-- > old;) free_.push_back(static_cast<uint32_t>(i));
}

Flow& FlowTable::insert(core::Duration now, const FlowKey& key, FlowClass cls) {
  if (free_.empty() && flows_.size() < capacity_) grow();
  if (free_.empty()) {
    // Full: the least recently used flow of all classes goes (expired ones were reclaimed by
    // expire(); one that expired since counts as expired, not evicted).
    uint32_t victim = kNil;
    for (const List& l : lists_)
      if (l.tail != kNil && (victim == kNil || flows_[l.tail].last_seen < flows_[victim].last_seen))
        victim = l.tail;
    assert(victim != kNil);
    if (is_expired(now, flows_[victim])) ++expired_; else ++evicted_;
    remove(victim);
  }
  const uint32_t index = free_.back();
  free_.pop_back();
  Flow& f = flows_[index];
  f = Flow{};
  f.key = key;
  f.hash = hash_of(key);
  f.last_seen = now;
  f.cls = cls;
  place(index);
  link_front(index);
  ++size_;
  ++created_;
  return f;
}

void FlowTable::touch(core::Duration now, Flow& flow, FlowClass cls) {
  const uint32_t index = static_cast<uint32_t>(&flow - flows_.data());
  unlink(index);
  flow.cls = cls;
  // A clock that steps back must not make a flow look younger than it is.
  if (now > flow.last_seen) flow.last_seen = now;
  link_front(index);
}

void FlowTable::expire(core::Duration now) {
  for (List& l : lists_)
    while (l.tail != kNil && is_expired(now, flows_[l.tail])) {
      remove(l.tail);
      ++expired_;
    }
}

void FlowTable::clear() {
  for (List& l : lists_)
    while (l.tail != kNil) {
      remove(l.tail);
      ++expired_;
    }
}

std::optional<core::Duration> FlowTable::next_deadline() const {
  std::optional<core::Duration> out;
  for (std::size_t c = 0; c < kFlowClassCount; ++c) {
    const uint32_t t = lists_[c].tail;
    if (t == kNil) continue;
    const core::Duration at = flows_[t].last_seen + idle_[c];
    if (!out || at < *out) out = at;
  }
  return out;
}

}  // namespace weft::filter
