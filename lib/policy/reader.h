// Internal to the policy front end: reading a HuJSON document into the typed Policy, one
// section at a time, reporting every mistake at its position (docs/policy.md).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hujson/value.h"
#include "policy/diagnostic.h"
#include "policy/model.h"
#include "policy/validate.h"

namespace weft::policy {

inline SourceRef source_ref(const hujson::Position& p) { return SourceRef{p.line, p.column}; }

/// ASCII case-insensitive equality: Tailscale decodes the policy with Go's encoding/json,
/// which matches field names that way ("ACLs" is "acls").
bool equal_fold(std::string_view a, std::string_view b);

/// s without leading and trailing ASCII whitespace (space, tab, CR, LF).
std::string_view trim_space(std::string_view s);

/// Shared state of one read: the findings and the side table of references the model does not
/// keep positions for.
class Reader {
 public:
  /// `source` is the document text, used to tell whether a string was written with escapes.
  Reader(std::string_view source, Diagnostics& out, ReadExtras& extras)
      : source_(source), out_(out), extras_(extras) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  void error(SourceRef at, std::string message);
  void warning(SourceRef at, std::string message);
  ReadExtras& extras() { return extras_; }

  /// Where to report a finding at code point `offset` of string value `v`: that character
  /// (the `weft acl check` contract, tests/policy/corpus), or the opening quote when the
  /// string holds escapes, whose written length differs from the decoded text.
  SourceRef inside(const hujson::Value& v, uint32_t offset) const;

  /// True when v has kind k; otherwise reports `"field" must be a K, found J` at v.
  bool expect(const hujson::Value& v, hujson::Kind k, std::string_view field);

  /// The strings of an array of strings. Reports a non-array (`"src" must be an array of
  /// strings, found string`) and each non-string element; returns the valid strings.
  std::vector<const hujson::Value*> strings(const hujson::Value& v, std::string_view field);

  /// The members of object `obj` that match `known` (case-insensitively), in `known` order;
  /// nullptr for absent ones. Reports unknown keys (with a suggestion) and keys given twice in
  /// different case. `what` names the object in messages ("acls entry").
  template <std::size_t N>
  std::array<const hujson::Value*, N> fields(const hujson::Value& obj,
                                             const std::array<std::string_view, N>& known,
                                             std::string_view what) {
    std::array<const hujson::Value*, N> out{};
    match_fields(obj, known.data(), N, out.data(), what);
    return out;
  }

  /// Reports `missing required field "dst" in acls entry` at obj when v is null.
  bool require(const hujson::Value* v, const hujson::Value& obj, std::string_view field,
               std::string_view what);

  /// The text of an `action` value with surrounding whitespace removed, which Tailscale's API
  /// ignores; warns when there was any (`action " accept" has surrounding whitespace; ...`).
  std::string trimmed_action(const hujson::Value& str);

  /// True when v is absent or JSON null: Tailscale's API reads `"checkPeriod": null` as absent.
  static bool absent(const hujson::Value* v) { return v == nullptr || v->kind == hujson::Kind::kNull; }

  /// Parses a selector from a string value, reporting errors inside the string. A tag or user
  /// written with surrounding whitespace is accepted trimmed, as Tailscale's API accepts it,
  /// with a warning that suggests the trimmed text.
  std::optional<Selector> selector(const hujson::Value& str);
  /// Every selector of an array-of-strings field (absent field: empty).
  std::vector<Selector> selectors(const hujson::Value* v, std::string_view field);
  /// "posture:x" references of srcPosture / defaultSrcPosture, recorded for the validator.
  std::vector<std::string> posture_refs(const hujson::Value* v, std::string_view field);

 private:
  void match_fields(const hujson::Value& obj, const std::string_view* known, std::size_t n,
                    const hujson::Value** out, std::string_view what);

  std::string_view source_;
  Diagnostics& out_;
  ReadExtras& extras_;
};

/// Parses `text` (hujson::parse). On a syntax error appends the parser's errors (or "WHAT could
/// not be parsed") to `out` and returns nullopt: past a syntax error nothing can be trusted.
std::optional<hujson::Value> parse_document(std::string_view text, std::string_view what,
                                            Diagnostics& out);

/// Reads the whole document (must be an object) into `policy`.
void read_document(Reader& r, const hujson::Value& root, Policy& policy);

// Section readers (reader_rules.cc, reader_aliases.cc, reader_ssh.cc).
void read_acls(Reader& r, const hujson::Value& v, Policy& policy);
void read_grants(Reader& r, const hujson::Value& v, Policy& policy);
void read_node_attrs(Reader& r, const hujson::Value& v, Policy& policy);
void read_groups(Reader& r, const hujson::Value& v, Policy& policy);
void read_tag_owners(Reader& r, const hujson::Value& v, Policy& policy);
void read_hosts(Reader& r, const hujson::Value& v, Policy& policy);
void read_ipsets(Reader& r, const hujson::Value& v, Policy& policy);
void read_auto_approvers(Reader& r, const hujson::Value& v, Policy& policy);
void read_postures(Reader& r, const hujson::Value& v, Policy& policy);
void read_ssh(Reader& r, const hujson::Value& v, Policy& policy);
void read_ssh_tests(Reader& r, const hujson::Value& v, Policy& policy);
void read_tests(Reader& r, const hujson::Value& v, Policy& policy);

}  // namespace weft::policy
