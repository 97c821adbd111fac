// XChaCha20-Poly1305 (WireGuard cookie replies): draft-irtf-cfrg-xchacha-03 appendix A.3.1
// known answer, round trip in place, tamper detection.
#define BOOST_TEST_MODULE xchacha20_poly1305
#include <boost/test/unit_test.hpp>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/hex.h"

using weft::crypto::kAeadTagSize;
using weft::crypto::test::hex;
using weft::crypto::test::hex_array;

namespace {

const char* kKey = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
const char* kNonce = "404142434445464748494a4b4c4d4e4f5051525354555657";
const char* kAd = "50515253c0c1c2c3c4c5c6c7";
const char* kPlain =
    "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a2049"
    "66204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675"
    "747572652c2073756e73637265656e20776f756c642062652069742e";
const char* kSealed =
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f"
    "4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f"
    "76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
    "c0875924c1c7987947deafd8780acf49";

}  // namespace

BOOST_AUTO_TEST_SUITE(xchacha20_poly1305)

BOOST_AUTO_TEST_CASE(seals_and_opens_draft_xchacha_a_3_1_vector) {
  auto key = hex_array<32>(kKey);
  auto nonce = hex_array<24>(kNonce);
  auto plain = hex(kPlain);
  auto ad = hex(kAd);
  std::vector<uint8_t> out(plain.size() + kAeadTagSize);
  weft::crypto::xaead_seal(key, nonce, plain.data(), plain.size(), ad.data(), ad.size(),
                           out.data());
  BOOST_TEST(out == hex(kSealed), boost::test_tools::per_element());
  std::vector<uint8_t> back(plain.size());
  BOOST_TEST(weft::crypto::xaead_open(key, nonce, out.data(), out.size(), ad.data(), ad.size(),
                                      back.data()));
  BOOST_TEST(back == plain, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(round_trips_a_cookie_sized_message_in_place) {
  auto key = hex_array<32>(kKey);
  auto nonce = hex_array<24>(kNonce);
  std::vector<uint8_t> cookie(16);
  for (int i = 0; i < 16; ++i) cookie[i] = static_cast<uint8_t>(0xc0 + i);
  std::vector<uint8_t> mac1(16, 0x5a);  // the cookie reply's AD is the initiator's mac1
  std::vector<uint8_t> buf(cookie);
  buf.resize(cookie.size() + kAeadTagSize);
  weft::crypto::xaead_seal(key, nonce, buf.data(), cookie.size(), mac1.data(), mac1.size(),
                           buf.data());
  BOOST_TEST(buf != std::vector<uint8_t>(buf.size(), 0));
  BOOST_TEST(weft::crypto::xaead_open(key, nonce, buf.data(), buf.size(), mac1.data(), mac1.size(),
                                      buf.data()));
  buf.resize(cookie.size());
  BOOST_TEST(buf == cookie, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_tampering_and_short_input) {
  auto key = hex_array<32>(kKey);
  auto nonce = hex_array<24>(kNonce);
  auto ad = hex(kAd);
  auto sealed = hex(kSealed);
  std::vector<uint8_t> out(sealed.size());
  for (std::size_t pos : {std::size_t{0}, sealed.size() - 1}) {
    auto bad = sealed;
    bad[pos] ^= 0x01;
    BOOST_TEST(!weft::crypto::xaead_open(key, nonce, bad.data(), bad.size(), ad.data(), ad.size(),
                                         out.data()));
  }
  auto bad_nonce = nonce;
  bad_nonce[23] ^= 0x01;
  BOOST_TEST(!weft::crypto::xaead_open(key, bad_nonce, sealed.data(), sealed.size(), ad.data(),
                                       ad.size(), out.data()));
  BOOST_TEST(!weft::crypto::xaead_open(key, nonce, sealed.data(), kAeadTagSize - 1, nullptr, 0,
                                       out.data()));
}

BOOST_AUTO_TEST_SUITE_END()
