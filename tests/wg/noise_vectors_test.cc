// Known-answer tests for the Noise symmetric state (lib/wg/noise_symmetric.h): the cacophony
// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s vector, both handshake messages and the transport messages.
#define BOOST_TEST_MODULE wg_noise_vectors
#include <boost/test/unit_test.hpp>

#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "wg/constants.h"
#include "wg/noise.h"
#include "wg/noise_symmetric.h"

using weft::crypto::Key32;
using weft::crypto::test::hex;
using weft::crypto::test::hex_array;
using weft::wg::CipherState;
using weft::wg::SymmetricState;
namespace wc = weft::crypto;

namespace {

using Bytes = std::vector<uint8_t>;

// Data of the "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s" entry of cacophony's vectors/cacophony.txt
// (haskell-cryptography/cacophony). Messages 0-1 are the handshake; after it the initiator sends
// the even-numbered and the responder the odd-numbered transport messages. The handshake hash is
// the entry's "handshake_hash" field in the later revision of that file (also used by snow).
struct Vector {
  std::string_view protocol_name = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
  Bytes prologue = hex("4a6f686e2047616c74");
  Key32 psk = hex_array<32>("54686973206973206d7920417573747269616e20706572737065637469766521");
  Key32 init_static = hex_array<32>(
      "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1");
  Key32 init_ephemeral = hex_array<32>(
      "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a");
  Key32 init_remote_static = hex_array<32>(
      "31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62");
  Key32 resp_static = hex_array<32>(
      "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893");
  Key32 resp_ephemeral = hex_array<32>(
      "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b");
  Key32 handshake_hash = hex_array<32>(
      "f5191b875290abcd41347ac3622d9679688a7e980229cb937ef748336cfde0e5");
  std::vector<Bytes> payloads = {
      hex("4c756477696720766f6e204d69736573"),
      hex("4d757272617920526f746862617264"),
      hex("462e20412e20486179656b"),
      hex("4361726c204d656e676572"),
      hex("4a65616e2d426170746973746520536179"),
      hex("457567656e2042f6686d20766f6e2042617765726b"),
  };
  std::vector<Bytes> ciphertexts = {
      hex("ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944"
          "001e21de9f98ddd8e2ad57527207feb56253c9c94a9e496782ecfcb2a75fbcaf"
          "1b52948cc48daefe660c62119ab5000980c84831215f2441eba616548e832985"
          "464cf17e51ee93109008399a21f7e13f"),
      hex("95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843"
          "cb765f2caef0751b8f007572dab0322217755c0632f365717edbf34d33e87a"),
      hex("8153ca9833bc3c1b91a7e66e5f4d4f5b59bf9e64c2f20d15f0bba7"),
      hex("07af0c9c86e1b4e80f36b04ff7688d51141af3debd0332f0a705ef"),
      hex("6ab1467c0448cc78394494abaaf23afce0e234315d6e2624dcbfa8a21c1c4d073d"),
      hex("dfc346c0d2296ae6cf1acf6f12b8456a1dba228cf8d8b774aacf1c47fc53aa80ebc7a4c292"),
  };
};

Bytes key_bytes(const Key32& k) { return Bytes(k.begin(), k.end()); }

Key32 dh(const Key32& priv, const Key32& pub) {
  Key32 out{};
  BOOST_REQUIRE(wc::x25519(priv, pub, out));
  return out;
}

// One side of IKpsk2:  <- s  ...  -> e, es, s, ss  <- e, ee, se, psk
struct Party {
  SymmetricState ss;
  Key32 s{}, e{}, rs{}, re{};

  void start(const Vector& v, const Key32& responder_static_public) {
    ss.initialize(v.protocol_name);
    ss.mix_hash(v.prologue.data(), v.prologue.size());
    ss.mix_hash(responder_static_public.data(), responder_static_public.size());
  }
  // The "e" token under a psk modifier also mixes the ephemeral into the chaining key.
  void mix_e(const Key32& pub) {
    ss.mix_hash(pub.data(), pub.size());
    ss.mix_key(pub.data(), pub.size());
  }
  void mix_dh(const Key32& priv, const Key32& pub) {
    Key32 shared = dh(priv, pub);
    ss.mix_key(shared.data(), shared.size());
  }
  Bytes seal(const Bytes& plain) {
    Bytes out(plain.size() + wc::kAeadTagSize);
    BOOST_REQUIRE(ss.encrypt_and_hash(plain.data(), plain.size(), out.data()));
    return out;
  }
  bool open(const uint8_t* cipher, std::size_t len, Bytes& plain) {
    plain.assign(len - wc::kAeadTagSize, 0);
    return ss.decrypt_and_hash(cipher, len, plain.data());
  }
};

Bytes append(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes initiator_write_first(const Vector& v, Party& i) {
  i.s = v.init_static;
  i.e = v.init_ephemeral;
  i.rs = v.init_remote_static;
  i.start(v, i.rs);
  Key32 e_pub = wc::x25519_public(i.e);
  i.mix_e(e_pub);
  i.mix_dh(i.e, i.rs);  // es
  Bytes msg = append(key_bytes(e_pub), i.seal(key_bytes(wc::x25519_public(i.s))));
  i.mix_dh(i.s, i.rs);  // ss
  return append(msg, i.seal(v.payloads[0]));
}

// Returns the decrypted payload; `ok` is false if any step failed.
Bytes responder_read_first(const Vector& v, Party& r, const Bytes& msg, bool& ok) {
  r.s = v.resp_static;
  r.e = v.resp_ephemeral;
  r.start(v, wc::x25519_public(r.s));
  std::copy(msg.begin(), msg.begin() + 32, r.re.begin());
  r.mix_e(r.re);
  r.mix_dh(r.s, r.re);  // es
  Bytes rs;
  ok = r.open(msg.data() + 32, 48, rs);
  if (!ok) return {};
  std::copy(rs.begin(), rs.end(), r.rs.begin());
  r.mix_dh(r.s, r.rs);  // ss
  Bytes payload;
  ok = r.open(msg.data() + 80, msg.size() - 80, payload);
  return payload;
}

Bytes responder_write_second(const Vector& v, Party& r) {
  Key32 e_pub = wc::x25519_public(r.e);
  r.mix_e(e_pub);
  r.mix_dh(r.e, r.re);  // ee
  r.mix_dh(r.e, r.rs);  // se
  r.ss.mix_key_and_hash(v.psk.data(), v.psk.size());
  return append(key_bytes(e_pub), r.seal(v.payloads[1]));
}

Bytes initiator_read_second(const Vector& v, Party& i, const Bytes& msg, bool& ok) {
  std::copy(msg.begin(), msg.begin() + 32, i.re.begin());
  i.mix_e(i.re);
  i.mix_dh(i.e, i.re);  // ee
  i.mix_dh(i.s, i.re);  // se
  i.ss.mix_key_and_hash(v.psk.data(), v.psk.size());
  Bytes payload;
  ok = i.open(msg.data() + 32, msg.size() - 32, payload);
  return payload;
}

// Both parties after a complete handshake from the vector.
struct Handshaken {
  Vector v;
  Party initiator, responder;
  Bytes first, second;
  Handshaken() {
    bool ok = false;
    first = initiator_write_first(v, initiator);
    responder_read_first(v, responder, first, ok);
    BOOST_REQUIRE(ok);
    second = responder_write_second(v, responder);
    initiator_read_second(v, initiator, second, ok);
    BOOST_REQUIRE(ok);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(noise_vectors)

BOOST_AUTO_TEST_CASE(vector_remote_static_is_the_responders_public_key) {
  Vector v;
  BOOST_TEST(key_bytes(wc::x25519_public(v.resp_static)) == key_bytes(v.init_remote_static),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(initiator_writes_the_published_first_message) {
  Vector v;
  Party i;
  BOOST_TEST(initiator_write_first(v, i) == v.ciphertexts[0], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(responder_reads_the_first_message_and_learns_the_initiator) {
  Vector v;
  Party r;
  bool ok = false;
  Bytes payload = responder_read_first(v, r, v.ciphertexts[0], ok);
  BOOST_TEST(ok);
  BOOST_TEST(payload == v.payloads[0], boost::test_tools::per_element());
  BOOST_TEST(key_bytes(r.rs) == key_bytes(wc::x25519_public(v.init_static)),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(responder_writes_the_published_second_message_with_psk2) {
  Handshaken hs;
  BOOST_TEST(hs.second == hs.v.ciphertexts[1], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(initiator_reads_the_published_second_message) {
  Vector v;
  Party i;
  initiator_write_first(v, i);
  bool ok = false;
  Bytes payload = initiator_read_second(v, i, v.ciphertexts[1], ok);
  BOOST_TEST(ok);
  BOOST_TEST(payload == v.payloads[1], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(both_sides_end_with_the_published_handshake_hash) {
  Handshaken hs;
  BOOST_TEST(key_bytes(hs.initiator.ss.hash()) == key_bytes(hs.v.handshake_hash),
             boost::test_tools::per_element());
  BOOST_TEST(key_bytes(hs.responder.ss.hash()) == key_bytes(hs.v.handshake_hash),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(transport_messages_after_split_match_the_vector) {
  Handshaken hs;
  Key32 i1, i2, r1, r2;
  hs.initiator.ss.split(i1, i2);
  hs.responder.ss.split(r1, r2);
  CipherState i_send, i_recv, r_send, r_recv;
  i_send.initialize_key(i1);
  i_recv.initialize_key(i2);
  r_recv.initialize_key(r1);
  r_send.initialize_key(r2);
  for (std::size_t m = 2; m < hs.v.payloads.size(); ++m) {
    bool from_initiator = m % 2 == 0;
    CipherState& sender = from_initiator ? i_send : r_send;
    CipherState& receiver = from_initiator ? r_recv : i_recv;
    const Bytes& plain = hs.v.payloads[m];
    Bytes cipher(plain.size() + wc::kAeadTagSize);
    BOOST_REQUIRE(sender.encrypt_with_ad(nullptr, 0, plain.data(), plain.size(), cipher.data()));
    BOOST_TEST(cipher == hs.v.ciphertexts[m], boost::test_tools::per_element());
    Bytes back(plain.size());
    BOOST_TEST(receiver.decrypt_with_ad(nullptr, 0, hs.v.ciphertexts[m].data(),
                                        hs.v.ciphertexts[m].size(), back.data()));
    BOOST_TEST(back == plain, boost::test_tools::per_element());
  }
  BOOST_TEST(i_send.nonce() == 2u);
  BOOST_TEST(r_recv.nonce() == 2u);
}

BOOST_AUTO_TEST_CASE(rejects_the_published_second_message_under_a_different_psk) {
  Vector v;
  Party i;
  initiator_write_first(v, i);
  v.psk[0] ^= 1;
  bool ok = true;
  initiator_read_second(v, i, v.ciphertexts[1], ok);
  BOOST_TEST(!ok);
}

BOOST_AUTO_TEST_CASE(failed_decrypt_and_hash_leaves_the_hash_unchanged) {
  SymmetricState ss;
  ss.initialize("Noise_NN");
  const uint8_t ikm[4] = {1, 2, 3, 4};
  ss.mix_key(ikm, sizeof ikm);
  Key32 before = ss.hash();
  uint8_t junk[20] = {};
  uint8_t out[4];
  BOOST_TEST(!ss.decrypt_and_hash(junk, sizeof junk, out));
  BOOST_TEST(key_bytes(ss.hash()) == key_bytes(before), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_a_tampered_transport_message_without_advancing_the_nonce) {
  Handshaken hs;
  Key32 r1, r2;
  hs.responder.ss.split(r1, r2);
  CipherState recv;
  recv.initialize_key(r1);
  Bytes bad = hs.v.ciphertexts[2];
  bad.back() ^= 0x80;
  Bytes out(bad.size() - wc::kAeadTagSize);
  BOOST_TEST(!recv.decrypt_with_ad(nullptr, 0, bad.data(), bad.size(), out.data()));
  BOOST_TEST(recv.nonce() == 0u);
  BOOST_TEST(recv.decrypt_with_ad(nullptr, 0, hs.v.ciphertexts[2].data(),
                                  hs.v.ciphertexts[2].size(), out.data()));
}

BOOST_AUTO_TEST_CASE(wireguard_handshake_is_this_ikpsk2_run_with_the_identifier_as_prologue) {
  // The same token sequence, with WireGuard's prologue and payloads (initiator: TAI64N;
  // responder: empty), must give the bytes of the wg::create_initiation / create_response.
  Vector v;
  std::string_view identifier = weft::wg::kIdentifier;
  v.prologue = Bytes(identifier.begin(), identifier.end());
  weft::wg::Tai64n ts = weft::wg::tai64n(weft::wg::WallTime(std::chrono::seconds(1700000000)));
  v.payloads = {Bytes(ts.begin(), ts.end()), Bytes{}};

  weft::wg::StaticIdentity ia, ib;
  ia.private_key.bytes = v.init_static;
  ia.public_key.bytes = wc::x25519_public(v.init_static);
  ia.has_key = true;
  ib.private_key.bytes = v.resp_static;
  ib.public_key.bytes = wc::x25519_public(v.resp_static);
  ib.has_key = true;
  weft::wg::Handshake ha, hb;
  ha.remote_static = ib.public_key;
  hb.remote_static = ia.public_key;
  ha.preshared_key.bytes = v.psk;
  hb.preshared_key.bytes = v.psk;
  weft::wg::precompute_static_static(ia, ha);
  weft::wg::precompute_static_static(ib, hb);

  weft::wg::HandshakeInitiation init;
  BOOST_REQUIRE(weft::wg::create_initiation(ia, ha, v.init_ephemeral, 1, ts, init));
  Party i;
  Bytes first = initiator_write_first(v, i);
  Bytes wg_first = append(append(key_bytes(init.unencrypted_ephemeral),
                                 Bytes(init.encrypted_static.begin(), init.encrypted_static.end())),
                          Bytes(init.encrypted_timestamp.begin(), init.encrypted_timestamp.end()));
  BOOST_TEST(wg_first == first, boost::test_tools::per_element());

  weft::wg::InitiationScratch scratch;
  BOOST_REQUIRE(weft::wg::decrypt_initiation_static(ib, init, scratch));
  auto got = weft::wg::decrypt_initiation_timestamp(hb, scratch, init);
  BOOST_REQUIRE(got.has_value());
  weft::wg::accept_initiation(hb, scratch, init, *got, weft::wg::Duration{});
  weft::wg::HandshakeResponse resp;
  BOOST_REQUIRE(weft::wg::create_response(hb, v.resp_ephemeral, 2, resp));
  Party r;
  bool ok = false;
  responder_read_first(v, r, first, ok);
  BOOST_REQUIRE(ok);
  Bytes second = responder_write_second(v, r);
  Bytes wg_second = append(key_bytes(resp.unencrypted_ephemeral),
                           Bytes(resp.encrypted_nothing.begin(), resp.encrypted_nothing.end()));
  BOOST_TEST(wg_second == second, boost::test_tools::per_element());

  BOOST_REQUIRE(weft::wg::consume_response(ia, ha, resp));
  BOOST_TEST(key_bytes(ha.hash) == key_bytes(r.ss.hash()), boost::test_tools::per_element());
  weft::wg::SessionKeys keys;
  weft::wg::derive_session(ha, true, keys);
  Key32 k1, k2;
  r.ss.split(k1, k2);
  BOOST_TEST(key_bytes(keys.send) == key_bytes(k1), boost::test_tools::per_element());
  BOOST_TEST(key_bytes(keys.recv) == key_bytes(k2), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(short_protocol_names_are_zero_padded_not_hashed) {
  // Noise 5.2: a name of at most HASHLEN bytes is used as h directly.
  SymmetricState ss;
  std::string_view name = "Noise_N_25519_ChaChaPoly_BLAKE2s";  // exactly 32 bytes
  ss.initialize(name);
  BOOST_TEST(Bytes(ss.hash().begin(), ss.hash().end()) == Bytes(name.begin(), name.end()),
             boost::test_tools::per_element());
  ss.initialize("Noise_NN");
  Bytes padded(32, 0);
  std::copy_n("Noise_NN", 8, padded.begin());
  BOOST_TEST(key_bytes(ss.chaining_key()) == padded, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(encrypt_and_hash_without_a_key_passes_plaintext_and_hashes_it) {
  SymmetricState ss;
  ss.initialize("Noise_NN");
  Key32 h0 = ss.hash();
  const uint8_t msg[3] = {1, 2, 3};
  uint8_t out[3] = {};
  BOOST_REQUIRE(ss.encrypt_and_hash(msg, 3, out));
  BOOST_TEST(Bytes(out, out + 3) == Bytes(msg, msg + 3), boost::test_tools::per_element());
  BOOST_TEST(key_bytes(ss.hash()) == key_bytes(wc::blake2s256(h0.data(), 32, msg, 3)),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
