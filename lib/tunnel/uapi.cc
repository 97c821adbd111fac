// UAPI text protocol (wireguard.com/xplatform "Configuration Protocol"); key names and the
// order of get lines follow what wg(8) parses in wireguard-tools' ipc-uapi.h.
#include "tunnel/uapi.h"

#include <algorithm>
#include <cerrno>

#include "util/decimal.h"

namespace weft::tunnel {
namespace {

using util::parse_decimal;

Error invalid(std::string_view key, std::string_view value, std::string_view why) {
  return make_error(kUapiErrorInvalid,
                    std::string(key) + "=" + std::string(value) + ": " + std::string(why));
}

void line(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  out += '=';
  out.append(value);
  out += '\n';
}

}  // namespace

std::string format_get_response(const UapiDeviceState& state) {
  std::string out;
  if (state.private_key && !state.private_key->is_zero()) {
    line(out, "private_key", core::key_to_hex(state.private_key->bytes));
  }
  if (state.listen_port != 0) line(out, "listen_port", std::to_string(state.listen_port));
  if (state.fwmark != 0) line(out, "fwmark", std::to_string(state.fwmark));
  for (const auto& peer : state.peers) {
    line(out, "public_key", core::key_to_hex(peer.public_key.bytes));
    line(out, "preshared_key", core::key_to_hex(peer.preshared_key.bytes));
    line(out, "protocol_version", "1");
    if (peer.endpoint) line(out, "endpoint", peer.endpoint->to_string());
    int64_t sec = 0;
    int64_t nsec = 0;
    if (peer.last_handshake) {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    peer.last_handshake->time_since_epoch())
                    .count();
      if (ns > 0) {
        sec = ns / 1'000'000'000;
        nsec = ns % 1'000'000'000;
      }
    }
    line(out, "last_handshake_time_sec", std::to_string(sec));
    line(out, "last_handshake_time_nsec", std::to_string(nsec));
    line(out, "tx_bytes", std::to_string(peer.tx_bytes));
    line(out, "rx_bytes", std::to_string(peer.rx_bytes));
    line(out, "persistent_keepalive_interval", std::to_string(peer.persistent_keepalive.count()));
    for (const auto& p : peer.allowed_ips) line(out, "allowed_ip", p.to_string());
  }
  out += "errno=0\n\n";
  return out;
}

std::string format_errno_response(int err) { return "errno=" + std::to_string(err) + "\n\n"; }

std::string format_set_response(int positive_errno) {
  return format_errno_response(-positive_errno);
}

int uapi_errno_for(const Error& error) {
  if (error.code == kUapiErrorProtocol) return EPROTO;
  if (error.code == kUapiErrorInvalid) return EINVAL;
  if (error.code == "uapi.port_in_use") return EADDRINUSE;
  return EIO;
}

Result<UapiSetRequest> parse_set_body(std::string_view body) {
  UapiSetRequest req;
  UapiPeerUpdate* peer = nullptr;
  while (!body.empty()) {
    auto nl = body.find('\n');
    std::string_view text = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    if (text.empty()) return make_error(kUapiErrorProtocol, "blank line inside a set body");
    auto eq = text.find('=');
    if (eq == std::string_view::npos) {
      return make_error(kUapiErrorProtocol, "line without '=': " + std::string(text));
    }
    std::string_view key = text.substr(0, eq);
    std::string_view value = text.substr(eq + 1);

    if (key == "public_key") {
      auto k = core::key_from_hex(value);
      if (!k) return invalid(key, value, "not 64 hex digits");
      req.peers.push_back(UapiPeerUpdate{});
      peer = &req.peers.back();
      peer->public_key = wg::PublicKey{*k};
      continue;
    }

    if (peer == nullptr) {  // device-level keys come before the first public_key
      if (key == "private_key") {
        auto k = core::key_from_hex(value);
        if (!k) return invalid(key, value, "not 64 hex digits");
        req.private_key = wg::PrivateKey(*k);
      } else if (key == "listen_port") {
        auto p = parse_decimal(value, 65535);
        if (!p) return invalid(key, value, "not a port number");
        req.listen_port = static_cast<uint16_t>(*p);
      } else if (key == "fwmark") {
        // wg(8) sends an empty value for "fwmark off" on some versions; treat it as 0.
        auto m = value.empty() ? std::optional<uint64_t>(0) : parse_decimal(value, 0xffffffffu);
        if (!m) return invalid(key, value, "not a 32-bit number");
        req.fwmark = static_cast<uint32_t>(*m);
      } else if (key == "replace_peers") {
        if (value != "true") return invalid(key, value, "only \"true\" is valid");
        req.replace_peers = true;
      } else {
        return invalid(key, value, "unknown device key");
      }
      continue;
    }

    if (key == "remove") {
      if (value != "true") return invalid(key, value, "only \"true\" is valid");
      peer->remove = true;
    } else if (key == "update_only") {
      if (value != "true") return invalid(key, value, "only \"true\" is valid");
      peer->update_only = true;
    } else if (key == "preshared_key") {
      auto k = core::key_from_hex(value);
      if (!k) return invalid(key, value, "not 64 hex digits");
      peer->preshared_key = wg::PresharedKey(*k);
    } else if (key == "endpoint") {
      auto e = core::SocketAddress::parse(value);
      if (!e) return invalid(key, value, "not IP:PORT or [IPv6]:PORT");
      peer->endpoint = *e;
    } else if (key == "persistent_keepalive_interval") {
      auto s = parse_decimal(value, 65535);
      if (!s) return invalid(key, value, "not a number of seconds (0-65535)");
      peer->persistent_keepalive = std::chrono::seconds{static_cast<int64_t>(*s)};
    } else if (key == "replace_allowed_ips") {
      if (value != "true") return invalid(key, value, "only \"true\" is valid");
      peer->replace_allowed_ips = true;
    } else if (key == "allowed_ip") {
      // The protocol always carries an explicit length; a bare address is malformed here.
      if (value.find('/') == std::string_view::npos) return invalid(key, value, "missing /length");
      auto p = util::IpPrefix::parse(value, /*strict=*/false);
      if (!p) return invalid(key, value, "not an IP prefix");
      peer->allowed_ips.push_back(*p);
    } else if (key == "protocol_version") {
      if (value != "1") return invalid(key, value, "only version 1 is supported");
    } else {
      return invalid(key, value, "unknown peer key");
    }
  }
  return req;
}

std::string format_refusal(UapiRequestReader::Status status) {
  return format_set_response(status == UapiRequestReader::Status::kTooLarge ? EMSGSIZE : EPROTO);
}

void UapiRequestReader::feed(std::string_view bytes) {
  if (finished_) return;
  if (discarding_) {
    discard(bytes);
    return;
  }
  buffer_.append(bytes);
}

// Drops bytes of an oversized request up to and including the blank line that ends it; what
// follows is the next request. A "\n\n" may straddle two feeds, hence last_was_newline_.
void UapiRequestReader::discard(std::string_view bytes) {
  std::size_t end = std::string_view::npos;  // index of the blank line's '\n' in `bytes`
  if (last_was_newline_ && !bytes.empty() && bytes[0] == '\n') {
    end = 0;
  } else if (auto p = bytes.find("\n\n"); p != std::string_view::npos) {
    end = p + 1;
  }
  std::size_t dropped = end == std::string_view::npos ? bytes.size() : end + 1;
  discarded_ += dropped;
  if (discarded_ > max_discard_) {
    discarding_ = false;
    too_large_ = true;
    finished_ = true;
    return;
  }
  if (end == std::string_view::npos) {
    if (!bytes.empty()) last_was_newline_ = bytes.back() == '\n';
    return;
  }
  discarding_ = false;
  too_large_ = true;
  buffer_.append(bytes.substr(dropped));
}

UapiRequestReader::Status UapiRequestReader::fail() {
  finished_ = true;
  buffer_.clear();
  buffer_.shrink_to_fit();
  return Status::kInvalid;
}

UapiRequestReader::Status UapiRequestReader::next(std::string* set_body) {
  if (too_large_) {
    too_large_ = false;
    return Status::kTooLarge;
  }
  if (finished_) return Status::kInvalid;
  if (discarding_) return Status::kNeedMore;
  auto nl = buffer_.find('\n');
  if (nl == std::string::npos) {
    // "get=1" and "set=1" are short; a long first line is not this protocol.
    return buffer_.size() > 16 ? fail() : Status::kNeedMore;
  }
  std::string_view op(buffer_.data(), nl);
  if (op == "get=1") {
    if (buffer_.size() < nl + 2) return Status::kNeedMore;
    if (buffer_[nl + 1] != '\n') return fail();
    buffer_.erase(0, nl + 2);
    return Status::kGet;
  }
  if (op != "set=1") return fail();
  // The request ends at the first "\n\n" from the operation line's own '\n' on (an empty body
  // is "set=1\n\n"). The search resumes where the last one stopped, so a request arriving in
  // many small reads is scanned once, not once per read.
  auto blank = buffer_.find("\n\n", std::max(nl, scan_from_));
  if (blank == std::string::npos) {
    if (buffer_.size() <= max_request_) {
      scan_from_ = buffer_.size() - 1;  // the last '\n' may pair with the next byte
      return Status::kNeedMore;
    }
    // Over the cap with no end in sight: keep nothing more of it.
    discarded_ = buffer_.size();
    last_was_newline_ = buffer_.back() == '\n';
    buffer_.clear();
    buffer_.shrink_to_fit();
    scan_from_ = 0;
    if (discarded_ > max_discard_) {
      finished_ = true;
      return Status::kTooLarge;
    }
    discarding_ = true;
    return Status::kNeedMore;
  }
  std::size_t size = blank + 2;  // operation line through the blank line
  scan_from_ = 0;
  if (size > max_request_) {
    // Fed in one piece; the same outcome as dropping it while it arrived.
    buffer_.erase(0, size);
    if (size > max_discard_) finished_ = true;
    return Status::kTooLarge;
  }
  if (set_body) set_body->assign(buffer_, nl + 1, blank + 1 - (nl + 1));
  buffer_.erase(0, size);
  return Status::kSet;
}

}  // namespace weft::tunnel
