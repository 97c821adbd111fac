// weft_udp_flood: a bounded flood of junk UDP datagrams for the e2e flood tests: random garbage,
// forged WireGuard handshake initiations (type 1, 148 bytes, bad mac1, or a valid mac1 for a
// given public key, as anyone who knows a node's key can make), and transport data (type 4) for
// unknown receiver indexes (WireGuard whitepaper §5.4), sent with sendmmsg.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/key_text.h"
#include "crypto/crypto.h"
#include "wg/messages.h"

namespace {

constexpr std::size_t kBatch = 64;
constexpr std::size_t kMaxDatagram = 1500;
constexpr std::size_t kInitiationSize = 148;  // WireGuard handshake initiation
constexpr std::size_t kMinDataSize = 32;      // transport header (16) + empty AEAD tag (16)
// Hard ceilings, so a typo in a test cannot turn this into an unbounded sender.
constexpr uint64_t kMaxCount = 10'000'000;
constexpr double kMaxSeconds = 60;

enum class Mode { kGarbage, kInitiation, kValidMac1, kData, kMix };

struct Options {
  sockaddr_in target{};
  Mode mode = Mode::kMix;
  uint64_t count = 0;
  double seconds = 5;
  uint64_t rate = 0;  // datagrams per second; 0 = as fast as the socket takes them
  uint64_t seed = 1;
  std::optional<weft::core::KeyBytes> public_key;  // valid-mac1: the target's public key
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "weft_udp_flood: %s\n"
               "usage: weft_udp_flood --target IPV4:PORT --count N [--seconds S] [--rate PPS]\n"
               "                      [--mode garbage|initiation|valid-mac1|data|mix]\n"
               "                      [--public-key BASE64] [--seed N]\n"
               "valid-mac1 sends initiations whose mac1 is valid for --public-key (the\n"
               "target's): they pass the cheap check and cost the target a Diffie-Hellman.\n"
               "Sends at most N datagrams and stops after S seconds (default 5), whichever\n"
               "comes first; prints 'sent N refused R seconds T' and exits 0, or 1 on a\n"
               "socket error.\n",
               why);
  std::exit(2);
}

bool parse_target(std::string_view text, sockaddr_in* out) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string host(text.substr(0, colon));
  std::string port(text.substr(colon + 1));
  char* end = nullptr;
  unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p == 0 || p > 65535) return false;
  out->sin_family = AF_INET;
  out->sin_port = htons(static_cast<uint16_t>(p));
  return ::inet_pton(AF_INET, host.c_str(), &out->sin_addr) == 1;
}

uint64_t parse_number(const char* text, const char* what) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') usage(what);
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  bool have_target = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    const char* value = argv[++i];
    if (arg == "--target") {
      if (!parse_target(value, &o.target)) usage("--target must be IPV4:PORT");
      have_target = true;
    } else if (arg == "--count") {
      o.count = parse_number(value, "--count must be a number");
    } else if (arg == "--seconds") {
      char* end = nullptr;
      o.seconds = std::strtod(value, &end);
      if (end == value || *end != '\0' || !(o.seconds > 0)) usage("--seconds must be positive");
    } else if (arg == "--rate") {
      o.rate = parse_number(value, "--rate must be a number");
    } else if (arg == "--seed") {
      o.seed = parse_number(value, "--seed must be a number");
    } else if (arg == "--mode") {
      std::string_view m = value;
      if (m == "garbage") {
        o.mode = Mode::kGarbage;
      } else if (m == "initiation") {
        o.mode = Mode::kInitiation;
      } else if (m == "valid-mac1") {
        o.mode = Mode::kValidMac1;
      } else if (m == "data") {
        o.mode = Mode::kData;
      } else if (m == "mix") {
        o.mode = Mode::kMix;
      } else {
        usage("--mode must be garbage, initiation, valid-mac1, data or mix");
      }
    } else if (arg == "--public-key") {
      o.public_key = weft::core::key_from_base64(value);
      if (!o.public_key) usage("--public-key must be a base64 WireGuard key");
    } else {
      usage("unknown option");
    }
  }
  if (!have_target) usage("--target is required");
  if (o.mode == Mode::kValidMac1 && !o.public_key) usage("valid-mac1 needs --public-key");
  if (o.count == 0 || o.count > kMaxCount) usage("--count must be 1..10000000");
  if (o.seconds > kMaxSeconds) usage("--seconds must be at most 60");
  return o;
}

class Generator {
 public:
  Generator(uint64_t seed, const std::optional<weft::core::KeyBytes>& public_key) : rng_(seed) {
    if (public_key) {
      // mac1's key: HASH(LABEL_MAC1 || the responder's static public key), whitepaper 5.4.4.
      static constexpr char kLabel[] = "mac1----";
      mac1_key_ = weft::crypto::blake2s256(reinterpret_cast<const uint8_t*>(kLabel),
                                           sizeof kLabel - 1, public_key->data(),
                                           public_key->size());
    }
  }

  // Fills `buf` with one datagram of `mode` and returns its size.
  std::size_t make(Mode mode, uint8_t* buf) {
    switch (mode) {
      case Mode::kGarbage: {
        // 1..1500 bytes of noise: the first byte is a random type, so some look like types 1-4
        // with a wrong size, and a few by chance have the right one.
        std::size_t n = 1 + rng_() % kMaxDatagram;
        fill(buf, n);
        return n;
      }
      case Mode::kInitiation:
        fill(buf, kInitiationSize);
        set_type(buf, 1);
        return kInitiationSize;
      case Mode::kValidMac1: {
        fill(buf, kInitiationSize);
        set_type(buf, 1);
        auto mac1 = weft::crypto::blake2s_mac16(mac1_key_, buf, weft::wg::kInitiationMac1Offset);
        std::memcpy(buf + weft::wg::kInitiationMac1Offset, mac1.data(), mac1.size());
        std::memset(buf + weft::wg::kInitiationMac2Offset, 0, 16);  // no cookie
        return kInitiationSize;
      }
      case Mode::kData: {
        std::size_t n = kMinDataSize + rng_() % (kMaxDatagram - kMinDataSize + 1);
        fill(buf, n);
        set_type(buf, 4);
        return n;
      }
      case Mode::kMix:
        break;
    }
    static constexpr Mode kJunk[] = {Mode::kGarbage, Mode::kInitiation, Mode::kData};
    return make(kJunk[rng_() % 3], buf);
  }

 private:
  void fill(uint8_t* buf, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 8) {
      uint64_t r = rng_();
      std::memcpy(buf + i, &r, std::min<std::size_t>(8, n - i));
    }
  }

  // Message type byte then three reserved zero bytes, as every WireGuard message starts.
  static void set_type(uint8_t* buf, uint8_t type) {
    buf[0] = type;
    buf[1] = buf[2] = buf[3] = 0;
  }

  std::mt19937_64 rng_;
  weft::crypto::Key32 mac1_key_{};
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("weft_udp_flood: socket");
    return 1;
  }
  Generator gen(o.seed, o.public_key);
  std::vector<std::array<uint8_t, kMaxDatagram>> bufs(kBatch);
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o.seconds));
  uint64_t tried = 0;
  uint64_t refused = 0;  // datagrams the local stack would not queue (ENOBUFS/EAGAIN)
  while (tried < o.count && Clock::now() < stop) {
    std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(kBatch, o.count - tried));
    for (std::size_t i = 0; i < n; ++i) {
      iov[i].iov_base = bufs[i].data();
      iov[i].iov_len = gen.make(o.mode, bufs[i].data());
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_name = &o.target;
      msgs[i].msg_hdr.msg_namelen = sizeof(o.target);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
        // A full queue, or an ICMP error from an earlier datagram: count the batch as tried.
        refused += n;
        tried += n;
        continue;
      }
      std::perror("weft_udp_flood: sendmmsg");
      ::close(fd);
      return 1;
    }
    tried += static_cast<uint64_t>(r);
    if (o.rate > 0) {
      // Pace to the requested rate: sleep until the time this many datagrams should take.
      auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                             static_cast<double>(tried) / static_cast<double>(o.rate)));
      if (due > stop) due = stop;
      std::this_thread::sleep_until(due);
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("sent %llu refused %llu seconds %.3f\n",
              static_cast<unsigned long long>(tried - refused),
              static_cast<unsigned long long>(refused), elapsed);
  ::close(fd);
  return 0;
}
