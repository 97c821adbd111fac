// Discovery message codec: round trips of each type, the key both sides derive, the wire layout
// of message.h checked with an independently computed key, and every way a datagram or a
// plaintext can be wrong.
#define BOOST_TEST_MODULE disco_message
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "core/random.h"
#include "crypto/crypto.h"
#include "disco/message.h"
#include "support/disco_samples.h"
#include "support/fuzz_seeds.h"
#include "support/test_keys.h"

using namespace weft;
using namespace weft::disco;

namespace {

core::SocketAddress addr(const char* text) { return *core::SocketAddress::parse(text); }

struct Peers {
  core::SeededRandom rng{11};
  core::DiscoPrivateKey a_priv = test::random_private<core::DiscoPrivateKey>(rng);
  core::DiscoPrivateKey b_priv = test::random_private<core::DiscoPrivateKey>(rng);
  core::DiscoPublicKey a = test::public_of<core::DiscoPublicKey>(a_priv);
  core::DiscoPublicKey b = test::public_of<core::DiscoPublicKey>(b_priv);
  SharedKey a_to_b = *SharedKey::derive(a_priv, b);
  SharedKey b_to_a = *SharedKey::derive(b_priv, a);
  Nonce nonce{};

  Peers() { rng.fill(nonce.data(), nonce.size()); }

  // `m` sealed by a for b.
  std::vector<uint8_t> sealed(const Message& m) {
    std::vector<uint8_t> out(kMaxMessageSize);
    const std::size_t n = a_to_b.seal(a, nonce, m, core::MutableBytes{out.data(), out.size()});
    BOOST_REQUIRE(n > 0);
    out.resize(n);
    return out;
  }
  Result<Message> open_at_b(const std::vector<uint8_t>& d) const {
    return b_to_a.open(core::ByteView{d.data(), d.size()});
  }
};

// A datagram from a to b around an arbitrary plaintext.
std::vector<uint8_t> seal_raw(const Peers& p, const std::vector<uint8_t>& plain) {
  return test::disco_seal_raw(test::disco_key_by_spec(p.a_priv, p.b), p.a, p.nonce,
                              core::ByteView{plain.data(), plain.size()});
}

Result<Message> decode(const std::vector<uint8_t>& plain) {
  return decode_plaintext(core::ByteView{plain.data(), plain.size()});
}

std::string code_of(const Result<Message>& r) { return r.ok() ? "ok" : r.error().code; }

Message ping() {
  Message m;
  m.type = MessageType::kPing;
  for (std::size_t i = 0; i < kTxIdLen; ++i) m.ping.tx[i] = static_cast<uint8_t>(0xa0 + i);
  for (std::size_t i = 0; i < kKeyLen; ++i) m.ping.node_key.bytes[i] = static_cast<uint8_t>(i + 1);
  return m;
}

Message pong(const core::SocketAddress& src) {
  Message m;
  m.type = MessageType::kPong;
  m.pong.tx = ping().ping.tx;
  m.pong.src = src;
  return m;
}

Message call_me_maybe(std::size_t count) {
  Message m;
  m.type = MessageType::kCallMeMaybe;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string a = i % 2 == 0 ? "198.51.100." + std::to_string(i + 1) + ":41641"
                                     : "[2001:db8::" + std::to_string(i) + "]:" +
                                           std::to_string(40000 + i);
    m.call_me_maybe.endpoints.push_back(addr(a.c_str()));
  }
  return m;
}

// A plaintext with one endpoint field holding `address` (16 bytes) and `port`.
std::vector<uint8_t> endpoint_bytes(const std::array<uint8_t, 16>& address, uint16_t port) {
  std::vector<uint8_t> e(address.begin(), address.end());
  e.push_back(static_cast<uint8_t>(port >> 8));
  e.push_back(static_cast<uint8_t>(port));
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(disco_message)

BOOST_AUTO_TEST_CASE(both_sides_derive_the_same_key_and_the_one_the_spec_names) {
  Peers p;
  const std::vector<uint8_t> d = p.sealed(ping());
  // b opens what a sealed, with b's own derivation of the key.
  BOOST_TEST(p.open_at_b(d).ok());
  // a can open it too (the key is symmetric), and so can the spec's key computed from b's side.
  BOOST_TEST(p.a_to_b.open(core::ByteView{d.data(), d.size()}).ok());
  const crypto::Key32 key = test::disco_key_by_spec(p.b_priv, p.a);
  std::vector<uint8_t> plain(d.size() - kOverhead);
  BOOST_TEST(crypto::xaead_open(key, p.nonce, d.data() + kHeaderLen + kNonceLen,
                                d.size() - kHeaderLen - kNonceLen, d.data(), kHeaderLen,
                                plain.data()));
  BOOST_TEST(plain == encode_plaintext(ping()));
}

BOOST_AUTO_TEST_CASE(a_sealed_datagram_has_the_documented_layout) {
  Peers p;
  const std::vector<uint8_t> d = p.sealed(ping());
  BOOST_REQUIRE(d.size() == kOverhead + 2 + kTxIdLen + kKeyLen);
  BOOST_TEST(std::memcmp(d.data(), kMagic.data(), kMagic.size()) == 0);
  BOOST_TEST(std::memcmp(d.data() + kMagic.size(), p.a.bytes.data(), kKeyLen) == 0);
  BOOST_TEST(std::memcmp(d.data() + kHeaderLen, p.nonce.data(), kNonceLen) == 0);
  BOOST_TEST(has_magic(core::ByteView{d.data(), d.size()}));
  const auto sender = peek_sender(core::ByteView{d.data(), d.size()});
  BOOST_TEST((sender && *sender == p.a));
  BOOST_TEST(kMaxMessageSize == p.sealed(call_me_maybe(kMaxCallMeMaybeEndpoints)).size());
}

BOOST_AUTO_TEST_CASE(peek_sender_needs_the_magic_and_a_whole_header) {
  Peers p;
  std::vector<uint8_t> d = p.sealed(ping());
  BOOST_TEST(!peek_sender(core::ByteView{d.data(), kOverhead - 1}).has_value());
  BOOST_TEST(peek_sender(core::ByteView{d.data(), kOverhead}).has_value());
  d[3] ^= 1;
  BOOST_TEST(!peek_sender(core::ByteView{d.data(), d.size()}).has_value());
  BOOST_TEST(!has_magic(core::ByteView{d.data(), d.size()}));
  BOOST_TEST(!has_magic(core::ByteView{kMagic.data(), kMagic.size() - 1}));
  BOOST_TEST(!has_magic(core::ByteView{}));
}

BOOST_AUTO_TEST_CASE(ping_round_trips) {
  Peers p;
  const auto r = p.open_at_b(p.sealed(ping()));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((r->type == MessageType::kPing));
  BOOST_TEST((r->ping.tx == ping().ping.tx));
  BOOST_TEST((r->ping.node_key == ping().ping.node_key));
}

BOOST_AUTO_TEST_CASE(pong_round_trips_with_ipv4_and_ipv6_sources) {
  Peers p;
  for (const char* text : {"203.0.113.7:41641", "[2001:db8:1::7]:65535", "10.0.0.1:1"}) {
    const core::SocketAddress src = addr(text);
    const auto r = p.open_at_b(p.sealed(pong(src)));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST((r->type == MessageType::kPong));
    BOOST_TEST((r->pong.tx == ping().ping.tx));
    BOOST_TEST(r->pong.src.to_string() == src.to_string());
    BOOST_TEST((r->pong.src.address.is_v4() == src.address.is_v4()));
  }
}

BOOST_AUTO_TEST_CASE(ipv4_travels_as_ipv4_mapped_ipv6) {
  const std::vector<uint8_t> plain = encode_plaintext(pong(addr("203.0.113.7:41641")));
  const std::vector<uint8_t> expected_endpoint = {0, 0, 0, 0, 0,    0,    0,   0, 0,
                                                  0, 0xff, 0xff, 203, 0, 113, 7, 0xa2, 0xa9};
  BOOST_REQUIRE(plain.size() == 2 + kTxIdLen + kEndpointLen);
  BOOST_TEST(std::vector<uint8_t>(plain.begin() + 2 + kTxIdLen, plain.end()) == expected_endpoint);
  // A mapped address written as IPv6 by another implementation still decodes to plain IPv4.
  Message m = pong(addr("[::ffff:192.0.2.9]:7"));
  BOOST_TEST(!m.pong.src.address.is_v4());
  const auto r = decode(encode_plaintext(m));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->pong.src.address.is_v4());
  BOOST_TEST(r->pong.src.to_string() == "192.0.2.9:7");
}

BOOST_AUTO_TEST_CASE(call_me_maybe_round_trips_empty_and_full) {
  Peers p;
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, kMaxCallMeMaybeEndpoints}) {
    const Message m = call_me_maybe(count);
    const auto r = p.open_at_b(p.sealed(m));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST((r->type == MessageType::kCallMeMaybe));
    BOOST_TEST((r->call_me_maybe.endpoints == m.call_me_maybe.endpoints));
  }
}

BOOST_AUTO_TEST_CASE(call_me_maybe_beyond_the_limit_is_encoded_truncated) {
  const Message m = call_me_maybe(kMaxCallMeMaybeEndpoints + 5);
  const std::vector<uint8_t> plain = encode_plaintext(m);
  BOOST_TEST(plain.size() == 2 + kMaxCallMeMaybeEndpoints * kEndpointLen);
  const auto r = decode(plain);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->call_me_maybe.endpoints.size() == kMaxCallMeMaybeEndpoints);
  BOOST_TEST((r->call_me_maybe.endpoints.back() ==
              m.call_me_maybe.endpoints[kMaxCallMeMaybeEndpoints - 1]));
}

BOOST_AUTO_TEST_CASE(another_key_fails_authentication) {
  Peers p;
  const std::vector<uint8_t> d = p.sealed(ping());
  core::SeededRandom rng(99);
  const auto stranger = test::random_private<core::DiscoPrivateKey>(rng);
  const SharedKey wrong = *SharedKey::derive(stranger, p.a);
  BOOST_TEST(code_of(wrong.open(core::ByteView{d.data(), d.size()})) == "disco.auth");
}

BOOST_AUTO_TEST_CASE(every_flipped_bit_is_rejected) {
  Peers p;
  for (const Message& m : {ping(), pong(addr("192.0.2.1:9")), call_me_maybe(2)}) {
    const std::vector<uint8_t> d = p.sealed(m);
    for (std::size_t bit = 0; bit < d.size() * 8; ++bit) {
      std::vector<uint8_t> bad = d;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      const std::string code = code_of(p.open_at_b(bad));
      const std::string expected = bit / 8 < kMagic.size() ? "disco.magic" : "disco.auth";
      BOOST_TEST(code == expected, "bit " << bit << " of a " << to_string(m.type));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  Peers p;
  const std::vector<uint8_t> d = p.sealed(call_me_maybe(3));
  for (std::size_t n = 0; n < d.size(); ++n) {
    // An exact-size copy, so that a read past the view would be a heap overflow under ASan.
    const std::vector<uint8_t> cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    const std::string code = code_of(p.open_at_b(cut));
    BOOST_TEST(code == (n < kOverhead ? "disco.short" : "disco.auth"), "length " << n);
  }
}

BOOST_AUTO_TEST_CASE(a_swapped_sender_key_fails_authentication) {
  Peers p;
  std::vector<uint8_t> d = p.sealed(ping());
  std::memcpy(d.data() + kMagic.size(), p.b.bytes.data(), kKeyLen);
  BOOST_TEST(code_of(p.open_at_b(d)) == "disco.auth");
}

BOOST_AUTO_TEST_CASE(a_sealed_plaintext_error_surfaces_from_open) {
  Peers p;
  BOOST_TEST(code_of(p.open_at_b(seal_raw(p, {1, 1}))) == "disco.version");
  BOOST_TEST(code_of(p.open_at_b(seal_raw(p, {9, 0}))) == "disco.unknown_type");
  BOOST_TEST(code_of(p.open_at_b(seal_raw(p, {}))) == "disco.malformed");
  BOOST_TEST(code_of(p.open_at_b(seal_raw(p, encode_plaintext(ping())))) == "ok");
}

BOOST_AUTO_TEST_CASE(a_version_other_than_zero_is_rejected_before_the_type) {
  for (uint8_t version : {1, 2, 0xff}) {
    std::vector<uint8_t> plain = encode_plaintext(ping());
    plain[1] = version;
    BOOST_TEST(code_of(decode(plain)) == "disco.version");
    plain[0] = 0x42;
    BOOST_TEST(code_of(decode(plain)) == "disco.version");
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_type_is_rejected) {
  for (uint8_t type : {0, 4, 0x77, 0xff}) {
    std::vector<uint8_t> plain = encode_plaintext(ping());
    plain[0] = type;
    BOOST_TEST(code_of(decode(plain)) == "disco.unknown_type");
  }
  BOOST_TEST(std::string(to_string(static_cast<MessageType>(9))) == "unknown");
  BOOST_TEST(std::string(to_string(MessageType::kCallMeMaybe)) == "call-me-maybe");
}

BOOST_AUTO_TEST_CASE(short_plaintexts_are_malformed) {
  BOOST_TEST(code_of(decode({})) == "disco.malformed");
  BOOST_TEST(code_of(decode({1})) == "disco.malformed");
  for (const Message& m : {ping(), pong(addr("192.0.2.1:9"))}) {
    const std::vector<uint8_t> plain = encode_plaintext(m);
    for (std::size_t n = 2; n < plain.size(); ++n) {
      const std::vector<uint8_t> cut(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(n));
      BOOST_TEST(code_of(decode(cut)) == "disco.malformed", to_string(m.type) << " of " << n);
    }
  }
}

BOOST_AUTO_TEST_CASE(ping_and_pong_ignore_trailing_bytes) {
  for (const Message& m : {ping(), pong(addr("[2001:db8::1]:5"))}) {
    std::vector<uint8_t> plain = encode_plaintext(m);
    plain.insert(plain.end(), 100, 0xee);
    const auto r = decode(plain);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST((r->type == m.type));
    BOOST_TEST((r->ping.tx == m.ping.tx && r->pong.src == m.pong.src));
  }
}

BOOST_AUTO_TEST_CASE(call_me_maybe_with_too_many_or_partial_endpoints_is_malformed) {
  std::vector<uint8_t> plain = encode_plaintext(call_me_maybe(kMaxCallMeMaybeEndpoints));
  const std::vector<uint8_t> one = endpoint_bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
                                                   0, 0, 0, 0x21},
                                                  443);
  std::vector<uint8_t> too_many = plain;
  too_many.insert(too_many.end(), one.begin(), one.end());
  BOOST_TEST(code_of(decode(too_many)) == "disco.malformed");
  for (std::size_t extra = 1; extra < kEndpointLen; ++extra) {
    std::vector<uint8_t> partial = encode_plaintext(call_me_maybe(1));
    partial.insert(partial.end(), one.begin(), one.begin() + static_cast<std::ptrdiff_t>(extra));
    BOOST_TEST(code_of(decode(partial)) == "disco.malformed", "extra " << extra);
  }
}

BOOST_AUTO_TEST_CASE(port_zero_and_unspecified_addresses_are_malformed) {
  const std::array<uint8_t, 16> unspecified{};
  std::array<uint8_t, 16> mapped_any{};
  mapped_any[10] = mapped_any[11] = 0xff;
  std::array<uint8_t, 16> good{};
  good[0] = 0x20;
  good[1] = 0x01;
  good[15] = 1;
  const std::vector<std::vector<uint8_t>> bad_endpoints = {
      endpoint_bytes(good, 0), endpoint_bytes(unspecified, 80), endpoint_bytes(mapped_any, 80)};
  for (const auto& e : bad_endpoints) {
    std::vector<uint8_t> cmm = {static_cast<uint8_t>(MessageType::kCallMeMaybe), 0};
    cmm.insert(cmm.end(), e.begin(), e.end());
    BOOST_TEST(code_of(decode(cmm)) == "disco.malformed");
    std::vector<uint8_t> pong_plain = {static_cast<uint8_t>(MessageType::kPong), 0};
    pong_plain.insert(pong_plain.end(), kTxIdLen, 7);
    pong_plain.insert(pong_plain.end(), e.begin(), e.end());
    BOOST_TEST(code_of(decode(pong_plain)) == "disco.malformed");
  }
  std::vector<uint8_t> fine = {static_cast<uint8_t>(MessageType::kCallMeMaybe), 0};
  const auto e = endpoint_bytes(good, 80);
  fine.insert(fine.end(), e.begin(), e.end());
  BOOST_TEST(code_of(decode(fine)) == "ok");
}

BOOST_AUTO_TEST_CASE(a_pong_through_a_relay_has_no_source) {
  // All zero, or the encoding of a default SocketAddress: no address was seen.
  std::array<uint8_t, 16> mapped_any{};
  mapped_any[10] = mapped_any[11] = 0xff;
  for (const auto& e :
       {endpoint_bytes(std::array<uint8_t, 16>{}, 0), endpoint_bytes(mapped_any, 0)}) {
    std::vector<uint8_t> pong_plain = {static_cast<uint8_t>(MessageType::kPong), 0};
    pong_plain.insert(pong_plain.end(), kTxIdLen, 7);
    pong_plain.insert(pong_plain.end(), e.begin(), e.end());
    auto m = decode(pong_plain);
    BOOST_REQUIRE(m.ok());
    BOOST_TEST((m.value().pong.src == core::SocketAddress{}));
  }
  Message m;
  m.type = MessageType::kPong;
  BOOST_TEST(decode(encode_plaintext(m)).ok());
}

BOOST_AUTO_TEST_CASE(a_low_order_peer_key_derives_nothing) {
  core::SeededRandom rng(5);
  const auto own = test::random_private<core::DiscoPrivateKey>(rng);
  BOOST_TEST(!SharedKey::derive(own, core::DiscoPublicKey{}).has_value());
  // The order-1 point (u = 1) also yields an all-zero result (RFC 7748 section 6.1).
  crypto::Key32 one{};
  one[0] = 1;
  BOOST_TEST(!SharedKey::derive(own, core::DiscoPublicKey(one)).has_value());
}

BOOST_AUTO_TEST_CASE(sealing_into_a_small_buffer_writes_nothing) {
  Peers p;
  const Message m = pong(addr("192.0.2.1:9"));
  const std::size_t size = kOverhead + encode_plaintext(m).size();
  std::vector<uint8_t> out(size, 0xcc);
  BOOST_TEST(p.a_to_b.seal(p.a, p.nonce, m, core::MutableBytes{out.data(), size - 1}) == 0u);
  BOOST_TEST(out == std::vector<uint8_t>(size, 0xcc));
  BOOST_TEST(p.a_to_b.seal(p.a, p.nonce, m, core::MutableBytes{}) == 0u);
  BOOST_TEST(p.a_to_b.seal(p.a, p.nonce, m, core::MutableBytes{out.data(), size}) == size);
}

BOOST_AUTO_TEST_CASE(a_copied_key_opens_the_same_datagrams) {
  Peers p;
  const std::vector<uint8_t> d = p.sealed(call_me_maybe(4));
  std::optional<SharedKey> copy = p.b_to_a;
  BOOST_TEST(copy->open(core::ByteView{d.data(), d.size()}).ok());
}

// ---------------------------------------------------------------- the fuzz seed corpus

// The seeds of tests/fuzz/disco_message_fuzz: samples sealed from a to b under the target's
// fixed keys, and bare plaintexts. Run with WEFT_WRITE_SEEDS=1 to rewrite them after a sample
// or the format changes.
BOOST_AUTO_TEST_CASE(fuzz_seeds_are_the_sealed_samples) {
  const test::DiscoFuzzKeys keys;
  const std::vector<std::pair<std::string, Message>> samples = {
      {"ping", ping()},
      {"pong_v4", pong(addr("203.0.113.7:41641"))},
      {"pong_v6", pong(addr("[2001:db8::7]:3478"))},
      {"call_me_maybe_empty", call_me_maybe(0)},
      {"call_me_maybe_3", call_me_maybe(3)},
      {"call_me_maybe_full", call_me_maybe(kMaxCallMeMaybeEndpoints)}};
  test::Seeds seeds;
  uint8_t n = 0;
  for (const auto& [name, m] : samples) {
    Nonce nonce{};
    for (auto& b : nonce) b = n++;
    std::vector<uint8_t> d(kMaxMessageSize);
    d.resize(keys.a_to_b.seal(keys.a, nonce, m, core::MutableBytes{d.data(), d.size()}));
    BOOST_TEST(keys.b_to_a.open(core::ByteView{d.data(), d.size()}).ok());
    seeds.emplace_back("sealed_" + name, d);
    if (name != "call_me_maybe_full") seeds.emplace_back("plain_" + name, encode_plaintext(m));
  }
  for (const std::string& name : test::stale_seeds("disco_message_fuzz", seeds)) {
    BOOST_ERROR(name << " differs from its sample: rerun with WEFT_WRITE_SEEDS=1");
  }
}

BOOST_AUTO_TEST_SUITE_END()
