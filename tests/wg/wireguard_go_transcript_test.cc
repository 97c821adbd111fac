// Known-answer test against stock wireguard-go (Debian 0.0.20220316): a handshake and one ICMP
// echo exchange recorded on loopback between this core (seeded randomness, fixed wall clock) and
// wireguard-go, with fixed static keys and a pre-shared key. Replaying it must reproduce our
// bytes exactly and accept theirs, which pins the KDF chain, AEAD nonces, mac1 and padding.
#define BOOST_TEST_MODULE wg_wireguard_go_transcript
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "harness.h"

using namespace weft::wg;
using namespace weft::wg::test;

namespace {

// Recorded with `wg`-set keys: ours = bytes (7i+3), theirs = bytes (13i+5), psk = (29i+11).
constexpr char kOurInitiation[] =
    "0100000003f166b2762966aa83a7ba9d21d35eda4c7f92f055c30d88d53aae88"
    "ebae6dfe6b61e247a63c15485c5953434ea3ddf6b18849b19d88b8fe256b4986"
    "49a6925ff655f10688f17c62a0d656a28eb2986ef3ed2afb41be72c08fd12729"
    "bcc1948d07e833db54ffe8d3a61c1317522fe672b3d783090a2fd74c7d14a984"
    "c9ec7b6300000000000000000000000000000000";
constexpr char kTheirResponse[] =
    "02000000ce32408d03f166b2a376b48730a7651021d75a2394422658404129c3"
    "d26762016dd140c6b46e285d4348529e037e5f902349d482620c37777024a68a"
    "06357af497bcdd5dd4f4e14e00000000000000000000000000000000";
constexpr char kOurData[] =
    "04000000ce32408d000000000000000091fd28a8a0f75a44ee930fcf57c0ccf8"
    "601dea3bd565b8ff6cd2f70d1a9d10cbd5ec38e8c7ee95e918adc2f179d90627"
    "ad1e02749e2d31d0eca67a60fecaf3eeddec2adc4cac5115b652434271741aa7"
    "f1b518bfde25dc6fc80c0fc15919831c43a8c70ad52c1e70e2ab9259f8a1f0f6";
constexpr char kTheirData[] =
    "0400000003f166b20000000000000000e21fc5f2cf4c021bd445805531ef075b"
    "d6ac527d7a38486f1c106d466c85ae613b238b5f4cf00697738590fd5ecaac00"
    "22e5ecafc8a39ef6a8643273eb67502afffdaef7bbcf30e5e94808d977c4e9de"
    "ab8e825bc59dc92ac2ec7a07943455081bfd114290fd2bc3538c6badcb36e645";
constexpr char kTheirPlaintext[] =
    "450000548228000040012ffe644000016440000200001da7007700005a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

std::vector<uint8_t> unhex(const char* s) {
  std::vector<uint8_t> out;
  for (std::size_t i = 0; s[i] && s[i + 1]; i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(s + i, 2), nullptr, 16)));
  }
  return out;
}

std::array<uint8_t, 32> pattern(int mul, int add) {
  std::array<uint8_t, 32> k{};
  for (int i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(i * mul + add);
  return k;
}

uint16_t checksum(const uint8_t* p, std::size_t n) {
  uint32_t s = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) s += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

// The ICMP echo request the recording sent: 100.64.0.2 -> 100.64.0.1, id 0x77, seq 0, 56 bytes
// of 0x5a.
std::vector<uint8_t> echo_request() {
  std::vector<uint8_t> p(84, 0x5a);
  std::fill(p.begin(), p.begin() + 28, 0);
  p[0] = 0x45, p[3] = 84, p[8] = 64, p[9] = 1;
  p[12] = 100, p[13] = 64, p[14] = 0, p[15] = 2;
  p[16] = 100, p[17] = 64, p[18] = 0, p[19] = 1;
  uint16_t c = checksum(p.data(), 20);
  p[10] = static_cast<uint8_t>(c >> 8), p[11] = static_cast<uint8_t>(c);
  p[20] = 8, p[25] = 0x77;
  c = checksum(p.data() + 20, 64);
  p[22] = static_cast<uint8_t>(c >> 8), p[23] = static_cast<uint8_t>(c);
  return p;
}

struct Recorded {
  Recorded() : device(config(), rng) {
    PeerConfig pc;
    pc.public_key.bytes = weft::crypto::x25519_public(pattern(13, 5));
    pc.preshared_key.bytes = pattern(29, 11);
    pc.endpoint = Path::v4(127, 0, 0, 1, 51820);
    pc.allowed_ips.push_back(AllowedIp::v4(100, 64, 0, 1, 32));
    peer = device.add_peer(pc);
  }
  static DeviceConfig config() {
    DeviceConfig c;
    c.private_key.bytes = pattern(7, 3);
    return c;
  }
  Now now() const { return Now{Duration(1000000), WallTime(std::chrono::seconds(1700000000))}; }
  weft::core::SeededRandom rng{42};
  Device device;
  PeerId peer;
  uint8_t buf[2048];
};

}  // namespace

BOOST_AUTO_TEST_SUITE(wireguard_go_transcript)

BOOST_AUTO_TEST_CASE(reproduces_our_initiation_and_data_and_accepts_theirs) {
  Recorded r;
  auto ping = echo_request();
  Output staged = r.device.send_packet(r.now(), ByteView{ping.data(), ping.size()},
                                       MutableBytes{r.buf, sizeof r.buf});
  BOOST_TEST(static_cast<int>(staged.action) == static_cast<int>(Action::kNone));

  Output init = r.device.poll_transmit(r.now(), MutableBytes{r.buf, sizeof r.buf});
  BOOST_REQUIRE(static_cast<int>(init.action) == static_cast<int>(Action::kSendDatagram));
  BOOST_TEST(std::vector<uint8_t>(r.buf, r.buf + init.size) == unhex(kOurInitiation));

  auto response = unhex(kTheirResponse);
  Path them = Path::v4(127, 0, 0, 1, 51820);
  Output consumed = r.device.receive_datagram(r.now(), them, ByteView{response.data(), response.size()},
                                              MutableBytes{r.buf, sizeof r.buf});
  BOOST_TEST(static_cast<int>(consumed.action) == static_cast<int>(Action::kNone));
  BOOST_TEST(r.device.peer_stats(r.peer).has_session);

  Output data = r.device.poll_transmit(r.now(), MutableBytes{r.buf, sizeof r.buf});
  BOOST_REQUIRE(static_cast<int>(data.action) == static_cast<int>(Action::kSendDatagram));
  BOOST_TEST(std::vector<uint8_t>(r.buf, r.buf + data.size) == unhex(kOurData));

  auto reply = unhex(kTheirData);
  Output delivered = r.device.receive_datagram(r.now(), them, ByteView{reply.data(), reply.size()},
                                               MutableBytes{r.buf, sizeof r.buf});
  BOOST_REQUIRE(static_cast<int>(delivered.action) == static_cast<int>(Action::kDeliverToTunnel));
  BOOST_TEST(std::vector<uint8_t>(r.buf, r.buf + delivered.size) == unhex(kTheirPlaintext));
}

BOOST_AUTO_TEST_CASE(rejects_their_response_with_a_wrong_preshared_key) {
  Recorded r;
  r.device.set_preshared_key(r.peer, PresharedKey{});
  auto ping = echo_request();
  r.device.send_packet(r.now(), ByteView{ping.data(), ping.size()}, MutableBytes{r.buf, sizeof r.buf});
  r.device.poll_transmit(r.now(), MutableBytes{r.buf, sizeof r.buf});
  auto response = unhex(kTheirResponse);
  Output o = r.device.receive_datagram(r.now(), Path::v4(127, 0, 0, 1, 51820),
                                       ByteView{response.data(), response.size()},
                                       MutableBytes{r.buf, sizeof r.buf});
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kBadHandshake));
  BOOST_TEST(!r.device.peer_stats(r.peer).has_session);
}

BOOST_AUTO_TEST_SUITE_END()
