// The packet filter's rule index: prefixes to merged ranges, rules grouped by protocol.
#include "filter/rule_set.h"

namespace weft::filter {

std::size_t RuleSet::assign(const std::vector<control::FilterRule>&) { return 0; }
bool RuleSet::allows(uint8_t, const util::IpAddress&, const util::IpAddress&, bool, uint16_t) const { return false; }

}  // namespace weft::filter
