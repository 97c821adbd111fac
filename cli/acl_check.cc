// `weft acl check [--format text|json|github] [--tailnet FILE] FILE...`: validate policy files
// and run their tests, offline or against a tailnet file. Exit 0 all valid (tests the file alone
// cannot decide are warnings), 1 any invalid or failing test, 2 usage or I/O error or an invalid
// tailnet file.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "commands.h"
#include "policy/pipeline.h"
#include "policy/tailnet.h"
#include "policy_file.h"

namespace weft::cli {
namespace {

using policy::Diagnostic;
using policy::Severity;
using policy::SourceRef;
using policy::TestCaseResult;

/// One file as reported: its path and what the policy pipeline found in it, or why it could not
/// be read (then `check` is empty and the file counts as invalid).
struct CheckedFile {
  std::string path;
  policy::CheckedPolicy check;
  std::string io_error;

  bool valid() const { return io_error.empty() && check.valid(); }
};

std::string location(const std::string& file, SourceRef at) {
  if (at.line == 0) return file;
  return file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

std::string rule_name(const policy::RuleRef& r) {
  const char* section = r.kind == policy::RuleRef::Kind::kAcl     ? "acls"
                        : r.kind == policy::RuleRef::Kind::kGrant ? "grants"
                                                                  : "ssh";
  return std::string(section) + "[" + std::to_string(r.index) + "]";
}

/// "test not decidable offline: alice -> tag:prod:80 (tcp): the file does not say ..."
std::string undecidable_text(const TestCaseResult& c) {
  return "test not decidable offline: " + c.description + ": " + c.message;
}

/// "alice -> tag:prod:80 (tcp): expected deny, but accepted by acls[2] at f:12:5"
std::string failure_text(const std::string& file, const TestCaseResult& c) {
  std::string s = "test failed: " + c.description + ": ";
  if (c.accepted_by && !c.expect_accept && c.accepted_by->kind != policy::RuleRef::Kind::kSsh) {
    s += "expected deny, but accepted by " + rule_name(*c.accepted_by) + " at " +
         location(file, c.accepted_by->at);
  } else if (!c.message.empty()) {
    s += c.message;
  } else {
    s += c.expect_accept ? "expected accept, but denied" : "expected deny, but accepted";
  }
  return s + policy::decided_by_text(c.decided_by);
}

struct Totals {
  std::size_t files = 0, invalid = 0, errors = 0, warnings = 0, passed = 0, failed = 0,
              undecidable = 0;
};

void count(const CheckedFile& f, Totals& t) {
  ++t.files;
  if (!f.valid()) ++t.invalid;
  if (!f.io_error.empty()) ++t.errors;
  for (const auto& d : f.check.diagnostics)
    (d.severity == Severity::kError ? t.errors : t.warnings)++;
  t.passed += f.check.tests.passed();
  t.failed += f.check.tests.failed();
  t.undecidable += f.check.tests.undecidable();
  t.warnings += f.check.tests.undecidable();
}

void print_text(const CheckedFile& f) {
  for (const Diagnostic& d : f.check.diagnostics) {
    std::cout << location(f.path, d.at) << ": "
              << (d.severity == Severity::kError ? "error: " : "warning: ") << d.message << "\n";
  }
  for (const TestCaseResult& c : f.check.tests.cases) {
    if (!c.decidable)
      std::cout << location(f.path, c.case_at) << ": warning: " << undecidable_text(c) << "\n";
    else if (!c.passed)
      std::cout << location(f.path, c.case_at) << ": error: " << failure_text(f.path, c) << "\n";
  }
}

std::string github_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%') out += "%25";
    else if (ch == '\r') out += "%0D";
    else if (ch == '\n') out += "%0A";
    else out += ch;
  }
  return out;
}

std::string github_property(const std::string& s) {
  std::string out;
  for (char ch : github_escape(s)) {
    if (ch == ':') out += "%3A";
    else if (ch == ',') out += "%2C";
    else out += ch;
  }
  return out;
}

void print_github_one(const std::string& file, SourceRef at, bool error, const std::string& msg) {
  std::cout << (error ? "::error " : "::warning ") << "file=" << github_property(file);
  if (at.line != 0) std::cout << ",line=" << at.line << ",col=" << at.column;
  std::cout << "::" << github_escape(msg) << "\n";
}

void print_github(const CheckedFile& f) {
  if (!f.io_error.empty()) print_github_one(f.path, SourceRef{}, true, f.io_error);
  for (const Diagnostic& d : f.check.diagnostics)
    print_github_one(f.path, d.at, d.severity == Severity::kError, d.message);
  for (const TestCaseResult& c : f.check.tests.cases) {
    if (!c.decidable)
      print_github_one(f.path, c.case_at, false, undecidable_text(c));
    else if (!c.passed)
      print_github_one(f.path, c.case_at, true, failure_text(f.path, c));
  }
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_location(JsonWriter& w, const std::string& file, SourceRef at) {
  w.Key("file");
  w.String(file.c_str());
  w.Key("line");
  w.Uint(at.line);
  w.Key("column");
  w.Uint(at.column);
}

void write_json(const std::vector<CheckedFile>& files, const Totals& t) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("valid");
  w.Bool(t.invalid == 0);
  for (Severity sev : {Severity::kError, Severity::kWarning}) {
    w.Key(sev == Severity::kError ? "errors" : "warnings");
    w.StartArray();
    for (const auto& f : files) {
      if (sev == Severity::kError && !f.io_error.empty()) {
        w.StartObject();
        write_location(w, f.path, SourceRef{});
        w.Key("message");
        w.String(f.io_error.c_str());
        w.EndObject();
      }
      for (const auto& d : f.check.diagnostics) {
        if (d.severity != sev) continue;
        w.StartObject();
        write_location(w, f.path, d.at);
        w.Key("message");
        w.String(d.message.c_str());
        w.EndObject();
      }
      if (sev == Severity::kWarning)
        for (const auto& c : f.check.tests.cases) {
          if (c.decidable) continue;
          w.StartObject();
          write_location(w, f.path, c.case_at);
          w.Key("message");
          w.String(undecidable_text(c).c_str());
          w.Key("not_decidable_offline");
          w.Bool(true);
          w.EndObject();
        }
    }
    w.EndArray();
  }
  w.Key("tests");
  w.StartObject();
  w.Key("passed");
  w.Uint64(t.passed);
  w.Key("failed");
  w.Uint64(t.failed);
  w.Key("not_decidable");
  w.Uint64(t.undecidable);
  w.Key("failures");
  w.StartArray();
  for (const auto& f : files) {
    for (const auto& c : f.check.tests.cases) {
      if (c.passed || !c.decidable) continue;
      w.StartObject();
      write_location(w, f.path, c.case_at);
      w.Key("test_line");
      w.Uint(c.test_at.line);
      w.Key("case");
      w.String(c.description.c_str());
      w.Key("expected");
      w.String(c.expect_accept ? "accept" : "deny");
      w.Key("message");
      w.String(failure_text(f.path, c).c_str());
      if (c.accepted_by) {
        w.Key("accepted_by");
        w.StartObject();
        w.Key("rule");
        w.String(rule_name(*c.accepted_by).c_str());
        write_location(w, f.path, c.accepted_by->at);
        w.EndObject();
      }
      if (!c.decided_by.empty()) {
        w.Key("decided_by");
        w.StartArray();
        for (const auto& fact : c.decided_by) w.String(fact.c_str());
        w.EndArray();
      }
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  w.Key("files");
  w.StartArray();
  for (const auto& f : files) {
    w.StartObject();
    w.Key("file");
    w.String(f.path.c_str());
    w.Key("valid");
    w.Bool(f.valid());
    if (!f.io_error.empty()) {
      w.Key("io_error");
      w.String(f.io_error.c_str());
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::cout << buf.GetString() << "\n";
}

void print_summary(const Totals& t) {
  std::cout << t.files << (t.files == 1 ? " file" : " files") << " checked: "
            << (t.files - t.invalid) << " valid, " << t.invalid << " invalid; " << t.errors
            << (t.errors == 1 ? " error, " : " errors, ") << t.warnings
            << (t.warnings == 1 ? " warning; " : " warnings; ") << "tests: " << t.passed
            << " passed, " << t.failed << " failed";
  if (t.undecidable != 0) std::cout << ", " << t.undecidable << " not decidable offline";
  std::cout << "\n";
}

void print(const std::string& format, const std::vector<CheckedFile>& files) {
  Totals totals;
  for (const auto& f : files) count(f, totals);
  if (format == "json") {
    write_json(files, totals);
    return;
  }
  for (const auto& f : files) (format == "github" ? print_github(f) : print_text(f));
  print_summary(totals);
}

/// The tailnet file named by --tailnet, as a view named by its path; nullopt (with the file's
/// findings or I/O error in `report`) when it cannot be used.
std::optional<policy::TailnetView> load_tailnet_file(const std::string& path, CheckedFile& report) {
  report.path = path;
  auto text = read_policy_text(path, report.io_error);
  if (!text) return std::nullopt;
  policy::TailnetLoad loaded = policy::load_tailnet(*text);
  report.check.diagnostics = std::move(loaded.diagnostics);
  if (!loaded.tailnet) return std::nullopt;
  return policy::view_of(*loaded.tailnet, path);
}

}  // namespace

int run_acl_check(const AclCheckOptions& options) {
  std::vector<CheckedFile> files;
  policy::TailnetView tailnet;
  if (!options.tailnet.empty()) {
    // A tailnet file that cannot be used stops the check: its verdicts would be the offline ones.
    CheckedFile report;
    auto view = load_tailnet_file(options.tailnet, report);
    if (!view) {
      if (options.format == "text" && !report.io_error.empty())
        std::cerr << "weft: " << report.io_error << "\n";
      if (options.format == "text" && report.io_error.empty())
        std::cerr << "weft: " << options.tailnet << ": the tailnet file is invalid; no policy was checked\n";
      files.push_back(std::move(report));
      print(options.format, files);
      return 2;
    }
    tailnet = std::move(*view);
  }
  bool io_failed = false;
  for (const std::string& path : options.files) {
    std::string io_error;
    auto text = read_policy_text(path, io_error);
    if (!text) {
      // The text format reports it on stderr; json and github carry it in their output, so a
      // consumer reading only stdout still sees the file as invalid.
      if (options.format == "text") std::cerr << "weft: " << io_error << "\n";
      io_failed = true;
      files.push_back(CheckedFile{path, {}, io_error});
      continue;
    }
    files.push_back(CheckedFile{path, policy::check_policy(*text, policy::RunTests::kYes, tailnet), {}});
  }
  print(options.format, files);
  if (io_failed) return 2;
  for (const auto& f : files)
    if (!f.valid()) return 1;
  return 0;
}

}  // namespace weft::cli
