// Scenario checks declared as data (what must hold, and when: a time, a delay after a named
// event, the end), judged into PASS/FAIL lines and one closing "N passed, N failed" line.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ns3/nstime.h"

namespace weft::sim {

/// When an expectation is judged.
struct When {
  enum class Kind { kAt, kAfterMark, kAtEnd };
  Kind kind = Kind::kAtEnd;
  ns3::Time time;    ///< kAt: simulated time; kAfterMark: delay after the mark
  std::string mark;  ///< kAfterMark
};

inline When At(ns3::Time t) { return When{When::Kind::kAt, t, {}}; }
/// `delay` after the first Scenario::Mark(mark); a FAIL at the end if the mark never happened.
inline When After(const std::string& mark, ns3::Time delay) {
  return When{When::Kind::kAfterMark, delay, mark};
}
/// After the simulation stopped.
inline When AtEnd() { return When{}; }

/// A judgement: whether it holds, and what was measured (printed after the expectation).
struct Verdict {
  Verdict(bool holds) : ok(holds) {}  // NOLINT: a bare bool is the common case
  Verdict(bool holds, std::string measured) : ok(holds), detail(std::move(measured)) {}
  bool ok;
  std::string detail;
};

struct Expectation {
  When when;
  std::string what;
  std::function<Verdict()> check;
};

class Scenario {
 public:
  explicit Scenario(std::string name) : m_name(std::move(name)) {}

  /// Adds expectations; call before Run().
  void Expect(std::vector<Expectation> expectations);
  /// Records that the named event happened now (only its first time counts) and schedules the
  /// expectations that wait on it.
  void Mark(const std::string& mark);
  std::optional<ns3::Time> MarkTime(const std::string& mark) const;

  /// Schedules the expectations, runs the simulation until `stop`, then judges the end ones.
  void Run(ns3::Time stop);
  /// Destroys the simulation, prints the summary line, returns the process exit code.
  int Finish();

  /// Prints one PASS/FAIL line and counts it.
  void Report(const std::string& what, const Verdict& verdict);

 private:
  void Judge(const Expectation& e) { Report(e.what, e.check()); }

  std::string m_name;
  std::vector<Expectation> m_expectations;
  std::map<std::string, ns3::Time> m_marks;
  int m_passed = 0;
  int m_failed = 0;
};

/// "%.3f" of a simulated time in seconds, via integer nanoseconds (ns-3 3.37's double
/// conversion left-shifts negative values, which UBSan rejects).
std::string seconds_text(ns3::Time t, int decimals = 3);

}  // namespace weft::sim
