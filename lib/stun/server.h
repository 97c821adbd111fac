// The STUN server core (RFC 8489 section 6.3, Binding only; sans-IO): a Binding request from a
// source address becomes the success response carrying that address; anything else is dropped
// and counted. Runs beside each relay (`weft derp --stun-port`). C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/path.h"
#include "stun/message.h"

namespace weft::stun {

/// Why a datagram got no answer. Every drop is counted in ServerStats::drops[reason].
enum class DropReason : uint8_t {
  kNone = 0,
  kNotStun,             ///< not a STUN message (short, top bits, no magic cookie: RFC 3489)
  kMalformed,           ///< STUN header, but a bad length or attribute
  kBadFingerprint,      ///< FINGERPRINT present and wrong
  kNotRequest,          ///< an indication or a response: never answered (section 6.3)
  kUnsupportedMethod,   ///< a request of a method other than Binding (answered 400 would
                        ///< invite reflection; dropped instead)
  kBufferTooSmall,      ///< the caller's buffer cannot hold the answer
  kCount
};
inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

enum class Action : uint8_t {
  kNone,          ///< nothing to do
  kSendDatagram,  ///< send out[0, size) to `to`
  kDrop,          ///< dropped; `drop` says why (already counted)
};

struct Output {
  Action action = Action::kNone;
  std::size_t size = 0;
  core::SocketAddress to{};
  DropReason drop = DropReason::kNone;
};

inline bool is_idle(const Output& o) { return o.action == Action::kNone; }

struct ServerStats {
  uint64_t requests = 0;         ///< Binding requests that decoded
  uint64_t success_responses = 0;
  uint64_t error_responses = 0;  ///< 420 Unknown Attribute answers
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t drops_of(DropReason r) const { return drops[static_cast<std::size_t>(r)]; }
};

/// Answers Binding requests. Stateless apart from counters: no `now`, no allocation per
/// datagram, never throws. Single-threaded (one per receiving thread).
class Server {
 public:
  Server() = default;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Handles one datagram from `from`. kSendDatagram: a Binding success response telling
  /// `from` (XOR-MAPPED-ADDRESS), or a 420 error response when the request carries unknown
  /// comprehension-required attributes, to `from`; kDrop otherwise (reason counted). `out`
  /// should hold kMaxEncodedSize bytes.
  Output receive_datagram(const core::SocketAddress& from, core::ByteView datagram,
                          core::MutableBytes out);

  const ServerStats& stats() const { return stats_; }

 private:
  Output drop(DropReason reason);
  ServerStats stats_;
};

const char* to_string(DropReason reason);

}  // namespace weft::stun
