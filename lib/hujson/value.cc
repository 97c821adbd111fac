// HuJSON value helpers: kind names, member lookup and the compact RFC 8259 serializer.
#include "hujson/value.h"

#include <charconv>
#include <cmath>
#include <cstddef>

namespace weft::hujson {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kNumber: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "unknown";
}

const Value* Value::find(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (const auto& m : members) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending stretch that needs no escaping
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {

void append_number(std::string& out, const Value& v) {
  if (!v.text.empty()) {
    out += v.text;
    return;
  }
  if (!std::isfinite(v.number)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v.number);
  out.append(buf, r.ptr);
}

// Writes a scalar, or the opening bracket of a container (the caller walks its children).
void append_open(std::string& out, const Value& v) {
  switch (v.kind) {
    case Kind::kNull: out += "null"; break;
    case Kind::kBool: out += v.boolean ? "true" : "false"; break;
    case Kind::kNumber: append_number(out, v); break;
    case Kind::kString: append_json_string(out, v.text); break;
    case Kind::kArray: out.push_back('['); break;
    case Kind::kObject: out.push_back('{'); break;
  }
}

bool is_container(const Value& v) { return v.kind == Kind::kArray || v.kind == Kind::kObject; }

}  // namespace

std::string to_json(const Value& v) {
  struct Frame {
    const Value* value;
    std::size_t next;
  };
  std::string out;
  std::vector<Frame> stack;
  append_open(out, v);
  if (is_container(v)) stack.push_back({&v, 0});
  while (!stack.empty()) {
    Frame& top = stack.back();
    const Value& parent = *top.value;
    const bool object = parent.kind == Kind::kObject;
    const std::size_t count = object ? parent.members.size() : parent.items.size();
    if (top.next == count) {
      out.push_back(object ? '}' : ']');
      stack.pop_back();
      continue;
    }
    const std::size_t i = top.next++;
    if (i > 0) out.push_back(',');
    const Value* child;
    if (object) {
      append_json_string(out, parent.members[i].key);
      out.push_back(':');
      child = &parent.members[i].value;
    } else {
      child = &parent.items[i];
    }
    append_open(out, *child);
    if (is_container(*child)) stack.push_back({child, 0});  // may invalidate `top`; not used after
  }
  return out;
}

}  // namespace weft::hujson
