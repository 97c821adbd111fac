#!/usr/bin/env bash
# NAT traversal on one LAN and after a move (issue 11, "End-to-end tests", topologies 4 and 5;
# docs/connectivity.md "Path selection").
#  4. Nodes a and b on the same LAN behind one NAT router (na, MASQUERADE): they find each other
#     directly on the LAN — path "direct" to the other's private address — not through the
#     relay and not through the router's public address.
#  5. b moves to another network while a pings it every 0.1 s: its LAN address and default
#     route are deleted and it comes up behind another NAT router (nc, 198.51.100.0/24 ->
#     203.0.113.3), without a restart of `weft up`. Traffic resumes (the test prints the gap),
#     b logs its new local endpoints and reconnects to the server and the relay (its old
#     connections were bound to the vanished address), the server's nodes list shows them, and
#     the two nodes, now behind two endpoint-independent NATs, go direct between the NATs'
#     public addresses.
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping. About 12 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$here/relay_lib.sh"

relay_setup
need_tool awk
relay_nat a 192.0.2
relay_host b a 3
relay_start_server
relay_start_nodes
echo "ok - a (${ADDR[a]}, ${PRIV[a]}) and b (${ADDR[b]}, ${PRIV[b]}) behind one NAT"
echo "# endpoints: a $(server_endpoints a); b $(server_endpoints b)"

# --- 4: the same LAN -------------------------------------------------------------------------
lan_a() { direct_to a "^${PRIV[b]//./\\.}:[0-9]+\$"; }
lan_b() { direct_to b "^${PRIV[a]//./\\.}:[0-9]+\$"; }
started=$(now_ms)
check "a pings b" wait_for -t 10 ping_ok a b
keep_pinging() { ping_ok a b; lan_a; }
check "a's path to b becomes direct to b's LAN address" wait_for -t 10 keep_pinging
echo "# direct after $(($(now_ms) - started)) ms: a -> $(peer_field a direct)" \
  "in $(peer_field a direct_latency_ms) ms; candidates $(node_status a | jq -c '.peers[0].candidates')"
check "b's path to a is direct to a's LAN address ($(peer_field b direct))" wait_for -t 5 lan_b

# --- 5: b moves behind another NAT -----------------------------------------------------------
relay_router c "${NAT_WAN[c]}" 198.51.100
pings="$NETNS_TMP/ping-move.log"
ping_stream a b "$pings"
pinger=$LAST_PID
sleep 2
replies_before=$(ping_replies "$pings")
ip -n "${NS[b]}" route del default 2>/dev/null || true
ip -n "${NS[b]}" addr flush dev eth0 || netns_fail "removing b's LAN address"
ip -n "${NS[b]}" link set eth0 down
relay_host b c 2 eth1
moved_at=$(now_ms)
echo "# b moved: ${PRIV[a]%.*}.3 behind na -> ${PRIV[b]} behind nc (${NAT_WAN[c]})"
more_replies() { test "$(ping_replies "$pings")" -gt "$(($1 + 10))"; }
check "traffic resumes after the move" wait_for -t 20 more_replies "$replies_before"
echo "# replies again $(($(now_ms) - moved_at)) ms after the move"
wait_logged b 'local endpoints changed: .*; reconnecting to the coordination server and the relays' 10
echo "# b: $(grep 'local endpoints changed: ' "${LOG[b]}" | tail -1)"
moved_endpoints() {
  local e
  e=" $(server_endpoints b) "
  [[ $e == *" ${PRIV[b]}:"* && $e != *" ${PRIV[a]%.*}.3:"* ]]
}
check "the server's nodes list shows b's new endpoints" wait_for -t 15 moved_endpoints
echo "# b's endpoints on the server: $(server_endpoints b)"
public_a() { direct_to a "^${NAT_WAN[c]//./\\.}:[0-9]+\$"; }
public_b() { direct_to b "^${NAT_WAN[a]//./\\.}:[0-9]+\$"; }
check "a goes direct to b's new NAT" wait_for -t 15 public_a
check "b goes direct to a's NAT ($(peer_field b path) $(peer_field b direct))" wait_for -t 10 public_b
sleep 1
stop_process "$pinger"
read -r gap replies < <(ping_gap "$pings")
echo "# ping every 0.1 s across the move: $replies replies ($replies_before before), longest gap $gap ms"
# The move is seen within 5 s (the endpoint refresh), the control stream and the relay link,
# bound to the vanished address, are started again at once (without that: about 33 s, TCP
# keepalive), then discovery finds the new path.
check "the longest gap is under 15 s ($gap ms)" test "$gap" -lt 15000
check "b's weft up ran throughout (pid ${PID[b]}, one start line in its log)" \
  test "$(grep -c 'node key .*, interface ' "${LOG[b]}")" = 1 -a -d "/proc/${PID[b]}"

for m in a b; do stop_node "$m"; done
echo "ok - both nodes stopped cleanly"
