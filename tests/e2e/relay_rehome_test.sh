#!/usr/bin/env bash
# Re-homing when the home region's relay dies (issue 10, "End-to-end tests"; docs/connectivity.md
# "Home region", "Relays in the node"): `weft serve --no-embedded-relay --relay-map` with two
# regions, each a `weft derp` with its own STUN port; two nodes behind --random-fully NATs reach
# each other only through relays; a's home is region one, b's two (STUN to the other region is
# dropped during the first netcheck); each side sends through the other's home region, so a's way
# to b runs through region two. That relay is SIGKILLed: b moves its home to region one (its status and `weft admin nodes list` say
# so) and, after both were quiet, b reaches a again (and a b) through region one. The times from the kill are
# measured and printed. Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping. About 50 s
# (the second netcheck, which measures both regions, comes 30 s after the first).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$here/relay_lib.sh"

relay_setup
relay_nat a 192.0.2 --random-fully
relay_nat b 198.51.100 --random-fully

# Region 1 "one" at 203.0.113.21 (STUN 3478), region 2 "two" at 203.0.113.22 (STUN 3479).
declare -A RELAY_IP=([one]=203.0.113.21 [two]=203.0.113.22) STUN_PORT=([one]=3478 [two]=3479)
declare -A DERP_PID DERP_LOG
for r in one two; do
  relay_public_address "${RELAY_IP[$r]}"
  DERP_LOG[$r]="$NETNS_TMP/derp-$r.log"
  ns_spawn "$NS_S" "${DERP_LOG[$r]}" "$SERVE_BIN" derp --listen "${RELAY_IP[$r]}:8443" \
    --stun-port "${STUN_PORT[$r]}" --state "$NETNS_TMP/derp-$r"
  DERP_PID[$r]=$LAST_PID
done
for r in one two; do
  wait_for grep -q "weft derp: relay .* stun ${STUN_PORT[$r]}" "${DERP_LOG[$r]}" || {
    netns_dump_log "${DERP_LOG[$r]}"
    netns_fail "weft derp for region $r did not start"
  }
done
map="$NETNS_TMP/relay-map.hujson"
cat >"$map" <<EOF_MAP
{
  "regions": [
    {"id": 1, "code": "one", "name": "relay one",
     "nodes": [{"name": "one1", "ipv4": "${RELAY_IP[one]}", "relayPort": 8443, "stunPort": ${STUN_PORT[one]}}]},
    {"id": 2, "code": "two", "name": "relay two",
     "nodes": [{"name": "two1", "ipv4": "${RELAY_IP[two]}", "relayPort": 8443, "stunPort": ${STUN_PORT[two]}}]},
  ],
}
EOF_MAP
# Deterministic homes: a's NAT drops STUN to region two and b's to region one during the first
# netcheck, so a's home is one and b's two; the homes then stay put (equal latencies never move
# a home), and the next netcheck (30 s later) measures both regions for both.
declare -A STUN_BLOCK=([a]="${RELAY_IP[two]} ${STUN_PORT[two]}" [b]="${RELAY_IP[one]} ${STUN_PORT[one]}")
stun_block() {
  local m=$1 op=$2 ip port
  read -r ip port <<<"${STUN_BLOCK[$m]}"
  ns_exec "${NAT[$m]}" iptables "$op" FORWARD -p udp -d "$ip" --dport "$port" -j DROP ||
    netns_fail "iptables $op STUN of $m"
}
for m in a b; do stun_block "$m" -A; done
relay_start_server --no-embedded-relay --relay-map "$map"
check "the server hands out only the two regions (no embedded relay)" \
  test "$(ns_exec "$NS_S" "$SERVE_BIN" netcheck --server "$url" --format json |
    jq -r '[.regions[].code] | sort | join(" ")' 2>/dev/null)" = "one two"

start_node a --server "$url" --authkey "${KEY[a]}"
start_node b --server "$url" --authkey "${KEY[b]}"
for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
relay_addresses a b

# Both regions measured over UDP (so the home is chosen, not just the map's first region).
regions_measured() {
  [[ $(node_status "$1" | jq -r '.netcheck.region_latency_ms // {} | keys | length') == "$2" ]]
}
for m in a b; do check "$m's first netcheck measured one region" wait_for regions_measured "$m" 1; done
check "a's home region is one" home_is a one
check "b's home region is two" home_is b two
for m in a b; do stun_block "$m" -D; done
started=$(now_ms)
for m in a b; do
  check "$m's next netcheck measured both regions" wait_for -t 40 regions_measured "$m" 2
done
echo "# both regions measured by both $(($(now_ms) - started)) ms later"
check "a's home is still one" home_is a one
check "b's home is still two" home_is b two
check "a pings b through the relays" wait_for -t 15 ping_ok a b
check "b pings a" wait_for ping_ok b a
relay_show a
relay_show b
# Discovery sends every datagram to a peer without a direct path through the peer's home region
# (docs/connectivity.md, "Path selection"): a reaches b through two, b reaches a through one.
check "a reaches b through b's home region two" peer_relayed a two
check "b reaches a through a's home region one" peer_relayed b one
check "the server shows a's home region one" wait_for server_home_is a one
check "the server shows b's home region two" wait_for server_home_is b two

# --- b's home region, the path, dies --------------------------------------------------------
# Both quiet first (no WireGuard keepalive pending), so that b must find a by itself after
# re-homing; a's way to b runs through the region that dies.
sleep 12
killed_at=$(now_ms)
kill -KILL "${DERP_PID[two]}"
wait "${DERP_PID[two]}" 2>/dev/null || true
check "b re-homes to region one" wait_for -t 20 home_is b one
t_home=$(($(now_ms) - killed_at))
check "the server shows b's new home region one" wait_for -t 20 server_home_is b one
t_server=$(($(now_ms) - killed_at))
check "b (re-homed) reaches its silent peer a first" wait_for -t 20 ping_ok b a
t_ping=$(($(now_ms) - killed_at))
check "a reaches b" wait_for ping_ok a b
echo "# after the kill: b re-homed in $t_home ms, the server knew in $t_server ms," \
  "b's ping to a answered in $t_ping ms"
check "b and its peer reconnected within 10 s of the kill" test "$t_ping" -le 10000
relay_show a
relay_show b
check "a reaches b through region one now" peer_relayed a one
check "b reaches a through region one now" peer_relayed b one
check "a's home did not move" home_is a one
check "b counted a second home change" test "$(node_counter b home_changes)" -ge 2
check "b's link to the dead region is not ready" test "$(node_status b |
  jq -r '[.relays[] | select(.code == "two" and .ready)] | length')" = 0
out=$(ns_exec "${NS[a]}" ping -c 10 -i 0.1 -W 1 "${ADDR[b]}" || true)
loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' <<<"$out")
echo "# a -> b after re-homing, 10 pings: ${loss:-?}% loss"
check "a -> b keeps working after re-homing (at most 1 of 10 late)" \
  awk -v l="${loss:-100}" 'BEGIN { exit !(l <= 10) }'

for m in a b; do stop_node "$m"; done
echo "ok - both nodes stopped cleanly"
