// The typed relay frame payloads (docs/connectivity.md, "Relay protocol", "Frames").
#include "relay/frame.h"

#include <cstring>

namespace weft::relay {
namespace {

Error malformed(const char* what) { return make_error("relay.malformed", what); }

void append_header(std::vector<uint8_t>& out, FrameType type, std::size_t payload) {
  const std::size_t at = out.size();
  out.resize(at + kFrameHeaderSize);
  put_header(out.data() + at, type, payload);
}

}  // namespace

Result<ServerKeyFrame> parse_server_key(core::ByteView p) {
  if (p.size != kServerKeyPayload) return malformed("ServerKey has the wrong length");
  if (std::memcmp(p.data, kMagic, sizeof(kMagic)) != 0) {
    return malformed("ServerKey does not start with the weft relay magic");
  }
  ServerKeyFrame f;
  std::memcpy(f.relay_key.bytes.data(), p.data + sizeof(kMagic), kKeyLen);
  std::memcpy(f.challenge.data(), p.data + sizeof(kMagic) + kKeyLen, kChallengeSize);
  return f;
}

void append_server_key(std::vector<uint8_t>& out, const ServerKeyFrame& f) {
  append_header(out, FrameType::kServerKey, kServerKeyPayload);
  out.insert(out.end(), kMagic, kMagic + sizeof(kMagic));
  out.insert(out.end(), f.relay_key.bytes.begin(), f.relay_key.bytes.end());
  out.insert(out.end(), f.challenge.begin(), f.challenge.end());
}

Result<ServerInfoFrame> parse_server_info(core::ByteView p) {
  if (p.size < kServerInfoPayload) return malformed("ServerInfo is too short");
  ServerInfoFrame f;
  f.version = static_cast<uint16_t>((p.data[0] << 8) | p.data[1]);
  f.rate_bytes_per_second = get_u64(p.data + 2);
  f.burst_bytes = get_u64(p.data + 10);
  return f;
}

void append_server_info(std::vector<uint8_t>& out, const ServerInfoFrame& f) {
  append_header(out, FrameType::kServerInfo, kServerInfoPayload);
  const std::size_t at = out.size();
  out.resize(at + kServerInfoPayload);
  out[at] = static_cast<uint8_t>(f.version >> 8);
  out[at + 1] = static_cast<uint8_t>(f.version);
  put_u64(out.data() + at + 2, f.rate_bytes_per_second);
  put_u64(out.data() + at + 10, f.burst_bytes);
}

Result<PeerGoneFrame> parse_peer_gone(core::ByteView p) {
  if (p.size != kPeerGonePayload) return malformed("PeerGone has the wrong length");
  PeerGoneFrame f;
  std::memcpy(f.peer.bytes.data(), p.data, kKeyLen);
  f.reason = static_cast<PeerGoneReason>(p.data[kKeyLen]);
  return f;
}

Result<ErrorFrame> parse_error(core::ByteView p) {
  if (p.size < 1) return malformed("Error is empty");
  const std::size_t code_len = p.data[0];
  if (code_len == 0 || code_len > kMaxErrorCode || 1 + code_len > p.size) {
    return malformed("Error has a bad code length");
  }
  const std::size_t message_len = p.size - 1 - code_len;
  if (message_len > kMaxErrorMessage) return malformed("Error message is too long");
  ErrorFrame f;
  f.code.assign(reinterpret_cast<const char*>(p.data + 1), code_len);
  f.message.assign(reinterpret_cast<const char*>(p.data + 1 + code_len), message_len);
  return f;
}

void append_error(std::vector<uint8_t>& out, const ErrorFrame& f) {
  const std::size_t code_len = std::min(f.code.size(), kMaxErrorCode);
  const std::size_t message_len = std::min(f.message.size(), kMaxErrorMessage);
  append_header(out, FrameType::kError, 1 + code_len + message_len);
  out.push_back(static_cast<uint8_t>(code_len));
  out.insert(out.end(), f.code.begin(), f.code.begin() + static_cast<std::ptrdiff_t>(code_len));
  out.insert(out.end(), f.message.begin(),
             f.message.begin() + static_cast<std::ptrdiff_t>(message_len));
}

}  // namespace weft::relay
