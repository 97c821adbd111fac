// Known-answer and refusal tests for Noise_IK_25519_ChaChaPoly_BLAKE2s (lib/control/noise_ik.h):
// the cacophony vector's handshake messages, handshake hash and first transport messages.
#define BOOST_TEST_MODULE control_noise_ik
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <vector>

#include "control/noise_ik.h"
#include "control/transport.h"
#include "crypto/crypto.h"
#include "crypto/hex.h"

using weft::control::IkInitiator;
using weft::control::IkResponder;
using weft::control::Outcome;
using weft::control::Refusal;
using weft::control::Transport;
using weft::control::kCounterSize;
using weft::control::kLengthPrefixSize;
using weft::core::ByteView;
using weft::core::MutableBytes;
using weft::crypto::Key32;
using weft::crypto::test::hex;
using weft::crypto::test::hex_array;

namespace {

using Bytes = std::vector<uint8_t>;

// The "Noise_IK_25519_ChaChaPoly_BLAKE2s" entry of vectors/cacophony.txt (centromere/cacophony):
// messages 0-1 are the handshake; then the initiator sends the even-numbered and the responder
// the odd-numbered transport messages.
struct Vector {
  Bytes prologue = hex("4a6f686e2047616c74");
  Key32 init_static =
      hex_array<32>("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1");
  Key32 init_ephemeral =
      hex_array<32>("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a");
  Key32 init_remote_static =
      hex_array<32>("31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62");
  Key32 resp_static =
      hex_array<32>("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893");
  Key32 resp_ephemeral =
      hex_array<32>("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b");
  Key32 handshake_hash =
      hex_array<32>("48f3cb8bc9319da4ba1e9933991b1c4ed4034f1f126a76d3a1fbcfd7f94248d4");
  std::vector<Bytes> payloads = {
      hex("4c756477696720766f6e204d69736573"),
      hex("4d757272617920526f746862617264"),
      hex("462e20412e20486179656b"),
      hex("4361726c204d656e676572"),
      hex("4a65616e2d426170746973746520536179"),
      hex("457567656e2042f6686d20766f6e2042617765726b"),
  };
  std::vector<Bytes> ciphertexts = {
      hex("ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79440b03ddc7aac5123d06a1b2"
          "3b71670e32e76c28239a7ca4ac8f784de7e44c1adbfc6e83fef7352a58d9d56157400c0a737b1d171ce3682"
          "29c7b752ac25b8faf4eca690f6d896f543be02c996ab2b86b76"),
      hex("95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843d9b5a8927f0ac9655ef768"
          "33bc7e5561f42e691ac8404efd6fbd6308b6a27c"),
      hex("2c256ed08fcd08c2980f954ee4beaccb61c9581340f5dd2fd1cf3b"),
      hex("d6033f70eee20945c7c9dba304e397ee3b284ff5e00fd9efb095d3"),
      hex("a9c068ca5d8babf72560652d8e851adbfac35c8a66e810d560863173e96adf4cfe"),
      hex("2a09d8f459e5927e40fdd2eddc99bdafb04e13a26f145cb5cfe9e6ba34c94331ebc17d5156"),
  };
};

// Hands out fixed bytes: the vector's ephemeral private keys.
class FixedRandom final : public weft::core::Random {
 public:
  explicit FixedRandom(const Key32& bytes) : bytes_(bytes) {}
  void fill(uint8_t* out, std::size_t n) override {
    BOOST_REQUIRE_EQUAL(n, bytes_.size());
    std::memcpy(out, bytes_.data(), n);
  }

 private:
  Key32 bytes_;
};

ByteView view(const Bytes& b) { return ByteView{b.data(), b.size()}; }

// The vector's handshake, run step by step with every output checked against it.
struct Handshaken {
  Vector v;
  IkInitiator init{v.init_static, v.init_remote_static, view(v.prologue)};
  IkResponder resp{v.resp_static, view(v.prologue)};
  Transport init_transport;
  Transport resp_transport;

  Handshaken() {
    FixedRandom init_rng(v.init_ephemeral);
    FixedRandom resp_rng(v.resp_ephemeral);
    Bytes m1(512), m2(512), p(512);
    Outcome w1 = init.write_message1(init_rng, view(v.payloads[0]), MutableBytes{m1.data(), m1.size()});
    BOOST_REQUIRE(w1.ok());
    m1.resize(w1.size);
    BOOST_TEST(m1 == v.ciphertexts[0], boost::test_tools::per_element());
    Outcome r1 = resp.read_message1(view(m1), MutableBytes{p.data(), p.size()});
    BOOST_REQUIRE(r1.ok());
    BOOST_TEST(Bytes(p.begin(), p.begin() + r1.size) == v.payloads[0], boost::test_tools::per_element());
    Outcome w2 = resp.write_message2(resp_rng, view(v.payloads[1]), MutableBytes{m2.data(), m2.size()});
    BOOST_REQUIRE(w2.ok());
    m2.resize(w2.size);
    BOOST_TEST(m2 == v.ciphertexts[1], boost::test_tools::per_element());
    Outcome r2 = init.read_message2(view(m2), MutableBytes{p.data(), p.size()});
    BOOST_REQUIRE(r2.ok());
    BOOST_TEST(Bytes(p.begin(), p.begin() + r2.size) == v.payloads[1], boost::test_tools::per_element());
    BOOST_REQUIRE(init.finish(init_transport) == Refusal::kNone);
    BOOST_REQUIRE(resp.finish(resp_transport) == Refusal::kNone);
  }
};

// The vector's first message, read by a responder with the given static key and prologue.
Refusal initiation_refusal(const Key32& responder_static, const Bytes& responder_prologue) {
  Vector v;
  IkInitiator init(v.init_static, v.init_remote_static, view(v.prologue));
  IkResponder resp(responder_static, view(responder_prologue));
  FixedRandom rng(v.init_ephemeral);
  Bytes m1(512), p(512);
  Outcome w = init.write_message1(rng, view(v.payloads[0]), MutableBytes{m1.data(), m1.size()});
  BOOST_REQUIRE(w.ok());
  return resp.read_message1(ByteView{m1.data(), w.size}, MutableBytes{p.data(), p.size()}).refusal;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(noise_ik)

BOOST_AUTO_TEST_CASE(vector_keys_are_consistent) {
  Vector v;
  BOOST_TEST(weft::crypto::x25519_public(v.resp_static) == v.init_remote_static);
}

BOOST_AUTO_TEST_CASE(matches_cacophony_handshake_messages_and_hash) {
  Handshaken h;
  BOOST_TEST(h.init.handshake_hash() == h.v.handshake_hash);
  BOOST_TEST(h.resp.handshake_hash() == h.v.handshake_hash);
  BOOST_TEST(h.resp.remote_static() == weft::crypto::x25519_public(h.v.init_static));
}

BOOST_AUTO_TEST_CASE(matches_cacophony_transport_messages) {
  Handshaken h;
  for (std::size_t i = 2; i < h.v.payloads.size(); ++i) {
    Transport& sender = i % 2 == 0 ? h.init_transport : h.resp_transport;
    Transport& receiver = i % 2 == 0 ? h.resp_transport : h.init_transport;
    Bytes frame(512), plain(512);
    Outcome s = sender.seal(view(h.v.payloads[i]), MutableBytes{frame.data(), frame.size()});
    BOOST_REQUIRE(s.ok());
    // The ciphertext after the prefix and counter is Noise's transport message.
    Bytes cipher(frame.begin() + kLengthPrefixSize + kCounterSize, frame.begin() + s.size);
    BOOST_TEST(cipher == h.v.ciphertexts[i], boost::test_tools::per_element());
    Outcome o = receiver.open(ByteView{frame.data(), s.size}, MutableBytes{plain.data(), plain.size()});
    BOOST_REQUIRE(o.ok());
    BOOST_TEST(o.consumed == s.size);
    BOOST_TEST(Bytes(plain.begin(), plain.begin() + o.size) == h.v.payloads[i],
               boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(rejects_initiation_for_another_responder_key) {
  Vector v;
  Key32 other = v.resp_static;
  other[1] ^= 1;  // not a bit that clamping clears
  BOOST_TEST(static_cast<int>(initiation_refusal(other, v.prologue)) ==
             static_cast<int>(Refusal::kDecryptFailed));
}

BOOST_AUTO_TEST_CASE(rejects_initiation_with_another_prologue) {
  Vector v;
  BOOST_TEST(static_cast<int>(initiation_refusal(v.resp_static, hex("4a6f686e2047616c75"))) ==
             static_cast<int>(Refusal::kDecryptFailed));
}

BOOST_AUTO_TEST_CASE(rejects_short_messages_and_steps_out_of_order) {
  Vector v;
  IkResponder resp(v.resp_static, view(v.prologue));
  Bytes shortm(weft::control::kIkMessage1Overhead - 1), p(16);
  Outcome r = resp.read_message1(view(shortm), MutableBytes{p.data(), p.size()});
  BOOST_TEST(static_cast<int>(r.refusal) == static_cast<int>(Refusal::kMalformed));
  // A refused handshake is terminal.
  Transport t;
  BOOST_TEST(static_cast<int>(resp.finish(t)) == static_cast<int>(Refusal::kWrongState));
  BOOST_TEST(!t.started());

  IkInitiator init(v.init_static, v.init_remote_static, view(v.prologue));
  Bytes m2(weft::control::kIkMessage2Overhead);
  Outcome r2 = init.read_message2(view(m2), MutableBytes{p.data(), p.size()});
  BOOST_TEST(static_cast<int>(r2.refusal) == static_cast<int>(Refusal::kWrongState));
}

BOOST_AUTO_TEST_CASE(precomputed_statics_give_the_vector_message_on_every_handshake) {
  // One IkStatics serves many handshakes (a client redialing): each message 1 is the vector's.
  Vector v;
  const weft::control::IkStatics statics(v.init_static, v.init_remote_static);
  BOOST_TEST(statics.ss_ok);
  BOOST_TEST(statics.s_pub == weft::crypto::x25519_public(v.init_static));
  for (int round = 0; round < 2; ++round) {
    IkInitiator init(v.init_static, v.init_remote_static, view(v.prologue), statics);
    FixedRandom rng(v.init_ephemeral);
    Bytes m1(512);
    Outcome w = init.write_message1(rng, view(v.payloads[0]), MutableBytes{m1.data(), m1.size()});
    BOOST_REQUIRE(w.ok());
    m1.resize(w.size);
    BOOST_TEST(m1 == v.ciphertexts[0], boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(rejects_low_order_responder_key) {
  Vector v;
  const Key32 zero{};
  IkInitiator init(v.init_static, zero, view(v.prologue));
  FixedRandom rng(v.init_ephemeral);
  Bytes m1(512);
  Outcome w = init.write_message1(rng, view(v.payloads[0]), MutableBytes{m1.data(), m1.size()});
  BOOST_TEST(static_cast<int>(w.refusal) == static_cast<int>(Refusal::kLowOrderKey));
  const weft::control::IkStatics statics(v.init_static, zero);
  BOOST_TEST(!statics.ss_ok);
}

BOOST_AUTO_TEST_CASE(message1_from_an_ephemeral_drawn_before_is_the_vectors) {
  // The control client draws the ephemeral's bytes when it connects and writes the message
  // when the stream asks for bytes: the same bytes give the vector's message.
  Vector v;
  IkInitiator init(v.init_static, v.init_remote_static, view(v.prologue));
  Bytes m1(512);
  Outcome w = init.write_message1(v.init_ephemeral, view(v.payloads[0]),
                                  MutableBytes{m1.data(), m1.size()});
  BOOST_REQUIRE(w.ok());
  m1.resize(w.size);
  BOOST_TEST(m1 == v.ciphertexts[0], boost::test_tools::per_element());
}

/// Counts the bytes drawn.
class CountingRandom final : public weft::core::Random {
 public:
  void fill(uint8_t* out, std::size_t n) override {
    std::memset(out, 7, n);
    drawn += n;
  }
  std::size_t drawn = 0;
};

BOOST_AUTO_TEST_CASE(a_message1_that_cannot_be_written_draws_nothing) {
  Vector v;
  IkInitiator init(v.init_static, v.init_remote_static, view(v.prologue));
  CountingRandom rng;
  Bytes small(16);
  Outcome w = init.write_message1(rng, view(v.payloads[0]), MutableBytes{small.data(), small.size()});
  BOOST_TEST(static_cast<int>(w.refusal) == static_cast<int>(Refusal::kBufferTooSmall));
  BOOST_TEST(rng.drawn == 0u);
  // Refused once, the handshake is over: a second try draws nothing either.
  Bytes m1(512);
  w = init.write_message1(rng, view(v.payloads[0]), MutableBytes{m1.data(), m1.size()});
  BOOST_TEST(static_cast<int>(w.refusal) == static_cast<int>(Refusal::kWrongState));
  BOOST_TEST(rng.drawn == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
