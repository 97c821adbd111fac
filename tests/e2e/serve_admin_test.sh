#!/usr/bin/env bash
# `weft serve` and `weft admin` as an operator meets them (issue 8, "weft serve", "Operator
# commands"): a real server on 127.0.0.1:0 with a fresh state directory; file modes; users,
# roles and refusals; pre-auth keys and tagOwners; policies refused with positioned errors or
# failing tests (decided against the server's users, naming the fact that decided them) while the
# old one stays in force; history; setup errors of both commands; /healthz and /key; SIGTERM; a
# restart keeps everything.
# Needs WEFT_BIN (set by ctest), root (network namespace), jq. About 5 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/serve_lib.sh
source "$here/serve_lib.sh"

need_root
serve_setup

# has_line TEXT ERE: some line of TEXT matches ERE.
has_line() { grep -qE -- "$2" <<<"$1"; }
# lacks TEXT STRING: STRING occurs nowhere in TEXT.
lacks() { ! grep -qF -- "$2" <<<"$1"; }
# mode_of PATH: the octal permission bits, e.g. 600.
mode_of() { stat -c %a "$1"; }

state="$NETNS_TMP/state"
serve_start "$state"
echo "server on port $SERVE_PORT, key $SERVE_KEY"

# --- the state directory ------------------------------------------------------------------
check "state dir created 0700" test "$(mode_of "$state")" = 700
for f in server.key authkey.secret state.db; do
  check "$f is 0600" test "$(mode_of "$state/$f")" = 600
done
for f in "$state"/state.db-*; do
  [[ -e $f ]] || continue
  check "$(basename "$f") is 0600" test "$(mode_of "$f")" = 600
done
check "admin.sock is a socket" test -S "$state/admin.sock"
check "admin.sock is 0600" test "$(mode_of "$state/admin.sock")" = 600

# --- HTTP: health and key -----------------------------------------------------------------
# http_get PATH: the body of GET http://127.0.0.1:PORT/PATH, from inside the namespace.
http_get() {
  if command -v curl >/dev/null 2>&1; then
    ns_exec "$NS_S" curl -sSf --max-time 5 "http://127.0.0.1:$SERVE_PORT$1"
  else
    # shellcheck disable=SC2016  # expanded by the inner shell
    ns_exec "$NS_S" timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
      printf "GET %s HTTP/1.1\r\nHost: weft\r\nConnection: close\r\n\r\n" "$2" >&3 &&
      sed "1,/^\r$/d" <&3' _ "$SERVE_PORT" "$1"
  fi
}
check "GET /healthz answers ok" test "$(http_get /healthz)" = ok
check "GET /key answers the server key of the log line" test "$(http_get /key)" = "$SERVE_KEY"
relay_map=$(http_get /weft/relay-map)
check "GET /weft/relay-map lists the embedded relay's region (900, at the listen address)" \
  test "$(jq -r '.regions[0] | "\(.id) \(.code) \(.nodes[0].host):\(.nodes[0].relayPort)"' \
    <<<"$relay_map")" = "900 weft 127.0.0.1:$SERVE_PORT"

# --- users ----------------------------------------------------------------------------------
capture admin "$state" users create alice@example.com
expect_rc 0 "users create alice (member by default)"
check "... says so" has_line "$CAP_OUT" 'alice@example\.com \(member\) created'
capture admin "$state" users create bob@example.com --role admin
expect_rc 0 "users create bob --role admin"
capture admin "$state" users create dave@example.com --role auditor
expect_rc 0 "users create dave --role auditor"
capture admin "$state" users create alice@example.com --role admin
expect_rc 1 "a duplicate user is refused"
check "... with a message naming the user" has_line "$CAP_ERR" 'alice@example\.com.*exists'
capture admin "$state" users create erin@example.com --role wizard
expect_rc 1 "an unknown role is refused"
check "... with the roles there are" has_line "$CAP_ERR" 'unknown role "wizard".*network-admin'

capture admin "$state" users list
expect_rc 0 "users list"
check "users list is a table with roles" has_line "$CAP_OUT" '^ID +EMAIL +ROLE'
check "... alice is a member" has_line "$CAP_OUT" 'alice@example\.com +member'
check "... bob an admin" has_line "$CAP_OUT" 'bob@example\.com +admin'
check "... dave an auditor" has_line "$CAP_OUT" 'dave@example\.com +auditor'
capture admin "$state" --json users list
expect_rc 0 "users list --json"
check "--json: three users with their roles" test \
  "$(jq -c '[.users[] | [.email, .role]] | sort' <<<"$CAP_OUT")" = \
  '[["alice@example.com","member"],["bob@example.com","admin"],["dave@example.com","auditor"]]'

# --- pre-auth keys and tagOwners ------------------------------------------------------------
capture admin "$state" keys create --user alice@example.com --reusable --tags tag:x
expect_rc 1 "a key with tag:x is refused while tagOwners does not let alice own it"
check "... naming tagOwners and the tag" has_line "$CAP_ERR" 'tagOwners.*tag:x'
check "... and prints no key" test -z "$CAP_OUT"

policy_owners="$NETNS_TMP/owners.hujson"
cat >"$policy_owners" <<'EOF'
{
  // alice may hand out tag:x and tag:web.
  "tagOwners": {"tag:x": ["alice@example.com"], "tag:web": ["alice@example.com"]},
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
}
EOF
capture admin "$state" policy set "$policy_owners"
expect_rc 0 "policy set of a policy where alice owns tag:x"
check "... as version 2" has_line "$CAP_OUT" '^policy version 2 applied$'

capture admin "$state" keys create --user alice@example.com --reusable --tags tag:x
expect_rc 0 "the same key request is accepted now"
check "the key is alone on stdout, one line" test "$(wc -l <<<"$CAP_OUT")" = 1
check "... and looks like weftkey-ID-SECRET" has_line "$CAP_OUT" '^weftkey-[0-9a-f]+-[0-9a-f]+$'
tag_key=$CAP_OUT
tag_key_id=$(cut -d- -f2 <<<"$tag_key")
tag_key_secret=$(cut -d- -f3 <<<"$tag_key")
check "stderr names the key id ($tag_key_id)" has_line "$CAP_ERR" "key $tag_key_id created"
capture admin "$state" keys create --user alice@example.com --ephemeral --expiry 1h
expect_rc 0 "a single-use ephemeral key with a 1 h expiry"
plain_key_id=$(cut -d- -f2 <<<"$CAP_OUT")

capture admin "$state" keys list
expect_rc 0 "keys list"
check "keys list shows the tagged reusable key" \
  has_line "$CAP_OUT" "^$tag_key_id +alice@example\.com +yes +no +tag:x "
check "keys list never shows a secret" lacks "$CAP_OUT" "$tag_key_secret"
capture admin "$state" --json keys list
expect_rc 0 "keys list --json"
check "keys list --json never shows a secret either" lacks "$CAP_OUT" "$tag_key_secret"
check "--json: two keys, the ephemeral one expiring in about an hour" test "$(jq -r --arg id \
  "$plain_key_id" '.keys as $k | ($k | length | tostring) + " " + ([$k[] | select(.id == $id) |
  .expires - .created | tostring] | join(""))' <<<"$CAP_OUT")" = "2 3600"

capture admin "$state" keys revoke "$plain_key_id"
expect_rc 0 "keys revoke $plain_key_id"
check "... keys list marks it revoked" test "$(admin "$state" --json keys list |
  jq -r --arg id "$plain_key_id" '.keys[] | select(.id == $id) | .revoked')" = true
capture admin "$state" keys revoke 00000000000000ff
expect_rc 1 "revoking an unknown key is refused"

# --- policies refused: errors, failing tests -------------------------------------------------
policy_bad="$NETNS_TMP/bad.hujson"
printf '{\n  "acls": [\n    {"action": "accept", "src": ["*"], "dst": ["nohost:22"]},\n  ],\n}\n' \
  >"$policy_bad"
capture admin "$state" policy set "$policy_bad"
expect_rc 1 "policy set of an invalid file is refused"
check "... with FILE:LINE:COL: error: (the line of the bad host)" \
  has_line "$CAP_ERR" "^$policy_bad:3:[0-9]+: error: .*nohost"
check "... saying the old policy stays" has_line "$CAP_ERR" 'unchanged'
check "policy get still shows the old policy" \
  test "$(admin "$state" policy get 2>/dev/null)" = "$(<"$policy_owners")"
capture admin "$state" policy check "$policy_bad"
expect_rc 1 "policy check of the invalid file"

# A test decided against the registry: it passes only if carol has the admin role.
policy_tests="$NETNS_TMP/tests.hujson"
cat >"$policy_tests" <<'EOF'
{
  "tagOwners": {"tag:x": ["alice@example.com"], "tag:web": ["alice@example.com"]},
  "acls": [{"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:web:443"]}],
  "tests": [{"src": "carol@example.com", "accept": ["tag:web:443"]}],
}
EOF
capture admin "$state" users create carol@example.com
expect_rc 0 "users create carol (member)"
capture admin "$state" policy set "$policy_tests"
expect_rc 1 "a policy whose test needs carol to be an admin is refused while she is a member"
check "... naming the test by its position" \
  has_line "$CAP_ERR" "^$policy_tests:4:[0-9]+: .*carol@example\.com -> tag:web:443"
check "... and the registry fact that decided it" \
  has_line "$CAP_ERR" "expected accept, got deny \(decided by: carol@example\.com is member in the server's registry\)$"
check "policy get still shows the old policy" \
  test "$(admin "$state" policy get 2>/dev/null)" = "$(<"$policy_owners")"
capture admin "$state" policy check "$policy_tests"
expect_rc 1 "policy check agrees"
capture admin "$state" users remove carol@example.com
expect_rc 0 "users remove carol"
capture admin "$state" users create carol@example.com --role admin
expect_rc 0 "users create carol --role admin"
capture admin "$state" policy check "$policy_tests"
expect_rc 0 "policy check passes now"
capture admin "$state" policy set "$policy_tests"
expect_rc 0 "policy set passes now"
check "... as version 3" has_line "$CAP_OUT" '^policy version 3 applied$'
check "policy get shows it" test "$(admin "$state" policy get 2>/dev/null)" = "$(<"$policy_tests")"

capture admin "$state" policy history
expect_rc 0 "policy history"
check "policy history is a table of three versions" \
  test "$(grep -cE '^[0-9]+ ' <<<"$CAP_OUT")" = 3
check "policy history --json: versions 1, 2, 3; 2 and 3 of our files' sizes" test "$(admin \
  "$state" --json policy history | jq -c '[.history[] | [.version, .bytes]] | .[0][1] = 0')" = \
  "[[1,0],[2,$(wc -c <"$policy_owners")],[3,$(wc -c <"$policy_tests")]]"

# --- setup errors ------------------------------------------------------------------------------
capture admin "$NETNS_TMP/no-such-state" users list
expect_rc 2 "weft admin with a wrong --state"
check "... names the socket it tried" has_line "$CAP_ERR" "$NETNS_TMP/no-such-state/admin\.sock"

open_dir="$NETNS_TMP/open"
mkdir -m 0755 "$open_dir"
capture ns_exec "$NS_S" timeout 10 "$SERVE_BIN" serve --state "$open_dir" --listen 127.0.0.1:0
expect_rc 2 "weft serve refuses a state dir with mode 0755"
check "... saying why" has_line "$CAP_ERR" "$open_dir has mode 0755: group and others.*chmod 700"
check "... and writes no key there" test ! -e "$open_dir/server.key"

fresh="$NETNS_TMP/fresh"
capture ns_exec "$NS_S" timeout 10 "$SERVE_BIN" serve --state "$fresh" --listen 127.0.0.1:0 \
  --policy "$policy_bad"
expect_rc 1 "weft serve --policy BAD at first start"
check "... with positioned errors" has_line "$CAP_ERR" "^$policy_bad:3:[0-9]+: error: .*nohost"
check "... and no admin socket left" test ! -e "$fresh/admin.sock"

relays_bad="$NETNS_TMP/relays-bad.hujson"
printf '{"regions": [\n  {"id": 1, "code": "fra", "nodes": [{"name": "a", "relayPort": 0}]}\n]}\n' \
  >"$relays_bad"
fresh_relays="$NETNS_TMP/fresh-relays"
capture ns_exec "$NS_S" timeout 10 "$SERVE_BIN" serve --state "$fresh_relays" \
  --listen 127.0.0.1:0 --relay-map "$relays_bad"
expect_rc 1 "weft serve --relay-map BAD"
check "... with positioned errors" \
  has_line "$CAP_ERR" "^$relays_bad:2:[0-9]+: \"relayPort\" must be an integer from 1 to 65535"
check "... and creates no state" test ! -e "$fresh_relays"

capture ns_exec "$NS_S" timeout 10 "$SERVE_BIN" serve --state "$state" --listen 127.0.0.1:0
expect_rc 2 "a second weft serve on a state dir in use"
check "... says another process has it" has_line "$CAP_ERR" 'another process.*admin\.sock'
check "... and the first still answers" quietly admin "$state" users list

# --- stop and restart ------------------------------------------------------------------------
before_users=$(admin "$state" --json users list)
before_keys=$(admin "$state" --json keys list)
before_history=$(admin "$state" --json policy history)
serve_stop
check "SIGTERM stops weft serve with exit 0" test "$LAST_EXIT" = 0
check "... it logged why" has_line "$(<"$SERVE_LOG")" 'received SIGTERM'
check "... and removed admin.sock" test ! -e "$state/admin.sock"
check "... leaving the state files" test -s "$state/state.db" -a -s "$state/server.key"

old_key=$SERVE_KEY
# --policy naming the policy in force adds no version.
serve_start "$state" --policy "$policy_tests"
check "restart: same server key" test "$SERVE_KEY" = "$old_key"
check "restart: the log line reports policy version 3" \
  has_line "$(<"$SERVE_LOG")" 'policy version 3, 0 devices'
check "restart keeps the users" test "$(admin "$state" --json users list)" = "$before_users"
check "restart keeps the keys" test "$(admin "$state" --json keys list)" = "$before_keys"
check "restart keeps the policy history" \
  test "$(admin "$state" --json policy history)" = "$before_history"
check "restart keeps the policy text" \
  test "$(admin "$state" policy get 2>/dev/null)" = "$(<"$policy_tests")"
check "GET /key still answers the same key" test "$(http_get /key)" = "$old_key"
serve_stop
check "the restarted server stops with exit 0 too" test "$LAST_EXIT" = 0

echo "e2e: serve admin: all checks passed"
