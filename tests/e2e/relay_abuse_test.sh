#!/usr/bin/env bash
# Relay abuse (issue 10, "End-to-end tests"; docs/connectivity.md "Relay protocol", the server's
# rules): against a `weft derp` that two NATed nodes use as their only region, a client that
# sends garbage after the upgrade, one that claims node a's key (a ClientInfo it cannot seal) and
# one that floods SendPackets far beyond the rate limit are each cut off with their code
# (relay.bad_frame, relay.auth_failed, relay.flood: the tool sees the Error frame, the relay logs
# the cut), then floods follow back to back for 5 s; meanwhile a pings b through the relay, a's
# relay connection is never replaced or dropped, and a and b still reach each other afterwards.
# Needs WEFT_BIN and WEFT_RELAY_ABUSE (set by ctest), root, ip, iptables, jq, ping. About 15 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$here/relay_lib.sh"

abuse=${WEFT_RELAY_ABUSE:-$here/../../build/tests/e2e/weft_relay_abuse}
relay_setup
[[ -x $abuse ]] || netns_fail "no weft_relay_abuse at '$abuse' (set WEFT_RELAY_ABUSE)"
relay_nat a 192.0.2 --random-fully
relay_nat b 198.51.100 --random-fully

relay_ip=203.0.113.21
relay_public_address "$relay_ip"
derp_log="$NETNS_TMP/derp.log"
ns_spawn "$NS_S" "$derp_log" "$SERVE_BIN" derp --listen "$relay_ip:8443" --state "$NETNS_TMP/derp"
derp_pid=$LAST_PID
wait_for grep -q 'weft derp: relay ' "$derp_log" || {
  netns_dump_log "$derp_log"
  netns_fail "weft derp did not start"
}
map="$NETNS_TMP/relay-map.hujson"
cat >"$map" <<EOF_MAP
{"regions": [{"id": 1, "code": "one", "nodes": [{"name": "one1", "ipv4": "$relay_ip", "relayPort": 8443}]}]}
EOF_MAP
relay_start_server --no-embedded-relay --relay-map "$map"
start_node a --server "$url" --authkey "${KEY[a]}"
start_node b --server "$url" --authkey "${KEY[b]}"
for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
relay_addresses a b
check "a pings b through the relay" wait_for -t 15 ping_ok a b
check "b pings a" wait_for ping_ok b a
check "a's status shows b at relay \"one\"" peer_relayed a one
a_key=$(admin "$state" --json nodes list | jq -r '.nodes[] | select(.hostname == "a") | .node_key')
disconnects_before=$(node_counter a relay_disconnects)

# a pings b (5 a second) through the whole abuse.
ping_out="$NETNS_TMP/ping-during.txt"
ns_spawn "${NS[a]}" "$ping_out" ping -c 60 -i 0.2 -W 1 "${ADDR[b]}"
ping_pid=$LAST_PID
started=$(now_ms)

cuts() { grep -c "relay: cut off connection .* ($1)" "$derp_log" || true; }
# abuse_client WHAT CODE MODE [ARG]: the tool from the public network; it must be cut off with
# CODE, and the relay must log the cut.
abuse_client() {
  local what=$1 code=$2 out t0
  shift 2
  t0=$(now_ms)
  out=$(ns_exec "$NS_S" "$abuse" "$relay_ip:8443" "$@") || {
    echo "e2e: weft_relay_abuse $*: $out" >&2
    netns_dump_log "$derp_log"
    netns_fail "$what: not cut off"
  }
  echo "# $what: $out, $(($(now_ms) - t0)) ms from connect to cut"
  check "$what: cut off with $code" grep -q "^cut off $code " <<<"$out"
  check "$what: the relay logged the cut ($code)" wait_for test "$(cuts "$code")" -ge 1
}

abuse_client "a client sending garbage after the upgrade" relay.bad_frame garbage
abuse_client "a client claiming a's node key" relay.auth_failed impostor "$a_key"
check "... which did not replace a's connection (no relay.replaced)" test "$(cuts relay.replaced)" = 0
abuse_client "a client flooding SendPackets" relay.flood flood 10
# Then floods back to back for 5 s (each one cut off, the next one connecting at once).
rounds=0
flood_from=$(now_ms)
while (($(now_ms) - flood_from < 5000)); do
  ns_exec "$NS_S" "$abuse" "$relay_ip:8443" flood 10 >/dev/null || netns_fail "flood $rounds not cut off"
  rounds=$((rounds + 1))
done
echo "# $rounds more floods cut off in $(($(now_ms) - flood_from)) ms"
check "the relay logged every flood's cut" wait_for test "$(cuts relay.flood)" = $((rounds + 1))
check "a's relay connection was never dropped" \
  test "$(node_counter a relay_disconnects)" = "$disconnects_before"
check "b's relay connection is ready" test "$(node_status b |
  jq -r '[.relays[] | select(.ready)] | length')" = 1

# The cut off clients are gone; the pings go on a little longer, then their loss is counted.
wait "$ping_pid" 2>/dev/null || true
loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' "$ping_out")
rtts=$(sed -nE 's/^rtt min\/avg\/max\/mdev = ([0-9.\/]+) ms/\1/p' "$ping_out")
echo "# a -> b through the relay during the abuse, 60 pings over $(($(now_ms) - started)) ms:" \
  "${loss:-?}% loss, rtt min/avg/max/mdev ${rtts:-?} ms"
check "a <-> b kept working during the abuse (loss <= 10%)" \
  awk -v l="${loss:-100}" 'BEGIN { exit !(l <= 10) }'
check "a still pings b after the abuse" ping_ok a b
check "b still pings a" ping_ok b a
grep 'relay: cut off' "$derp_log" | sed 's/^/  derp> /'
check "the relay cut off the abusers and nobody else" \
  test "$(grep -c 'relay: cut off' "$derp_log")" = $((rounds + 3))
stop_process "$derp_pid"
check "weft derp stopped cleanly" stopped_cleanly "weft derp" "$derp_log"

for m in a b; do stop_node "$m"; done
echo "ok - both nodes stopped cleanly"
