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
/// requests in a row, each answered in order. Memory stays bounded while reading: the bytes of
/// an oversized set request past kMaxRequestSize are dropped as they are fed, up to the blank
/// line that ends it, so the client can finish writing and read its error answer (wg(8) writes
/// its whole request before it reads).
class UapiRequestReader {
 public:
  enum class Status {
    kNeedMore,  // no complete request buffered: feed more bytes
    kGet,       // "get=1\n\n"
    kSet,       // "set=1\n" + body + "\n"
    kTooLarge,  // a set request over kMaxRequestSize, now skipped: answer it EMSGSIZE
    kInvalid,   // not this protocol: answer EPROTO and close (sticky)
  };
  /// Requests (operation line to blank line) larger than this are answered kTooLarge.
  static constexpr std::size_t kMaxRequestSize = 1 << 20;
  /// Bytes of one oversized request dropped while waiting for its end; past this the reader
  /// gives up (kTooLarge, then finished()), so a client streaming forever is cut off.
  static constexpr std::size_t kMaxDiscard = 64 << 20;

  UapiRequestReader() = default;
  /// Other limits than the defaults, for tests and fuzzing of the oversized path.
  UapiRequestReader(std::size_t max_request, std::size_t max_discard)
      : max_request_(max_request), max_discard_(max_discard) {}

  /// Appends bytes read from the connection. Call next() until kNeedMore after every feed:
  /// the reader then holds at most kMaxRequestSize plus the last fed chunk.
  void feed(std::string_view bytes);
  /// Takes the next complete request off the buffer. For kSet, `set_body` receives the body
  /// (see parse_set_body); other results leave it alone.
  Status next(std::string* set_body);
  /// True once next() has returned the last request this stream can carry: after kInvalid, or
  /// after a kTooLarge whose end did not come within kMaxDiscard. Answer, then close.
  bool finished() const { return finished_ && !too_large_; }
  /// Bytes held for requests not yet taken.
  std::size_t buffered() const { return buffer_.size(); }

 private:
  Status fail();
  void discard(std::string_view bytes);

  std::size_t max_request_ = kMaxRequestSize;
  std::size_t max_discard_ = kMaxDiscard;
  std::string buffer_;
  std::size_t scan_from_ = 0;  // where the search for the head request's end resumes
  std::size_t discarded_ = 0;  // bytes of the oversized request dropped so far
  bool discarding_ = false;    // inside an oversized request: drop bytes up to its end
  bool last_was_newline_ = false;  // while discarding: the last dropped byte was '\n'
  bool too_large_ = false;     // an oversized request ended: next() reports kTooLarge
  bool finished_ = false;
};

/// The answer to a request the reader refused, negated like set answers: kTooLarge gives
/// "errno=-90" (EMSGSIZE; wg(8) prints "Message too long"), kInvalid "errno=-71" (EPROTO,
/// "Protocol error"). wireguard-go closes silently on an unknown operation instead; an answer
/// tells the client why.
std::string format_refusal(UapiRequestReader::Status status);

}  // namespace weft::tunnel
