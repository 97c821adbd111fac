// The scenario runner: expectations scheduled as data, PASS/FAIL lines and a summary (see
// scenario.h).
#include "scenario.h"

#include <cstdio>

#include "ns3/simulator.h"

namespace weft::sim {

void Scenario::Expect(std::vector<Expectation> expectations) {
  for (Expectation& e : expectations) {
    m_expectations.push_back(std::move(e));
  }
}

void Scenario::Mark(const std::string& mark) {
  if (m_marks.count(mark) != 0) {
    return;
  }
  m_marks[mark] = ns3::Simulator::Now();
  for (std::size_t i = 0; i < m_expectations.size(); ++i) {
    const When& when = m_expectations[i].when;
    if (when.kind == When::Kind::kAfterMark && when.mark == mark) {
      ns3::Simulator::Schedule(when.time, [this, i] { Judge(m_expectations[i]); });
    }
  }
}

std::optional<ns3::Time> Scenario::MarkTime(const std::string& mark) const {
  auto it = m_marks.find(mark);
  if (it == m_marks.end()) return std::nullopt;
  return it->second;
}

void Scenario::Run(ns3::Time stop) {
  for (std::size_t i = 0; i < m_expectations.size(); ++i) {
    if (m_expectations[i].when.kind == When::Kind::kAt) {
      ns3::Simulator::Schedule(m_expectations[i].when.time,
                               [this, i] { Judge(m_expectations[i]); });
    }
  }
  ns3::Simulator::Stop(stop);
  ns3::Simulator::Run();
  for (const Expectation& e : m_expectations) {
    if (e.when.kind == When::Kind::kAtEnd) {
      Judge(e);
    } else if (e.when.kind == When::Kind::kAfterMark && m_marks.count(e.when.mark) == 0) {
      Report(e.what, Verdict(false, "never judged: \"" + e.when.mark + "\" did not happen"));
    }
  }
}

int Scenario::Finish() {
  ns3::Simulator::Destroy();
  std::printf("%d passed, %d failed\n", m_passed, m_failed);
  std::fflush(stdout);
  return m_failed == 0 && m_passed > 0 ? 0 : 1;
}

void Scenario::Report(const std::string& what, const Verdict& verdict) {
  std::printf("%s %s: %s%s%s%s\n", verdict.ok ? "PASS" : "FAIL", m_name.c_str(), what.c_str(),
              verdict.detail.empty() ? "" : " (", verdict.detail.c_str(),
              verdict.detail.empty() ? "" : ")");
  ++(verdict.ok ? m_passed : m_failed);
}

std::string seconds_text(ns3::Time t, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(t.GetNanoSeconds()) / 1e9);
  return buf;
}

}  // namespace weft::sim
