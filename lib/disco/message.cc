// Discovery message codec and sealing (docs/connectivity.md, "Discovery"; wire format in
// message.h): a ladder of exact length checks over the plaintext, X25519 + BLAKE2s for the key,
// XChaCha20-Poly1305 with the clear header as associated data.
#include "disco/message.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "crypto/crypto.h"

namespace weft::disco {
namespace {

constexpr char kKeyLabel[] = "weft disco v1";
constexpr std::size_t kPlainHeaderLen = 2;  // type, version
constexpr uint8_t kVersion = 0;
constexpr std::size_t kPingBodyLen = kTxIdLen + kKeyLen;
constexpr std::size_t kPongBodyLen = kTxIdLen + kEndpointLen;
// RFC 4291 section 2.5.5.2: ::ffff:a.b.c.d.
constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

Error malformed(std::string detail) { return make_error("disco.malformed", std::move(detail)); }

void put_endpoint(std::vector<uint8_t>& out, const core::SocketAddress& a) {
  const std::array<uint8_t, 16>& b = a.address.bytes();
  if (a.address.is_v4()) {
    out.insert(out.end(), kV4MappedPrefix, kV4MappedPrefix + sizeof kV4MappedPrefix);
    out.insert(out.end(), b.begin(), b.begin() + 4);
  } else {
    out.insert(out.end(), b.begin(), b.end());
  }
  out.push_back(static_cast<uint8_t>(a.port >> 8));
  out.push_back(static_cast<uint8_t>(a.port));
}

// One endpoint from exactly kEndpointLen bytes at `p`. An IPv4-mapped address becomes plain
// IPv4 (core::SocketAddress never holds a mapped one); port 0 and the unspecified address are
// not places anyone can be reached, so a message carrying them is malformed.
bool get_endpoint(const uint8_t* p, core::SocketAddress& out) {
  if (std::memcmp(p, kV4MappedPrefix, sizeof kV4MappedPrefix) == 0) {
    out.address = util::IpAddress::v4({p[12], p[13], p[14], p[15]});
  } else {
    std::array<uint8_t, 16> b{};
    std::memcpy(b.data(), p, b.size());
    out.address = util::IpAddress::v6(b);
  }
  out.port = static_cast<uint16_t>((p[16] << 8) | p[17]);
  const std::array<uint8_t, 16> zero{};
  return out.port != 0 && out.address.bytes() != zero;
}

}  // namespace

const char* to_string(MessageType t) {
  switch (t) {
    case MessageType::kPing: return "ping";
    case MessageType::kPong: return "pong";
    case MessageType::kCallMeMaybe: return "call-me-maybe";
  }
  return "unknown";
}

bool has_magic(core::ByteView datagram) {
  return datagram.size >= kMagic.size() &&
         std::memcmp(datagram.data, kMagic.data(), kMagic.size()) == 0;
}

std::optional<core::DiscoPublicKey> peek_sender(core::ByteView datagram) {
  if (datagram.size < kOverhead || !has_magic(datagram)) return std::nullopt;
  core::DiscoPublicKey key;
  std::memcpy(key.bytes.data(), datagram.data + kMagic.size(), kKeyLen);
  return key;
}

std::vector<uint8_t> encode_plaintext(const Message& m) {
  std::vector<uint8_t> out;
  out.reserve(kPlainHeaderLen + kMaxCallMeMaybeEndpoints * kEndpointLen);
  out.push_back(static_cast<uint8_t>(m.type));
  out.push_back(kVersion);
  switch (m.type) {
    case MessageType::kPing:
      out.insert(out.end(), m.ping.tx.begin(), m.ping.tx.end());
      out.insert(out.end(), m.ping.node_key.bytes.begin(), m.ping.node_key.bytes.end());
      break;
    case MessageType::kPong:
      out.insert(out.end(), m.pong.tx.begin(), m.pong.tx.end());
      put_endpoint(out, m.pong.src);
      break;
    case MessageType::kCallMeMaybe: {
      const std::size_t n = std::min(m.call_me_maybe.endpoints.size(), kMaxCallMeMaybeEndpoints);
      for (std::size_t i = 0; i < n; ++i) put_endpoint(out, m.call_me_maybe.endpoints[i]);
      break;
    }
  }
  return out;
}

Result<Message> decode_plaintext(core::ByteView plaintext) {
  const uint8_t* p = plaintext.data;
  const std::size_t n = plaintext.size;
  if (n < kPlainHeaderLen) return malformed("plaintext shorter than its type and version");
  // The version first: a later version may bring types this one does not know.
  if (p[1] != kVersion) {
    return make_error("disco.version", "version " + std::to_string(p[1]) + " (this node speaks 0)");
  }
  const uint8_t* body = p + kPlainHeaderLen;
  const std::size_t body_len = n - kPlainHeaderLen;
  Message m;
  switch (p[0]) {
    case static_cast<uint8_t>(MessageType::kPing):
      if (body_len < kPingBodyLen) return malformed("ping shorter than tx id and node key");
      m.type = MessageType::kPing;
      std::memcpy(m.ping.tx.data(), body, kTxIdLen);
      std::memcpy(m.ping.node_key.bytes.data(), body + kTxIdLen, kKeyLen);
      return m;
    case static_cast<uint8_t>(MessageType::kPong):
      if (body_len < kPongBodyLen) return malformed("pong shorter than tx id and source");
      m.type = MessageType::kPong;
      std::memcpy(m.pong.tx.data(), body, kTxIdLen);
      if (!get_endpoint(body + kTxIdLen, m.pong.src)) {
        // All zero: the ping came through a relay, so no address was seen (the source stays
        // the unspecified IPv4 address with port 0).
        static constexpr uint8_t kNone[kEndpointLen] = {};
        if (std::memcmp(body + kTxIdLen, kNone, kEndpointLen) != 0 &&
            !(m.pong.src.port == 0 && m.pong.src.address == util::IpAddress::v4({0, 0, 0, 0})))
          return malformed("pong source has port 0 or the unspecified address");
        m.pong.src = core::SocketAddress{};
      }
      return m;
    case static_cast<uint8_t>(MessageType::kCallMeMaybe): {
      if (body_len % kEndpointLen != 0) {
        return malformed("call-me-maybe body of " + std::to_string(body_len) +
                         " bytes is not a whole number of endpoints");
      }
      const std::size_t count = body_len / kEndpointLen;
      if (count > kMaxCallMeMaybeEndpoints) {
        return malformed("call-me-maybe with " + std::to_string(count) + " endpoints (at most " +
                         std::to_string(kMaxCallMeMaybeEndpoints) + ")");
      }
      m.type = MessageType::kCallMeMaybe;
      m.call_me_maybe.endpoints.resize(count);
      for (std::size_t i = 0; i < count; ++i) {
        if (!get_endpoint(body + i * kEndpointLen, m.call_me_maybe.endpoints[i])) {
          return malformed("call-me-maybe endpoint " + std::to_string(i) +
                           " has port 0 or the unspecified address");
        }
      }
      return m;
    }
    default:
      return make_error("disco.unknown_type", "message type " + std::to_string(p[0]));
  }
}

std::optional<SharedKey> SharedKey::derive(const core::DiscoPrivateKey& own,
                                           const core::DiscoPublicKey& peer) {
  crypto::Key32 shared{};
  if (!crypto::x25519(own.bytes, peer.bytes, shared)) return std::nullopt;
  SharedKey k;
  k.key_ = crypto::blake2s256(reinterpret_cast<const uint8_t*>(kKeyLabel), sizeof kKeyLabel - 1,
                              shared.data(), shared.size());
  crypto::secure_zero(shared.data(), shared.size());
  return k;
}

SharedKey::~SharedKey() { crypto::secure_zero(key_.data(), key_.size()); }

std::size_t SharedKey::seal(const core::DiscoPublicKey& sender, const Nonce& nonce,
                            const Message& m, core::MutableBytes out) const {
  const std::vector<uint8_t> plain = encode_plaintext(m);
  const std::size_t size = kOverhead + plain.size();
  if (out.data == nullptr || out.size < size) return 0;
  uint8_t* w = out.data;
  std::memcpy(w, kMagic.data(), kMagic.size());
  std::memcpy(w + kMagic.size(), sender.bytes.data(), kKeyLen);
  std::memcpy(w + kHeaderLen, nonce.data(), kNonceLen);
  crypto::xaead_seal(key_, nonce, plain.data(), plain.size(), w, kHeaderLen,
                     w + kHeaderLen + kNonceLen);
  return size;
}

Result<Message> SharedKey::open(core::ByteView datagram) const {
  if (datagram.size < kOverhead) {
    return make_error("disco.short", std::to_string(datagram.size) + "-byte datagram (at least " +
                                         std::to_string(kOverhead) + ")");
  }
  if (!has_magic(datagram)) return make_error("disco.magic", "no discovery magic");
  Nonce nonce{};
  std::memcpy(nonce.data(), datagram.data + kHeaderLen, kNonceLen);
  const uint8_t* sealed = datagram.data + kHeaderLen + kNonceLen;
  const std::size_t sealed_len = datagram.size - kHeaderLen - kNonceLen;
  const std::size_t plain_len = sealed_len - kTagLen;
  // At least one byte, so that an empty plaintext still has a buffer to point at.
  std::vector<uint8_t> plain(std::max<std::size_t>(plain_len, 1));
  if (!crypto::xaead_open(key_, nonce, sealed, sealed_len, datagram.data, kHeaderLen,
                          plain.data())) {
    return make_error("disco.auth", "the datagram does not verify under this peer's disco key");
  }
  return decode_plaintext(core::ByteView{plain.data(), plain_len});
}

}  // namespace weft::disco
