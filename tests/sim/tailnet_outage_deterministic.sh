#!/usr/bin/env bash
# sim/tailnet_outage is reproducible: same seed, same wire digest, another seed another one, every
# check passing (wg_two_nodes_deterministic.sh, which reads any sim program's "wire digest"); and
# the same seed gives the same output line for line (every measured time and loss count).
set -euo pipefail
bin=${1:?usage: tailnet_outage_deterministic.sh PATH_TO_sim_tailnet_outage}
"$(dirname "$0")/wg_two_nodes_deterministic.sh" "$bin"
first=$("$bin" 3) && second=$("$bin" 3) || { echo "FAIL: seed 3 run failed"; exit 1; }
if [[ $first == "$second" ]]; then
  echo "PASS seed 3 twice: identical output, line for line"
else
  echo "FAIL seed 3 twice: the outputs differ"
  diff <(echo "$first") <(echo "$second") || true
  exit 1
fi
