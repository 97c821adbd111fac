#!/usr/bin/env bash
# `weft admin tailnet export` -> `weft acl check --tailnet` (docs/policy.md, "The tailnet file"):
# a real server with users of two roles and two registered devices (one tagged) writes the tailnet
# file; checking a policy against it decides the tests the file alone cannot (roles, the device
# behind an address) as `weft admin policy check` decides them on the server, and both say which
# fact decided a failing one in the same words; an expired device leaves the export and is no
# device for the server's tests either; a removed device leaves the export.
# Needs WEFT_BIN and WEFT_CONTROL_LOAD (set by ctest), root (network namespace), jq. About 5 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/serve_lib.sh
source "$here/serve_lib.sh"

need_root
serve_setup
load_bin=${WEFT_CONTROL_LOAD:-$here/../../build/tests/e2e/weft_control_load}
[[ -x $load_bin ]] || netns_fail "no weft_control_load at '$load_bin' (set WEFT_CONTROL_LOAD)"

has_line() { grep -qE -- "$2" <<<"$1"; }
lacks() { ! grep -qF -- "$2" <<<"$1"; }

state="$NETNS_TMP/state"
port=7471
serve_start "$state" --port "$port"

admin "$state" users create alice@example.com --role admin >/dev/null
admin "$state" users create bob@example.com >/dev/null
owners="$NETNS_TMP/owners.hujson"
cat >"$owners" <<'EOF_P'
{
  "tagOwners": {"tag:web": ["alice@example.com"]},
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
}
EOF_P
admin "$state" policy set "$owners" >/dev/null
web_key=$(admin "$state" keys create --user alice@example.com --tags tag:web 2>/dev/null)
bob_key=$(admin "$state" keys create --user bob@example.com 2>/dev/null)

# register PREFIX KEY: one device PREFIX-0 registered with KEY (the client exits once it holds
# its map; the device stays, offline).
register() {
  local log="$NETNS_TMP/load-$1.log"
  capture ns_exec "$NS_S" "$load_bin" --server "http://127.0.0.1:$port" --server-key "$SERVE_KEY" \
    --auth-key "$2" --nodes 1 --hostname-prefix "$1" --timeout 30
  expect_rc 0 "device $1-0 registers"
}
register web "$web_key"
register laptop "$bob_key"
nodes=$(admin "$state" --json nodes list)
laptop_v4=$(jq -r '.nodes[] | select(.hostname == "laptop-0") | .addresses[0]' <<<"$nodes")
laptop_id=$(jq -r '.nodes[] | select(.hostname == "laptop-0") | .id' <<<"$nodes")
web_v4=$(jq -r '.nodes[] | select(.hostname == "web-0") | .addresses[0]' <<<"$nodes")
[[ $laptop_v4 == 100.* && $web_v4 == 100.* ]] || netns_fail "no addresses in: $nodes"

# --- the export ------------------------------------------------------------------------------
tailnet="$NETNS_TMP/tailnet.hujson"
capture admin "$state" tailnet export --output "$tailnet"
expect_rc 0 "tailnet export --output FILE"
check "... says what it wrote" has_line "$CAP_ERR" "wrote $tailnet \(2 users, 2 devices\)"
check "... and prints nothing on stdout" test -z "$CAP_OUT"
capture admin "$state" tailnet export
expect_rc 0 "tailnet export to stdout"
check "stdout and the file hold the same export" test "$CAP_OUT" = "$(<"$tailnet")"
check "the export starts with a comment naming the command" has_line "$(<"$tailnet")" \
  '^// The tailnet of a weft server, written by `weft admin tailnet export`'
check "users with their roles, one a line" has_line "$(<"$tailnet")" \
  '^    \{"email":"alice@example\.com","role":"admin"\},$'
check "... bob a member" has_line "$(<"$tailnet")" '"email":"bob@example\.com","role":"member"'
check "the tagged device has tags and no user" has_line "$(<"$tailnet")" \
  "\"name\":\"web-0\",\"user\":null,\"tags\":\\[\"tag:web\"\\],\"addresses\":\\[\"$web_v4\","
check "bob's device has its owner and addresses" has_line "$(<"$tailnet")" \
  "\"name\":\"laptop-0\",\"user\":\"bob@example\\.com\",\"tags\":\\[\\],\"addresses\":\\[\"$laptop_v4\","
check "... and the posture it reported" has_line "$(<"$tailnet")" \
  '"name":"laptop-0",.*"posture":\{"node:os":"linux","node:tsVersion":"weft_control_load"\}\}'
capture admin "$state" --json tailnet export
expect_rc 0 "tailnet export --json"
check "--json: the server's answer, two users and two devices" \
  test "$(jq -c '[(.users | length), (.devices | length)]' <<<"$CAP_OUT")" = "[2,2]"

# --- the round trip: decided as the server decides ---------------------------------------
policy="$NETNS_TMP/policy.hujson"
cat >"$policy" <<EOF_P
{
  "tagOwners": {"tag:web": ["alice@example.com"]},
  "acls": [
    {"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:web:22"]},
    {"action": "accept", "src": ["bob@example.com"], "dst": ["tag:web:8080"]},
  ],
  "tests": [
    {"src": "alice@example.com", "accept": ["tag:web:22"]},
    {"src": "bob@example.com", "deny": ["tag:web:22"]},
    {"src": "$laptop_v4", "accept": ["tag:web:8080"], "deny": ["$web_v4:22"]},
  ],
}
EOF_P
capture "$SERVE_BIN" acl check "$policy"
expect_rc 0 "offline, the policy is valid"
check "... with its tests not decidable offline" has_line "$CAP_OUT" \
  'tests: 0 passed, 0 failed, 4 not decidable offline$'
capture "$SERVE_BIN" acl check --tailnet "$tailnet" "$policy"
expect_rc 0 "against the exported tailnet"
check "... every test decided and passing" has_line "$CAP_OUT" 'tests: 4 passed, 0 failed$'
capture admin "$state" policy check "$policy"
expect_rc 0 "the server agrees (weft admin policy check)"

# A test that holds only if alice is no admin fails against the tailnet, naming the fact.
wrong="$NETNS_TMP/wrong.hujson"
sed 's/"src": "alice@example.com", "accept"/"src": "alice@example.com", "deny"/' "$policy" >"$wrong"
capture "$SERVE_BIN" acl check "$wrong"
expect_rc 0 "offline, the wrong test is only a warning"
capture "$SERVE_BIN" acl check --tailnet "$tailnet" "$wrong"
expect_rc 1 "against the tailnet it fails"
check "... saying which fact decided it" has_line "$CAP_OUT" \
  "^$wrong:8:[0-9]+: error: test failed: alice@example\.com -> tag:web:22 .*decided by: alice@example\.com is admin in $tailnet"
capture admin "$state" policy check "$wrong"
expect_rc 1 "the server refuses it too"
check "... naming the fact in the same words, from its registry" has_line "$CAP_ERR" \
  "^$wrong:8:[0-9]+: error: test failed: alice@example\.com -> tag:web:22 .*decided by: alice@example\.com is admin in the server's registry\)$"

# --- an expired device is no device, for the export and for the server alike ----------------
capture admin "$state" nodes expire "$laptop_id"
expect_rc 0 "nodes expire laptop-0"
expired="$NETNS_TMP/expired.hujson"
capture admin "$state" tailnet export --output "$expired"
expect_rc 0 "tailnet export after the expiry"
check "laptop-0 is gone from the export" lacks "$(<"$expired")" laptop-0
capture "$SERVE_BIN" acl check --tailnet "$expired" "$policy"
expect_rc 1 "against the new export, the laptop's accept test fails"
check "... as no device holds its address" has_line "$CAP_OUT" \
  "test failed: $laptop_v4 -> tag:web:8080 .*decided by: no device holds $laptop_v4 in $expired"
capture admin "$state" policy check "$policy"
expect_rc 1 "the server decides it the same way"
check "... with the same fact" has_line "$CAP_ERR" \
  "test failed: $laptop_v4 -> tag:web:8080 .*decided by: no device holds $laptop_v4 in the server's registry\)$"

# --- removed devices leave the export ------------------------------------------------------
capture admin "$state" nodes remove "$laptop_id"
expect_rc 0 "nodes remove laptop-0"
capture admin "$state" tailnet export
expect_rc 0 "tailnet export after the removal"
check "laptop-0 is gone from the export" lacks "$CAP_OUT" laptop-0
check "web-0 stays" has_line "$CAP_OUT" '"name":"web-0"'

serve_stop
check "weft serve stops with exit 0" test "$LAST_EXIT" = 0
echo "e2e: tailnet export: all checks passed"
