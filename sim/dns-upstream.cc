// The fixed-record resolver host (dns-upstream.h).
#include "dns-upstream.h"

#include <cstring>

namespace weft::sim {

DnsUpstreamOutput DnsUpstreamCore::receive_datagram(core::Now, const core::Path& from,
                                                    core::ByteView datagram,
                                                    core::MutableBytes out) {
  const dns::ParsedQuery parsed = dns::parse_query(datagram);
  if (!parsed.query) return {};
  const dns::Query& q = *parsed.query;
  ++m_asked[q.question.name];
  if (m_silent) return {};
  auto it = m_records.find(q.question.name);
  std::vector<dns::Record> records;
  if (it != m_records.end() && q.question.type == dns::kTypeA) {
    dns::Record r;
    r.type = dns::kTypeA;
    r.ttl = 300;
    r.data.assign(it->second.bytes().begin(), it->second.bytes().begin() + 4);
    records.push_back(std::move(r));
  }
  const std::vector<uint8_t> answer = dns::build_response(
      q, it == m_records.end() ? dns::Rcode::kNxDomain : dns::Rcode::kNoError, true, records, true);
  if (answer.size() > out.size) return {};
  std::memcpy(out.data, answer.data(), answer.size());
  return DnsUpstreamOutput{answer.size(), from};
}

}  // namespace weft::sim
