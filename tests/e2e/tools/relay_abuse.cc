// weft_relay_abuse: a misbehaving relay client for relay_abuse_test.sh (docs/connectivity.md,
// "Relay protocol", the server's rules): after the relay upgrade it sends garbage, claims another
// node's key, or floods SendPackets far beyond the rate limit, then reports whether and how the
// relay cut it off (the Error frame's code, then the close). Blocking sockets: a test tool.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/key_text.h"
#include "core/path.h"
#include "relay/auth.h"
#include "relay/protocol.h"
#include "runtime/system_random.h"

namespace {

using namespace weft;
using Clock = std::chrono::steady_clock;

int usage() {
  std::fprintf(stderr,
               "usage: weft_relay_abuse ADDR:PORT MODE [ARG]\n"
               "  garbage          a frame header with a length above the maximum\n"
               "  impostor KEY     a ClientInfo claiming node key KEY (base64), sealed with another\n"
               "  flood SECONDS    a valid client sending 1 KiB SendPackets as fast as it can\n"
               "Prints 'cut off CODE after N bytes sent' (exit 0) or 'not cut off' (exit 1).\n");
  return 2;
}

bool send_all(int fd, const uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reads frames as they come; remembers the relay's key and challenge, and an Error's code.
struct Reader {
  int fd = -1;
  std::vector<uint8_t> buf;
  bool closed = false;
  bool have_key = false;
  bool accepted = false;
  core::RelayPublicKey relay_key;
  relay::Challenge challenge{};
  std::string error_code;

  // Waits up to `ms` for bytes, then parses every whole frame.
  void pump(int ms) {
    pollfd p{fd, POLLIN, 0};
    if (closed || ::poll(&p, 1, ms) <= 0) return;
    uint8_t chunk[65536];
    const ssize_t r = ::recv(fd, chunk, sizeof chunk, 0);
    if (r <= 0) {
      closed = true;
      return;
    }
    buf.insert(buf.end(), chunk, chunk + r);
    while (buf.size() >= relay::kFrameHeaderSize) {
      const std::size_t len = (std::size_t{buf[1]} << 24) | (std::size_t{buf[2]} << 16) |
                              (std::size_t{buf[3]} << 8) | buf[4];
      if (buf.size() < relay::kFrameHeaderSize + len) break;
      frame(static_cast<relay::FrameType>(buf[0]), buf.data() + relay::kFrameHeaderSize, len);
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(relay::kFrameHeaderSize + len));
    }
  }

  void frame(relay::FrameType type, const uint8_t* p, std::size_t len) {
    if (type == relay::FrameType::kServerKey && len == relay::kServerKeyPayload) {
      std::memcpy(relay_key.bytes.data(), p + sizeof(relay::kMagic), relay::kKeyLen);
      std::memcpy(challenge.data(), p + sizeof(relay::kMagic) + relay::kKeyLen, challenge.size());
      have_key = true;
    } else if (type == relay::FrameType::kServerInfo) {
      accepted = true;
    } else if (type == relay::FrameType::kError && len >= 1 && len >= 1u + p[0]) {
      error_code.assign(reinterpret_cast<const char*>(p + 1), p[0]);
    }
  }
};

std::optional<int> connect_upgraded(const core::SocketAddress& to) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(to.port);
  if (::inet_pton(AF_INET, to.address.to_string().c_str(), &sa.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string req = "GET /weft/relay HTTP/1.1\r\nHost: " + to.to_string() +
                          "\r\nConnection: Upgrade\r\nUpgrade: weft-relay\r\n\r\n";
  // A relay that stops reading must not hang the flood: sends give up after a second.
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (!send_all(fd, reinterpret_cast<const uint8_t*>(req.data()), req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  // The answer's head, byte by byte so that no frame byte after it is consumed.
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 4096 &&
         ::recv(fd, &c, 1, 0) == 1)
    head += c;
  if (head.rfind("HTTP/1.1 101", 0) != 0) {
    std::fprintf(stderr, "weft_relay_abuse: no upgrade: %s\n", head.substr(0, 40).c_str());
    ::close(fd);
    return std::nullopt;
  }
  return fd;
}

std::vector<uint8_t> header(relay::FrameType type, uint32_t len) {
  return {static_cast<uint8_t>(type), static_cast<uint8_t>(len >> 24),
          static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 8),
          static_cast<uint8_t>(len)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const auto to = core::SocketAddress::parse(argv[1]);
  const std::string mode = argv[2];
  if (!to || (mode != "garbage" && mode != "impostor" && mode != "flood")) return usage();
  if (mode != "garbage" && argc != 4) return usage();

  runtime::SystemRandom rng;
  const auto fd = connect_upgraded(*to);
  if (!fd) {
    std::fprintf(stderr, "weft_relay_abuse: cannot reach the relay at %s\n", argv[1]);
    return 2;
  }
  Reader in;
  in.fd = *fd;
  for (int i = 0; i < 50 && !in.have_key && !in.closed; ++i) in.pump(100);
  if (!in.have_key) {
    std::fprintf(stderr, "weft_relay_abuse: no ServerKey frame\n");
    return 2;
  }

  uint64_t sent = 0;
  core::NodePrivateKey own;
  rng.fill(own.bytes.data(), own.bytes.size());
  std::vector<uint8_t> out;
  if (mode == "garbage") {
    // The length alone is garbage: above kMaxFramePayload.
    out = header(relay::FrameType::kSendPacket, 0x7fffffff);
    out.resize(out.size() + 64, 0xa5);
  } else {
    if (!relay::append_client_info(out, own, in.relay_key, in.challenge, 0, rng).ok()) return 2;
    if (mode == "impostor") {
      const auto claimed = core::key_from_base64(argv[3]);
      if (!claimed) return usage();
      // The clear node key is the sealed box's associated data: claiming another fails to open.
      std::memcpy(out.data() + relay::kFrameHeaderSize, claimed->data(), relay::kKeyLen);
    }
  }
  if (!send_all(*fd, out.data(), out.size())) in.closed = true;
  sent += out.size();

  if (mode == "flood") {
    for (int i = 0; i < 50 && !in.accepted && !in.closed; ++i) in.pump(100);
    if (!in.accepted) {
      std::fprintf(stderr, "weft_relay_abuse: the relay did not accept the client (%s)\n",
                   in.error_code.c_str());
      return 2;
    }
    // 1 KiB packets to a node key nobody holds (so no real node receives the flood), in 64 KiB
    // writes, until cut off or the time is up.
    std::vector<uint8_t> frame = header(relay::FrameType::kSendPacket, relay::kKeyLen + 1024);
    std::vector<uint8_t> dst(relay::kKeyLen);
    rng.fill(dst.data(), dst.size());
    frame.insert(frame.end(), dst.begin(), dst.end());
    frame.resize(frame.size() + 1024, 0x5a);
    std::vector<uint8_t> batch;
    while (batch.size() + frame.size() <= 65536) batch.insert(batch.end(), frame.begin(), frame.end());
    const auto until = Clock::now() + std::chrono::seconds(std::stoi(argv[3]));
    while (!in.closed && Clock::now() < until) {
      if (!send_all(*fd, batch.data(), batch.size())) break;
      sent += batch.size();
      in.pump(0);
    }
  }
  // Read what the relay says until it closes (bounded).
  for (int i = 0; i < 50 && !in.closed; ++i) in.pump(100);
  ::close(*fd);
  if (in.closed) {
    std::printf("cut off %s after %llu bytes sent\n",
                in.error_code.empty() ? "(no error frame)" : in.error_code.c_str(),
                static_cast<unsigned long long>(sent));
    return 0;
  }
  std::printf("not cut off after %llu bytes sent\n", static_cast<unsigned long long>(sent));
  return 1;
}
