// DNS messages: queries parsed exactly (one question, no compression, at most one OPT), refusals
// named, answers built within the client's size with TC when cut, upstream responses matched.
#define BOOST_TEST_MODULE dns_message
#include <boost/test/unit_test.hpp>

#include "dns/message.h"

using namespace weft;
using namespace weft::dns;

namespace {

core::ByteView view(const std::vector<uint8_t>& b) { return core::ByteView{b.data(), b.size()}; }

// The query dig sends for "host-b.weft.internal A" (+noedns), as captured.
const std::vector<uint8_t> kDigQuery = {
    0x12, 0x34, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header, RD + AD
    0x06, 'h', 'o', 's', 't', '-', 'b', 0x04, 'w', 'e', 'f', 't', 0x08, 'i', 'n', 't', 'e', 'r',
    'n', 'a', 'l', 0x00, 0x00, 0x01, 0x00, 0x01};

std::vector<uint8_t> with_opt(std::vector<uint8_t> q, uint16_t size) {
  q[11] = 1;  // ARCOUNT
  const uint8_t opt[] = {0x00, 0x00, 0x29, static_cast<uint8_t>(size >> 8),
                         static_cast<uint8_t>(size), 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  q.insert(q.end(), std::begin(opt), std::end(opt));
  return q;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dns_message)

BOOST_AUTO_TEST_CASE(parses_a_query_lowercased_with_and_without_edns) {
  auto p = parse_query(view(kDigQuery));
  BOOST_REQUIRE(p.query.has_value());
  BOOST_TEST(p.query->id == 0x1234);
  BOOST_TEST(p.query->recursion_desired);
  BOOST_TEST(p.query->question.name == "host-b.weft.internal");
  BOOST_TEST(p.query->question.type == kTypeA);
  BOOST_TEST(!p.query->edns_udp_size.has_value());
  auto upper = build_query(7, "HOST-B.Weft.Internal", kTypeAaaa);
  BOOST_TEST(parse_query(view(upper)).query->question.name == "host-b.weft.internal");
  auto e = parse_query(view(with_opt(kDigQuery, 4096)));
  BOOST_REQUIRE(e.query.has_value());
  BOOST_TEST(*e.query->edns_udp_size == 4096);
  BOOST_TEST(*parse_query(view(with_opt(kDigQuery, 100))).query->edns_udp_size == 512);
}

BOOST_AUTO_TEST_CASE(refuses_what_a_query_is_not_and_keeps_the_header_for_formerr) {
  const auto refused = [](std::vector<uint8_t> b, ParseError why, bool header) {
    auto p = parse_query(view(b));
    BOOST_TEST(!p.query.has_value());
    BOOST_TEST(parse_error_name(p.error) == parse_error_name(why));
    BOOST_TEST(p.has_header == header);
  };
  refused({0x12, 0x34, 0x01}, ParseError::kTruncated, false);
  auto b = kDigQuery;
  b.pop_back();
  refused(b, ParseError::kTruncated, true);
  b = kDigQuery;
  b[2] |= 0x80;
  refused(b, ParseError::kNotAQuery, true);
  b = kDigQuery;
  b[5] = 2;
  refused(b, ParseError::kCounts, true);
  b = kDigQuery;
  b[7] = 1;
  refused(b, ParseError::kCounts, true);
  b = kDigQuery;
  b[12] = 0xC0;  // a compression pointer in the question
  refused(b, ParseError::kBadName, true);
  b = kDigQuery;
  b[12] = 64;  // a label over 63 bytes
  refused(b, ParseError::kBadName, true);
  b = kDigQuery;
  b.push_back(0);
  refused(b, ParseError::kTrailing, true);
  b = with_opt(kDigQuery, 1232);
  b[b.size() - 9] = 0x01;  // type 1, not OPT
  refused(b, ParseError::kBadAdditional, true);
  // A name over 255 bytes in wire form: five labels of 63.
  std::string name;
  for (int i = 0; i < 5; ++i) name += (i ? "." : "") + std::string(63, 'a');
  BOOST_TEST(!encode_name(name).has_value());
}

BOOST_AUTO_TEST_CASE(builds_answers_that_point_at_the_question_and_cut_at_the_size) {
  const Query q = *parse_query(view(kDigQuery)).query;
  Record a{kTypeA, 60, {100, 64, 0, 2}};
  auto r = build_response(q, Rcode::kNoError, true, {a}, true);
  BOOST_REQUIRE(r.size() == kDigQuery.size() + 16);
  BOOST_TEST(r[0] == 0x12);
  BOOST_TEST(r[1] == 0x34);
  BOOST_TEST(r[2] == 0x85);  // QR, AA, RD
  BOOST_TEST(r[3] == 0x80);  // RA, NOERROR
  BOOST_TEST(r[7] == 1);     // ANCOUNT
  BOOST_TEST(r[kDigQuery.size()] == 0xC0);
  BOOST_TEST(r[kDigQuery.size() + 1] == 12);
  BOOST_TEST(answers(q, view(r)));
  // 40 AAAA records do not fit in 512 bytes over UDP: TC, and fewer records; over TCP all.
  std::vector<Record> many(40, Record{kTypeAaaa, 60, std::vector<uint8_t>(16, 1)});
  auto cut = build_response(q, Rcode::kNoError, true, many, true);
  BOOST_TEST(cut.size() <= kMaxUdpPayload);
  BOOST_TEST((cut[2] & 0x02) != 0);
  auto whole = build_response(q, Rcode::kNoError, true, many, false);
  BOOST_TEST((whole[2] & 0x02) == 0);
  BOOST_TEST(whole[7] == 40);
  // With EDNS the answer carries an OPT record and may be larger.
  const Query qe = *parse_query(view(with_opt(kDigQuery, 4096))).query;
  auto big = build_response(qe, Rcode::kNoError, true, many, true);
  BOOST_TEST(big[7] == 40);
  BOOST_TEST(big[11] == 1);
}

BOOST_AUTO_TEST_CASE(matches_an_upstream_response_by_id_flag_and_question) {
  const Query q = *parse_query(view(kDigQuery)).query;
  auto r = build_response(q, Rcode::kNxDomain, false, {}, true);
  BOOST_TEST(answers(q, view(r)));
  auto other_id = r;
  other_id[1] ^= 1;
  BOOST_TEST(!answers(q, view(other_id)));
  auto not_response = r;
  not_response[2] &= 0x7F;
  BOOST_TEST(!answers(q, view(not_response)));
  auto other_name = r;
  other_name[13] = 'x';
  BOOST_TEST(!answers(q, view(other_name)));
  auto upper = r;
  upper[13] = 'H';  // case differs: still the same name (RFC 4343)
  BOOST_TEST(answers(q, view(upper)));
  BOOST_TEST(!answers(q, view(std::vector<uint8_t>(r.begin(), r.begin() + 20))));
}

BOOST_AUTO_TEST_CASE(answers_an_unparsable_query_with_its_id) {
  auto e = build_error(0xBEEF, 0, true, Rcode::kFormErr);
  BOOST_REQUIRE(e.size() == kHeaderSize);
  BOOST_TEST(e[0] == 0xBE);
  BOOST_TEST(e[3] == 0x81);
}

BOOST_AUTO_TEST_SUITE_END()
