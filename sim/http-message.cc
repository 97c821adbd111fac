// HTTP/1.1 messages for the simulated login (see http-message.h).
#include "http-message.h"

#include <cctype>
#include <cstdlib>
#include <optional>

namespace weft::sim {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The head (start line + headers) and body of a message once all of it arrived.
struct Message {
  std::string_view start_line;
  std::string_view authorization, content_type;
  std::string_view body;
};

HttpParse split(std::string_view bytes, std::size_t max_bytes, Message& m) {
  if (bytes.size() > max_bytes) return HttpParse::kBad;
  const std::size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return HttpParse::kIncomplete;
  std::string_view head = bytes.substr(0, head_end);
  const std::size_t first = head.find(kCrlf);
  m.start_line = head.substr(0, first);
  head = first == std::string_view::npos ? std::string_view{} : head.substr(first + 2);
  std::optional<std::size_t> length;
  while (!head.empty()) {
    const std::size_t end = head.find(kCrlf);
    const std::string_view line = head.substr(0, end);
    head = end == std::string_view::npos ? std::string_view{} : head.substr(end + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return HttpParse::kBad;
    const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (same_name(name, "Content-Length")) {
      if (value.empty() || value.size() > 9 || length) return HttpParse::kBad;
      std::size_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return HttpParse::kBad;
        n = n * 10 + static_cast<std::size_t>(c - '0');
      }
      length = n;
    } else if (same_name(name, "Transfer-Encoding")) {
      return HttpParse::kBad;  // chunked bodies are not sent by either side
    } else if (same_name(name, "Authorization")) {
      m.authorization = value;
    } else if (same_name(name, "Content-Type")) {
      m.content_type = value;
    }
  }
  const std::size_t body_at = head_end + 4, n = length.value_or(0);
  if (body_at + n > max_bytes) return HttpParse::kBad;
  if (bytes.size() < body_at + n) return HttpParse::kIncomplete;
  if (bytes.size() > body_at + n) return HttpParse::kBad;  // one exchange per connection
  m.body = bytes.substr(body_at, n);
  return HttpParse::kDone;
}

std::string headers(const std::string& content_type, const std::string& authorization,
                    std::size_t length) {
  std::string h;
  if (!authorization.empty()) h += "Authorization: " + authorization + "\r\n";
  if (!content_type.empty()) h += "Content-Type: " + content_type + "\r\n";
  h += "Content-Length: " + std::to_string(length) + "\r\nConnection: close\r\n\r\n";
  return h;
}

}  // namespace

std::string UrlHost(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  return url.substr(start, url.find('/', start) - start);
}

std::string UrlPath(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

std::string FormatHttpRequest(const HttpRequest& request, const std::string& host) {
  return request.method + " " + request.target + " HTTP/1.1\r\nHost: " + host + "\r\n" +
         headers(request.content_type, request.authorization, request.body.size()) + request.body;
}

std::string FormatHttpResponse(const HttpResponse& response) {
  return "HTTP/1.1 " + std::to_string(response.status) + " " +
         (response.status == 200 ? "OK" : "Error") + "\r\n" +
         headers(response.content_type, "", response.body.size()) + response.body;
}

HttpParse ParseHttpRequest(std::string_view bytes, std::size_t max_bytes, HttpRequest& out) {
  Message m;
  const HttpParse r = split(bytes, max_bytes, m);
  if (r != HttpParse::kDone) return r;
  // "METHOD SP target SP HTTP/1.1"
  const std::size_t a = m.start_line.find(' ');
  const std::size_t b = a == std::string_view::npos ? a : m.start_line.find(' ', a + 1);
  if (b == std::string_view::npos || m.start_line.substr(b + 1) != "HTTP/1.1" || a == 0 ||
      b == a + 1 || m.start_line[a + 1] != '/') {
    return HttpParse::kBad;
  }
  out.method = std::string(m.start_line.substr(0, a));
  out.target = std::string(m.start_line.substr(a + 1, b - a - 1));
  out.authorization = std::string(m.authorization);
  out.content_type = std::string(m.content_type);
  out.body = std::string(m.body);
  return HttpParse::kDone;
}

HttpParse ParseHttpResponse(std::string_view bytes, std::size_t max_bytes, HttpResponse& out) {
  Message m;
  const HttpParse r = split(bytes, max_bytes, m);
  if (r != HttpParse::kDone) return r;
  // "HTTP/1.1 SP 3DIGIT SP reason"
  const std::string_view s = m.start_line;
  auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(s[i])) != 0; };
  if (s.size() < 12 || s.substr(0, 9) != "HTTP/1.1 " || !digit(9) || !digit(10) || !digit(11) ||
      (s.size() > 12 && s[12] != ' ')) {
    return HttpParse::kBad;
  }
  out.status = static_cast<unsigned>((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
  out.content_type = std::string(m.content_type);
  out.body = std::string(m.body);
  return HttpParse::kDone;
}

}  // namespace weft::sim
