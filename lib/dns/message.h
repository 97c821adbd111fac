// DNS messages as MagicDNS needs them (RFC 1035 section 4; RFC 6891 for the OPT record): a strict
// parser of one query, the head (header and question) of an upstream's response, and answers
// built from a query. Untrusted bytes in, typed values or errors out; never throws. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::dns {

// RFC 1035 section 4.1.1 and the IANA DNS parameters registry.
inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxNameBytes = 255;  // wire form, section 2.3.4
inline constexpr std::size_t kMaxLabelBytes = 63;
inline constexpr std::size_t kMaxUdpPayload = 512;  // without EDNS (section 4.2.1)
inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypePtr = 12;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kTypeOpt = 41;
inline constexpr uint16_t kTypeAny = 255;
inline constexpr uint16_t kClassIn = 1;
inline constexpr uint8_t kOpcodeQuery = 0;

enum class Rcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

struct Question {
  /// Lowercased text form without the final dot ("host-b.weft.internal"); empty for the root.
  std::string name;
  uint16_t type = 0;
  uint16_t klass = 0;
};

/// One query as a client sent it.
struct Query {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool recursion_desired = false;
  bool checking_disabled = false;
  Question question;
  /// The client's EDNS UDP payload size (RFC 6891 section 6.2.3) when it sent an OPT record.
  std::optional<uint16_t> edns_udp_size;
};

/// Why bytes are not a query this parser takes.
enum class ParseError : uint8_t {
  kTruncated,     // shorter than its header or a field says
  kNotAQuery,     // QR set: a response
  kCounts,        // QDCOUNT != 1, answers or authority records, more than one additional record
  kBadName,       // a label over 63 bytes, a name over 255, a compression pointer, a bad label type
  kBadAdditional, // the additional record is not one OPT record owned by the root
  kTrailing,      // bytes after the last record
};
const char* parse_error_name(ParseError e);

/// The outcome of parse_query: a query, or why not and (when the 12-byte header was there) its
/// id and opcode, so a FORMERR / NOTIMP answer can still name it.
struct ParsedQuery {
  std::optional<Query> query;
  ParseError error = ParseError::kTruncated;
  bool has_header = false;
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool recursion_desired = false;
};

/// Parses one query exactly: header, one question (no compression, which a query has no use
/// for), at most one additional record which must be an OPT. Opcodes other than QUERY parse
/// (the caller answers NOTIMP).
ParsedQuery parse_query(core::ByteView bytes);

/// Whether `response` answers `query`: at least a header and a question, QR set, the same id,
/// opcode and question (name compared case-insensitively, RFC 4343). What follows the
/// question is the upstream's business and is relayed as it is.
bool answers(const Query& query, core::ByteView response);

/// One resource record of an answer built here (class IN).
struct Record {
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> data;  // RDATA
};

/// A response to `query`: the question echoed, RD copied, RA set, AA when `authoritative`, then
/// `answers` (each owned by the question's name). Never larger than the client may take
/// (kMaxUdpPayload or its EDNS size, over UDP): records that do not fit are left out and TC set.
/// An OPT record is added when the query had one.
std::vector<uint8_t> build_response(const Query& query, Rcode rcode, bool authoritative,
                                    const std::vector<Record>& answers, bool udp);

/// A bare error response (FORMERR, NOTIMP, SERVFAIL) naming only an id and opcode: for queries
/// that did not parse; no question section.
std::vector<uint8_t> build_error(uint16_t id, uint8_t opcode, bool recursion_desired, Rcode rcode);

/// The wire form of a text name ("a.b" -> 1 'a' 1 'b' 0); nullopt when a label is empty or over
/// 63 bytes, or the whole over 255.
std::optional<std::vector<uint8_t>> encode_name(const std::string& name);

/// A query for `name` (tests and tools).
std::vector<uint8_t> build_query(uint16_t id, const std::string& name, uint16_t type,
                                 bool recursion_desired = true);

}  // namespace weft::dns
