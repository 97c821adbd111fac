// Parsing and printing of server URLs (server_url.h): RFC 3986 authority syntax restricted to
// what a coordination server address needs.
#include "util/server_url.h"

#include <cctype>
#include <charconv>

#include "util/ip_prefix.h"

namespace weft::util {
namespace {

Error url_error(std::string_view text, const std::string& why) {
  return make_error("dial.url", "server URL \"" + std::string(text) + "\": " + why);
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string ServerUrl::authority() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string ServerUrl::to_string() const {
  return std::string(tls ? "https://" : "http://") + authority();
}

Result<ServerUrl> parse_server_url(std::string_view text) {
  ServerUrl url;
  std::string_view rest;
  auto scheme_end = text.find("://");
  std::string scheme(text.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "http") {
    url.tls = false;
  } else if (scheme == "https") {
    url.tls = true;
  } else {
    return url_error(text, "must start with http:// or https://");
  }
  rest = text.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return url_error(text, "must not have a path, query or fragment");
  }
  if (rest.find('@') != std::string_view::npos) {
    return url_error(text, "must not carry user information");
  }
  std::string_view host = rest;
  std::string_view port;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return url_error(text, "unclosed '[' around the host");
    host = rest.substr(1, close - 1);
    auto addr = util::IpAddress::parse(host);
    if (!addr || addr->is_v4()) return url_error(text, "brackets must hold an IPv6 address");
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return url_error(text, "unexpected text after ']'");
      port = after.substr(1);
      has_port = true;
    }
  } else {
    auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      if (rest.find(':', colon + 1) != std::string_view::npos) {
        return url_error(text, "IPv6 addresses must be in brackets");
      }
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return url_error(text, "has no host");
    for (char c : host) {
      if (!is_name_char(c)) return url_error(text, "the host has a character not allowed");
    }
  }
  url.host = std::string(host);
  if (!has_port) {
    url.port = url.tls ? 443 : 80;
    return url;
  }
  unsigned value = 0;
  auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || err != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return url_error(text, "the port must be a number from 1 to 65535");
  }
  url.port = static_cast<uint16_t>(value);
  return url;
}

}  // namespace weft::util
