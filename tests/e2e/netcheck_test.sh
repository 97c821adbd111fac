#!/usr/bin/env bash
# `weft netcheck` behind a NAT (issue 10, docs/connectivity.md "Netcheck"): a client namespace
# behind a NAT namespace (iptables MASQUERADE) probes two coturn STUN servers and weft's own
# STUN listener in a "public" namespace. Endpoint-independent MASQUERADE: MappingVariesByDestIP
# false and the NAT's public address, the same one coturn's turnutils_stunclient sees; MASQUERADE
# --random-fully (a per-destination mapping): true. turnutils_stunclient against weft's listener
# checks the interop the other way.
# Needs root, coturn, iptables, jq; WEFT_BIN and WEFT_STUN_LISTEN (set by ctest).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

bin=${WEFT_BIN:-$here/../../build/cli/weft}
stun_listen=${WEFT_STUN_LISTEN:-$here/../../build/tests/e2e/weft_stun_listen}
need_root
need_tool ip iptables jq timeout turnserver turnutils_stunclient
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"
[[ -x $stun_listen ]] || netns_fail "no weft_stun_listen at '$stun_listen' (set WEFT_STUN_LISTEN)"

# client 192.0.2.2 -- 192.0.2.1 nat 203.0.113.1 -- public: 203.0.113.2 (router side), STUN
# servers at .3 and .4 (coturn) and .5 (weft).
netns_create client nat pub
NS_C=$(ns_name client)
NS_N=$(ns_name nat)
NS_P=$(ns_name pub)
netns_connect "$NS_C" eth0 192.0.2.2/24 "$NS_N" lan0 192.0.2.1/24
netns_connect "$NS_N" wan0 203.0.113.1/24 "$NS_P" eth0 203.0.113.2/24
for a in 3 4 5; do
  ip -n "$NS_P" addr add "203.0.113.$a/24" dev eth0 || netns_fail "address 203.0.113.$a"
done
ip -n "$NS_C" route add default via 192.0.2.1 || netns_fail "client default route"
ns_exec "$NS_N" sysctl -qw net.ipv4.ip_forward=1 || netns_fail "forwarding in the NAT"
public_ip=203.0.113.1

for a in 3 4; do
  ns_spawn "$NS_P" "$NETNS_TMP/coturn$a.log" turnserver -n --stun-only --no-cli --no-tls \
    --no-dtls --listening-ip="203.0.113.$a" --listening-port=3478 --log-file=stdout \
    --pidfile="$NETNS_TMP/coturn$a.pid"
done
ns_spawn "$NS_P" "$NETNS_TMP/weft_stun.log" "$stun_listen" 203.0.113.5:3478
stun_pid=$LAST_PID
# turnutils_stunclient waits forever for an answer that does not come: always under `timeout`.
for a in 3 4 5; do
  wait_for ns_exec "$NS_P" timeout 1 turnutils_stunclient "203.0.113.$a" ||
    netns_fail "STUN server 203.0.113.$a does not answer (see $NETNS_TMP)"
done

map="$NETNS_TMP/relay-map.hujson"
cat >"$map" <<'EOF_MAP'
{
  // Two coturn servers and weft's listener, one region each; no relays run (relayPort unused).
  "regions": [
    {"id": 1, "code": "one", "name": "coturn one",
     "nodes": [{"name": "one1", "ipv4": "203.0.113.3", "relayPort": 443}]},
    {"id": 2, "code": "two", "name": "coturn two",
     "nodes": [{"name": "two1", "ipv4": "203.0.113.4", "relayPort": 443}]},
    {"id": 3, "code": "wstun", "name": "weft STUN",
     "nodes": [{"name": "weft1", "ipv4": "203.0.113.5", "relayPort": 443}]},
  ],
}
EOF_MAP

# stunclient_addr SERVER: the reflexive address turnutils_stunclient reports from the client.
stunclient_addr() {
  ns_exec "$NS_C" timeout 5 turnutils_stunclient "$1" 2>&1 |
    sed -nE 's/.*UDP reflexive addr: ([0-9.]+:[0-9]+).*/\1/p' | head -1
}

# netcheck_json: one `weft netcheck --format json` from the client, printed and kept in $json.
netcheck_json() {
  json=$(ns_exec "$NS_C" "$bin" netcheck --relay-map "$map" --format json) ||
    netns_fail "weft netcheck exited non-zero"
  echo "# $json"
}

set_nat() {
  ns_exec "$NS_N" iptables -t nat -F POSTROUTING
  ns_exec "$NS_N" iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE "$@" ||
    netns_fail "iptables MASQUERADE $*"
}

# --- endpoint-independent mapping -----------------------------------------------------------
set_nat
netcheck_json
check "EIM: UDP works" [ "$(jq -r .udp <<<"$json")" = true ]
check "EIM: every region answered" [ "$(jq -r '.regions | length' <<<"$json")" = 3 ]
check "EIM: MappingVariesByDestIP false" [ "$(jq -r .mappingVariesByDestIP <<<"$json")" = false ]
global=$(jq -r .globalV4 <<<"$json")
check "EIM: the public address is the NAT's ($global)" [ "${global%:*}" = "$public_ip" ]
elapsed=$(jq -r .elapsedMs <<<"$json")
check "EIM: done well under a second with local regions (${elapsed} ms)" \
  awk -v e="$elapsed" 'BEGIN { exit !(e < 1000) }'
coturn_sees=$(stunclient_addr 203.0.113.3)
echo "# turnutils_stunclient sees $coturn_sees; weft netcheck saw $global"
check "EIM: coturn's client sees the same public address as weft netcheck" \
  [ "${coturn_sees%:*}" = "${global%:*}" ]
weft_sees=$(stunclient_addr 203.0.113.5)
check "turnutils_stunclient gets its reflexive address from weft's STUN listener ($weft_sees)" \
  [ "${weft_sees%:*}" = "$public_ip" ]
text=$(ns_exec "$NS_C" "$bin" netcheck --relay-map "$map")
echo "$text"
check "text report says MappingVariesByDestIP: false" grep -q "MappingVariesByDestIP: false" <<<"$text"
check "text report names the public address" grep -q "IPv4: yes, $public_ip:" <<<"$text"

# --- per-destination mapping ----------------------------------------------------------------
set_nat --random-fully
netcheck_json
check "random-fully: UDP works" [ "$(jq -r .udp <<<"$json")" = true ]
check "random-fully: MappingVariesByDestIP true" [ "$(jq -r .mappingVariesByDestIP <<<"$json")" = true ]
global=$(jq -r .globalV4 <<<"$json")
check "random-fully: the public IP is still the NAT's ($global)" [ "${global%:*}" = "$public_ip" ]

# --- the relay map from a server -------------------------------------------------------------
# `weft serve` hands out the same three regions plus its embedded relay's (STUN on 3479 beside
# it, 3478 being coturn's on the other addresses).
ns_spawn "$NS_P" "$NETNS_TMP/serve.log" "$bin" serve --state "$NETNS_TMP/server" \
  --listen 203.0.113.2:8080 --relay-map "$map" --stun-port 3479
wait_for grep -q 'weft serve: listening on' "$NETNS_TMP/serve.log" ||
  { cat "$NETNS_TMP/serve.log"; netns_fail "weft serve did not start"; }
json=$(ns_exec "$NS_C" "$bin" netcheck --server http://203.0.113.2:8080 --format json) ||
  netns_fail "weft netcheck --server exited non-zero"
echo "# $json"
check "--server: the server's regions and its embedded relay's answered" \
  [ "$(jq -r '.regions | length' <<<"$json")" = 4 ]
rc=0
ns_exec "$NS_C" "$bin" netcheck --server http://203.0.113.2:8081 --timeout 2s >/dev/null 2>&1 || rc=$?
check "--server: a server that does not answer is an error (exit 2)" [ "$rc" = 2 ]

# --- UDP blocked: a result, not an error -----------------------------------------------------
ns_exec "$NS_N" iptables -A FORWARD -p udp -j DROP
netcheck_json
check "UDP blocked: udp false, exit 0" [ "$(jq -r .udp <<<"$json")" = false ]
check "UDP blocked: no preferred region" [ "$(jq -r .preferredRegion <<<"$json")" = 0 ]

# --- usage errors ----------------------------------------------------------------------------
rc=0
"$bin" netcheck >/dev/null 2>&1 || rc=$?
check "no map source is a usage error (exit 2)" [ "$rc" = 2 ]
rc=0
"$bin" netcheck --relay-map "$NETNS_TMP/missing.hujson" >/dev/null 2>&1 || rc=$?
check "a missing map file is an error (exit 2)" [ "$rc" = 2 ]

stop_process "$stun_pid"
cat "$NETNS_TMP/weft_stun.log"
check "weft's STUN listener answered requests" grep -qE "answers_sent [1-9]" "$NETNS_TMP/weft_stun.log"
echo "e2e: netcheck_test passed"
