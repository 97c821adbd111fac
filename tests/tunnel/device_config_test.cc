#define BOOST_TEST_MODULE tunnel_device_config
#include <boost/test/unit_test.hpp>

#include <string>

#include "tunnel/device_config.h"

using namespace weft::tunnel;
namespace wg = weft::wg;

namespace {

// `wg genkey` / `wg pubkey` pairs.
constexpr char kPrivA[] = "AC52PwHXVOKnjIxLil6317/RDUJlJrj4FWQmpSd82X0=";
constexpr char kPubA[] = "QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7ws=";
constexpr char kPubB[] = "2JIvezuD+NFQjB7Qnp/v1uzIc6f73+zCVbBcIjrdcAs=";
constexpr char kPubC[] = "STkHPSYfEV7PWWiikmztWnrlrAdWWjHg9HQgURW7gXQ=";
constexpr char kPsk[] = "o7rXDD71iyeJmLNBJEEhvnEkg/+IvRjx3ONKOW1JqKs=";

class CountingRandom : public wg::Random {
 public:
  void fill(uint8_t* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(counter_++ * 131 + 7);
  }

 private:
  uint64_t counter_ = 1;
};

std::string hex_of(const char* b64) { return weft::core::key_to_hex(*weft::core::key_from_base64(b64)); }

struct Fixture {
  Fixture() : device(config(), random) { settings.private_key = wg::PrivateKey(*weft::core::key_from_base64(kPrivA)); }
  static wg::DeviceConfig config() {
    TunnelConfig c;
    c.interface.private_key = wg::PrivateKey(*weft::core::key_from_base64(kPrivA));
    return device_config_from(c, 1420).value();
  }
  UapiSetRequest set(const std::string& body) {
    auto r = parse_set_body(body);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().detail));
    return *r;
  }
  CountingRandom random;
  wg::Device device;
  InterfaceSettings settings;
  wg::Now now{};
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(device_config, Fixture)

BOOST_AUTO_TEST_CASE(device_key_matches_wg_pubkey) {
  BOOST_TEST(weft::core::key_to_base64(device.public_key().bytes) == kPubA);
}

BOOST_AUTO_TEST_CASE(refuses_a_config_without_private_key) {
  TunnelConfig c;
  auto r = device_config_from(c, 1420);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "config.invalid");
}

BOOST_AUTO_TEST_CASE(adds_file_peers_and_reports_them_in_get) {
  std::string text = std::string("[Interface]\nPrivateKey = ") + kPrivA + "\n[Peer]\nPublicKey = " +
                     kPubB + "\nPresharedKey = " + kPsk +
                     "\nAllowedIPs = 100.64.0.2/32, fd7a::/48\nEndpoint = 192.0.2.2:51820\n"
                     "PersistentKeepalive = 25\n";
  auto parsed = parse_config(text, "t.conf");
  BOOST_REQUIRE(parsed.ok());
  BOOST_REQUIRE(add_configured_peers(device, now, parsed.config, settings).ok());
  settings.listen_port = 51820;
  UapiDeviceState s = snapshot(device, settings);
  std::string get = format_get_response(s);
  BOOST_TEST(get.find("private_key=" + hex_of(kPrivA) + "\n") != std::string::npos, get);
  BOOST_TEST(get.find("listen_port=51820\n") != std::string::npos);
  BOOST_TEST(get.find("public_key=" + hex_of(kPubB) + "\n") != std::string::npos);
  BOOST_TEST(get.find("preshared_key=" + hex_of(kPsk) + "\n") != std::string::npos);
  BOOST_TEST(get.find("endpoint=192.0.2.2:51820\n") != std::string::npos);
  BOOST_TEST(get.find("persistent_keepalive_interval=25\n") != std::string::npos);
  BOOST_TEST(get.find("allowed_ip=100.64.0.2/32\n") != std::string::npos);
  BOOST_TEST(get.find("allowed_ip=fd7a::/48\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_own_key_as_a_file_peer) {
  std::string text = std::string("[Peer]\nPublicKey = ") + kPubA + "\n";
  auto parsed = parse_config(text, "t.conf");
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(!add_configured_peers(device, now, parsed.config, settings).ok());
}

BOOST_AUTO_TEST_CASE(set_creates_updates_and_appends_allowed_ips) {
  apply_set(device, now,
            set("public_key=" + hex_of(kPubB) + "\nendpoint=[2001:db8::2]:4000\n"
                "allowed_ip=100.64.0.2/32\n"),
            settings);
  wg::PeerId id = device.find_peer(wg::PublicKey{*weft::core::key_from_base64(kPubB)});
  BOOST_REQUIRE(id != wg::kNoPeer);
  apply_set(device, now, set("public_key=" + hex_of(kPubB) + "\nallowed_ip=100.64.1.0/24\n"),
            settings);
  BOOST_TEST(device.allowed_ips(id).size() == 2u);
  apply_set(device, now,
            set("public_key=" + hex_of(kPubB) +
                "\nreplace_allowed_ips=true\nallowed_ip=198.51.100.0/24\n"),
            settings);
  auto ips = device.allowed_ips(id);
  BOOST_REQUIRE_EQUAL(ips.size(), 1u);
  BOOST_TEST(from_wg(ips[0]).to_string() == "198.51.100.0/24");
  auto st = snapshot(device, settings);
  BOOST_REQUIRE_EQUAL(st.peers.size(), 1u);
  BOOST_REQUIRE(st.peers[0].endpoint.has_value());
  BOOST_TEST(st.peers[0].endpoint->to_string() == "[2001:db8::2]:4000");
}

BOOST_AUTO_TEST_CASE(set_honours_update_only_remove_and_replace_peers) {
  apply_set(device, now, set("public_key=" + hex_of(kPubB) + "\nupdate_only=true\n"), settings);
  BOOST_TEST(device.peers().empty());

  apply_set(device, now,
            set("public_key=" + hex_of(kPubB) + "\npublic_key=" + hex_of(kPubC) + "\n"), settings);
  BOOST_TEST(device.peers().size() == 2u);
  apply_set(device, now, set("public_key=" + hex_of(kPubB) + "\nremove=true\n"), settings);
  BOOST_REQUIRE_EQUAL(device.peers().size(), 1u);
  BOOST_TEST(weft::core::key_to_base64(device.peer_stats(device.peers()[0]).public_key.bytes) == kPubC);

  apply_set(device, now, set("replace_peers=true\npublic_key=" + hex_of(kPubB) + "\n"), settings);
  BOOST_REQUIRE_EQUAL(device.peers().size(), 1u);
  BOOST_TEST(weft::core::key_to_base64(device.peer_stats(device.peers()[0]).public_key.bytes) == kPubB);
}

BOOST_AUTO_TEST_CASE(set_applied_in_slices_ends_as_when_applied_at_once) {
  // weft tunnel applies a large set a slice of peers per loop turn (tunnel.cc).
  apply_set(device, now, set("public_key=" + hex_of(kPubC) + "\nallowed_ip=10.9.0.0/16\n"),
            settings);
  CountingRandom other_random;
  wg::Device other(config(), other_random);
  InterfaceSettings other_settings = settings;
  apply_set(other, now, set("public_key=" + hex_of(kPubC) + "\nallowed_ip=10.9.0.0/16\n"),
            other_settings);
  // B takes C's prefix before C is re-created with another one, as after replace_peers.
  UapiSetRequest req = set("fwmark=9\nreplace_peers=true\npublic_key=" + hex_of(kPubB) +
                           "\npreshared_key=" + hex_of(kPsk) + "\nallowed_ip=10.9.0.0/16\n"
                           "public_key=" + hex_of(kPubC) + "\nallowed_ip=10.8.0.0/16\n"
                           "public_key=" + hex_of(kPubB) + "\nallowed_ip=100.64.9.0/24\n");
  DriverChanges at_once = apply_set(device, now, req, settings);
  spell_out_replace_peers(other, req);
  BOOST_TEST(!req.replace_peers);
  BOOST_REQUIRE(req.peers.size() == 4u);  // C's removal just before C's update
  BOOST_TEST((req.peers[1].remove && req.peers[1].public_key == req.peers[2].public_key));
  DriverChanges sliced = apply_set_interface(other, now, req, other_settings);
  for (std::size_t first = 0; first < req.peers.size(); first += 3) {
    apply_set_peers(other, now, req, first, first + 3, other_settings);
  }
  BOOST_TEST((sliced.fwmark == at_once.fwmark));
  BOOST_TEST(format_get_response(snapshot(other, other_settings)) ==
             format_get_response(snapshot(device, settings)));
  BOOST_TEST(other.peers().size() == 2u);
  BOOST_TEST(other_settings.preshared_keys.size() == 1u);
  // A peer the request does not name is removed up front.
  UapiSetRequest only_b = set("replace_peers=true\npublic_key=" + hex_of(kPubB) + "\n");
  spell_out_replace_peers(other, only_b);
  BOOST_REQUIRE(only_b.peers.size() == 3u);
  BOOST_TEST((only_b.peers[0].remove && only_b.peers[1].remove && !only_b.peers[2].remove));
  apply_set_peers(other, now, only_b, 0, 3, other_settings);
  BOOST_TEST(other.peers().size() == 1u);
}

BOOST_AUTO_TEST_CASE(set_ignores_our_own_public_key_as_a_peer) {
  apply_set(device, now, set("public_key=" + hex_of(kPubA) + "\nallowed_ip=10.0.0.0/8\n"),
            settings);
  BOOST_TEST(device.peers().empty());
}

BOOST_AUTO_TEST_CASE(set_reports_socket_changes_only_when_they_differ) {
  settings.listen_port = 51820;
  auto same = apply_set(device, now, set("listen_port=51820\n"), settings);
  BOOST_TEST(!same.listen_port.has_value());
  auto other = apply_set(device, now, set("listen_port=51821\nfwmark=7\n"), settings);
  BOOST_TEST(other.listen_port.value_or(0) == 51821);
  BOOST_TEST(other.fwmark.value_or(0) == 7u);
  BOOST_TEST(settings.fwmark == 7u);
}

BOOST_AUTO_TEST_CASE(set_tracks_and_clears_preshared_keys) {
  apply_set(device, now,
            set("public_key=" + hex_of(kPubB) + "\npreshared_key=" + hex_of(kPsk) + "\n"),
            settings);
  BOOST_TEST(format_get_response(snapshot(device, settings)).find(hex_of(kPsk)) !=
             std::string::npos);
  apply_set(device, now,
            set("public_key=" + hex_of(kPubB) + "\npreshared_key=" + std::string(64, '0') + "\n"),
            settings);
  BOOST_TEST(format_get_response(snapshot(device, settings)).find(hex_of(kPsk)) ==
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(set_private_key_changes_the_public_key) {
  apply_set(device, now, set("private_key=" + hex_of("yMefr+dNCTB4BJwvGvNQZrO9fqYVCbnu/dyKoLnb63c=") + "\n"),
            settings);
  BOOST_TEST(weft::core::key_to_base64(device.public_key().bytes) == kPubB);
}

BOOST_AUTO_TEST_CASE(formats_only_nonzero_drop_reasons_in_enum_order) {
  wg::DeviceStats stats;
  BOOST_TEST(total_drops(stats) == 0u);
  BOOST_TEST(format_drops(stats) == "drops total=0");
  stats.drops[static_cast<std::size_t>(wg::DropReason::kNoSession)] = 7;
  stats.drops[static_cast<std::size_t>(wg::DropReason::kMalformed)] = 2;
  stats.drops[static_cast<std::size_t>(wg::DropReason::kBadMac1)] = 40;
  BOOST_TEST(total_drops(stats) == 49u);
  BOOST_TEST(format_drops(stats) == "drops total=49 malformed=2 bad_mac1=40 no_session=7");
  BOOST_TEST(format_drops(stats, 0) == "drops total=49 malformed=2 bad_mac1=40 no_session=7");
  BOOST_TEST(format_drops(stats, 11) ==
             "drops total=60 malformed=2 bad_mac1=40 no_session=7 handshake_queue_full=11");
  for (std::size_t i = 1; i < wg::kDropReasonCount; ++i)
    BOOST_TEST(!drop_reason_name(static_cast<wg::DropReason>(i)).empty());
}

BOOST_AUTO_TEST_SUITE_END()
