#!/usr/bin/env bash
# OIDC login against a real provider (issue 16; docs/identity.md): npm oidc-provider 9.x
# (tests/oidc/provider.mjs, installed by scripts/setup) with alice and bob (example.com, groups
# eng and ops) and mallory (other.org); `weft serve --oidc-* --oidc-allowed-domains example.com`;
# its login form driven with curl as a browser would (forms followed, cookies kept).
# - `weft up` without an auth key prints "To authenticate, visit: URL"; logging in as alice
#   registers node a as alice's device, as bob node b as bob's;
# - the policy rule on alice's provider group (group:eng@example.com -> tag:c) lets a reach c,
#   and bob (group ops) cannot;
# - mallory is refused with a message the person can read (browser page and weft up's log);
# - the used callback (its state) replayed is refused, and the server stays up;
# - `weft up --force-reauth` logs in again keeping a's device id and address;
# - key expiry: `nodes set-expiry` shows in `nodes list` and a keeps its tunnel; `nodes expire`
#   ends it; `weft up --force-reauth` as alice brings the same device and address back with a
#   new expiry;
# - `tailnet export` lists the synced group with alice in it, and `weft acl check --tailnet` on
#   the export decides a test on that group as the server does;
# - the provider rotates its keys (restarted with new ones): a login signed by the new key
#   succeeds (the server refetches the JWK Set once); one signed by a key the provider does not
#   publish is refused (oidc.unknown_kid), and both are in the server's credential log.
# Needs WEFT_BIN (set by ctest), root, ip, jq, ping, curl, node. About 30 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$here/tailnet_lib.sh"

need_tool curl node
oidc_dir="$here/../oidc"
[[ -d $oidc_dir/node_modules/oidc-provider ]] ||
  netns_fail "the test OIDC provider is not installed (run scripts/setup: npm ci in tests/oidc)"

TAILNET_ACLS='    {"action": "accept", "src": ["group:eng@example.com"], "dst": ["tag:c:*"]},'
tailnet_setup

issuer="http://${LAN[s]}:9000"
secret_file="$NETNS_TMP/oidc.secret"
echo "weft-test-secret" >"$secret_file"
# start_provider [ENV=VALUE...]: the provider in the server's namespace (keys: provider.mjs).
provider_starts=0
start_provider() {
  provider_starts=$((provider_starts + 1))
  provider_log="$NETNS_TMP/provider-$provider_starts.log"
  ns_spawn "$NS_S" "$provider_log" env "$@" node "$oidc_dir/provider.mjs" "$issuer" 9000 weft \
    weft-test-secret "$url/oidc/callback"
  provider_pid=$LAST_PID
  wait_for grep -q 'oidc-provider listening' "$provider_log" || {
    netns_dump_log "$provider_log"
    netns_fail "the OIDC provider did not start"
  }
}
start_provider

# The server again, now with the identity provider.
stop_process "$server_pid"
start_server --policy "$policy" --server-url "$url" --oidc-issuer "$issuer" \
  --oidc-client-id weft --oidc-client-secret-file "$secret_file" \
  --oidc-allowed-domains example.com
serve_log="$NETNS_TMP/serve-$server_starts.log"
wait_for grep -q 'identity provider .* ready (' "$serve_log" || {
  netns_dump_log "$serve_log"
  netns_fail "weft serve never reached the identity provider"
}
echo "ok - weft serve loaded the provider's discovery document and keys"

start_node c --server "$url" --authkey "${KEY[c]}"
wait_logged c 'netmap applied: '

# login_url M: the link M's weft up printed.
login_url() {
  sed -n 's/.*To authenticate, visit: \(http[^ ]*\).*/\1/p' "${LOG[$1]}" | tail -1
}

# browser_login USER LINK: opens LINK, fills the provider's login form as USER and confirms the
# consent form, following redirects with a cookie jar. PAGE is the last page, CALLBACK the last
# URL (weft's /oidc/callback with the code and state).
browser_login() {
  local user=$1 link=$2 jar page action prompt step
  jar=$(mktemp -p "$NETNS_TMP" jar.XXXX)
  page="$jar.html"
  CALLBACK=$(ns_exec "$NS_S" curl -sS -L -c "$jar" -b "$jar" -o "$page" -w '%{url_effective}' "$link")
  for step in 1 2 3; do
    action=$(grep -o 'action="[^"]*"' "$page" | head -1 | sed 's/action="//; s/"$//; s/&amp;/\&/g') || true
    [[ -n $action ]] || break
    prompt=$(grep -o 'name="prompt" value="[a-z]*"' "$page" | head -1 | sed 's/.*value="//; s/"//')
    [[ -z ${WEFT_OIDC_DEBUG:-} ]] || echo "step $step: $CALLBACK -> $action ($prompt)" >&2
    CALLBACK=$(ns_exec "$NS_S" curl -sS -L -c "$jar" -b "$jar" -o "$page" -w '%{url_effective}' \
      --data-urlencode "prompt=$prompt" --data-urlencode "login=$user" \
      --data-urlencode "password=any" "$([[ $action == http* ]] && echo "$action" || echo "$issuer$action")")
  done
  PAGE=$(cat "$page")
}

# login M USER: starts weft up for M without an auth key, waits for its link, logs in as USER.
login() {
  local m=$1 user=$2
  shift 2
  start_node "$m" --server "$url" "$@"
  wait_logged "$m" 'To authenticate, visit: '
  browser_login "$user" "$(login_url "$m")"
  [[ -z ${WEFT_OIDC_DEBUG:-} ]] || echo "PAGE($user): $PAGE CALLBACK: $CALLBACK" >&2
}

# login_elsewhere HOST USER: stops what runs in b's namespace and logs in as USER from weft up
# for HOST on a state directory of its own there (PAGE as browser_login leaves it).
login_elsewhere() {
  local host=$1 user=$2
  stop_node b
  node_starts=$((node_starts + 1))
  LOG[b]="$NETNS_TMP/up-$host-$node_starts.log"
  ns_spawn "${NS[b]}" "${LOG[b]}" "$SERVE_BIN" up --state "$NETNS_TMP/node-$host" --hostname "$host" \
    --server "$url" --accept-dns=false
  PID[b]=$LAST_PID
  wait_logged b 'To authenticate, visit: '
  browser_login "$user" "$(login_url b)"
}

t0=$SECONDS
login a alice
check "alice's browser shows the login" grep -q 'Logged in as alice@example.com' <<<"$PAGE"
alice_callback=$CALLBACK
wait_logged a 'netmap applied: '
login b bob
check "bob's browser shows the login" grep -q 'Logged in as bob@example.com' <<<"$PAGE"
wait_logged b 'netmap applied: '
echo "ok - two interactive logins in $((SECONDS - t0)) s"

nodes=$(admin "$state" --json nodes list)
owner() { jq -r --arg h "$1" '.nodes[] | select(.hostname == $h) | .user' <<<"$nodes"; }
check "a is alice's device" test "$(owner a)" = alice@example.com
check "b is bob's device" test "$(owner b)" = bob@example.com
users=$(admin "$state" --json users list)
check "alice and bob became users" quietly jq -e '[.users[].email] | index("alice@example.com") and index("bob@example.com")' <<<"$users"

tailnet_addresses
check "alice (group:eng@example.com) reaches c" wait_for -t 10 ping_ok a c
check "bob (group ops) does not reach c" ping_fails b c

check "the used callback replayed is refused" \
  bash -c "ns_out=\$(ip netns exec '$NS_S' curl -sS -o /dev/null -w '%{http_code}' '$alice_callback'); [[ \$ns_out == 400 ]]"
check "the server is still up" ns_exec "$NS_S" curl -sSf -o /dev/null "$url/healthz"

# mallory, outside --oidc-allowed-domains, on another state directory in b's namespace.
login_elsewhere m mallory
check "mallory's browser says why she is refused" grep -q 'mallory@other.org may not join this tailnet' <<<"$PAGE"
wait_logged b 'may not join this tailnet'
check "mallory's weft up gets the same reason" logged b 'oidc.not_allowed'
check "mallory became no user" bash -c "! '$SERVE_BIN' admin --state '$state' --json users list | grep -q mallory"

# Re-authentication keeps the device and its address.
id_before=$(node_id a)
addr_before=${ADDR[a]}
stop_node a
login a alice --force-reauth
check "alice's re-login shows in the browser" grep -q 'Logged in as alice@example.com' <<<"$PAGE"
wait_logged a 'netmap applied: '
check "the device id is kept" test "$(node_id a)" = "$id_before"
tailnet_addresses
check "the address is kept" test "${ADDR[a]}" = "$addr_before"

# Key expiry (docs/identity.md, "Key expiry"): a new expiry shows in nodes list, the tunnel stays.
expiry_of() { admin "$state" --json nodes list | jq -r --arg h "$1" '.nodes[] | select(.hostname == $h) | .key_expiry'; }
state_of() { admin "$state" --json nodes list | jq -r --arg h "$1" '.nodes[] | select(.hostname == $h) | .state'; }
id_a=$(node_id a)
expiry_before=$(expiry_of a)
admin "$state" nodes set-expiry "$id_a" 1h >/dev/null
expiry_set=$(expiry_of a)
check "set-expiry 1h shows in nodes list" test $((expiry_set - $(date +%s))) -le 3600 -a $((expiry_set - $(date +%s))) -gt 3500
check "it was 180 days before" test $((expiry_before - expiry_set)) -gt $((170 * 86400))
check "a keeps its tunnel to c under the new expiry" wait_for -t 10 ping_ok a c
admin "$state" nodes expire "$id_a" >/dev/null
wait_logged a 'out of the tailnet: .*control.key_expired'
check "a's device is expired" test "$(state_of a)" = expired
check "a no longer reaches c" ping_fails a c
stop_process "${PID[a]}"
login a alice --force-reauth
check "alice's login after the expiry shows in the browser" grep -q 'Logged in as alice@example.com' <<<"$PAGE"
wait_logged a 'netmap applied: '
check "the device id is kept after the expiry" test "$(node_id a)" = "$id_before"
tailnet_addresses
check "the address is kept after the expiry" test "${ADDR[a]}" = "$addr_before"
check "a is authorized again" test "$(state_of a)" = authorized
check "nodes list shows the new expiry (about 180 days)" test $(($(expiry_of a) - $(date +%s))) -gt $((179 * 86400))
check "a reaches c again" wait_for -t 10 ping_ok a c
echo "ok - key expiry and re-login keep the device"

# The export holds the synced group; acl check --tailnet decides on it as the server does.
admin "$state" tailnet export --output "$NETNS_TMP/tailnet.hujson" 2>/dev/null
check "the export lists group:eng@example.com with alice" \
  quietly jq -e '.groups["group:eng@example.com"] == ["alice@example.com"]' <(grep -v '^//' "$NETNS_TMP/tailnet.hujson")
cat >"$NETNS_TMP/groups.hujson" <<EOF_P
{
  "acls": [{"action": "accept", "src": ["group:eng@example.com"], "dst": ["${ADDR[c]}:*"]}],
  "tests": [
    {"src": "alice@example.com", "accept": ["${ADDR[c]}:22"]},
    {"src": "bob@example.com", "deny": ["${ADDR[c]}:22"]},
  ],
}
EOF_P
check "acl check --tailnet on the export passes the group's tests" \
  quietly "$SERVE_BIN" acl check --tailnet "$NETNS_TMP/tailnet.hujson" "$NETNS_TMP/groups.hujson"
check "the server decides them alike" quietly admin "$state" policy check "$NETNS_TMP/groups.hujson"

# Key rotation at the provider: new keys, then a signing key it does not publish.
stop_process "$provider_pid"
start_provider WEFT_OIDC_KEY_GEN=2
login_elsewhere r bob
check "a login signed by the provider's new key succeeds" grep -q 'Logged in as bob@example.com' <<<"$PAGE"
wait_logged b 'netmap applied: '
check "the server refetched the JWK Set once" \
  test "$(grep -c "JWK Set refetched for an unknown key id" "$serve_log")" = 1
check "the login is in the credential log" \
  grep -q 'login of bob@example.com (subject "bob") used: bob@example.com, node .* (host "r") registered' "$serve_log"
stop_process "$provider_pid"
start_provider WEFT_OIDC_KEY_GEN=3 WEFT_OIDC_HIDE_SIGNING_KEY=1
login_elsewhere h bob
check "a token signed by an unpublished key is refused" grep -q 'Login refused' <<<"$PAGE"
wait_logged b 'oidc.unknown_kid'
check "the refusal is in the credential log" grep -q 'login refused (host "h"): oidc.unknown_kid' "$serve_log"
check "h became no device" test -z "$(node_id h)"
check "no second refetch within 30 s of the first" \
  test "$(grep -c "JWK Set refetched for an unknown key id" "$serve_log")" = 1

check "the server is still up at the end" proc_alive "$server_pid"
echo "ok - OIDC login test passed"
