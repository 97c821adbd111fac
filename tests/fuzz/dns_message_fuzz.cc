// Fuzz target: the DNS query parser and MagicDNS's resolver core on arbitrary datagrams, and the
// matching of upstream responses. A parsed query's answer must parse back as a response that
// answers it and stay within the client's UDP size; a forward names the query as parsed;
// nothing may crash or read out of bounds.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dns/message.h"
#include "dns/resolver.h"

using namespace weft;
using namespace weft::dns;

namespace {

Resolver& resolver() {
  static Resolver r;
  static bool configured = false;
  if (!configured) {
    control::DnsConfig dns;
    dns.domain = "weft.internal";
    dns.nameservers = {*util::IpAddress::parse("192.0.2.53")};
    dns.routes = {control::DnsRoute{"lab.example", {*util::IpAddress::parse("10.9.0.53")}}};
    r.configure(resolver_config(
        dns, {Host{"host-a", {*util::IpAddress::parse("100.64.0.1"),
                              *util::IpAddress::parse("fd7a:115c:a1e0::1")}},
              Host{"host-b", {*util::IpAddress::parse("100.64.0.2")}}}));
    configured = true;
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const core::ByteView in{data, size};
  const ParsedQuery p = parse_query(in);
  if (p.query && !p.has_header) std::abort();
  if (p.query) {
    // The question re-encodes (names parsed here always do) and a response to it matches.
    if (!encode_name(p.query->question.name) && !p.query->question.name.empty()) std::abort();
    const auto r = build_response(*p.query, Rcode::kNoError, true, {}, true);
    if (!answers(*p.query, core::ByteView{r.data(), r.size()})) std::abort();
    // The input itself is no answer to its own query (QR is clear).
    if (answers(*p.query, in)) std::abort();
  }
  for (bool udp : {true, false}) {
    const Decision d = resolver().handle(in, udp);
    switch (d.action) {
      case Action::kAnswer: {
        if (d.answer.size() < kHeaderSize) std::abort();
        if ((d.answer[2] & 0x80) == 0) std::abort();
        if (p.query) {
          const std::size_t limit =
              p.query->edns_udp_size ? *p.query->edns_udp_size : kMaxUdpPayload;
          if (udp && d.answer.size() > limit) std::abort();
          if (p.query->opcode == kOpcodeQuery &&
              !answers(*p.query, core::ByteView{d.answer.data(), d.answer.size()}))
            std::abort();
        }
        break;
      }
      case Action::kForward:
        if (!p.query || d.upstreams.empty() || d.query.question.name != p.query->question.name)
          std::abort();
        break;
      case Action::kDrop:
        if (p.query) std::abort();
        break;
    }
  }
  return 0;
}
