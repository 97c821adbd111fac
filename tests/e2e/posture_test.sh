#!/usr/bin/env bash
# Device posture changed at runtime (issue 17; docs/network-config.md, "Device posture"): a real
# `weft serve` and two `weft up` nodes a and b of tailnet_lib.sh, under a policy that lets tag:a
# reach tag:b only from a device whose posture is "trusted" (an operator attribute plus what the
# node reports: node:os, node:osVersion, node:tsVersion).
# - a without the attribute: neither sees the other, a -> b does not ping;
# - `weft admin nodes set-attr ID custom:trusted=yes`: a and b see each other and a -> b pings
#   (the time from the command to the first answered ping is printed);
# - `nodes unset-attr`: b is gone from a's `weft status`, a from b's, and the ping fails (time
#   printed); set again: back (time printed);
# - `nodes show` and `nodes list --json` show the node's reported attributes and the operator's,
#   and `nodes show` the policy version the node applies;
#   a name the node reports (node:os) is refused.
# Needs WEFT_BIN (set by ctest), root, ip, jq, ping. About 15 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$here/tailnet_lib.sh"

tailnet_setup
postures=$(cat <<'EOF_P'
  "postures": {
    "posture:trusted": ["custom:trusted == 'yes'", "node:os == 'linux'",
                        "node:osVersion IS SET", "node:tsVersion IS SET"],
  },
EOF_P
)
tailnet_set_policy posture "policy set: tag:a -> tag:b for trusted devices only" \
  '    {"action": "accept", "src": ["tag:a"], "srcPosture": ["posture:trusted"], "dst": ["tag:b:*"]},' \
  "" "$postures"

for m in a b; do start_node "$m" --server "$url" --authkey "${KEY[$m]}"; done
for m in a b; do wait_logged "$m" 'netmap applied: '; done
nodes=$(admin "$state" --json nodes list)
for m in a b; do
  ADDR[$m]=$(jq -r --arg h "$m" '.nodes[] | select(.hostname == $h) | .addresses[0]' <<<"$nodes")
  [[ ${ADDR[$m]} == 100.* ]] || netns_fail "no tailnet address for $m in: $nodes"
done
id_a=$(node_id a)
echo "ok - a ($id_a, ${ADDR[a]}) and b (${ADDR[b]}) registered"

# --- what the node reports -----------------------------------------------------------------------
posture_of_a() { admin "$state" --json nodes show "$id_a" | jq -c '.node.posture'; }
reported=$(posture_of_a)
echo "a's posture as the server holds it: $reported"
check "... node:os is linux" test "$(jq -r '."node:os"' <<<"$reported")" = linux
check "... node:osVersion is the kernel release ($(uname -r))" \
  test "$(jq -r '."node:osVersion"' <<<"$reported")" = "$(uname -r)"
check "... node:tsVersion is this build's version" \
  test "$(jq -r '."node:tsVersion"' <<<"$reported")" = "$("$SERVE_BIN" --version | cut -d' ' -f2)"

# --- not trusted yet ---------------------------------------------------------------------------------
check "a sees no peer" peers_are a ""
check "b sees no peer" peers_are b ""
check "a -> b does not ping" ping_fails a b

# step WHAT CMD...: runs the admin command, then waits (20 s at most) for CONDITION (the function
# named in $goal); prints the time from the command to the condition.
step() {
  local what=$1
  shift
  local t0
  t0=$(now_ms)
  capture admin "$state" "$@"
  expect_rc 0 "$what"
  check "... $goal_text (waited up to 20 s)" wait_for -t 20 "$goal"
  echo "posture: $what -> $goal_text in $(($(now_ms) - t0)) ms"
}
both_see_and_ping() { peers_are a "b" && peers_are b "a" && ping_ok a b; }
both_lost() { peers_are a "" && peers_are b ""; }

goal=both_see_and_ping goal_text="a and b see each other and a -> b pings"
step "set-attr custom:trusted=yes" nodes set-attr "$id_a" custom:trusted=yes
shown=$(admin "$state" nodes show "$id_a")
echo "$shown" | sed 's/^/  show> /'
check "nodes show lists the operator's attribute" grep -qE '^set by operator +custom:trusted=yes$' \
  <<<"$shown"
# The version a runs, reported with PolicyApplied (MapRequest alone said 0: its only report came
# before the first map).
applied=$(node_status a | jq -r .policy_version)
check "nodes show has the policy version a applies ($applied, not 0)" \
  bash -c "test '$applied' -ge 1 && grep -qE '^policy version +$applied\$' <<<\"\$1\"" _ "$shown"
check "nodes list shows it (ATTRIBUTES)" grep -qE "^$id_a +a .*custom:trusted=yes\$" \
  <<<"$(admin "$state" nodes list)"
check "nodes list --json carries it" \
  test "$(admin "$state" --json nodes list | jq -r '.nodes[] | select(.hostname == "a") |
    .attributes."custom:trusted"')" = yes

goal=both_lost goal_text="b is gone from a's status and a from b's"
step "unset-attr custom:trusted" nodes unset-attr "$id_a" custom:trusted
check "... a -> b does not ping" ping_fails a b

goal=both_see_and_ping goal_text="a and b see each other and a -> b pings"
step "set-attr custom:trusted=yes again" nodes set-attr "$id_a" custom:trusted=yes

goal=both_lost goal_text="b is gone from a's status and a from b's"
step "set-attr custom:trusted=no" nodes set-attr "$id_a" custom:trusted=no
check "... a -> b does not ping" ping_fails a b

capture admin "$state" nodes set-attr "$id_a" node:os=macos
expect_rc 1 "set-attr node:os is refused (the node reports it)"
check "... with its code" grep -q 'coord.posture_attribute' <<<"$CAP_ERR"
capture admin "$state" nodes set-attr "$id_a" custom:trusted
expect_rc 2 "set-attr without NAME=VALUE is a usage error"

for m in a b; do stop_node "$m"; done
echo "posture_test: all checks passed"
