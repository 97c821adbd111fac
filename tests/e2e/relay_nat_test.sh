#!/usr/bin/env bash
# Two nodes behind "hard" NATs (MASQUERADE --random-fully: a new public port per destination)
# reach each other through the relay embedded in `weft serve` (issue 10, "End-to-end tests";
# docs/connectivity.md "Relays in the node"). Their reported endpoints are private addresses and
# no UDP from the other NAT ever gets to a node, so the only path is the relay: ping works both
# ways, `weft status` shows the peer as relay "weft", iperf3 TCP carries data (rate printed) and
# discovery's path stays "relay" (issue 11, topology 2).
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping, iperf3. About 15 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$here/relay_lib.sh"

relay_setup
need_tool iperf3
relay_nat a 192.0.2 --random-fully
relay_nat b 198.51.100 --random-fully
# Count every UDP datagram that reaches b from the public side other than the server's: a
# direct path from a would show here. The server's (STUN answers) are counted apart, which shows
# that the counting works.
for from in "! -s ${LAN[s]}" "-s ${LAN[s]}"; do
  # shellcheck disable=SC2086  # $from is two or three words
  ns_exec "${NAT[b]}" iptables -A FORWARD -i wan0 -o lan0 -p udp $from -j ACCEPT ||
    netns_fail "counting rule in b's NAT"
done
forwarded_to_b() {
  ns_exec "${NAT[b]}" iptables -L FORWARD -v -x -n |
    awk -v w="$1" '/ wan0 +lan0 / { if ((w == "other") == ($8 ~ /^!/)) print $1 }'
}
direct_to_b() { forwarded_to_b other; }

relay_start_server
start_node a --server "$url" --authkey "${KEY[a]}"
start_node b --server "$url" --authkey "${KEY[b]}"
for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
relay_addresses a b
echo "ok - a (${ADDR[a]}) and b (${ADDR[b]}) registered from behind their NATs"

check "a's home region is the embedded relay's" wait_for home_is a weft
check "b's home region is the embedded relay's" wait_for home_is b weft
both_homes_on_server() { server_home_is a weft && server_home_is b weft; }
check "the server shows both homes (nodes list)" wait_for both_homes_on_server
endpoints=$(admin "$state" --json nodes list | jq -r '[.nodes[].endpoints[]] | join(" ")')
echo "# reported endpoints: $endpoints"
# Private addresses and what the relay's STUN server saw (the NATs' mappings): with
# --random-fully a mapping towards another destination has another port, so none of them
# answers the other node and the path stays relayed.
check "the reported endpoints are the private addresses and the NATs' STUN mappings" \
  awk -v e="$endpoints" 'BEGIN { n = split(e, x, " "); if (n == 0) exit 1
    for (i = 1; i <= n; i++) if (x[i] !~ /^(192\.0\.2\.2|198\.51\.100\.2|203\.0\.113\.[12]):/) exit 1 }'
check "a cannot reach b's private address" sh -c \
  "! ip netns exec '${NS[a]}' ping -c 1 -W 1 '${PRIV[b]}' >/dev/null 2>&1"

started=$(now_ms)
check "a pings b through the relay" wait_for -t 15 ping_ok a b
echo "# first ping answered after $(($(now_ms) - started)) ms"
check "b pings a" wait_for ping_ok b a
relay_show a
relay_show b
check "a's status shows b at relay \"weft\"" peer_relayed a weft
check "b's status shows a at relay \"weft\"" peer_relayed b weft
# Discovery pings (issue 11): each pong says it came through the relay; the table says so too.
capture weft_node a ping b -c 2
echo "$CAP_OUT" | sed 's/^/  a> /'
expect_rc 0 "weft ping a -> b (discovery)"
check "... both pongs came via relay \"weft\"" test "$(grep -cE \
  "^pong from b \(${ADDR[b]//./\\.}\) via relay \"weft\" in [0-9.]+ms\$" <<<"$CAP_OUT")" = 2
check "a's weft status shows b's path as relay \"weft\"" grep -qE \
  "^${ADDR[b]//./\\.} +b .* relay \"weft\" " <<<"$(weft_node a status)"
check "a's status has a ready home link to the relay" test "$(node_status a |
  jq -r '[.relays[] | select(.home and .ready)] | length')" = 1
check "a sent through the relay" test "$(node_counter a relay_packets_sent)" -gt 0
check "b received through the relay" test "$(node_counter b relay_packets_received)" -gt 0
netcheck_udp() { [[ $(node_status "$1" | jq -r .netcheck.udp) == true ]]; }
check "a's netcheck saw UDP (STUN through the NAT)" wait_for netcheck_udp a
check "b's netcheck saw UDP" wait_for netcheck_udp b

# A datagram from a's side to b's public mapping (what a STUN answer told b) is not let in: the
# NAT maps per destination and filters on the full 5-tuple.
b_public=$(node_status b | jq -r '.netcheck.global_v4 // empty')
check "b's netcheck found its public address ($b_public) on its NAT" \
  test "${b_public%:*}" = "${NAT_WAN[b]}"
for i in 1 2 3; do
  ns_exec "${NS[a]}" bash -c "echo probe$i >/dev/udp/${b_public%:*}/${b_public#*:}" || true
done
sleep 0.3
check "STUN answers from the server got through b's NAT (counted: $(forwarded_to_b server))" \
  test "$(forwarded_to_b server)" -gt 0
check "no UDP from a's side got through b's NAT (counted: $(direct_to_b))" test "$(direct_to_b)" = 0

# --- bulk data through the relay ------------------------------------------------------------
iperf_server b
rx_before=$(peer_field b rx_bytes)
out=$(iperf_json a b 3)
bytes=$(jq -r '.end.sum_received.bytes' <<<"$out")
mbit=$(jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | floor / 10' <<<"$out")
# The relay's default rate limit (4 MiB/s after an 8 MiB burst, docs/connectivity.md) bounds
# this: about 20 MB in 3 s.
echo "# iperf3 TCP a -> b through the relay, 3 s: $mbit Mbit/s, $bytes bytes received"
check "iperf3 moved data through the relay ($bytes bytes)" test "$bytes" -gt 0
rx_after=$(peer_field b rx_bytes)
echo "# b's rx_bytes from a: $rx_before -> $rx_after"
check "b's peer counters saw the transfer" test "$rx_after" -gt "$((rx_before + bytes / 2))"
check "still only through the relay after the transfer" peer_relayed a weft
# Discovery pinged every candidate meanwhile (a and b were active), and none answered.
check "a's status path stays \"relay\" ($(peer_field a path))" path_is a relay
check "b's status path stays \"relay\" ($(peer_field b path))" path_is b relay
check "no direct upgrade was counted" test "$(node_counter a disco_direct_upgrades)" = 0 -a \
  "$(node_counter b disco_direct_upgrades)" = 0
check "discovery did try (a sent $(node_counter a disco_pings_sent) pings)" \
  test "$(node_counter a disco_pings_sent)" -gt 0
check "and still no direct UDP reached b ($(direct_to_b))" test "$(direct_to_b)" = 0
echo "# relay counters: a sent $(node_counter a relay_packets_sent), b received" \
  "$(node_counter b relay_packets_received), a's relay send drops $(node_counter a relay_send_dropped)"

for m in a b; do stop_node "$m"; done
echo "ok - both nodes stopped cleanly"
