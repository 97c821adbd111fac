// DNS message parsing and building (message.h; RFC 1035 sections 3.1, 4.1; RFC 6891 section 6).
// Every read is bounds-checked against the datagram; names are read without compression in
// queries and question sections, so a name is read in one pass with no pointer loops.
#include "dns/message.h"

namespace weft::dns {
namespace {

struct Reader {
  const uint8_t* p;
  std::size_t size;
  std::size_t at = 0;

  bool u8(uint8_t& v) {
    if (size - at < 1) return false;
    v = p[at++];
    return true;
  }
  bool u16(uint16_t& v) {
    if (size - at < 2) return false;
    v = static_cast<uint16_t>(p[at] << 8 | p[at + 1]);
    at += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    uint16_t hi = 0, lo = 0;
    if (!u16(hi) || !u16(lo)) return false;
    v = static_cast<uint32_t>(hi) << 16 | lo;
    return true;
  }
  bool skip(std::size_t n) {
    if (size - at < n) return false;
    at += n;
    return true;
  }
};

char lower(uint8_t c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

// An uncompressed name into lowercased text, at most kMaxNameBytes in wire form with the root.
// Bytes outside printable ASCII are kept as they are: they match no tailnet name, and the query
// is forwarded as its own bytes anyway.
std::optional<ParseError> read_name(Reader& r, std::string& out) {
  out.clear();
  std::size_t wire = 0;
  for (;;) {
    uint8_t len = 0;
    if (!r.u8(len)) return ParseError::kTruncated;
    ++wire;
    if (len == 0) break;
    if ((len & 0xC0) != 0) return ParseError::kBadName;  // a pointer (0xC0) or reserved type
    if (len > kMaxLabelBytes) return ParseError::kBadName;
    wire += len;
    if (wire + 1 > kMaxNameBytes) return ParseError::kBadName;  // with the root still to come
    if (r.size - r.at < len) return ParseError::kTruncated;
    if (!out.empty()) out.push_back('.');
    for (std::size_t i = 0; i < len; ++i) {
      // A '.' inside a label has no text form that reads back as the same name.
      if (r.p[r.at + i] == '.') return ParseError::kBadName;
      out.push_back(lower(r.p[r.at + i]));
    }
    r.at += len;
  }
  return std::nullopt;
}

std::optional<ParseError> read_question(Reader& r, Question& q) {
  if (auto e = read_name(r, q.name)) return e;
  if (!r.u16(q.type) || !r.u16(q.klass)) return ParseError::kTruncated;
  return std::nullopt;
}

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}

void put_header(std::vector<uint8_t>& out, uint16_t id, uint8_t opcode, bool aa, bool tc, bool rd,
                Rcode rcode, uint16_t qd, uint16_t an, uint16_t ar) {
  put16(out, id);
  out.push_back(static_cast<uint8_t>(0x80 | (opcode & 0x0F) << 3 | (aa ? 0x04 : 0) |
                                     (tc ? 0x02 : 0) | (rd ? 0x01 : 0)));
  out.push_back(static_cast<uint8_t>(0x80 | static_cast<uint8_t>(rcode)));  // RA, Z = 0
  put16(out, qd);
  put16(out, an);
  put16(out, 0);  // NSCOUNT
  put16(out, ar);
}

// The OPT record we send back (RFC 6891 section 6.1.2): root owner, our payload size, no options.
constexpr std::size_t kOptRecordSize = 11;
constexpr uint16_t kOurEdnsSize = 1232;  // the DNS flag day 2020 size

void put_opt(std::vector<uint8_t>& out) {
  out.push_back(0);  // root
  put16(out, kTypeOpt);
  put16(out, kOurEdnsSize);
  put32(out, 0);  // extended rcode, version 0, flags
  put16(out, 0);  // RDLENGTH
}

}  // namespace

const char* parse_error_name(ParseError e) {
  switch (e) {
    case ParseError::kTruncated: return "truncated";
    case ParseError::kNotAQuery: return "not_a_query";
    case ParseError::kCounts: return "counts";
    case ParseError::kBadName: return "bad_name";
    case ParseError::kBadAdditional: return "bad_additional";
    case ParseError::kTrailing: return "trailing";
  }
  return "?";
}

ParsedQuery parse_query(core::ByteView bytes) {
  ParsedQuery out;
  Reader r{bytes.data, bytes.size};
  uint16_t id = 0, flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
  if (!r.u16(id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar)) {
    out.error = ParseError::kTruncated;
    return out;
  }
  out.has_header = true;
  out.id = id;
  out.opcode = static_cast<uint8_t>(flags >> 11 & 0x0F);
  out.recursion_desired = (flags & 0x0100) != 0;
  const auto fail = [&out](ParseError e) {
    out.error = e;
    return out;
  };
  if ((flags & 0x8000) != 0) return fail(ParseError::kNotAQuery);
  if (qd != 1 || an != 0 || ns != 0 || ar > 1) return fail(ParseError::kCounts);
  Query q;
  q.id = id;
  q.opcode = out.opcode;
  q.recursion_desired = out.recursion_desired;
  q.checking_disabled = (flags & 0x0010) != 0;
  if (auto e = read_question(r, q.question)) return fail(*e);
  if (ar == 1) {
    std::string owner;
    uint16_t type = 0, size = 0, rdlength = 0;
    uint32_t ttl = 0;
    if (auto e = read_name(r, owner)) return fail(*e);
    if (!r.u16(type) || !r.u16(size) || !r.u32(ttl) || !r.u16(rdlength))
      return fail(ParseError::kTruncated);
    if (!owner.empty() || type != kTypeOpt) return fail(ParseError::kBadAdditional);
    if (!r.skip(rdlength)) return fail(ParseError::kTruncated);  // options: not used
    // Sizes under 512 are treated as 512 (RFC 6891 section 6.2.5).
    q.edns_udp_size = size < kMaxUdpPayload ? static_cast<uint16_t>(kMaxUdpPayload) : size;
  }
  if (r.at != r.size) return fail(ParseError::kTrailing);
  out.query = std::move(q);
  return out;
}

bool answers(const Query& query, core::ByteView response) {
  Reader r{response.data, response.size};
  uint16_t id = 0, flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
  if (!r.u16(id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar))
    return false;
  if (id != query.id || (flags & 0x8000) == 0 || (flags >> 11 & 0x0F) != query.opcode || qd != 1)
    return false;
  Question q;
  if (read_question(r, q)) return false;
  return q.name == query.question.name && q.type == query.question.type &&
         q.klass == query.question.klass;
}

std::optional<std::vector<uint8_t>> encode_name(const std::string& name) {
  std::vector<uint8_t> out;
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    const std::size_t len = dot - start;
    if (len == 0 || len > kMaxLabelBytes) return std::nullopt;
    out.push_back(static_cast<uint8_t>(len));
    out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
               name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
    if (dot == name.size()) break;
    if (start == name.size()) return std::nullopt;  // a final dot: names here have none
  }
  out.push_back(0);
  if (out.size() > kMaxNameBytes) return std::nullopt;
  return out;
}

std::vector<uint8_t> build_response(const Query& query, Rcode rcode, bool authoritative,
                                    const std::vector<Record>& answers, bool udp) {
  // The name came out of a parsed query, so it encodes; the fallback is the root.
  const std::vector<uint8_t> name = encode_name(query.question.name).value_or(std::vector<uint8_t>{0});
  const std::size_t limit =
      udp ? (query.edns_udp_size ? *query.edns_udp_size : kMaxUdpPayload) : 65535;
  const std::size_t opt = query.edns_udp_size ? kOptRecordSize : 0;
  std::size_t size = kHeaderSize + name.size() + 4 + opt;
  // Answers point back at the question's name (offset 12): 2 bytes each instead of the name.
  std::size_t fit = 0;
  for (const auto& a : answers) {
    const std::size_t rr = 2 + 10 + a.data.size();
    if (size + rr > limit) break;
    size += rr;
    ++fit;
  }
  std::vector<uint8_t> out;
  out.reserve(size);
  put_header(out, query.id, query.opcode, authoritative, fit < answers.size(),
             query.recursion_desired, rcode, 1, static_cast<uint16_t>(fit), opt != 0 ? 1 : 0);
  out.insert(out.end(), name.begin(), name.end());
  put16(out, query.question.type);
  put16(out, query.question.klass);
  for (std::size_t i = 0; i < fit; ++i) {
    const Record& a = answers[i];
    put16(out, 0xC000 | kHeaderSize);
    put16(out, a.type);
    put16(out, kClassIn);
    put32(out, a.ttl);
    put16(out, static_cast<uint16_t>(a.data.size()));
    out.insert(out.end(), a.data.begin(), a.data.end());
  }
  if (opt != 0) put_opt(out);
  return out;
}

std::vector<uint8_t> build_error(uint16_t id, uint8_t opcode, bool recursion_desired, Rcode rcode) {
  std::vector<uint8_t> out;
  put_header(out, id, opcode, false, false, recursion_desired, rcode, 0, 0, 0);
  return out;
}

std::vector<uint8_t> build_query(uint16_t id, const std::string& name, uint16_t type,
                                 bool recursion_desired) {
  std::vector<uint8_t> out;
  put16(out, id);
  out.push_back(recursion_desired ? 0x01 : 0x00);
  out.push_back(0);
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  const auto n = encode_name(name).value_or(std::vector<uint8_t>{0});
  out.insert(out.end(), n.begin(), n.end());
  put16(out, type);
  put16(out, kClassIn);
  return out;
}

}  // namespace weft::dns
