// STUN message codec: RFC 5769's published vectors, round trips, and the bounds every decode
// checks.
#define BOOST_TEST_MODULE stun_message
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "stun/message.h"
#include "stun/refinger.h"

using namespace weft;
using namespace weft::stun;
using weft::stun::test::refinger;

namespace {

const TransactionId kVectorId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

// RFC 5769 section 2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
// MESSAGE-INTEGRITY and FINGERPRINT.
const std::vector<uint8_t> kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
    0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74,
    0x65, 0x73, 0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e,
    0x00, 0x01, 0xff, 0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
    0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20,
    0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e,
    0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5,
    0x7a, 0x3b, 0xcf};

// RFC 5769 section 2.2: the IPv4 response (192.0.2.1:32853).
const std::vector<uint8_t> kSampleIpv4Response = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
    0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74,
    0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01,
    0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43, 0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99,
    0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b,
    0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

// RFC 5769 section 2.3: the IPv6 response ([2001:db8:1234:5678:11:2233:4455:6677]:32853).
const std::vector<uint8_t> kSampleIpv6Response = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
    0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74,
    0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02,
    0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5,
    0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6,
    0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
    0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

core::ByteView view(const std::vector<uint8_t>& v) { return core::ByteView{v.data(), v.size()}; }

core::SocketAddress addr(const char* text) { return *core::SocketAddress::parse(text); }

std::vector<uint8_t> request(const TransactionId& id) {
  std::vector<uint8_t> buf(kMaxEncodedSize);
  buf.resize(encode_binding_request(id, core::MutableBytes{buf.data(), buf.size()}));
  return buf;
}

std::vector<uint8_t> success(const TransactionId& id, const core::SocketAddress& a) {
  std::vector<uint8_t> buf(kMaxEncodedSize);
  buf.resize(encode_binding_success(id, a, core::MutableBytes{buf.data(), buf.size()}));
  return buf;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stun_message)

BOOST_AUTO_TEST_CASE(decodes_rfc5769_sample_request) {
  Message m;
  BOOST_TEST(to_string(decode(view(kSampleRequest), m)) == std::string("none"));
  BOOST_TEST(m.method == kMethodBinding);
  BOOST_TEST((m.message_class == MessageClass::kRequest));
  BOOST_TEST((m.transaction_id == kVectorId));
  BOOST_TEST(m.has_fingerprint);
  BOOST_TEST(m.has_message_integrity);
  BOOST_TEST(m.unknown_required_count == 0u);  // PRIORITY and USERNAME are known
  BOOST_TEST(std::string(reinterpret_cast<const char*>(m.software.data), m.software.size) ==
             "STUN test client");
}

BOOST_AUTO_TEST_CASE(decodes_rfc5769_ipv4_response) {
  Message m;
  BOOST_REQUIRE(decode(view(kSampleIpv4Response), m) == DecodeError::kNone);
  BOOST_TEST((m.message_class == MessageClass::kSuccessResponse));
  BOOST_REQUIRE(m.xor_mapped_address.has_value());
  BOOST_TEST(m.xor_mapped_address->to_string() == "192.0.2.1:32853");
  BOOST_TEST(m.reflexive_address()->to_string() == "192.0.2.1:32853");
}

BOOST_AUTO_TEST_CASE(decodes_rfc5769_ipv6_response) {
  Message m;
  BOOST_REQUIRE(decode(view(kSampleIpv6Response), m) == DecodeError::kNone);
  BOOST_REQUIRE(m.xor_mapped_address.has_value());
  BOOST_TEST(m.xor_mapped_address->to_string() == "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
}

BOOST_AUTO_TEST_CASE(decodes_a_coturn_response) {
  // Coturn 4.6.1's answer to weft's request from 127.0.0.1:40001 (transaction id 1..12):
  // XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, RESPONSE-ORIGIN, SOFTWARE, FINGERPRINT.
  const std::vector<uint8_t> coturn = {
      0x01, 0x01, 0x00, 0x44, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xbd, 0x53, 0x5e, 0x12,
      0xa4, 0x43, 0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x9c, 0x41, 0x7f, 0x00, 0x00, 0x01, 0x80,
      0x2b, 0x00, 0x08, 0x00, 0x01, 0x0d, 0x96, 0x7f, 0x00, 0x00, 0x01, 0x80, 0x22, 0x00, 0x14,
      0x43, 0x6f, 0x74, 0x75, 0x72, 0x6e, 0x2d, 0x34, 0x2e, 0x36, 0x2e, 0x31, 0x20, 0x27, 0x47,
      0x6f, 0x72, 0x73, 0x74, 0x27, 0x80, 0x28, 0x00, 0x04, 0xd4, 0x4c, 0x5a, 0x91};
  Message m;
  BOOST_REQUIRE(decode(view(coturn), m) == DecodeError::kNone);
  BOOST_TEST(m.has_fingerprint);
  BOOST_TEST(m.xor_mapped_address->to_string() == "127.0.0.1:40001");
  BOOST_TEST(m.mapped_address->to_string() == "127.0.0.1:40001");
  BOOST_TEST(m.unknown_required_count == 0u);
}

BOOST_AUTO_TEST_CASE(crc32_matches_the_check_value) {
  const char* text = "123456789";
  BOOST_TEST(crc32(reinterpret_cast<const uint8_t*>(text), 9) == 0xCBF43926u);
}

BOOST_AUTO_TEST_CASE(request_round_trips_with_software_and_fingerprint) {
  const auto req = request(kVectorId);
  BOOST_TEST(req.size() == 20u + 8u + 8u);
  Message m;
  BOOST_REQUIRE(decode(view(req), m) == DecodeError::kNone);
  BOOST_TEST((m.message_class == MessageClass::kRequest));
  BOOST_TEST(m.method == kMethodBinding);
  BOOST_TEST((m.transaction_id == kVectorId));
  BOOST_TEST(m.has_fingerprint);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(m.software.data), m.software.size) == "weft");
  BOOST_TEST(req[0] == 0x00);
  BOOST_TEST(req[1] == 0x01);
  BOOST_TEST(looks_like_stun(view(req)));
}

BOOST_AUTO_TEST_CASE(success_round_trips_ipv4_and_ipv6_addresses) {
  for (const char* text : {"198.51.100.7:40000", "[2001:db8::42]:1", "0.0.0.0:65535"}) {
    const auto resp = success(kVectorId, addr(text));
    Message m;
    BOOST_REQUIRE(decode(view(resp), m) == DecodeError::kNone);
    BOOST_TEST((m.message_class == MessageClass::kSuccessResponse));
    BOOST_REQUIRE(m.xor_mapped_address.has_value());
    BOOST_TEST(m.xor_mapped_address->to_string() == text);
  }
}

BOOST_AUTO_TEST_CASE(success_response_matches_rfc5769_address_bytes) {
  // The XOR-MAPPED-ADDRESS value of section 2.2 for 192.0.2.1:32853.
  const auto resp = success(kVectorId, addr("192.0.2.1:32853"));
  const std::vector<uint8_t> want = {0x00, 0x20, 0x00, 0x08, 0x00, 0x01,
                                     0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43};
  BOOST_TEST(std::vector<uint8_t>(resp.begin() + 20, resp.begin() + 32) == want,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(error_response_lists_unknown_attributes) {
  std::vector<uint8_t> buf(kMaxEncodedSize);
  const uint16_t unknown[] = {0x7777, 0x0033};
  buf.resize(encode_binding_error(kVectorId, 420, "Unknown Attribute", unknown, 2,
                                  core::MutableBytes{buf.data(), buf.size()}));
  BOOST_REQUIRE(!buf.empty());
  Message m;
  BOOST_REQUIRE(decode(view(buf), m) == DecodeError::kNone);
  BOOST_TEST((m.message_class == MessageClass::kErrorResponse));
  BOOST_TEST(m.error_code.value_or(0) == 420);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(m.error_reason.data), m.error_reason.size) ==
             "Unknown Attribute");
}

BOOST_AUTO_TEST_CASE(error_response_refuses_codes_out_of_range) {
  std::vector<uint8_t> buf(kMaxEncodedSize);
  BOOST_TEST(encode_binding_error(kVectorId, 200, "x", nullptr, 0,
                                  core::MutableBytes{buf.data(), buf.size()}) == 0u);
}

BOOST_AUTO_TEST_CASE(longest_error_response_fits_the_documented_buffer) {
  std::vector<uint8_t> buf(kMaxEncodedSize);
  const std::string reason(200, 'r');
  uint16_t unknown[kMaxUnknownAttributes + 4] = {};
  BOOST_TEST(encode_binding_error(kVectorId, 699, reason.c_str(), unknown, kMaxUnknownAttributes + 4,
                                  core::MutableBytes{buf.data(), buf.size()}) > 0u);
}

BOOST_AUTO_TEST_CASE(encoders_return_zero_for_a_short_buffer) {
  for (std::size_t cap = 0; cap < 36; ++cap) {
    std::vector<uint8_t> buf(cap);
    BOOST_TEST(encode_binding_request(kVectorId, core::MutableBytes{buf.data(), cap}) == 0u);
  }
  std::vector<uint8_t> buf(40);
  BOOST_TEST(encode_binding_success(kVectorId, addr("[2001:db8::1]:9"),
                                    core::MutableBytes{buf.data(), buf.size()}) == 0u);
}

BOOST_AUTO_TEST_CASE(rejects_every_truncation_of_a_response) {
  for (std::size_t n = 0; n < kSampleIpv6Response.size(); ++n) {
    Message m;
    BOOST_TEST((decode(core::ByteView{kSampleIpv6Response.data(), n}, m) != DecodeError::kNone));
  }
}

BOOST_AUTO_TEST_CASE(rejects_rfc3489_messages_without_magic_cookie) {
  auto req = request(kVectorId);
  req[4] ^= 0xff;
  Message m;
  BOOST_TEST((decode(view(req), m) == DecodeError::kNotStun));
  BOOST_TEST(!looks_like_stun(view(req)));
}

BOOST_AUTO_TEST_CASE(rejects_a_header_length_that_disagrees_with_the_datagram) {
  auto req = request(kVectorId);
  req.insert(req.end(), {0, 0, 0, 0});
  Message m;
  BOOST_TEST((decode(view(req), m) == DecodeError::kBadLength));
}

BOOST_AUTO_TEST_CASE(rejects_a_wrong_fingerprint) {
  auto req = request(kVectorId);
  req.back() ^= 1;
  Message m;
  BOOST_TEST((decode(view(req), m) == DecodeError::kBadFingerprint));
}

BOOST_AUTO_TEST_CASE(rejects_a_fingerprint_that_is_not_last) {
  auto req = request(kVectorId);
  req.insert(req.end(), {0x80, 0x22, 0x00, 0x00});  // an empty SOFTWARE after FINGERPRINT
  req[2] = 0;
  req[3] = static_cast<uint8_t>(req.size() - kHeaderSize);
  Message m;
  BOOST_TEST((decode(view(req), m) == DecodeError::kBadFingerprint));
}

BOOST_AUTO_TEST_CASE(accepts_messages_without_fingerprint) {
  auto resp = success(kVectorId, addr("192.0.2.9:7"));
  resp.resize(resp.size() - 8);
  resp[3] = static_cast<uint8_t>(resp.size() - kHeaderSize);
  Message m;
  BOOST_REQUIRE(decode(view(resp), m) == DecodeError::kNone);
  BOOST_TEST(!m.has_fingerprint);
  BOOST_TEST(m.xor_mapped_address->to_string() == "192.0.2.9:7");
}

BOOST_AUTO_TEST_CASE(rejects_an_address_attribute_of_the_wrong_size) {
  auto resp = success(kVectorId, addr("192.0.2.9:7"));
  resp[23] = 0x14;  // XOR-MAPPED-ADDRESS claims 20 bytes for an IPv4 family
  Message m;
  BOOST_TEST((decode(view(resp), m) != DecodeError::kNone));
  auto v6 = success(kVectorId, addr("[2001:db8::9]:7"));
  v6[25] = 0x01;  // IPv6 value with the IPv4 family
  refinger(v6);
  BOOST_TEST((decode(view(v6), m) == DecodeError::kMalformedAttribute));
  v6[25] = 0x03;  // no such family
  refinger(v6);
  BOOST_TEST((decode(view(v6), m) == DecodeError::kMalformedAttribute));
}

BOOST_AUTO_TEST_CASE(rejects_an_attribute_overrunning_the_message) {
  auto req = request(kVectorId);
  req[23] = 0x40;  // SOFTWARE claims 64 bytes
  Message m;
  BOOST_TEST((decode(view(req), m) == DecodeError::kMalformedAttribute));
}

BOOST_AUTO_TEST_CASE(skips_unknown_optional_attributes_and_lists_unknown_required_ones) {
  auto req = request(kVectorId);
  const std::vector<uint8_t> extra = {0xC0, 0x01, 0x00, 0x03, 1, 2, 3, 0,   // optional, padded
                                      0x7F, 0x01, 0x00, 0x00,               // required, empty
                                      0x80, 0x2b, 0x00, 0x08, 0, 1, 0, 1, 192, 0, 2, 1};
  req.insert(req.begin() + 20, extra.begin(), extra.end());
  refinger(req);
  Message m;
  BOOST_REQUIRE(decode(view(req), m) == DecodeError::kNone);
  BOOST_TEST(m.unknown_required_count == 1u);
  BOOST_TEST(m.unknown_required[0] == 0x7F01);
  BOOST_TEST(m.has_fingerprint);
}

BOOST_AUTO_TEST_CASE(reads_mapped_address_from_rfc3489_style_servers) {
  // A coturn-style answer: MAPPED-ADDRESS before XOR-MAPPED-ADDRESS; XOR wins.
  auto resp = success(kVectorId, addr("203.0.113.5:4242"));
  const std::vector<uint8_t> mapped = {0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x10, 0x92, 203, 0, 113, 5};
  resp.insert(resp.begin() + 20, mapped.begin(), mapped.end());
  refinger(resp);
  Message m;
  BOOST_REQUIRE(decode(view(resp), m) == DecodeError::kNone);
  BOOST_TEST(m.mapped_address->to_string() == "203.0.113.5:4242");
  BOOST_TEST(m.reflexive_address()->to_string() == "203.0.113.5:4242");
}

BOOST_AUTO_TEST_CASE(ignores_attributes_after_message_integrity) {
  // Section 2.2's vector with the XOR-MAPPED-ADDRESS moved after MESSAGE-INTEGRITY.
  std::vector<uint8_t> v(kSampleIpv4Response.begin(), kSampleIpv4Response.begin() + 36);
  v.insert(v.end(), kSampleIpv4Response.begin() + 48, kSampleIpv4Response.begin() + 72);
  v.insert(v.end(), kSampleIpv4Response.begin() + 36, kSampleIpv4Response.begin() + 48);
  v.insert(v.end(), kSampleIpv4Response.begin() + 72, kSampleIpv4Response.end());
  refinger(v);
  Message m;
  BOOST_REQUIRE(decode(view(v), m) == DecodeError::kNone);
  BOOST_TEST(!m.xor_mapped_address.has_value());
}

BOOST_AUTO_TEST_CASE(decodes_the_class_bits_of_every_binding_message) {
  auto msg = request(kVectorId);
  const std::pair<uint16_t, MessageClass> cases[] = {{0x0001, MessageClass::kRequest},
                                                     {0x0011, MessageClass::kIndication},
                                                     {0x0101, MessageClass::kSuccessResponse},
                                                     {0x0111, MessageClass::kErrorResponse}};
  for (const auto& [type, cls] : cases) {
    msg[0] = static_cast<uint8_t>(type >> 8);
    msg[1] = static_cast<uint8_t>(type);
    refinger(msg);
    Message m;
    BOOST_REQUIRE(decode(view(msg), m) == DecodeError::kNone);
    BOOST_TEST((m.message_class == cls));
    BOOST_TEST(m.method == kMethodBinding);
  }
  msg[0] = 0x00;
  msg[1] = 0x03;  // Allocate (TURN) request
  refinger(msg);
  Message m;
  BOOST_REQUIRE(decode(view(msg), m) == DecodeError::kNone);
  BOOST_TEST(m.method == 0x003);
}

BOOST_AUTO_TEST_SUITE_END()
