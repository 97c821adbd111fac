#!/usr/bin/env bash
# weft sim run is deterministic for a seed (docs/scenarios.md, "Output"): one scenario run twice
# with the same seed prints the same lines (every observed value and time; the closing line with
# the wall time aside), another seed prints other observations, and every expectation holds.
set -euo pipefail
weft=${1:?usage: scenario_deterministic.sh PATH_TO_weft SCENARIO}
scenario=${2:?usage: scenario_deterministic.sh PATH_TO_weft SCENARIO}
run() { "$weft" sim run --seed "$1" "$scenario" | sed '1d;$d'; }  # seed line, wall time
first=$(run 3) && second=$(run 3) && other=$(run 4) || { echo "FAIL: a run failed"; exit 1; }
if [[ $first != "$second" ]]; then
  echo "FAIL seed 3 twice: the outputs differ"
  diff <(echo "$first") <(echo "$second") || true
  exit 1
fi
echo "PASS seed 3 twice: identical output, line for line ($(echo "$first" | wc -l) lines)"
if [[ $first == "$other" ]]; then
  echo "FAIL seeds 3 and 4 observed exactly the same: the seed does not reach the run"
  exit 1
fi
echo "PASS seed 4 observed otherwise:"
diff <(echo "$first") <(echo "$other") | grep '^[<>]' | head -4 || true
