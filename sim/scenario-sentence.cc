// The expectation sentences of scenario files (docs/scenarios.md, "Expectations"): a small
// grammar read word by word, each error pointing at the word that is wrong.
#include <cstdlib>

#include "scenario-parse-dns.h"
#include "scenario-parse.h"
#include "util/ip_prefix.h"

namespace weft::sim {
namespace {

struct Token {
  std::string text;
  hujson::Position pos;
};

/// Words split on spaces; a comma ends a word. Positions assume the string has no escapes
/// before the word (scenario sentences are plain text).
std::vector<Token> tokenize(const std::string& s, hujson::Position quote) {
  std::vector<Token> out;
  uint32_t column = quote.column + 1;  // code points after the opening quote
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == ',') {
      ++i;
      ++column;
      continue;
    }
    Token t;
    t.pos = hujson::Position{quote.line, column, quote.offset + 1 + i};
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != ',') {
      t.text += s[i];
      // Count code points: UTF-8 continuation bytes do not start one.
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++column;
      ++i;
    }
    out.push_back(std::move(t));
  }
  return out;
}

class Sentence {
 public:
  Sentence(const std::string& text, hujson::Position pos, const ScenarioSpec& spec,
           std::vector<SpecError>& errors)
      : tokens_(tokenize(text, pos)), end_(pos), spec_(spec), errors_(errors) {
    end_.column += static_cast<uint32_t>(text.size()) + 1;
    end_.offset += text.size() + 1;
  }

  bool Fail(const std::string& message) {
    if (!failed_) errors_.push_back(SpecError{Here(), message});
    failed_ = true;
    return false;
  }
  bool AtEnd() const { return i_ >= tokens_.size(); }
  const std::string& Peek() const {
    static const std::string kNone;
    return AtEnd() ? kNone : tokens_[i_].text;
  }
  hujson::Position Here() const { return AtEnd() ? end_ : tokens_[i_].pos; }

  bool Word(const char* w) {
    if (Peek() != w) return Fail(std::string("expected \"") + w + "\"" + Found());
    ++i_;
    return true;
  }
  bool Node(std::string& out, bool every_allowed) {
    if (AtEnd()) return Fail("expected a node name" + Found());
    const std::string& t = tokens_[i_].text;
    if (every_allowed && t == "*") {
      out = t;
      ++i_;
      return true;
    }
    if (spec_.FindNode(t) == nullptr) {
      return Fail("\"" + t + "\" is not a node" +
                  std::string(every_allowed ? " (or \"*\", every node)" : ""));
    }
    out = t;
    ++i_;
    return true;
  }
  /// "a->b" as one word.
  bool Arrow(std::string& from, std::string& to) {
    const std::string t = Peek();
    const std::size_t arrow = t.find("->");
    if (arrow == std::string::npos) return Fail("expected NODE->NODE" + Found());
    from = t.substr(0, arrow);
    to = t.substr(arrow + 2);
    for (const std::string* n : {&from, &to}) {
      if (spec_.FindNode(*n) == nullptr) return Fail("\"" + *n + "\" is not a node");
    }
    if (from == to) return Fail("\"" + t + "\" goes from a node to itself");
    ++i_;
    return true;
  }
  bool Time(SimTime& out) {
    if (AtEnd()) return Fail("expected a time (\"120s\", \"2m\")" + Found());
    const std::optional<SimTime> t = parse_time(tokens_[i_].text);
    if (!t) return Fail("\"" + tokens_[i_].text + "\" is not a time (write \"120s\", \"2m\")");
    out = *t;
    ++i_;
    return true;
  }
  bool Count(uint64_t& out) {
    const std::string t = Peek();
    if (t.empty() || t.size() > 18 || t.find_first_not_of("0123456789") != std::string::npos) {
      return Fail("expected a whole number" + Found());
    }
    out = std::strtoull(t.c_str(), nullptr, 10);
    ++i_;
    return true;
  }
  bool Percent(double& out) {
    const std::string t = Peek();
    char* end = nullptr;
    const double v = t.empty() ? -1 : std::strtod(t.c_str(), &end);
    if (t.empty() || t.back() != '%' || end != t.c_str() + t.size() - 1 || !(v >= 0 && v <= 100)) {
      return Fail("expected a percentage from 0% to 100%" + Found());
    }
    out = v;
    ++i_;
    return true;
  }
  /// A DNS name as a resolver is asked it (normalized_dns_name).
  bool DnsName(std::string& out) {
    if (AtEnd()) return Fail("expected a DNS name" + Found());
    const std::optional<std::string> name = normalized_dns_name(tokens_[i_].text);
    if (!name) {
      return Fail("\"" + tokens_[i_].text + "\" is not a DNS name (labels of letters, digits, "
                  "'-' and '_', 1-63 bytes each)");
    }
    out = *name;
    ++i_;
    return true;
  }
  /// The word after the next one, or "".
  const std::string& PeekSecond() const {
    static const std::string kNone;
    return i_ + 1 < tokens_.size() ? tokens_[i_ + 1].text : kNone;
  }
  /// An IPv4 address ("10.9.0.5").
  bool Address(std::string& out) {
    const std::optional<util::IpAddress> a = util::IpAddress::parse(Peek());
    if (!a || !a->is_v4()) return Fail("expected an IPv4 address" + Found());
    out = Peek();
    ++i_;
    return true;
  }
  /// An IP prefix with its host bits zero ("10.9.0.0/24", "::/0").
  bool Prefix(std::string& out) {
    if (AtEnd()) return Fail("expected an IP prefix" + Found());
    if (!util::IpPrefix::parse(tokens_[i_].text, true)) {
      return Fail("\"" + tokens_[i_].text + "\" is not an IP prefix (write \"10.9.0.0/24\")");
    }
    out = tokens_[i_].text;
    ++i_;
    return true;
  }
  bool Done() {
    if (!AtEnd()) return Fail("unexpected \"" + Peek() + "\" after the end of the expectation");
    return true;
  }
  bool Window(ExpectSpec& x) {
    if (!(Word("between") && Time(x.from) && Word("and") && Time(x.to))) return false;
    if (x.to <= x.from) {
      --i_;
      return Fail("the window ends before it starts");
    }
    return true;
  }

 private:
  std::string Found() const {
    return AtEnd() ? ", found the end of the sentence" : ", found \"" + Peek() + "\"";
  }

  std::vector<Token> tokens_;
  hujson::Position end_;
  const ScenarioSpec& spec_;
  std::vector<SpecError>& errors_;
  std::size_t i_ = 0;
  bool failed_ = false;
};

/// Whether the word after "reaches" is an address (a routed host) rather than a node.
bool i_address(const Sentence& s) {
  const std::optional<util::IpAddress> a = util::IpAddress::parse(s.PeekSecond());
  return a.has_value();
}

constexpr const char* kForms =
    "NODE reaches NODE at T via direct|relay|none; NODE's peers at T include|exclude NODE...; "
    "no new connection NODE->NODE between T and T; policy version on NODE at T is N; "
    "NODE->NODE delivers at least|at most P% [in order] between T and T; "
    "NODE runs from its cache at T; key rotations on NODE at T is N; NODE is in sync at T; "
    "NODE is offline at T; "
    "every core is healthy at T; NODE resolves NAME at T [via upstream]; "
    "NODE gets NXDOMAIN|SERVFAIL for NAME at T; "
    "NODE's routes at T include|exclude PREFIX... [via NODE]; "
    "NODE reaches ADDRESS via NODE|nobody at T";

}  // namespace

std::optional<ExpectSpec> parse_expectation(const std::string& text, hujson::Position pos,
                                            const ScenarioSpec& spec,
                                            std::vector<SpecError>& errors) {
  Sentence s(text, pos, spec, errors);
  ExpectSpec x;
  x.text = text;
  x.pos = pos;
  const std::string first = s.Peek();
  bool ok = false;
  if (first == "no") {
    x.kind = ExpectKind::kNoNewConnection;
    ok = s.Word("no") && s.Word("new") && s.Word("connection") && s.Arrow(x.node, x.other) &&
         s.Window(x) && s.Done();
  } else if (first == "policy") {
    x.kind = ExpectKind::kPolicyVersion;
    ok = s.Word("policy") && s.Word("version") && s.Word("on") && s.Node(x.node, true) &&
         s.Word("at") && s.Time(x.at) && s.Word("is") && s.Count(x.number) && s.Done();
  } else if (first == "every") {
    x.kind = ExpectKind::kHealthy;
    ok = s.Word("every") && s.Word("core") && s.Word("is") && s.Word("healthy") && s.Word("at") &&
         s.Time(x.at) && s.Done();
  } else if (first == "key") {
    x.kind = ExpectKind::kKeyRotations;
    ok = s.Word("key") && s.Word("rotations") && s.Word("on") && s.Node(x.node, true) &&
         s.Word("at") && s.Time(x.at) && s.Word("is") && s.Count(x.number) && s.Done();
  } else if (first.find("->") != std::string::npos) {
    x.kind = ExpectKind::kDelivers;
    ok = s.Arrow(x.node, x.other) && s.Word("delivers") && s.Word("at");
    if (ok && s.Peek() == "most") {
      x.at_least = false;
      ok = s.Word("most");
    } else if (ok) {
      ok = s.Word("least");
    }
    ok = ok && s.Percent(x.percent);
    if (ok && s.Peek() == "in") {
      x.in_order = true;
      ok = s.Word("in") && s.Word("order");
    }
    ok = ok && s.Window(x) && s.Done();
  } else if (first.size() > 2 && first.compare(first.size() - 2, 2, "'s") == 0) {
    x.kind = ExpectKind::kPeers;
    const std::string name = first.substr(0, first.size() - 2);
    if (spec.FindNode(name) == nullptr) {
      s.Fail("\"" + name + "\" is not a node");
      return std::nullopt;
    }
    x.node = name;
    s.Word(first.c_str());
    if (s.Peek() == "routes") {
      // NODE's routes at T include|exclude PREFIX... [via NODE]
      x.kind = ExpectKind::kRoutes;
      ok = s.Word("routes") && s.Word("at") && s.Time(x.at);
      if (ok && s.Peek() == "exclude") {
        x.include = false;
        ok = s.Word("exclude");
      } else if (ok) {
        ok = s.Word("include");
      }
      while (ok && !s.AtEnd() && s.Peek() != "via") {
        std::string prefix;
        ok = s.Prefix(prefix);
        if (ok) x.prefixes.push_back(prefix);
      }
      if (ok && x.prefixes.empty()) ok = s.Fail("expected IP prefixes (\"10.9.0.0/24\")");
      if (ok && s.Peek() == "via") ok = s.Word("via") && s.Node(x.other, false);
      ok = ok && s.Done();
      if (!ok) return std::nullopt;
      return x;
    }
    ok = s.Word("peers") && s.Word("at") && s.Time(x.at);
    if (ok && s.Peek() == "exclude") {
      x.include = false;
      ok = s.Word("exclude");
    } else if (ok) {
      ok = s.Word("include");
    }
    while (ok && !s.AtEnd()) {
      std::string other;
      ok = s.Node(other, false);
      if (ok) x.others.push_back(other);
    }
    if (ok && x.others.empty()) ok = s.Fail("expected the peers' names" + std::string());
  } else if (spec.FindNode(first) != nullptr || first == "*") {
    ok = s.Node(x.node, true);
    const std::string verb = s.Peek();
    if (ok && verb == "reaches" && i_address(s)) {
      // NODE reaches ADDRESS via NODE|nobody at T [within D]: a routed address (a subnet's host).
      x.kind = ExpectKind::kReachesAddress;
      ok = x.node != "*" || s.Fail("\"*\" cannot reach: name one node");
      ok = ok && s.Word("reaches") && s.Address(x.name) && s.Word("via");
      if (ok && s.Peek() == "nobody") {
        ok = s.Word("nobody");
      } else if (ok) {
        ok = s.Node(x.other, false);
      }
      ok = ok && s.Word("at") && s.Time(x.at);
      if (ok && s.Peek() == "within") ok = s.Word("within") && s.Time(x.within);
      ok = ok && s.Done();
    } else if (ok && verb == "reaches") {
      x.kind = ExpectKind::kReaches;
      ok = x.node != "*" || s.Fail("\"*\" cannot reach: name one node");
      ok = ok && s.Word("reaches") && s.Node(x.other, false) && s.Word("at") && s.Time(x.at) &&
           s.Word("via");
      if (ok) {
        const std::string r = s.Peek();
        if (r == "direct" || r == "relay" || r == "none") {
          x.route = r == "direct" ? Route::kDirect : r == "relay" ? Route::kRelay : Route::kNone;
          s.Word(r.c_str());
        } else {
          ok = s.Fail("expected direct, relay or none, found \"" + r + "\"");
        }
      }
      if (ok && s.Peek() == "within") ok = s.Word("within") && s.Time(x.within);
      ok = ok && s.Done();
      if (ok && x.node == x.other) ok = s.Fail("a node reaching itself is not a question");
    } else if (ok && verb == "runs") {
      x.kind = ExpectKind::kFromCache;
      ok = s.Word("runs") && s.Word("from") && s.Word("its") && s.Word("cache") &&
           s.Word("at") && s.Time(x.at) && s.Done();
    } else if (ok && verb == "is") {
      ok = s.Word("is");
      if (ok && s.Peek() == "offline") {
        x.kind = ExpectKind::kOffline;
        ok = s.Word("offline") && s.Word("at") && s.Time(x.at) && s.Done();
      } else {
        x.kind = ExpectKind::kInSync;
        ok = ok && s.Word("in") && s.Word("sync") && s.Word("at") && s.Time(x.at) && s.Done();
      }
    } else if (ok && verb == "resolves") {
      x.kind = ExpectKind::kResolves;
      ok = x.node != "*" || s.Fail("\"*\" cannot ask: name one node");
      ok = ok && s.Word("resolves") && s.DnsName(x.name) && s.Word("at") && s.Time(x.at);
      if (ok && s.Peek() == "via") {
        x.via_upstream = true;
        ok = s.Word("via") && s.Word("upstream");
      }
      if (ok && s.Peek() == "within") ok = s.Word("within") && s.Time(x.within);
      ok = ok && s.Done();
    } else if (ok && verb == "gets") {
      x.kind = ExpectKind::kDnsRcode;
      ok = x.node != "*" || s.Fail("\"*\" cannot ask: name one node");
      ok = ok && s.Word("gets");
      if (ok) {
        const std::string r = s.Peek();
        if (r == "NXDOMAIN" || r == "SERVFAIL") {
          x.rcode = r == "NXDOMAIN" ? 3 : 2;
          s.Word(r.c_str());
        } else {
          ok = s.Fail("expected NXDOMAIN or SERVFAIL" +
                      std::string(r.empty() ? ", found the end of the sentence" : ", found \"" + r + "\""));
        }
      }
      ok = ok && s.Word("for") && s.DnsName(x.name) && s.Word("at") && s.Time(x.at);
      if (ok && s.Peek() == "within") ok = s.Word("within") && s.Time(x.within);
      ok = ok && s.Done();
    } else if (ok) {
      ok = s.Fail("expected \"reaches\", \"resolves\", \"gets\", \"runs\" or \"is\" after the "
                  "node, found \"" + verb + "\"");
    }
  } else {
    s.Fail("not an expectation this harness knows; the forms are: " + std::string(kForms));
  }
  if (!ok) return std::nullopt;
  return x;
}

}  // namespace weft::sim
