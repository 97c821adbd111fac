// ChaCha20-Poly1305: RFC 8439 sections 2.8.2 and A.5 known answers, WireGuard's counter nonce,
// round trips, tamper detection, in-place use, and AeadContext agreeing with the one-shot calls.
#define BOOST_TEST_MODULE chacha20_poly1305
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <random>
#include <vector>

#include "crypto/aead_impl.h"
#include "crypto/chacha20.h"
#include "crypto/crypto.h"
#include "crypto/hex.h"

using weft::crypto::kAeadTagSize;
using weft::crypto::Key32;
using weft::crypto::Nonce12;
using weft::crypto::test::hex;
using weft::crypto::test::hex_array;

namespace {

const char* kRfc8439Key = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
const char* kRfc8439Plain =
    "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a2049"
    "66204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675"
    "747572652c2073756e73637265656e20776f756c642062652069742e";
const char* kRfc8439Ad = "50515253c0c1c2c3c4c5c6c7";
const char* kRfc8439Sealed =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69"
    "da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad67594"
    "5585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
    "1ae10b594f09e26a7e902ecbd0600691";

const char* kA5Key = "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
const char* kA5Ad = "f33388860000000000004e91";
const char* kA5Plain =
    "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f"
    "722061206d6178696d756d206f6620736978206d6f6e74687320616e64206d617920626520757064617465"
    "642c207265706c616365642c206f72206f62736f6c65746564206279206f7468657220646f63756d656e74"
    "7320617420616e792074696d652e20497420697320696e617070726f70726961746520746f207573652049"
    "6e7465726e65742d447261667473206173207265666572656e6365206d6174657269616c206f7220746f20"
    "63697465207468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67726573"
    "732e2fe2809d";
const char* kA5Sealed =
    "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e"
    "382d26b0bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33b"
    "d60f982b1ff37c8559797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c"
    "767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc5"
    "46a0d072b04b3564eea1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6"
    "727627097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29a6ad5cb4022"
    "b02709b"
    "eead9d67890cbb22392336fea1851f38";
// A.5's nonce 00000000 0102030405060708 is exactly WireGuard's layout for this counter.
constexpr uint64_t kA5Counter = 0x0807060504030201ULL;

Key32 test_key(uint8_t seed) {
  Key32 k;
  for (int i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(seed * 31 + i);
  return k;
}

std::vector<uint8_t> pattern(std::size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed ^ (i * 13));
  return v;
}

std::vector<uint8_t> seal(const Key32& key, uint64_t counter, const std::vector<uint8_t>& plain,
                          const std::vector<uint8_t>& ad) {
  std::vector<uint8_t> out(plain.size() + kAeadTagSize);
  weft::crypto::aead_seal(key, counter, plain.data(), plain.size(), ad.data(), ad.size(),
                          out.data());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chacha20_poly1305)

BOOST_AUTO_TEST_CASE(seals_and_opens_rfc8439_section_2_8_2_vector) {
  auto key = hex_array<32>(kRfc8439Key);
  auto nonce = hex_array<12>("070000004041424344454647");
  auto plain = hex(kRfc8439Plain);
  auto ad = hex(kRfc8439Ad);
  std::vector<uint8_t> out(plain.size() + kAeadTagSize);
  weft::crypto::chacha20_poly1305_seal(key, nonce, plain.data(), plain.size(), ad.data(), ad.size(),
                                       out.data());
  BOOST_TEST(out == hex(kRfc8439Sealed), boost::test_tools::per_element());
  std::vector<uint8_t> back(plain.size());
  BOOST_TEST(weft::crypto::chacha20_poly1305_open(key, nonce, out.data(), out.size(), ad.data(),
                                                  ad.size(), back.data()));
  BOOST_TEST(back == plain, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seals_and_opens_rfc8439_appendix_a5_vector_with_wireguard_counter) {
  auto key = hex_array<32>(kA5Key);
  auto plain = hex(kA5Plain);
  auto ad = hex(kA5Ad);
  BOOST_TEST(seal(key, kA5Counter, plain, ad) == hex(kA5Sealed), boost::test_tools::per_element());
  auto sealed = hex(kA5Sealed);
  std::vector<uint8_t> back(plain.size());
  BOOST_TEST(weft::crypto::aead_open(key, kA5Counter, sealed.data(), sealed.size(), ad.data(),
                                     ad.size(), back.data()));
  BOOST_TEST(back == plain, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(counter_nonce_is_four_zero_bytes_then_little_endian_counter) {
  Key32 key = test_key(1);
  auto plain = pattern(40, 3);
  const uint64_t counter = 0x1122334455667788ULL;
  Nonce12 nonce = {0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
  std::vector<uint8_t> explicit_out(plain.size() + kAeadTagSize);
  weft::crypto::chacha20_poly1305_seal(key, nonce, plain.data(), plain.size(), nullptr, 0,
                                       explicit_out.data());
  BOOST_TEST(seal(key, counter, plain, {}) == explicit_out, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(round_trips_lengths_around_block_and_tag_sizes) {
  Key32 key = test_key(2);
  auto ad = pattern(32, 9);
  for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 63u, 64u, 65u, 1420u, 4096u}) {
    auto plain = pattern(len, static_cast<uint8_t>(len));
    auto sealed = seal(key, len, plain, ad);
    BOOST_TEST(sealed.size() == len + kAeadTagSize);
    std::vector<uint8_t> back(len + 1, 0xee);
    BOOST_TEST(weft::crypto::aead_open(key, len, sealed.data(), sealed.size(), ad.data(), ad.size(),
                                       back.data()));
    back.resize(len);
    BOOST_TEST(back == plain, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(rejects_tampered_ciphertext_tag_ad_counter_and_key) {
  Key32 key = test_key(3);
  auto plain = pattern(100, 1);
  auto ad = pattern(32, 2);
  const auto sealed = seal(key, 7, plain, ad);
  std::vector<uint8_t> out(plain.size());
  auto open = [&](const Key32& k, uint64_t ctr, const std::vector<uint8_t>& c,
                  const std::vector<uint8_t>& a) {
    return weft::crypto::aead_open(k, ctr, c.data(), c.size(), a.data(), a.size(), out.data());
  };
  BOOST_TEST(open(key, 7, sealed, ad));
  for (std::size_t pos : {std::size_t{0}, std::size_t{50}, sealed.size() - 1}) {
    auto bad = sealed;
    bad[pos] ^= 0x01;
    BOOST_TEST(!open(key, 7, bad, ad), "flipped byte " << pos);
  }
  auto bad_ad = ad;
  bad_ad[0] ^= 0x80;
  BOOST_TEST(!open(key, 7, sealed, bad_ad));
  BOOST_TEST(!open(key, 8, sealed, ad));
  BOOST_TEST(!open(test_key(4), 7, sealed, ad));
  // A failed open must not hand out unauthenticated plaintext.
  BOOST_TEST(out == std::vector<uint8_t>(plain.size(), 0), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_input_shorter_than_a_tag) {
  Key32 key = test_key(5);
  std::vector<uint8_t> tiny(kAeadTagSize - 1, 0);
  uint8_t out[16];
  BOOST_TEST(!weft::crypto::aead_open(key, 0, tiny.data(), tiny.size(), nullptr, 0, out));
  weft::crypto::AeadContext ctx(key);
  BOOST_TEST(!ctx.open(0, tiny.data(), tiny.size(), out));
}

BOOST_AUTO_TEST_CASE(seals_and_opens_in_place) {
  Key32 key = test_key(6);
  auto plain = pattern(1420, 4);
  auto expected = seal(key, 99, plain, {});
  std::vector<uint8_t> buf(plain);
  buf.resize(plain.size() + kAeadTagSize);
  weft::crypto::aead_seal(key, 99, buf.data(), plain.size(), nullptr, 0, buf.data());
  BOOST_TEST(buf == expected, boost::test_tools::per_element());
  BOOST_TEST(weft::crypto::aead_open(key, 99, buf.data(), buf.size(), nullptr, 0, buf.data()));
  buf.resize(plain.size());
  BOOST_TEST(buf == plain, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(aead_context_equals_one_shot_across_packets_and_directions) {
  Key32 key = test_key(7);
  weft::crypto::AeadContext ctx(key);
  for (uint64_t counter = 0; counter < 40; ++counter) {
    std::size_t len = (counter * 37) % 1500;
    auto plain = pattern(len, static_cast<uint8_t>(counter));
    auto expected = seal(key, counter, plain, {});
    std::vector<uint8_t> sealed(len + kAeadTagSize);
    ctx.seal(counter, plain.data(), len, sealed.data());
    BOOST_TEST(sealed == expected, boost::test_tools::per_element());
    std::vector<uint8_t> back(len);
    BOOST_TEST(ctx.open(counter, expected.data(), expected.size(), back.data()));
    BOOST_TEST(back == plain, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(aead_context_keeps_working_after_rejecting_a_forgery) {
  Key32 key = test_key(8);
  weft::crypto::AeadContext ctx(key);
  auto plain = pattern(64, 5);
  auto sealed = seal(key, 1, plain, {});
  auto forged = sealed;
  forged[3] ^= 0x10;
  std::vector<uint8_t> out(plain.size());
  BOOST_TEST(!ctx.open(1, forged.data(), forged.size(), out.data()));
  BOOST_TEST(ctx.open(1, sealed.data(), sealed.size(), out.data()));
  BOOST_TEST(out == plain, boost::test_tools::per_element());
  // In place through the context, too.
  std::vector<uint8_t> buf(plain);
  buf.resize(plain.size() + kAeadTagSize);
  ctx.seal(2, buf.data(), plain.size(), buf.data());
  BOOST_TEST(buf == seal(key, 2, plain, {}), boost::test_tools::per_element());
  BOOST_TEST(ctx.open(2, buf.data(), buf.size(), buf.data()));
  buf.resize(plain.size());
  BOOST_TEST(buf == plain, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- weft's own AEAD against OpenSSL's (lib/crypto/aead_impl.h) ----
namespace {

std::vector<weft::crypto::detail::AeadImpl> own_impls() {
  using weft::crypto::detail::AeadImpl;
  std::vector<AeadImpl> v{AeadImpl::kPortable};
  if (weft::crypto::detail::have_avx512()) {
    v.push_back(AeadImpl::kAvx512);
  } else {
    std::fprintf(stderr, "this CPU has no AVX-512F: that vector path is not checked here\n");
  }
  if (weft::crypto::detail::have_avx2()) {
    v.push_back(AeadImpl::kAvx2);
  } else {
    std::fprintf(stderr, "this CPU has no AVX2: that vector path is not checked here\n");
  }
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(facade_runs_the_widest_vector_path_the_cpu_has) {
  namespace wd = weft::crypto::detail;
  BOOST_TEST_MESSAGE("AEAD: " << wd::aead_impl_name(wd::aead_impl()));
  const auto expected = wd::have_avx512() ? wd::AeadImpl::kAvx512
                        : wd::have_avx2() ? wd::AeadImpl::kAvx2
                                          : wd::AeadImpl::kOpenSsl;
  BOOST_TEST((wd::aead_impl() == expected));
}

BOOST_AUTO_TEST_CASE(own_aead_matches_rfc8439_2_8_2_and_a_5) {
  namespace wd = weft::crypto::detail;
  const auto key = hex(kRfc8439Key);
  const auto nonce = hex("070000004041424344454647");
  const auto plain = hex(kRfc8439Plain);
  const auto ad = hex(kRfc8439Ad);
  const auto a5_key = hex(kA5Key);
  const auto a5_nonce = hex("000000000102030405060708");
  const auto a5_plain = hex(kA5Plain);
  const auto a5_ad = hex(kA5Ad);
  for (auto impl : own_impls()) {
    BOOST_TEST_CONTEXT(wd::aead_impl_name(impl)) {
      std::vector<uint8_t> out(plain.size() + kAeadTagSize);
      wd::aead_seal_with(impl, key.data(), nonce.data(), plain.data(), plain.size(), ad.data(),
                         ad.size(), out.data());
      BOOST_TEST(out == hex(kRfc8439Sealed), boost::test_tools::per_element());
      const auto sealed = hex(kA5Sealed);
      std::vector<uint8_t> opened(a5_plain.size());
      BOOST_TEST(wd::aead_open_with(impl, a5_key.data(), a5_nonce.data(), sealed.data(),
                                    sealed.size(), a5_ad.data(), a5_ad.size(), opened.data()));
      BOOST_TEST(opened == a5_plain, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(own_aead_agrees_with_openssl_at_every_length) {
  namespace wd = weft::crypto::detail;
  std::mt19937 rng(2008);
  for (std::size_t len = 0; len <= 2100; ++len) {
    const std::size_t ad_len = std::vector<std::size_t>{0, 1, 13, 16, 32, 100}[len % 6];
    uint8_t key[32], nonce[12];
    for (auto& b : key) b = static_cast<uint8_t>(rng());
    for (auto& b : nonce) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> plain(len), ad(ad_len);
    for (auto& b : plain) b = static_cast<uint8_t>(rng());
    for (auto& b : ad) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> expected(len + kAeadTagSize);
    wd::aead_seal_with(wd::AeadImpl::kOpenSsl, key, nonce, plain.data(), len, ad.data(), ad_len,
                       expected.data());
    for (auto impl : own_impls()) {
      BOOST_TEST_CONTEXT(wd::aead_impl_name(impl) << " len " << len << " ad " << ad_len) {
        std::vector<uint8_t> sealed(len + kAeadTagSize);
        wd::aead_seal_with(impl, key, nonce, plain.data(), len, ad.data(), ad_len, sealed.data());
        BOOST_TEST((sealed == expected));
        std::vector<uint8_t> in_place = plain;
        in_place.resize(len + kAeadTagSize);
        wd::aead_seal_with(impl, key, nonce, in_place.data(), len, ad.data(), ad_len,
                           in_place.data());
        BOOST_TEST((in_place == expected));
        // In place, as the data path uses it.
        std::vector<uint8_t> buf = expected;
        BOOST_TEST(wd::aead_open_with(impl, key, nonce, buf.data(), buf.size(), ad.data(), ad_len,
                                      buf.data()));
        BOOST_TEST((std::vector<uint8_t>(buf.begin(), buf.begin() + len) == plain));
        // Any flipped bit, in the data or the tag, is refused and the output wiped.
        std::vector<uint8_t> bad = expected;
        bad[rng() % bad.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        std::vector<uint8_t> out(len, 0xcc);
        BOOST_TEST(!wd::aead_open_with(impl, key, nonce, bad.data(), bad.size(), ad.data(), ad_len,
                                       out.data()));
        BOOST_TEST((out == std::vector<uint8_t>(len, 0)));
      }
    }
  }
}
