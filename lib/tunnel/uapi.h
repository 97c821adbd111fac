// The WireGuard cross-platform configuration protocol (wireguard.com/xplatform, "Configuration
// Protocol"): framing of get=1 / set=1 requests, typed set operations, get responses. Sans-IO.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_text.h"
#include "core/path.h"
#include "wg/types.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::tunnel {

// ---- get ----

/// One peer as a get response reports it.
struct UapiPeerState {
  wg::PublicKey public_key;
  wg::PresharedKey preshared_key;  // all zero when unused, printed anyway (as wg(8) expects)
  std::optional<core::SocketAddress> endpoint;
  /// Wall-clock time of the last completed handshake; nullopt prints 0/0 ("never").
  std::optional<std::chrono::system_clock::time_point> last_handshake;
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
  std::chrono::seconds persistent_keepalive{0};
  std::vector<util::IpPrefix> allowed_ips;
};

/// A snapshot of the whole interface, produced by the driver for one get request.
struct UapiDeviceState {
  std::optional<wg::PrivateKey> private_key;
  uint16_t listen_port = 0;  // 0: not printed
  uint32_t fwmark = 0;       // 0: not printed
  std::vector<UapiPeerState> peers;
};

/// The full get response, "key=value\n" lines then "errno=0\n\n".
std::string format_get_response(const UapiDeviceState& state);
/// "errno=N\n\n" with N exactly as given.
std::string format_errno_response(int err);
/// The response to a set request: "errno=0\n\n", or the negated errno.h value on failure
/// ("errno=-22" for EINVAL). The xplatform document only says "errno"; the negative sign is
/// what wireguard-go sends and what wg(8) expects (it sets errno = -N, so a positive N would
/// print as "Unknown error -22").
std::string format_set_response(int positive_errno);

// ---- set ----

/// Changes to one peer, in the order wg(8) sends them (public_key starts a peer).
struct UapiPeerUpdate {
  wg::PublicKey public_key;
  bool remove = false;              // remove=true: delete the peer; other fields are moot
  bool update_only = false;         // update_only=true: do not create the peer if absent
  std::optional<wg::PresharedKey> preshared_key;  // all zero clears it
  std::optional<core::SocketAddress> endpoint;
  std::optional<std::chrono::seconds> persistent_keepalive;
  bool replace_allowed_ips = false;  // drop existing allowed IPs before adding these
  std::vector<util::IpPrefix> allowed_ips;
};

/// A parsed set request, applied all-or-nothing by the driver.
struct UapiSetRequest {
  std::optional<wg::PrivateKey> private_key;  // all zero removes the key
  std::optional<uint16_t> listen_port;
  std::optional<uint32_t> fwmark;         // 0 clears it
  bool replace_peers = false;             // remove every peer not re-listed below first
  std::vector<UapiPeerUpdate> peers;
};

/// Error codes of parse_set_body, with the errno the response carries.
inline constexpr char kUapiErrorInvalid[] = "uapi.invalid";    // EINVAL: bad key or value
inline constexpr char kUapiErrorProtocol[] = "uapi.protocol";  // EPROTO: a line without '='

/// Parses the body of a set request: the lines after "set=1", without the terminating blank
/// line. Errors: kUapiErrorProtocol for a line that is not key=value; kUapiErrorInvalid for an
/// unknown key, a key in the wrong place, or a malformed value. Nothing is applied on error.
Result<UapiSetRequest> parse_set_body(std::string_view body);

/// The errno.h value to answer an error from parse_set_body (or any other error code) with.
int uapi_errno_for(const Error& error);

// ---- framing ----

/// Splits the byte stream of one UAPI connection into requests. A connection may carry several
/// requests in a row; a malformed one means the peer is not speaking the protocol, and the
/// driver closes the connection (as wireguard-go does).
class UapiRequestReader {
 public:
  enum class Status { kNeedMore, kGet, kSet, kInvalid };
  /// Requests larger than this are refused (kInvalid), bounding memory per connection.
  static constexpr std::size_t kMaxRequestSize = 1 << 20;

  void feed(std::string_view bytes);
  /// Takes the next complete request off the buffer. For kSet, `set_body` receives the body
  /// (see parse_set_body). kInvalid is sticky.
  Status next(std::string* set_body);

 private:
  std::string buffer_;
  bool invalid_ = false;
};

}  // namespace weft::tunnel
