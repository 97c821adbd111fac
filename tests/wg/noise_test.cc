// Noise_IKpsk2 as WireGuard uses it (whitepaper 5.4.2-5.4.5): both sides derive crossed equal
// transport keys; tampering fails without disturbing state; TAI64N encoding and ordering.
#define BOOST_TEST_MODULE wg_noise
#include <boost/test/unit_test.hpp>

#include "harness.h"
#include "wg/noise.h"

using namespace weft::wg;
using namespace weft::wg::test;
using weft::crypto::Key32;

namespace {

struct Side {
  explicit Side(uint64_t seed) {
    id.private_key = make_private(seed);
    id.public_key.bytes = weft::crypto::x25519_public(id.private_key.bytes);
    id.has_key = true;
  }
  StaticIdentity id;
  Handshake hs;
};

struct Handshaking {
  Handshaking() : i(11), r(22) {
    i.hs.remote_static = r.id.public_key;
    r.hs.remote_static = i.id.public_key;
    i.hs.preshared_key.bytes.fill(0x42);
    r.hs.preshared_key.bytes.fill(0x42);
    precompute_static_static(i.id, i.hs);
    precompute_static_static(r.id, r.hs);
    eph_i.fill(1);
    eph_r.fill(2);
  }
  Side i;
  Side r;
  Key32 eph_i;
  Key32 eph_r;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(noise)

BOOST_AUTO_TEST_CASE(both_sides_derive_crossed_equal_keys) {
  Handshaking h;
  Tai64n ts = tai64n(WallTime(std::chrono::seconds(1700000000)));
  HandshakeInitiation init;
  BOOST_REQUIRE(create_initiation(h.i.id, h.i.hs, h.eph_i, 111, ts, init));

  InitiationScratch scratch;
  BOOST_REQUIRE(decrypt_initiation_static(h.r.id, init, scratch));
  BOOST_TEST((scratch.remote_static == h.i.id.public_key));
  auto got = decrypt_initiation_timestamp(h.r.hs, scratch, init);
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == ts));
  accept_initiation(h.r.hs, scratch, init, *got, Duration(0));

  HandshakeResponse resp;
  BOOST_REQUIRE(create_response(h.r.hs, h.eph_r, 222, resp));
  BOOST_TEST(resp.receiver_index == 111u);
  BOOST_REQUIRE(consume_response(h.i.id, h.i.hs, resp));

  SessionKeys ki, kr;
  derive_session(h.i.hs, true, ki);
  derive_session(h.r.hs, false, kr);
  BOOST_TEST((ki.send == kr.recv));
  BOOST_TEST((ki.recv == kr.send));
  BOOST_TEST((ki.send != ki.recv));
  BOOST_TEST(ki.remote_index == 222u);
  BOOST_TEST(kr.remote_index == 111u);
  BOOST_TEST((h.i.hs.state == Handshake::State::kZeroed));
}

BOOST_AUTO_TEST_CASE(mismatched_preshared_keys_fail_at_the_response) {
  Handshaking h;
  h.r.hs.preshared_key.bytes.fill(0x43);
  HandshakeInitiation init;
  BOOST_REQUIRE(create_initiation(h.i.id, h.i.hs, h.eph_i, 1, tai64n(WallTime{}), init));
  InitiationScratch scratch;
  BOOST_REQUIRE(decrypt_initiation_static(h.r.id, init, scratch));
  auto ts = decrypt_initiation_timestamp(h.r.hs, scratch, init);
  BOOST_REQUIRE(ts.has_value());
  accept_initiation(h.r.hs, scratch, init, *ts, Duration(0));
  HandshakeResponse resp;
  BOOST_REQUIRE(create_response(h.r.hs, h.eph_r, 2, resp));
  BOOST_TEST(!consume_response(h.i.id, h.i.hs, resp));
  BOOST_TEST((h.i.hs.state == Handshake::State::kInitiationCreated));
}

BOOST_AUTO_TEST_CASE(tampered_messages_fail_without_changing_state) {
  Handshaking h;
  HandshakeInitiation init;
  BOOST_REQUIRE(create_initiation(h.i.id, h.i.hs, h.eph_i, 1, tai64n(WallTime{}), init));
  HandshakeInitiation bad = init;
  bad.encrypted_static[0] ^= 1;
  InitiationScratch scratch;
  BOOST_TEST(!decrypt_initiation_static(h.r.id, bad, scratch));
  bad = init;
  bad.encrypted_timestamp[5] ^= 1;
  BOOST_REQUIRE(decrypt_initiation_static(h.r.id, bad, scratch));
  BOOST_TEST(!decrypt_initiation_timestamp(h.r.hs, scratch, bad).has_value());

  InitiationScratch good;
  BOOST_REQUIRE(decrypt_initiation_static(h.r.id, init, good));
  auto ts = decrypt_initiation_timestamp(h.r.hs, good, init);
  accept_initiation(h.r.hs, good, init, *ts, Duration(0));
  HandshakeResponse resp;
  BOOST_REQUIRE(create_response(h.r.hs, h.eph_r, 2, resp));
  HandshakeResponse tampered = resp;
  tampered.encrypted_nothing[0] ^= 1;
  Key32 ck_before = h.i.hs.chaining_key;
  BOOST_TEST(!consume_response(h.i.id, h.i.hs, tampered));
  BOOST_TEST((h.i.hs.chaining_key == ck_before));
  BOOST_TEST(consume_response(h.i.id, h.i.hs, resp));  // the genuine one still works
}

BOOST_AUTO_TEST_CASE(rejects_response_for_another_index) {
  Handshaking h;
  HandshakeInitiation init;
  BOOST_REQUIRE(create_initiation(h.i.id, h.i.hs, h.eph_i, 5, tai64n(WallTime{}), init));
  HandshakeResponse resp;
  resp.receiver_index = 6;
  BOOST_TEST(!consume_response(h.i.id, h.i.hs, resp));
}

BOOST_AUTO_TEST_CASE(encodes_tai64n_big_endian_with_whitened_nanoseconds) {
  Tai64n epoch = tai64n(WallTime{});
  Tai64n expect{0x40, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0};
  BOOST_TEST((epoch == expect));
  auto t = WallTime(std::chrono::seconds(1)) + std::chrono::milliseconds(500);
  Tai64n later = tai64n(t);
  BOOST_TEST(later[7] == 0x0b);
  uint32_t nanos = uint32_t{later[8]} << 24 | uint32_t{later[9]} << 16 | uint32_t{later[10]} << 8 | later[11];
  BOOST_TEST(nanos <= 500000000u);
  BOOST_TEST(nanos > 500000000u - 0x1000000u);
  BOOST_TEST((nanos & 0xffffffu) == 0u);
  BOOST_TEST(tai64n_after(later, epoch));
  BOOST_TEST(!tai64n_after(epoch, later));
  BOOST_TEST(!tai64n_after(later, later));
}

BOOST_AUTO_TEST_SUITE_END()
