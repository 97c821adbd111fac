// libFuzzer target for the untrusted OIDC inputs (lib/identity): the first byte picks the parser
// -- 0: a JWK Set; 1: an ID token against a fixed RSA + P-256 set; 2: a discovery document;
// 3: a token endpoint answer through Logins::finish. Never crashes, never throws.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/random.h"
#include "identity/jwks.h"
#include "identity/login.h"

namespace {

constexpr std::string_view kJwks = R"jwks({"keys": [{"kty": "RSA", "kid": "r1", "n": "2jLvALjZIrqla68rTEDVuJQHjT8Wg36XpK0t1rj6DJ4fuO8IE-CTUt_c0VdHIfrfIjswfvthUq4y9kB9O8srQo7e53Imu4hZ694RTXMGW4JKpi7-D_zM-0QocOl5_0JpTEjj90vxqKJSaTdY2E7hYae9uLdgND1rdBpELSQpqyWT7TUvHS1-gQvY2_Em0Afi7GwwebsfLM18UggaVV4ctpPJKYkRghTcKnRSLRJMUhvmqTLCu7ayEl9spVTFt5W6SV_SA4JwxOEEUOnK6yQ4QxmlNFtobX4C7PCsR0xGq38vgHaF4mPuOb6qx2mnbaT1Hiif4nKMQUhu8fbxogvhcQ", "e": "AQAB"}, {"kty": "EC", "crv": "P-256", "kid": "e1", "x": "yP0yOGZcIjUMefcpK1ms-wnsMXmPlMz3QjMJ5LJSxDU", "y": "OwN4-fMXGx0jbv2EJr6GcbSk6fLzkyfMJyac4RLlFOs"}]})jwks";
const weft::core::WallTime kNow = weft::core::WallTime{} + std::chrono::seconds(1'800'000'000);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace weft::identity;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  static const Jwks keys = parse_jwks(kJwks).value();
  switch (data[0] % 4) {
    case 0: (void)parse_jwks(text); break;
    case 1: (void)verify_id_token(text, keys, {"https://idp.example", "weft", "n-1"}, kNow); break;
    case 2: (void)parse_discovery(text, "https://idp.example"); break;
    default: {
      Logins logins({"https://idp.example", "weft", "s", "https://weft.example/oidc/callback", {}});
      TokenExchange x;
      x.expect = {"https://idp.example", "weft", "n-1"};
      (void)logins.finish(x, 200, text, keys, kNow);
      (void)query_param(text, "state");
      break;
    }
  }
  return 0;
}
