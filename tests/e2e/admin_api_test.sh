#!/usr/bin/env bash
# The HTTP admin API with API tokens (issue 16, "Tokens and their lifecycles"): a real `weft
# serve` with two registered nodes, driven by curl and `weft admin --server`. A policy-scoped
# token sets the policy (raw file and JSON, as CI does after `weft acl check`) but cannot remove
# nodes; an all-scoped one can; an expired and a revoked token get 401 and change nothing; a
# bearer token over plain HTTP from another namespace's address is refused by the server (and
# not counted as a use), and `weft admin` refuses to send one there; over TLS it is served.
# Every use and refusal is in the server's log; list shows creation, last use and expiry.
# Needs WEFT_BIN and WEFT_CONTROL_LOAD (set by ctest), root, ip, jq, curl, openssl. About 10 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/serve_lib.sh
source "$here/serve_lib.sh"
load_bin=${WEFT_CONTROL_LOAD:-$here/../../build/tests/e2e/weft_control_load}

need_root
need_tool curl openssl
serve_setup
[[ -x $load_bin ]] || netns_fail "no weft_control_load at '$load_bin' (set WEFT_CONTROL_LOAD)"
netns_create c
NS_C=$(ns_name c)
netns_connect "$NS_S" veth0 10.77.0.1/24 "$NS_C" veth0 10.77.0.2/24

# start_server STATE LOG ARGS...: weft serve in NS_S on every address, port picked by the kernel;
# sets PORT.
start_server() {
  local state=$1 log=$2
  shift 2
  ns_spawn "$NS_S" "$log" "$SERVE_BIN" serve --state "$state" --no-embedded-relay "$@"
  wait_for grep -q 'weft serve: listening on' "$log" || {
    netns_dump_log "$log"
    netns_fail "weft serve did not start"
  }
  SERVER_PID=$LAST_PID
  PORT=$(sed -nE 's/.*listening on [0-9.]+:([0-9]+),.*/\1/p' "$log" | head -1)
  [[ $PORT =~ ^[0-9]+$ ]] || netns_fail "no port in $log"
}

state="$NETNS_TMP/state"
log="$NETNS_TMP/serve.log"
start_server "$state" "$log" --listen 0.0.0.0:0
main_pid=$SERVER_PID
local_url="http://127.0.0.1:$PORT"
server_key=$(ns_exec "$NS_S" curl -sSf "$local_url/key")

# --- two nodes, registered with a pre-auth key ----------------------------------------------
admin "$state" users create alice@example.com >/dev/null
auth_key=$(admin "$state" keys create --user alice@example.com --reusable 2>/dev/null)
key_id=$(cut -d- -f2 <<<"$auth_key")
ns_exec "$NS_S" "$load_bin" --server "$local_url" --server-key "$server_key" \
  --auth-key "$auth_key" --nodes 2 --hostname-prefix n --timeout 20 >"$NETNS_TMP/load.log" 2>&1 ||
  { netns_dump_log "$NETNS_TMP/load.log"; netns_fail "the nodes did not register"; }
nodes_json() { admin "$state" --json nodes list; }
node_ids() { nodes_json | jq -r '[.nodes[].id] | sort | join(" ")'; }
check "two nodes registered" test "$(node_ids)" = "1 2"
policy_version() { admin "$state" --json policy get | jq -r .version; }

# --- tokens -------------------------------------------------------------------------------
tok() { admin "$state" tokens create "$@" 2>/dev/null; }
tok --scope policy --expiry 1h >"$NETNS_TMP/policy.tok"
tok --scope all >"$NETNS_TMP/all.tok"
tok --scope nodes >"$NETNS_TMP/nodes.tok"
tok --scope all --expiry 2s >"$NETNS_TMP/short.tok"
expiry_start=$SECONDS
for t in policy all nodes short; do
  check "tokens create --scope printed a token ($t)" grep -qE '^weftapi-[0-9a-f]{16}-[0-9a-f]{64}$' \
    "$NETNS_TMP/$t.tok"
done
id_of() { cut -d- -f2 "$NETNS_TMP/$1.tok"; }
check "the database holds no token's secret" \
  bash -c "! grep -qaF '$(cut -d- -f3 "$NETNS_TMP/all.tok")' '$state/state.db'"

# curl_api NS TOKEN METHOD PATH [CURL ARGS...]: prints "STATUS BODY".
curl_api() {
  local ns=$1 token=$2 method=$3 url=$4
  shift 4
  local auth=()
  [[ -n $token ]] && auth=(-H "Authorization: Bearer $(cat "$NETNS_TMP/$token.tok")")
  ns_exec "$ns" curl -s --max-time 5 -o "$NETNS_TMP/body" -w '%{http_code}' -X "$method" \
    "${auth[@]}" "$@" "$url" || true
  echo " $(cat "$NETNS_TMP/body")"
}
status_of() { cut -d' ' -f1 <<<"$1"; }
code_of() { cut -d' ' -f2- <<<"$1" | jq -r '.error.code // empty'; }

policy="$NETNS_TMP/policy.hujson"
cat >"$policy" <<'POLICY'
// What CI applies after `weft acl check` passed.
{"acls": [{"action": "accept", "src": ["alice@example.com"], "dst": ["*:*"]}]}
POLICY

r=$(curl_api "$NS_S" "" GET "$local_url/api/v1/status")
check "no token: 401" test "$(status_of "$r")" = 401
r=$(curl_api "$NS_S" policy GET "$local_url/api/v1/status")
check "policy token reads the status (200)" test "$(status_of "$r")" = 200
v0=$(policy_version)
r=$(curl_api "$NS_S" policy POST "$local_url/api/v1/policy" -H 'Content-Type: application/hujson' \
  --data-binary "@$policy")
check "policy token sets the policy from the raw file (200)" test "$(status_of "$r")" = 200
check "the policy version went up" test "$(policy_version)" = $((v0 + 1))
r=$(curl_api "$NS_S" policy DELETE "$local_url/api/v1/nodes/1")
check "policy token cannot remove a node (403 api_token.scope)" \
  test "$(status_of "$r") $(code_of "$r")" = "403 api_token.scope"
check "node 1 is still there" test "$(node_ids)" = "1 2"
capture() { set +e; out=$("$@" 2>&1); rc=$?; set -e; }
capture ns_exec "$NS_S" "$SERVE_BIN" admin --server "$local_url" --token-file "$NETNS_TMP/policy.tok" nodes remove 1
check "weft admin --server with the policy token: nodes remove refused (exit 1)" test "$rc" = 1
check "... naming the scope" grep -q "scope policy" <<<"$out"
sed -i 's/"\*:\*"/"*:22"/' "$policy"
capture ns_exec "$NS_S" "$SERVE_BIN" admin --server "$local_url" \
  --token-file "$NETNS_TMP/policy.tok" policy set "$policy"
check "weft admin --server with the policy token: policy set applied (exit 0)" test "$rc" = 0
check "the policy version went up again" test "$(policy_version)" = $((v0 + 2))
capture ns_exec "$NS_S" "$SERVE_BIN" admin --server "$local_url" --token-file "$NETNS_TMP/all.tok" nodes remove 2
check "weft admin --server with the all token: nodes remove 2 (exit 0)" test "$rc" = 0
check "node 2 is gone" test "$(node_ids)" = "1"
capture ns_exec "$NS_S" "$SERVE_BIN" admin --server "$local_url" --token-file "$NETNS_TMP/nodes.tok" \
  nodes set-expiry 1 never
check "weft admin --server with the nodes token: set-expiry 1 never (exit 0)" test "$rc" = 0
check "node 1's key never expires" test "$(nodes_json | jq -r '.nodes[0].key_expiry')" = null
capture ns_exec "$NS_S" "$SERVE_BIN" admin --server "$local_url" --token-file "$NETNS_TMP/nodes.tok" \
  nodes set-expiry 1 30d
check "node 1's key expires in 30 days" \
  test "$(nodes_json | jq -r '.nodes[0].key_expiry - now | . / 86400 | round')" = 30

# --- expired and revoked tokens: 401, nothing changes ---------------------------------------
admin "$state" tokens revoke "$(id_of nodes)" >/dev/null
r=$(curl_api "$NS_S" nodes DELETE "$local_url/api/v1/nodes/1")
check "revoked token: 401 api_token.revoked" \
  test "$(status_of "$r") $(code_of "$r")" = "401 api_token.revoked"
while ((SECONDS - expiry_start < 3)); do sleep 0.2; done
v1=$(policy_version)
r=$(curl_api "$NS_S" short POST "$local_url/api/v1/policy" -H 'Content-Type: application/hujson' \
  --data-binary '{"acls": []}')
check "expired token: 401 api_token.expired" \
  test "$(status_of "$r") $(code_of "$r")" = "401 api_token.expired"
capture ns_exec "$NS_S" "$SERVE_BIN" admin --server "$local_url" --token-file "$NETNS_TMP/short.tok" nodes remove 1
check "weft admin --server with the expired token: refused (exit 1)" test "$rc" = 1
check "... saying when it expired" grep -q 'expired at' <<<"$out"
check "neither changed anything" test "$(policy_version) $(node_ids)" = "$v1 1"

# --- plain HTTP from another address ------------------------------------------------------
uses() { admin "$state" --json tokens list | jq -r ".tokens[] | select(.id == \"$1\") | .uses"; }
before=$(uses "$(id_of all)")
r=$(curl_api "$NS_C" all GET "http://10.77.0.1:$PORT/api/v1/status")
check "plain HTTP from 10.77.0.2: 403 api.insecure" \
  test "$(status_of "$r") $(code_of "$r")" = "403 api.insecure"
check "... and the token was not used" test "$(uses "$(id_of all)")" = "$before"
capture ns_exec "$NS_C" "$SERVE_BIN" admin --server "http://10.77.0.1:$PORT" \
  --token-file "$NETNS_TMP/all.tok" status
check "weft admin refuses to send a token over plain http to 10.77.0.1 (exit 2)" test "$rc" = 2
check "... saying why" grep -q 'refusing to send the API token' <<<"$out"

# --- TLS from another address ---------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=weft-admin-test -addext "subjectAltName=IP:10.77.0.1" \
  -keyout "$NETNS_TMP/tls.key" -out "$NETNS_TMP/tls.pem" >/dev/null 2>&1 ||
  netns_fail "openssl req failed"
tls_state="$NETNS_TMP/tls-state"
start_server "$tls_state" "$NETNS_TMP/serve-tls.log" --listen 10.77.0.1:0 \
  --tls-cert "$NETNS_TMP/tls.pem" --tls-key "$NETNS_TMP/tls.key"
admin "$tls_state" tokens create --scope policy >"$NETNS_TMP/tls.tok" 2>/dev/null
capture ns_exec "$NS_C" "$SERVE_BIN" admin --server "https://10.77.0.1:$PORT" \
  --ca-file "$NETNS_TMP/tls.pem" --token-file "$NETNS_TMP/tls.tok" --json policy get
check "over TLS from 10.77.0.2: weft admin --server reads the policy (exit 0)" test "$rc" = 0
check "... version 1" test "$(jq -r .version <<<"$out")" = 1
r=$(curl_api "$NS_C" tls GET "https://10.77.0.1:$PORT/api/v1/policy" --cacert "$NETNS_TMP/tls.pem")
check "over TLS from 10.77.0.2: curl gets 200" test "$(status_of "$r")" = 200

# --- lists and the log ------------------------------------------------------------------------
tokens=$(admin "$state" tokens list)
echo "$tokens"
check "tokens list has CREATED, LAST USED and EXPIRES" grep -q 'CREATED.*LAST USED.*EXPIRES' <<<"$tokens"
check "the policy token's last use is listed" \
  test "$(admin "$state" --json tokens list |
    jq -r ".tokens[] | select(.id == \"$(id_of policy)\") | .last_used != null")" = true
check "keys list shows the key's last use" \
  test "$(admin "$state" --json keys list | jq -r '.keys[0].last_used != null')" = true
check "nodes list has CREATED, LAST SEEN and EXPIRES" \
  grep -q 'CREATED.*LAST SEEN.*EXPIRES' <<<"$(admin "$state" nodes list)"
for line in "pre-auth key $key_id used: node 1" "api token $(id_of policy) used for policy.set" \
  "api token $(id_of policy) refused for nodes.remove: api_token.scope" \
  "api token $(id_of nodes) refused for nodes.remove: api_token.revoked" \
  "api token $(id_of short) refused for policy.set: api_token.expired" \
  "refused: a bearer token over plain HTTP" "refused: no bearer token"; do
  check "the log says: $line" grep -qF "$line" "$log"
done
stop_process "$main_pid"
check "weft serve stopped cleanly" test "$LAST_EXIT" = 0
echo "PASS admin_api_test"
