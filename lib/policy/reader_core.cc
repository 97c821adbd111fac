// Reading a HuJSON policy document: the top-level keys and the typed helpers every section
// reader uses (docs/policy.md, "Top-level keys", "Key matching").
#include <algorithm>
#include <array>

#include "hujson/parser.h"
#include "policy/reader.h"
#include "policy/selector.h"

namespace weft::policy {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string kind_article(hujson::Kind k) {
  std::string name = hujson::kind_name(k);
  bool vowel = !name.empty() && (name[0] == 'a' || name[0] == 'o');
  return (vowel ? "an " : "a ") + name;
}

}  // namespace

std::string_view trim_space(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

void Reader::error(SourceRef at, std::string message) {
  out_.push_back(Diagnostic{Severity::kError, at, std::move(message)});
}

void Reader::warning(SourceRef at, std::string message) {
  out_.push_back(Diagnostic{Severity::kWarning, at, std::move(message)});
}

SourceRef Reader::inside(const hujson::Value& v, uint32_t offset) const {
  SourceRef at = source_ref(v.pos);
  if (v.kind != hujson::Kind::kString || offset == 0) return at;
  // Only when the written string equals its decoded text (no escapes) do code-point offsets
  // in the text match columns in the file; otherwise the opening quote is the honest answer.
  if (v.pos.offset + 1 + v.text.size() >= source_.size()) return at;
  if (source_.substr(v.pos.offset + 1, v.text.size()) != v.text) return at;
  if (source_[v.pos.offset + 1 + v.text.size()] != '"') return at;
  at.column += 1 + offset;
  return at;
}

bool Reader::expect(const hujson::Value& v, hujson::Kind k, std::string_view field) {
  if (v.kind == k) return true;
  error(source_ref(v.pos),
        quoted(field) + " must be " + kind_article(k) + ", found " + hujson::kind_name(v.kind));
  return false;
}

std::vector<const hujson::Value*> Reader::strings(const hujson::Value& v, std::string_view field) {
  std::vector<const hujson::Value*> out;
  if (!v.is_array()) {
    error(source_ref(v.pos),
          quoted(field) + " must be an array of strings, found " + hujson::kind_name(v.kind));
    return out;
  }
  out.reserve(v.items.size());
  for (const auto& item : v.items) {
    if (item.is_string()) {
      out.push_back(&item);
    } else {
      error(source_ref(item.pos), quoted(field) + " must be an array of strings, found " +
                                      hujson::kind_name(item.kind) + " in the array");
    }
  }
  return out;
}

void Reader::match_fields(const hujson::Value& obj, const std::string_view* known, std::size_t n,
                          const hujson::Value** out, std::string_view what) {
  std::vector<std::string> candidates;
  for (const auto& m : obj.members) {
    std::size_t i = 0;
    while (i < n && !equal_fold(m.key, known[i])) ++i;
    if (i == n) {
      if (candidates.empty()) candidates.assign(known, known + n);
      std::string msg = "unknown key " + quoted(m.key);
      if (what != "policy") msg += " in " + std::string(what);
      error(source_ref(m.key_pos), msg + did_you_mean(m.key, candidates));
      continue;
    }
    if (out[i] != nullptr) {
      error(source_ref(m.key_pos), "duplicate key " + quoted(m.key) + " (keys are matched without "
                                   "regard to case, as Tailscale does)");
      continue;
    }
    out[i] = &m.value;
  }
}

bool Reader::require(const hujson::Value* v, const hujson::Value& obj, std::string_view field,
                     std::string_view what) {
  if (v != nullptr) return true;
  error(source_ref(obj.pos), "missing required field " + quoted(field) + " in " + std::string(what));
  return false;
}

std::string Reader::trimmed_action(const hujson::Value& str) {
  std::string_view t = trim_space(str.text);
  if (t.size() != str.text.size())
    warning(source_ref(str.pos), "action " + quoted(str.text) +
                                     " has surrounding whitespace; Tailscale ignores it: write " +
                                     quoted(t));
  return std::string(t);
}

std::optional<Selector> Reader::selector(const hujson::Value& str) {
  if (std::string_view t = trim_space(str.text); t.size() != str.text.size() && !t.empty()) {
    auto trimmed = parse_selector(t);
    if (trimmed && (trimmed.value().kind == SelectorKind::kTag ||
                    trimmed.value().kind == SelectorKind::kUser)) {
      warning(source_ref(str.pos), quoted(str.text) + " has surrounding whitespace; Tailscale "
                                   "ignores it: write " + quoted(t));
      Selector s = std::move(trimmed.value());
      s.at = source_ref(str.pos);
      return s;
    }
  }
  auto parsed = parse_selector(str.text);
  if (!parsed) {
    error(inside(str, parsed.error().offset), parsed.error().message);
    return std::nullopt;
  }
  Selector s = std::move(parsed.value());
  s.at = source_ref(str.pos);
  if (s.kind == SelectorKind::kPrefix && !util::IpPrefix::parse(str.text, /*strict=*/true))
    warning(s.at, quoted(str.text) + " has host bits set; it means " + quoted(s.prefix.to_string()));
  return s;
}

std::vector<Selector> Reader::selectors(const hujson::Value* v, std::string_view field) {
  std::vector<Selector> out;
  if (v == nullptr) return out;
  for (const auto* s : strings(*v, field))
    if (auto sel = selector(*s)) out.push_back(std::move(*sel));
  return out;
}

std::vector<std::string> Reader::posture_refs(const hujson::Value* v, std::string_view field) {
  std::vector<std::string> out;
  if (v == nullptr) return out;
  for (const auto* s : strings(*v, field)) {
    if (!s->text.starts_with("posture:") || s->text.size() == 8) {
      error(source_ref(s->pos), quoted(field) + " entries must be \"posture:name\", found " +
                                    quoted(s->text));
      continue;
    }
    extras_.posture_refs.push_back(NamedRef{s->text, source_ref(s->pos)});
    out.push_back(s->text);
  }
  return out;
}

std::optional<hujson::Value> parse_document(std::string_view text, std::string_view what,
                                            Diagnostics& out) {
  auto parsed = hujson::parse(text);
  if (parsed.errors.empty() && parsed.value) return std::move(parsed.value);
  for (const auto& e : parsed.errors) out.push_back({Severity::kError, source_ref(e.pos), e.message});
  if (parsed.errors.empty())
    out.push_back({Severity::kError, SourceRef{}, std::string(what) + " could not be parsed"});
  return std::nullopt;
}

void read_document(Reader& r, const hujson::Value& root, Policy& policy) {
  if (!root.is_object()) {
    r.error(source_ref(root.pos),
            std::string("policy must be a JSON object, found ") + hujson::kind_name(root.kind));
    return;
  }
  static constexpr std::array<std::string_view, 20> kKeys = {
      "acls",      "grants",        "groups",   "tagOwners",  "hosts",     "ipsets",
      "autoApprovers", "nodeAttrs", "postures", "defaultSrcPosture", "ssh", "sshTests",
      "tests",     "derpMap",       "disableIPv4", "OneCGNATRoute", "randomizeClientPort",
      "attrs",     "$schema",       "attrConfig",
  };
  auto f = r.fields(root, kKeys, "policy");
  if (f[0]) read_acls(r, *f[0], policy);
  if (f[1]) read_grants(r, *f[1], policy);
  if (f[2]) read_groups(r, *f[2], policy);
  if (f[3]) read_tag_owners(r, *f[3], policy);
  if (f[4]) read_hosts(r, *f[4], policy);
  if (f[5]) read_ipsets(r, *f[5], policy);
  if (f[6]) read_auto_approvers(r, *f[6], policy);
  if (f[7]) read_node_attrs(r, *f[7], policy);
  if (f[8]) read_postures(r, *f[8], policy);
  if (f[9]) policy.default_src_posture = r.posture_refs(f[9], "defaultSrcPosture");
  if (f[10]) read_ssh(r, *f[10], policy);
  if (f[11]) read_ssh_tests(r, *f[11], policy);
  if (f[12]) read_tests(r, *f[12], policy);
  // Tailnet-wide options: type-checked, then left to the coordination server.
  if (f[13]) r.expect(*f[13], hujson::Kind::kObject, "derpMap");
  if (f[14]) r.expect(*f[14], hujson::Kind::kBool, "disableIPv4");
  if (f[15]) r.expect(*f[15], hujson::Kind::kString, "OneCGNATRoute");
  if (f[16]) r.expect(*f[16], hujson::Kind::kBool, "randomizeClientPort");
}

}  // namespace weft::policy
