// The /api/v1/ route table and its two readings (api_routes.h).
#include "serve/api_routes.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <optional>
#include <vector>

namespace weft::serve {
namespace {

enum class Param : uint8_t { kNone, kNodeId, kText };

// "{}" in a path stands for the parameter, which fills the request field `field`.
struct Route {
  std::string_view method;
  std::string_view path;  // below kApiPrefix
  std::string_view op;
  Param param = Param::kNone;
  std::string_view field = {};
};

constexpr Route kRoutes[] = {
    {"GET", "status", "status"},
    {"GET", "users", "users.list"},
    {"POST", "users", "users.create"},
    {"DELETE", "users/{}", "users.remove", Param::kText, "email"},
    {"GET", "keys", "keys.list"},
    {"POST", "keys", "keys.create"},
    {"DELETE", "keys/{}", "keys.revoke", Param::kText, "id"},
    {"GET", "nodes", "nodes.list"},
    {"GET", "nodes/{}", "nodes.show", Param::kNodeId, "id"},
    {"POST", "nodes/{}/attributes", "nodes.set_attr", Param::kNodeId, "id"},
    {"DELETE", "nodes/{}", "nodes.remove", Param::kNodeId, "id"},
    {"POST", "nodes/{}/approve", "nodes.approve", Param::kNodeId, "id"},
    {"POST", "nodes/{}/expire", "nodes.expire", Param::kNodeId, "id"},
    {"POST", "nodes/{}/expiry", "nodes.set_expiry", Param::kNodeId, "id"},
    {"POST", "nodes/{}/rotate", "nodes.rotate", Param::kNodeId, "id"},
    {"POST", "nodes/{}/tags", "nodes.tag", Param::kNodeId, "id"},
    {"GET", "routes", "routes.list"},
    {"POST", "nodes/{}/routes/approve", "routes.approve", Param::kNodeId, "id"},
    {"POST", "nodes/{}/routes/reject", "routes.reject", Param::kNodeId, "id"},
    {"GET", "policy", "policy.get"},
    {"POST", "policy", "policy.set"},
    {"POST", "policy/check", "policy.check"},
    {"GET", "policy/history", "policy.history"},
    {"GET", "tailnet", "tailnet.export"},
    {"GET", "dns", "dns.show"},
    {"POST", "dns", "dns.set"},
    {"GET", "tokens", "tokens.list"},
    {"POST", "tokens", "tokens.create"},
    {"DELETE", "tokens/{}", "tokens.revoke", Param::kText, "id"},
};

constexpr std::size_t kMaxSegment = 320;  // an e-mail address is at most 254 bytes

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding of one path segment; nullopt for a malformed escape or a decoded
// '/' or NUL (a segment names one thing).
std::optional<std::string> decode_segment(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;  // "%" or "%A" at the end
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi << 4 | lo);
      i += 2;
    }
    if (c == '/' || c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::string encode_segment(std::string_view s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == '@' || c == '+';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

// Matches `path` (below the prefix) against a route's pattern; the parameter's raw text out.
bool matches(std::string_view pattern, std::string_view path, std::string_view& param) {
  const std::size_t hole = pattern.find("{}");
  if (hole == std::string_view::npos) return pattern == path;
  const std::string_view head = pattern.substr(0, hole);
  const std::string_view tail = pattern.substr(hole + 2);
  if (path.size() < head.size() + tail.size() + 1) return false;
  if (path.substr(0, head.size()) != head) return false;
  if (path.substr(path.size() - tail.size()) != tail) return false;
  param = path.substr(head.size(), path.size() - head.size() - tail.size());
  return param.find('/') == std::string_view::npos;
}

std::string serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

bool json_content(std::string_view content_type) {
  const std::string_view base = content_type.substr(0, content_type.find(';'));
  std::string lower;
  for (char c : base)
    if (c != ' ' && c != '\t') lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  return lower.empty() || lower == "application/json";
}

}  // namespace

Result<std::string> admin_request_for(std::string_view method, std::string_view target,
                                      std::string_view content_type, std::string_view body) {
  if (target.substr(0, kApiPrefix.size()) != kApiPrefix)
    return make_error("api.not_found", "no such API path (the API is under /api/v1/)");
  std::string_view path = target.substr(kApiPrefix.size());
  std::string_view query;
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);

  const Route* found = nullptr;
  std::string_view param;
  std::string allowed;
  for (const Route& r : kRoutes) {
    std::string_view p;
    if (!matches(r.path, path, p)) continue;
    if (r.method != method) {
      if (allowed.find(r.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + std::string(r.method);
      continue;
    }
    found = &r;
    param = p;
    break;
  }
  if (found == nullptr) {
    if (!allowed.empty())
      return make_error("api.method", allowed);
    return make_error("api.not_found", "no such API path: " + std::string(target.substr(0, 200)));
  }

  rapidjson::Document req;
  const bool policy_text = (found->op == "policy.set" || found->op == "policy.check") &&
                           !json_content(content_type);
  if (body.empty() || policy_text) {
    req.SetObject();
  } else {
    // Iterative: the recursive parser overflows the stack on deeply nested input.
    req.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (req.HasParseError() || !req.IsObject())
      return make_error("api.request", "the request body is not a JSON object");
  }
  auto& alloc = req.GetAllocator();
  auto set = [&](const char* name, rapidjson::Value v) {
    req.RemoveMember(name);
    req.AddMember(rapidjson::Value(name, alloc), v, alloc);
  };
  if (policy_text)
    set("text", rapidjson::Value(body.data(), static_cast<rapidjson::SizeType>(body.size()), alloc));
  set("op", rapidjson::Value(found->op.data(), static_cast<rapidjson::SizeType>(found->op.size()), alloc));
  if (found->param != Param::kNone) {
    if (param.size() > kMaxSegment) return make_error("api.request", "the path parameter is too long");
    auto text = decode_segment(param);
    if (!text || text->empty()) return make_error("api.request", "malformed path parameter");
    const std::string field(found->field);
    if (found->param == Param::kNodeId) {
      uint64_t id = 0;
      auto [end, err] = std::from_chars(text->data(), text->data() + text->size(), id);
      if (err != std::errc() || end != text->data() + text->size())
        return make_error("api.request", "a node id is a number (see GET /api/v1/nodes)");
      set(field.c_str(), rapidjson::Value(id));
    } else {
      set(field.c_str(), rapidjson::Value(text->data(), static_cast<rapidjson::SizeType>(text->size()), alloc));
    }
  }
  // The one query parameter: GET /api/v1/nodes?all=true lists removed nodes too.
  if (!query.empty()) {
    if (found->op != "nodes.list" || (query != "all=true" && query != "all=1"))
      return make_error("api.request", "unknown query (only GET /api/v1/nodes?all=true)");
    set("all", rapidjson::Value(true));
  }
  return serialize(req);
}

std::string op_of(std::string_view admin_request) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(admin_request.data(), admin_request.size());
  if (d.HasParseError() || !d.IsObject()) return {};
  auto it = d.FindMember("op");
  if (it == d.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<ApiCall> api_call_for(std::string_view admin_request) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(admin_request.data(), admin_request.size());
  if (d.HasParseError() || !d.IsObject()) return make_error("api.request", "not a JSON object");
  const std::string op = op_of(admin_request);
  for (const Route& r : kRoutes) {
    if (r.op != op) continue;
    ApiCall call;
    call.method = std::string(r.method);
    std::string path(r.path);
    if (r.param != Param::kNone) {
      const std::string field(r.field);
      auto it = d.FindMember(field.c_str());
      if (it == d.MemberEnd()) return make_error("api.request", op + " needs \"" + field + "\"");
      std::string value;
      if (it->value.IsUint64())
        value = std::to_string(it->value.GetUint64());
      else if (it->value.IsString())
        value = std::string(it->value.GetString(), it->value.GetStringLength());
      else
        return make_error("api.request", op + ": \"" + field + "\" is not a number or text");
      path.replace(path.find("{}"), 2, encode_segment(value));
      d.RemoveMember(field.c_str());
    }
    d.RemoveMember("op");
    if (op == "nodes.list") {
      auto all = d.FindMember("all");
      if (all != d.MemberEnd() && all->value.IsBool() && all->value.GetBool()) path += "?all=true";
      d.RemoveMember("all");
    }
    call.target = std::string(kApiPrefix) + path;
    if (d.MemberCount() > 0) call.body = serialize(d);
    return call;
  }
  return make_error("api.request", "the admin API has no route for \"" + op + "\"");
}

}  // namespace weft::serve
