// Parsing of device posture conditions: ATTRIBUTE OPERATOR [VALUE | ['V1', 'V2']]
// (Tailscale "Device posture" conditions; docs/policy.md, "Device posture").
#include "policy/posture_expr.h"

#include <algorithm>

namespace weft::policy {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_attr_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// A cursor over the condition text that turns byte positions into code-point offsets.
class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}
  void skip_space() {
    while (i_ < t_.size() && is_space(t_[i_])) ++i_;
  }
  bool done() const { return i_ >= t_.size(); }
  char peek() const { return done() ? '\0' : t_[i_]; }
  std::size_t pos() const { return i_; }
  void advance(std::size_t n) { i_ = std::min(t_.size(), i_ + n); }
  bool take_word(std::string_view w) {
    if (t_.substr(i_, w.size()) != w) return false;
    std::size_t end = i_ + w.size();
    if (end < t_.size() && is_attr_char(t_[end])) return false;
    i_ = end;
    return true;
  }
  bool take(std::string_view s) {
    if (t_.substr(i_, s.size()) != s) return false;
    i_ += s.size();
    return true;
  }
  TextError error(std::string message) const { return error_at(i_, std::move(message)); }
  TextError error_at(std::size_t byte, std::string message) const {
    return TextError{code_points(t_, byte), std::move(message)};
  }
  std::string_view text() const { return t_; }

 private:
  std::string_view t_;
  std::size_t i_ = 0;
};

struct ParsedValue {
  std::string text;
  bool numeric = false;
};

TextResult<ParsedValue> scan_value(Scanner& s) {
  s.skip_space();
  char c = s.peek();
  if (c == '\'' || c == '"') {
    std::size_t start = s.pos();
    s.advance(1);
    std::string out;
    while (!s.done() && s.peek() != c) {
      out += s.peek();
      s.advance(1);
    }
    if (s.done()) return s.error_at(start, "unterminated string in posture condition");
    s.advance(1);
    return ParsedValue{std::move(out), false};
  }
  std::size_t start = s.pos();
  while (!s.done() && (is_attr_char(s.peek()) || s.peek() == '+')) s.advance(1);
  std::string_view word = s.text().substr(start, s.pos() - start);
  if (word.empty()) return s.error("expected a value ('text', a number, true or false)");
  if (word == "true" || word == "false") return ParsedValue{std::string(word), false};
  bool number = std::all_of(word.begin(), word.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '+';
  });
  if (!number)
    return s.error_at(start, "value " + quoted(word) + " must be quoted ('" + std::string(word) + "')");
  return ParsedValue{std::string(word), true};
}

}  // namespace

const std::vector<std::string>& posture_namespaces() {
  static const std::vector<std::string> v = {
      "node",   "ip",          "custom",   "falcon", "intune", "jamfPro",
      "kandji", "kolide",      "sentinelOne", "huntress", "fleet", "googleChrome",
  };
  return v;
}

const std::vector<std::string>& builtin_posture_attributes() {
  static const std::vector<std::string> v = {
      "node:os",          "node:osVersion",       "node:tsReleaseTrack", "node:tsVersion",
      "node:tsAutoUpdate", "node:tsStateEncrypted", "ip:country",
  };
  return v;
}

const char* posture_op_text(PostureOp op) {
  switch (op) {
    case PostureOp::kEq: return "==";
    case PostureOp::kNe: return "!=";
    case PostureOp::kLt: return "<";
    case PostureOp::kLe: return "<=";
    case PostureOp::kGt: return ">";
    case PostureOp::kGe: return ">=";
    case PostureOp::kIn: return "IN";
    case PostureOp::kNotIn: return "NOT IN";
    case PostureOp::kIsSet: return "IS SET";
    case PostureOp::kNotSet: return "NOT SET";
  }
  return "?";
}

TextResult<PostureCondition> parse_posture_condition(std::string_view text) {
  Scanner s(text);
  PostureCondition c;
  s.skip_space();
  std::size_t attr_start = s.pos();
  while (!s.done() && (is_attr_char(s.peek()) || s.peek() == ':')) s.advance(1);
  std::string_view attr = text.substr(attr_start, s.pos() - attr_start);
  if (attr.empty()) return s.error("expected an attribute such as \"node:os\"");
  auto colon = attr.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == attr.size() ||
      attr.find(':', colon + 1) != std::string_view::npos)
    return s.error_at(attr_start, "posture attribute " + quoted(attr) +
                                      " must be written namespace:name (\"node:os\")");
  std::string ns(attr.substr(0, colon));
  const auto& namespaces = posture_namespaces();
  if (std::find(namespaces.begin(), namespaces.end(), ns) == namespaces.end())
    return s.error_at(attr_start, "unknown posture attribute namespace " + quoted(ns) +
                                      did_you_mean(ns, namespaces));
  if (ns == "node" || ns == "ip") {
    const auto& builtin = builtin_posture_attributes();
    if (std::find(builtin.begin(), builtin.end(), attr) == builtin.end())
      return s.error_at(attr_start,
                        "unknown posture attribute " + quoted(attr) + did_you_mean(attr, builtin));
  }
  c.attribute = std::string(attr);

  s.skip_space();
  std::size_t op_at = s.pos();
  bool wants_list = false;
  bool wants_value = true;
  if (s.take("==")) {
    c.op = PostureOp::kEq;
  } else if (s.take("!=")) {
    c.op = PostureOp::kNe;
  } else if (s.take("<=")) {
    c.op = PostureOp::kLe;
  } else if (s.take(">=")) {
    c.op = PostureOp::kGe;
  } else if (s.take("<")) {
    c.op = PostureOp::kLt;
  } else if (s.take(">")) {
    c.op = PostureOp::kGt;
  } else if (s.take_word("IN")) {
    c.op = PostureOp::kIn;
    wants_list = true;
  } else if (s.take_word("IS")) {
    s.skip_space();
    if (!s.take_word("SET")) return s.error("expected SET after IS");
    c.op = PostureOp::kIsSet;
    wants_value = false;
  } else if (s.take_word("NOT")) {
    s.skip_space();
    if (s.take_word("IN")) {
      c.op = PostureOp::kNotIn;
      wants_list = true;
    } else if (s.take_word("SET")) {
      c.op = PostureOp::kNotSet;
      wants_value = false;
    } else {
      return s.error("expected IN or SET after NOT");
    }
  } else if (s.done()) {
    // A bare boolean attribute ("node:tsAutoUpdate", as in Tailscale's default policy) means
    // the attribute is true.
    c.op = PostureOp::kEq;
    c.values.push_back("true");
    wants_value = false;
  } else {
    return s.error_at(op_at, "unknown posture operator; expected ==, !=, <, <=, >, >=, IN, NOT IN, "
                             "IS SET or NOT SET");
  }

  if (wants_value) {
    s.skip_space();
    if (wants_list) {
      if (!s.take("["))
        return s.error(std::string(posture_op_text(c.op)) + " needs a list such as ['a', 'b']");
      while (true) {
        s.skip_space();
        if (s.take("]")) break;
        auto v = scan_value(s);
        if (!v) return v.error();
        c.values.push_back(std::move(v.value().text));
        c.numeric = c.numeric || v.value().numeric;
        s.skip_space();
        if (s.take(",")) continue;
        if (s.take("]")) break;
        return s.error("expected ',' or ']' in list");
      }
      if (c.values.empty()) return s.error_at(op_at, "empty list after " + std::string(posture_op_text(c.op)));
    } else {
      if (s.peek() == '[')
        return s.error(std::string(posture_op_text(c.op)) + " compares one value; use IN for a list");
      if (s.done()) return s.error("missing value after " + std::string(posture_op_text(c.op)));
      auto v = scan_value(s);
      if (!v) return v.error();
      c.values.push_back(std::move(v.value().text));
      c.numeric = v.value().numeric;
    }
  }
  s.skip_space();
  if (!s.done()) return s.error("unexpected text after posture condition");
  return c;
}

}  // namespace weft::policy
