#!/usr/bin/env bash
# NAT traversal between two nodes behind endpoint-independent NATs (issue 11, "End-to-end tests",
# topologies 1 and 3; docs/connectivity.md "Path selection"). Both routers masquerade plainly
# (MASQUERADE: one public port per node whatever the destination) and drop new connections to
# themselves, as home routers do.
#  1. Traffic starts through the relay (the first packets are never held back: a's count of
#     WireGuard datagrams handed to the relay grows) and goes direct once discovery's pongs prove the NATs' mappings: `weft
#     status --json` shows path "direct" to the other NAT's public address; iperf3 for 2 s
#     stays direct and leaves the relay almost unused.
#  3. With a ping every 0.1 s running, the direct path is cut (iptables DROP between the two
#     NATs' public addresses in both routers): traffic goes on through the relay (the test
#     allows 15 s and prints the longest gap between replies), and goes direct again once the
#     cut is lifted.
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping, iperf3. About 17 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$here/relay_lib.sh"

relay_setup
need_tool iperf3 awk
relay_nat a 192.0.2
relay_nat b 198.51.100
relay_start_server
relay_start_nodes
echo "ok - a (${ADDR[a]}) and b (${ADDR[b]}) registered from behind their NATs"
check "a's home region is the embedded relay's" wait_for home_is a weft
check "b's home region is the embedded relay's" wait_for home_is b weft
# b's public mapping must be in its report before a can punch towards it.
mapped() { [[ " $(server_endpoints "$1") " == *" ${NAT_WAN[$1]}:"* ]]; }
both_mapped() { mapped a && mapped b; }
check "the server has both NATs' mappings among the endpoints" wait_for -t 15 both_mapped
echo "# endpoints: a $(server_endpoints a); b $(server_endpoints b)"
check "no traffic yet: a's path to b is idle" path_is a idle

# --- 1: relayed first, then direct ----------------------------------------------------------
# relayed_out counts WireGuard datagrams handed to a relay (discovery's own messages apart).
sent0=$(node_counter a relayed_out)
started=$(now_ms)
check "a pings b (the first packet)" wait_for -t 10 ping_ok a b
first_ms=$(($(now_ms) - started))
path_then=$(peer_field a path)
sent1=$(node_counter a relayed_out)
check "the first WireGuard packets went through the relay (a's relayed_out $sent0 -> $sent1)" \
  test "$sent1" -gt "$sent0"
a_direct() { direct_to a "^${NAT_WAN[b]//./\\.}:[0-9]+\$"; }
b_direct() { direct_to b "^${NAT_WAN[a]//./\\.}:[0-9]+\$"; }
keep_pinging() { ping_ok a b; a_direct; }
check "a's path to b becomes direct to b's NAT" wait_for -t 10 keep_pinging
echo "# first ping answered after $first_ms ms (path then: $path_then); direct after" \
  "$(($(now_ms) - started)) ms: a -> $(peer_field a direct) in $(peer_field a direct_latency_ms) ms"
check "b's path to a is direct to a's NAT ($(peer_field b path) $(peer_field b direct))" \
  wait_for -t 5 b_direct
check "a's status endpoint is the direct address" \
  test "$(peer_field a endpoint)" = "$(peer_field a direct)"
check "a counted an upgrade to direct" test "$(node_counter a disco_direct_upgrades)" -gt 0

iperf_server b
relayed0=$(node_counter b relay_packets_received)
out=$(iperf_json a b 2)
relayed=$(($(node_counter b relay_packets_received) - relayed0))
bytes=$(jq -r '.end.sum_received.bytes' <<<"$out")
echo "# iperf3 TCP a -> b, 2 s direct: $(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' \
  <<<"$out") Mbit/s, $bytes bytes; b received $relayed packets through the relay meanwhile"
check "iperf3 moved data ($bytes bytes)" test "$bytes" -gt 1000000
# A few disco messages may take the relay; a relayed transfer would be thousands of packets.
check "the transfer did not take the relay ($relayed packets)" test "$relayed" -lt 50
check "still direct after the transfer" a_direct

# --- 3: the direct path cut mid-stream ------------------------------------------------------
pings="$NETNS_TMP/ping-cut.log"
ping_stream a b "$pings"
pinger=$LAST_PID
sleep 2
replies_before=$(ping_replies "$pings")
fallbacks0=$(node_counter a disco_relay_fallbacks)
relay_cut -I a b
cut_at=$(now_ms)
check "with the direct path cut, a falls back to the relay" wait_for -t 15 path_is a relay
echo "# a on the relay $(($(now_ms) - cut_at)) ms after the cut"
more_replies() { test "$(ping_replies "$pings")" -gt "$(($1 + 20))"; }
n=$(ping_replies "$pings")
check "replies keep coming through the relay" wait_for -t 15 more_replies "$n"
check "a counted a fallback" test "$(node_counter a disco_relay_fallbacks)" -gt "$fallbacks0"
read -r gap replies < <(ping_gap "$pings")
echo "# longest gap between replies so far: $gap ms ($replies replies, $replies_before before the cut)"
check "the longest gap is under 15 s ($gap ms)" test "$gap" -lt 15000
relay_cut -D a b
lifted_at=$(now_ms)
check "after the cut is lifted, a goes direct again" wait_for -t 15 a_direct
echo "# direct again $(($(now_ms) - lifted_at)) ms after the cut was lifted:" \
  "$(peer_field a direct)"
check "b goes direct again" wait_for -t 10 b_direct
sleep 1
stop_process "$pinger"
read -r gap replies < <(ping_gap "$pings")
echo "# ping every 0.1 s through cut and return: $replies replies, longest gap $gap ms"
check "no gap of 15 s or more over the whole stream ($gap ms)" test "$gap" -lt 15000

for m in a b; do stop_node "$m"; done
echo "ok - both nodes stopped cleanly"
