// Parser of the wg(8)/wg-quick(8) configuration file format (wg(8) "CONFIGURATION FILE FORMAT").
// Every problem is counted and the first screenful kept as "FILE:LINE: message"; files are read
// within kMaxConfigFileBytes.
#include "tunnel/config_file.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "runtime/bounded_read.h"
#include "util/decimal.h"

namespace weft::tunnel {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Text from the file as it appears in a message: between double quotes, cut to kMaxQuoted bytes
// (at a UTF-8 boundary) and with control bytes as \xHH, so junk cannot flood or drive a terminal.
constexpr std::size_t kMaxQuoted = 64;

std::string quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool cut = s.size() > kMaxQuoted;
  if (cut) {
    std::size_t end = kMaxQuoted;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    s = s.substr(0, end);
  }
  std::string out = "\"";
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else {
      out += c;
    }
  }
  out += cut ? "\"..." : "\"";
  return out;
}

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> items;
  while (true) {
    auto comma = value.find(',');
    items.push_back(trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

// Decimal without sign; wg(8) also reads ports this way (no service names).
using util::parse_decimal;

std::optional<uint64_t> parse_u32_any_base(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    if (s.empty() || s.size() > 8) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
              : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                          : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
  }
  return parse_decimal(s, 0xffffffffu);
}

std::optional<util::InterfaceAddress> parse_interface_address(std::string_view text) {
  auto slash = text.find('/');
  auto addr = util::IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  int len = addr->bit_length();
  if (slash != std::string_view::npos) {
    auto bits = parse_decimal(text.substr(slash + 1), static_cast<uint64_t>(addr->bit_length()));
    if (!bits || text.size() - slash - 1 > 3) return std::nullopt;
    len = static_cast<int>(*bits);
  }
  return util::InterfaceAddress{*addr, len};
}

// A DNS name as resolvers take it (RFC 1123 letters, digits, '-', '.', and '_' seen in
// practice), at most 253 bytes, not an IP literal.
bool is_host_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-') return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return !util::IpAddress::parse(s);
}

enum class Section { kNone, kInterface, kPeer, kUnknown };

class Parser {
 public:
  Parser(std::string_view file, std::size_t max_kept) : file_(file), max_kept_(max_kept) {}

  ParsedConfig run(std::string_view text) {
    int line_no = 0;
    while (!text.empty() || line_no == 0) {
      ++line_no;
      auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      line_ = line_no;
      handle_line(line);
      if (text.empty()) break;
    }
    finish_peer();
    return std::move(out_);
  }

 private:
  void error(const std::string& message) { error_at(line_, message); }
  void error_at(int line, const std::string& message) {
    if (out_.error_count++ < max_kept_) out_.errors.push_back(at(line) + message);
  }
  void note(const std::string& message) {
    if (out_.note_count++ < max_kept_) out_.notes.push_back(at(line_) + message);
  }
  std::string at(int line) const { return file_ + ":" + std::to_string(line) + ": "; }

  void handle_line(std::string_view line) {
    auto hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) return;
    if (line.front() == '[') {
      handle_section(line);
      return;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      error("line unrecognized: " + quote(line) + " (expected Key = Value)");
      return;
    }
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) {
      error("line unrecognized: missing key before '='");
      return;
    }
    switch (section_) {
      case Section::kNone:
        error(quote(key) + " outside of an [Interface] or [Peer] section");
        break;
      case Section::kInterface:
        handle_interface_key(key, value);
        break;
      case Section::kPeer:
        handle_peer_key(key, value);
        break;
      case Section::kUnknown:
        break;  // the section header was already reported
    }
  }

  void handle_section(std::string_view line) {
    if (line.back() != ']') {
      error("malformed section header " + quote(line));
      section_ = Section::kUnknown;
      return;
    }
    finish_peer();
    std::string name = lower(trim(line.substr(1, line.size() - 2)));
    if (name == "interface") {
      if (seen_interface_) error("duplicate [Interface] section");
      seen_interface_ = true;
      section_ = Section::kInterface;
    } else if (name == "peer") {
      section_ = Section::kPeer;
      peer_ = PeerConfig{};
      peer_->line = line_;
      peer_has_key_ = false;
    } else {
      error("unknown section " + quote(line) + " (expected [Interface] or [Peer])");
      section_ = Section::kUnknown;
    }
  }

  void finish_peer() {
    if (!peer_) return;
    if (!peer_has_key_) {
      error_at(peer_->line, "[Peer] section without PublicKey");
    } else if (!peer_keys_.insert(peer_->public_key.bytes).second) {
      error_at(peer_->line, "duplicate [Peer] with the same PublicKey");
    } else {
      out_.config.peers.push_back(std::move(*peer_));
    }
    peer_.reset();
  }

  std::optional<core::KeyBytes> key_value(std::string_view key, std::string_view value) {
    auto bytes = core::key_from_base64(value);
    if (!bytes) error("invalid key " + quote(key) + ": not 32 bytes of base64");
    return bytes;
  }

  void bad_value(std::string_view key, std::string_view value, const std::string& why) {
    error("invalid value for " + quote(key) + ": " + quote(value) + " " + why);
  }

  void handle_interface_key(std::string_view key, std::string_view value) {
    InterfaceConfig& itf = out_.config.interface;
    std::string k = lower(key);
    if (k == "privatekey") {
      if (auto b = key_value(key, value)) itf.private_key = wg::PrivateKey(*b);
    } else if (k == "listenport") {
      if (auto p = parse_decimal(value, 65535)) {
        itf.listen_port = static_cast<uint16_t>(*p);
      } else {
        bad_value(key, value, "is not a port number (0-65535)");
      }
    } else if (k == "fwmark") {
      if (lower(value) == "off") {
        itf.fwmark.reset();
      } else if (auto m = parse_u32_any_base(value)) {
        itf.fwmark = static_cast<uint32_t>(*m);
      } else {
        bad_value(key, value, "is not \"off\" or a 32-bit number");
      }
    } else if (k == "address") {
      for (std::string_view item : split_list(value)) {
        if (auto a = parse_interface_address(item)) {
          itf.addresses.push_back(*a);
        } else {
          bad_value(key, item, "is not an IP address with optional /prefix-length");
        }
      }
    } else if (k == "mtu") {
      auto m = parse_decimal(value, 65535);
      // 68 is the IPv4 minimum (RFC 791); the kernel refuses smaller TUN MTUs.
      if (m && *m >= 68) {
        itf.mtu = static_cast<uint32_t>(*m);
      } else {
        bad_value(key, value, "is not an MTU (68-65535)");
      }
    } else if (k == "dns") {
      // As wg-quick: an entry that looks like an address is a server, the rest search domains.
      for (std::string_view item : split_list(value)) {
        if (item.empty()) continue;
        if (auto a = util::IpAddress::parse(item)) {
          itf.dns_servers.push_back(*a);
        } else if (is_host_name(item)) {
          itf.dns_search.emplace_back(item);
        } else {
          bad_value(key, item, "is not an IP address or a search domain");
        }
      }
    } else if (k == "table") {
      if (auto t = routing::TableSetting::parse(value)) {
        itf.table = *t;
      } else {
        bad_value(key, value, "is not \"auto\", \"off\" or a table number");
      }
    } else if (k == "preup" || k == "postup" || k == "predown" || k == "postdown") {
      auto& list = k == "preup"    ? itf.pre_up
                   : k == "postup" ? itf.post_up
                   : k == "predown" ? itf.pre_down
                                    : itf.post_down;
      list.emplace_back(value);
    } else if (k == "saveconfig") {
      std::string v = lower(value);
      if (v == "true" || v == "false") {
        itf.save_config = v == "true";
      } else {
        bad_value(key, value, "is neither true nor false");
      }
    } else {
      error("unknown key " + quote(key) + " in [Interface]");
    }
  }

  void handle_peer_key(std::string_view key, std::string_view value) {
    PeerConfig& peer = *peer_;
    std::string k = lower(key);
    if (k == "publickey") {
      if (auto b = key_value(key, value)) {
        peer.public_key = wg::PublicKey{*b};
        peer_has_key_ = true;
      }
    } else if (k == "presharedkey") {
      if (auto b = key_value(key, value)) peer.preshared_key = wg::PresharedKey(*b);
    } else if (k == "allowedips") {
      if (value.empty()) return;  // wg(8) accepts an empty list
      for (std::string_view item : split_list(value)) {
        if (auto p = util::IpPrefix::parse(item, /*strict=*/false)) {
          peer.allowed_ips.push_back(*p);
        } else {
          bad_value(key, item, "is not an IP prefix (address/length)");
        }
      }
    } else if (k == "endpoint") {
      if (auto e = core::SocketAddress::parse(value)) {
        peer.endpoint = *e;
        peer.endpoint_host.reset();
      } else if (auto h = parse_host_endpoint(value)) {
        peer.endpoint_host = *h;
        peer.endpoint.reset();
      } else {
        bad_value(key, value, "is not IP:PORT, [IPv6]:PORT or HOST:PORT");
      }
    } else if (k == "persistentkeepalive") {
      if (lower(value) == "off") {
        peer.persistent_keepalive = std::chrono::seconds{0};
      } else if (auto s = parse_decimal(value, 65535)) {
        peer.persistent_keepalive = std::chrono::seconds{static_cast<int64_t>(*s)};
      } else {
        bad_value(key, value, "is not \"off\" or a number of seconds (0-65535)");
      }
    } else {
      error("unknown key " + quote(key) + " in [Peer]");
    }
  }

  std::string file_;
  std::size_t max_kept_;
  ParsedConfig out_;
  std::set<core::KeyBytes> peer_keys_;  // of the peers kept, to find duplicates in O(log n)
  Section section_ = Section::kNone;
  bool seen_interface_ = false;
  std::optional<PeerConfig> peer_;
  bool peer_has_key_ = false;
  int line_ = 0;
};

}  // namespace

ParsedConfig parse_config(std::string_view text, std::string_view file_name,
                          std::size_t max_kept) {
  return Parser(file_name, max_kept).run(text);
}

std::string config_path_for(std::string_view name_or_path, std::string_view config_dir) {
  bool bare = !name_or_path.empty() && name_or_path.size() <= 15;
  for (char c : name_or_path) {
    bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '=' ||
                    c == '+' || c == '.' || c == '-');
  }
  if (!bare) return std::string(name_or_path);
  return std::string(config_dir) + "/" + std::string(name_or_path) + ".conf";
}

std::optional<HostEndpoint> parse_host_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  auto port = parse_decimal(port_text, 65535);
  if (!port || *port == 0 || port_text.size() > 5 || !is_host_name(host)) return std::nullopt;
  return HostEndpoint{std::string(host), static_cast<uint16_t>(*port)};
}

std::string format_messages(const std::vector<std::string>& kept, std::size_t total,
                            std::string_view noun) {
  std::string out;
  for (const auto& m : kept) out += (out.empty() ? "" : "\n") + m;
  if (total > kept.size()) {
    out += (out.empty() ? "" : "\n") + std::string("\u2026 and ") +
           std::to_string(total - kept.size()) + " more " + std::string(noun);
  }
  return out;
}

Result<ParsedConfig> load_config_file(const std::string& path) {
  auto file = runtime::read_bounded_file(path, kMaxConfigFileBytes);
  if (!file.ok()) {
    const std::string& code = file.error().code;
    return make_error(code == "runtime.file_type"   ? "config.file_type"
                      : code == "runtime.file_size" ? "config.too_large"
                                                    : "config.io",
                      file.error().detail);
  }
  ParsedConfig parsed = parse_config(file->bytes, path);
  if (!parsed.ok()) {
    return make_error("config.invalid",
                      format_messages(parsed.errors, parsed.error_count, "errors"));
  }
  // wg-quick(8) warns about a "world accessible" file; group access exposes the key as well.
  if ((file->mode & 066) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(file->mode & 07777));
    parsed.warnings.push_back("warning: `" + path + "' is readable or writable by group or " +
                              "others (mode " + mode + "); it holds a private key: chmod 600 it");
  }
  return parsed;
}

}  // namespace weft::tunnel
