#!/usr/bin/env bash
# `weft derp --verify-clients URL` (issue 10, "The relay"; docs/connectivity.md, "Verifying
# clients") against a real `weft serve`: the relay asks the coordination server over the control
# protocol whether each client's node key belongs to the tailnet. The relay speaks TLS (a
# self-signed certificate for its address, which the nodes trust with --ca-file). Two nodes behind
# --random-fully NATs (so they can only meet through the relay) are served and ping each other
# through it; a
# client with a valid relay handshake under a node key the server does not know is refused
# (relay.not_allowed), while the nodes' traffic goes on.
# Needs WEFT_BIN and WEFT_RELAY_ABUSE (set by ctest), root, ip, iptables, jq, ping, openssl.
# About 10 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$here/relay_lib.sh"
abuse=${WEFT_RELAY_ABUSE:-$here/../../build/tests/e2e/weft_relay_abuse}
[[ -x $abuse ]] || netns_fail "no weft_relay_abuse at '$abuse' (set WEFT_RELAY_ABUSE)"

need_tool openssl
relay_setup
relay_nat a 192.0.2 --random-fully
relay_nat b 198.51.100 --random-fully

relay_ip=203.0.113.21
relay_public_address "$relay_ip"
map="$NETNS_TMP/relay-map.hujson"
cat >"$map" <<EOF_MAP
{"regions": [{"id": 1, "code": "one",
              "nodes": [{"name": "one1", "ipv4": "$relay_ip", "relayPort": 8443, "stunPort": 3478,
                         "tls": true}]}]}
EOF_MAP
cert="$NETNS_TMP/relay.crt"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=weft-relay-test -addext "subjectAltName=IP:$relay_ip" \
  -keyout "$NETNS_TMP/relay.key" -out "$cert" >/dev/null 2>&1 || netns_fail "openssl req failed"
relay_start_server --no-embedded-relay --relay-map "$map"

derp_log="$NETNS_TMP/derp.log"
ns_spawn "$NS_S" "$derp_log" "$SERVE_BIN" derp --listen "$relay_ip:8443" --stun-port 3478 \
  --state "$NETNS_TMP/derp" --verify-clients "$url" --tls-cert "$cert" --tls-key "$NETNS_TMP/relay.key"
wait_for grep -q "weft derp: relay" "$derp_log" ||
  { netns_dump_log "$derp_log"; netns_fail "weft derp did not start"; }

start_node a --server "$url" --authkey "${KEY[a]}" --ca-file "$cert"
start_node b --server "$url" --authkey "${KEY[b]}" --ca-file "$cert"
for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
relay_addresses a b

check "a pings b through the verifying TLS relay" wait_for -t 20 ping_ok a b
check "b pings a" wait_for ping_ok b a
check "a reaches b through relay \"one\"" peer_relayed a one
check "the relay's clients are the tailnet's nodes (both homes on it)" \
  wait_for server_home_is b one

# A stranger: a valid relay handshake (it holds its own node key) that the server does not know.
rc=0
# (weft_relay_abuse speaks plain TCP: a second, plain relay with the same verifier answers it.)
ns_spawn "$NS_S" "$NETNS_TMP/derp-plain.log" "$SERVE_BIN" derp --listen "$relay_ip:8444" \
  --stun-port 0 --state "$NETNS_TMP/derp-plain" --verify-clients "$url"
wait_for grep -q "weft derp: relay" "$NETNS_TMP/derp-plain.log" ||
  { netns_dump_log "$NETNS_TMP/derp-plain.log"; netns_fail "the plain weft derp did not start"; }
out=$(ns_exec "$NS_S" "$abuse" "$relay_ip:8444" flood 1 2>&1) || rc=$?
echo "# stranger: $out"
check "a node key outside the tailnet is refused (exit 2: not accepted)" test "$rc" = 2
check "... with relay.not_allowed" grep -q "relay.not_allowed" <<<"$out"
check "a still reaches b" ping_ok a b

for m in a b; do stop_node "$m"; done
echo "ok - both nodes stopped cleanly"
