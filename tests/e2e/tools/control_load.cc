// weft_control_load: many control clients (node::ControlConnection, one io_context) registering
// and streaming against a real `weft serve`, with no data plane — for the e2e tests and the
// coordination-server benchmark (bench/control_bench.sh). Records when each netmap change arrived.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>

#include "core/key_text.h"
#include "node/control_connection.h"
#include "runtime/system_random.h"
#include "support/test_keys.h"

namespace {

namespace asio = boost::asio;
using namespace weft;
using controlclient::EventKind;

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(
      stderr,
      "weft_control_load: %s\n"
      "usage: weft_control_load --server URL --server-key BASE64\n"
      "                         (--auth-key KEY | --auth-key-file FILE) --nodes N\n"
      "                         [--hostname-prefix P] [--concurrency C] [--seed S]\n"
      "                         [--timeout SECONDS] [--stay]\n"
      "Runs N control clients against the server (P-0 ... P-<N-1>, default prefix 'load'),\n"
      "at most C registering at once (default 64). Prints 'registered HOSTNAME NODEID' as each\n"
      "registration is acknowledged, and exits 0 once all N hold a full map (1 when one is\n"
      "refused or the timeout, default 600 s, passes first). --auth-key-file: one 'KEY [COUNT]'\n"
      "per line, COUNT nodes (default 100) taking each key in turn. --seed: keys and jitter\n"
      "from a seeded generator (reproducible machines) instead of the kernel's.\n"
      "--stay: after 'streaming N MS', keep running until SIGTERM or 'quit', reading commands\n"
      "on stdin: 'mark' (forget recorded changes; prints 'mark WALL_NS'), 'report' (prints\n"
      "'report changed=K deltas=D fulls=F bytes=B first_ns=.. last_ns=.. registered_ns=..\n"
      "streaming=S nodes=N ...' for the changes since the mark; SIGUSR1 does the same),\n"
      "'join KEY COUNT' (COUNT more nodes with KEY).\n",
      why.c_str());
  std::exit(2);
}

uint64_t parse_number(const std::string& text, const char* what) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) usage(std::string("bad ") + what + ": " + text);
  return v;
}

int64_t wall_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// One line to stdout, flushed at once: tests read them while the program runs.
void emit(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

struct Options {
  std::string server;
  core::MachinePublicKey server_key;
  std::vector<std::pair<std::string, uint64_t>> keys;  // key, nodes using it
  uint64_t nodes = 0;
  std::string prefix = "load";
  uint64_t concurrency = 64;
  std::optional<uint64_t> seed;
  uint64_t timeout_seconds = 600;
  bool stay = false;
};

std::vector<std::pair<std::string, uint64_t>> read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) usage("cannot read " + path);
  std::vector<std::pair<std::string, uint64_t>> keys;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    std::string count;
    if (!(words >> key) || key[0] == '#') continue;
    keys.emplace_back(key, (words >> count) ? parse_number(count, "count") : 100);
  }
  if (keys.empty()) usage(path + " holds no keys");
  return keys;
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool have_key = false;
  std::string key_text;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--server") {
      o.server = value();
    } else if (a == "--server-key") {
      key_text = value();
    } else if (a == "--auth-key") {
      o.keys = {{value(), UINT64_MAX}};
      have_key = true;
    } else if (a == "--auth-key-file") {
      o.keys = read_key_file(value());
      have_key = true;
    } else if (a == "--nodes") {
      o.nodes = parse_number(value(), "--nodes");
    } else if (a == "--hostname-prefix") {
      o.prefix = value();
    } else if (a == "--concurrency") {
      o.concurrency = parse_number(value(), "--concurrency");
    } else if (a == "--seed") {
      o.seed = parse_number(value(), "--seed");
    } else if (a == "--timeout") {
      o.timeout_seconds = parse_number(value(), "--timeout");
    } else if (a == "--stay") {
      o.stay = true;
    } else if (a == "--help" || a == "-h") {
      usage("help");
    } else {
      usage("unknown option " + std::string(a));
    }
  }
  if (o.server.empty()) usage("--server is required");
  auto key = core::key_from_base64(key_text);
  if (!key) usage("--server-key must be the server's base64 public key");
  o.server_key = core::MachinePublicKey(*key);
  if (!have_key) usage("--auth-key or --auth-key-file is required");
  if (o.concurrency == 0) usage("--concurrency must be at least 1");
  uint64_t covered = 0;
  for (const auto& k : o.keys) covered = k.second > UINT64_MAX - covered ? UINT64_MAX : covered + k.second;
  if (covered < o.nodes) usage("the key file covers fewer nodes than --nodes");
  return o;
}

/// Enough descriptors for every connection plus slack, up to the hard limit.
void raise_nofile(uint64_t nodes) {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  const rlim_t want = static_cast<rlim_t>(nodes) + 256;
  if (r.rlim_cur >= want) return;
  r.rlim_cur = r.rlim_max == RLIM_INFINITY ? want : std::min<rlim_t>(want, r.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < want)
    std::fprintf(stderr, "weft_control_load: RLIMIT_NOFILE is %llu (hard limit), %llu wanted\n",
                 static_cast<unsigned long long>(r.rlim_cur),
                 static_cast<unsigned long long>(want));
}

/// One client and what the measurements need of it.
struct LoadNode {
  std::string hostname;
  std::unique_ptr<node::ControlConnection> conn;
  bool registered = false;
  bool streamed = false;  // has held a full map
  bool finished = false;  // streamed or stopped: no longer holds a registration slot
  bool changed_since_mark = false;
};

class Load {
 public:
  static constexpr uint64_t kLoggedDialFailures = 20;

  Load(asio::io_context& io, Options options, core::Random& rng, node::ControlDialer& dialer)
      : io_(io), o_(std::move(options)), rng_(rng), dialer_(dialer), deadline_(io) {}

  void start() {
    start_ms_ = ms_now();
    for (std::size_t k = 0; k < o_.keys.size(); ++k)
      for (uint64_t n = 0; n < o_.keys[k].second && queued_.size() < o_.nodes; ++n)
        queued_.push_back(o_.keys[k].first);
    deadline_.expires_after(std::chrono::seconds(o_.timeout_seconds));
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || done_) return;
      std::fprintf(stderr, "weft_control_load: %llu of %llu nodes streaming after %llu s\n",
                   static_cast<unsigned long long>(streamed_),
                   static_cast<unsigned long long>(nodes_.size() + queued_.size() - next_),
                   static_cast<unsigned long long>(o_.timeout_seconds));
      finish(1);
    });
    fill();
    if (queued_.empty()) all_streaming();
  }

  /// Starts `count` more nodes with `key` (the --stay command `join`).
  void join(const std::string& key, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) queued_.push_back(key);
    fill();
  }

  void mark() {
    mark_ns_ = wall_ns();
    deltas_ = fulls_ = changed_ = 0;
    first_ns_ = last_ns_ = last_read_ns_ = registered_ns_ = 0;
    for (auto& n : nodes_) n->changed_since_mark = false;
    mark_bytes_ = total_bytes();
    emit("mark " + std::to_string(mark_ns_));
  }

  void report() {
    uint64_t dials = 0, failures = 0, disconnects = 0, seq_gaps = 0, timeouts = 0, dead = 0;
    for (const auto& n : nodes_) {
      dials += n->conn->counters().dials;
      failures += n->conn->counters().dial_failures;
      disconnects += n->conn->counters().disconnects;
      seq_gaps += n->conn->client().counters().seq_gaps;
      timeouts += n->conn->client().counters().timeouts;
      dead += n->conn->client().counters().dead_connections;
    }
    std::ostringstream s;
    s << "report changed=" << changed_ << " deltas=" << deltas_ << " fulls=" << fulls_
      << " bytes=" << (total_bytes() - mark_bytes_) << " first_ns=" << first_ns_
      << " last_ns=" << last_ns_ << " last_read_ns=" << last_read_ns_
      << " registered_ns=" << registered_ns_
      << " streaming=" << streamed_ << " nodes=" << nodes_.size() << " dials=" << dials
      << " dial_failures=" << failures << " disconnects=" << disconnects
      << " seq_gaps=" << seq_gaps << " timeouts=" << timeouts << " dead=" << dead;
    emit(s.str());
  }

  void finish(int code) {
    done_ = true;
    exit_code_ = code;
    io_.stop();
  }
  int exit_code() const { return exit_code_; }

 private:
  static uint64_t ms_now() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  uint64_t total_bytes() const {
    uint64_t b = 0;
    for (const auto& n : nodes_) b += n->conn->counters().bytes_received;
    return b;
  }

  /// Starts queued nodes while fewer than --concurrency are registering.
  void fill() {
    while (next_ < queued_.size() && in_flight_ < o_.concurrency) {
      const std::string& key = queued_[next_++];
      auto n = std::make_unique<LoadNode>();
      n->hostname = o_.prefix + "-" + std::to_string(nodes_.size());
      controlclient::ClientConfig c;
      c.machine_key = test::random_private<core::MachinePrivateKey>(rng_);
      c.node_key = test::random_private<core::NodePrivateKey>(rng_);
      c.server_key = o_.server_key;
      c.auth_key = key;
      c.hostinfo.hostname = n->hostname;
      c.hostinfo.os = "linux";
      c.hostinfo.client_version = "weft_control_load";
      node::ControlConnectionOptions co;
      const std::size_t index = nodes_.size();
      co.on_event = [this, index](node::ControlConnection&, const controlclient::Event& e) {
        on_event(*nodes_[index], e);
      };
      co.on_dial_failed = [this, index](node::ControlConnection&, const Error& e) {
        // The first few, for the log; report's dial_failures counts them all.
        if (++dial_failures_ <= kLoggedDialFailures)
          std::fprintf(stderr, "weft_control_load: %s: %s: %s\n", nodes_[index]->hostname.c_str(),
                       e.code.c_str(), e.detail.c_str());
      };
      co.clock = &clock_;
      co.rng = &rng_;
      auto conn = node::ControlConnection::create(io_, dialer_, c, std::move(co));
      if (!conn) {
        std::fprintf(stderr, "weft_control_load: %s: %s\n", n->hostname.c_str(),
                     conn.error().detail.c_str());
        finish(2);
        return;
      }
      n->conn = std::move(conn).value();
      n->conn->start();
      nodes_.push_back(std::move(n));
      ++in_flight_;
    }
  }

  void on_event(LoadNode& n, const controlclient::Event& e) {
    switch (e.kind) {
      case EventKind::kRegistered:
        // When the answer was read, not when this busy process got to it.
        registered_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             n.conn->counters().last_read.wall.time_since_epoch())
                             .count();
        if (!n.registered) {
          n.registered = true;
          emit("registered " + n.hostname + " " + std::to_string(e.node.value));
        }
        break;
      case EventKind::kNetmapChanged: {
        if (e.change.full) {
          ++fulls_;
          if (!n.streamed) {
            n.streamed = true;
            ++streamed_;
            slot_freed(n);
          }
          break;
        }
        const int64_t t = wall_ns();
        ++deltas_;
        if (first_ns_ == 0) first_ns_ = t;
        last_ns_ = t;
        // Read then, applied by now: the difference is this process's queue and the apply.
        last_read_ns_ = std::max<int64_t>(
            last_read_ns_, std::chrono::duration_cast<std::chrono::nanoseconds>(
                               n.conn->counters().last_read.wall.time_since_epoch())
                               .count());
        if (!n.changed_since_mark) {
          n.changed_since_mark = true;
          ++changed_;
        }
        break;
      }
      case EventKind::kRefused:
      case EventKind::kError:
        std::fprintf(stderr, "weft_control_load: %s: %s %s: %s\n", n.hostname.c_str(),
                     e.kind == EventKind::kRefused ? "refused" : "error", e.code.c_str(),
                     e.message.c_str());
        if (e.stopped && !n.streamed) {
          ++failed_;
          slot_freed(n);
        }
        break;
      case EventKind::kPendingApproval:
      case EventKind::kLoginRequired:
      case EventKind::kKeyRotated:
        break;
    }
  }

  void slot_freed(LoadNode& n) {
    if (n.finished) return;
    n.finished = true;
    --in_flight_;
    fill();
    if (next_ == queued_.size() && in_flight_ == 0) all_streaming();
  }

  void all_streaming() {
    if (failed_ > 0) {
      std::fprintf(stderr, "weft_control_load: %llu registrations refused\n",
                   static_cast<unsigned long long>(failed_));
      finish(1);
      return;
    }
    const uint64_t ms = ms_now() - start_ms_;
    std::fprintf(stderr, "weft_control_load: %llu nodes streaming after %llu ms\n",
                 static_cast<unsigned long long>(streamed_), static_cast<unsigned long long>(ms));
    if (!o_.stay) {
      finish(0);
      return;
    }
    if (!announced_) {
      announced_ = true;
      deadline_.cancel();
      emit("streaming " + std::to_string(streamed_) + " " + std::to_string(ms));
    }
  }

  asio::io_context& io_;
  Options o_;
  core::Random& rng_;
  node::ControlDialer& dialer_;
  asio::steady_timer deadline_;
  runtime::MonotonicClock clock_;
  std::vector<std::string> queued_;  // the auth key of every node asked for, in order
  std::size_t next_ = 0;             // the next queued node to start
  std::vector<std::unique_ptr<LoadNode>> nodes_;
  uint64_t in_flight_ = 0;
  uint64_t streamed_ = 0;
  uint64_t failed_ = 0;
  uint64_t dial_failures_ = 0;
  uint64_t start_ms_ = 0;
  bool announced_ = false;
  bool done_ = false;
  int exit_code_ = 0;
  // Since the last mark.
  int64_t mark_ns_ = 0;
  uint64_t mark_bytes_ = 0;
  uint64_t deltas_ = 0;
  uint64_t fulls_ = 0;
  uint64_t changed_ = 0;
  int64_t first_ns_ = 0;
  int64_t last_ns_ = 0;
  int64_t last_read_ns_ = 0;  // the latest read that held a delta
  int64_t registered_ns_ = 0;
};

/// Reads --stay commands from stdin (a pipe or a FIFO; anything else is not watched).
class Commands {
 public:
  Commands(asio::io_context& io, Load& load) : in_(io), load_(load) {
    boost::system::error_code ec;
    in_.assign(::dup(STDIN_FILENO), ec);
    if (!ec) read();
  }

 private:
  void read() {
    asio::async_read_until(in_, buf_, '\n', [this](const boost::system::error_code& ec,
                                                    std::size_t) {
      if (ec) return;  // EOF: keep running until SIGTERM
      std::istream is(&buf_);
      std::string line;
      std::getline(is, line);
      run(line);
      read();
    });
  }

  void run(const std::string& line) {
    std::istringstream words(line);
    std::string cmd;
    words >> cmd;
    if (cmd == "mark") {
      load_.mark();
    } else if (cmd == "report") {
      load_.report();
    } else if (cmd == "join") {
      std::string key;
      uint64_t count = 1;
      words >> key >> count;
      if (!key.empty()) load_.join(key, count);
    } else if (cmd == "quit") {
      load_.finish(0);
    } else if (!cmd.empty()) {
      std::fprintf(stderr, "weft_control_load: unknown command '%s'\n", cmd.c_str());
    }
  }

  asio::posix::stream_descriptor in_;
  asio::streambuf buf_;
  Load& load_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  raise_nofile(options.nodes);
  asio::io_context io(1);
  runtime::SystemRandom system_rng;
  std::unique_ptr<core::SeededRandom> seeded;
  if (options.seed) seeded = std::make_unique<core::SeededRandom>(*options.seed);
  core::Random& rng = seeded ? static_cast<core::Random&>(*seeded) : system_rng;
  node::DialOptions dial;
  auto dialer = node::ControlDialer::create(io, options.server, dial);
  if (!dialer) usage(dialer.error().detail);

  const bool stay = options.stay;
  Load load(io, std::move(options), rng, **dialer);
  asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) load.finish(0);
  });
  asio::signal_set usr1(io, SIGUSR1);
  std::function<void()> on_usr1 = [&] {
    usr1.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      load.report();
      on_usr1();
    });
  };
  on_usr1();
  std::unique_ptr<Commands> commands;
  if (stay) commands = std::make_unique<Commands>(io, load);
  load.start();
  io.run();
  std::fflush(stdout);
  // Thousands of connections and netmaps need no orderly teardown at exit.
  std::_Exit(load.exit_code());
}
