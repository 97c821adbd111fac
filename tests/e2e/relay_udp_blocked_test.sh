#!/usr/bin/env bash
# A node whose NAT drops all UDP (issue 10, "End-to-end tests"; docs/connectivity.md "Relays in
# the node"): it registers over TCP, its netcheck reports udp false, it measures its home region
# with relay pings over TCP and reports it, and it reaches its peer (behind an ordinary NAT)
# through the embedded relay over TCP: ping both ways, and 2 s of iperf3 inside the tunnel.
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping, iperf3. About 10 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$here/relay_lib.sh"

relay_setup
need_tool iperf3
relay_nat a 192.0.2
relay_nat b 198.51.100 --random-fully
# a's router forwards TCP only (both ways: nothing UDP leaves or enters a's network).
ns_exec "${NAT[a]}" iptables -A FORWARD -p udp -j DROP || netns_fail "UDP drop in a's NAT"
udp_dropped() {
  ns_exec "${NAT[a]}" iptables -L FORWARD -v -x -n | awk '/DROP/ { print $1 }'
}

relay_start_server
start_node a --server "$url" --authkey "${KEY[a]}"
start_node b --server "$url" --authkey "${KEY[b]}"
for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
relay_addresses a b
echo "ok - a registered over TCP although its NAT drops UDP"

# The netcheck's budget is 3 s; a UDP-less one ends there.
netcheck_udp_is() { [[ $(node_status "$1" | jq -r .netcheck.udp) == "$2" ]]; }
started=$(now_ms)
check "a's netcheck reports udp false" wait_for netcheck_udp_is a false
echo "# a's netcheck settled $(($(now_ms) - started)) ms after the netmap"
check "b's netcheck reports udp true" wait_for netcheck_udp_is b true
home_rtt() { node_status "$1" | jq -r '.relays[] | select(.home and .ready) | .rtt_ms // empty'; }
check "a measured its home relay over TCP (relay ping)" wait_for test -n "$(home_rtt a)"
rtt=$(home_rtt a)
check "a's home region is weft (relay round trip ${rtt} ms)" home_is a weft
check "a's home region reached the server (nodes list)" wait_for server_home_is a weft
check "a's netcheck measured no region over UDP" \
  test "$(node_status a | jq -r '.netcheck.region_latency_ms | length')" = 0

check "a pings b through the relay over TCP" wait_for -t 15 ping_ok a b
check "b pings a" wait_for ping_ok b a
relay_show a
check "a's status shows b at relay \"weft\"" peer_relayed a weft
check "b's status shows a at relay \"weft\"" peer_relayed b weft
out=$(ns_exec "${NS[a]}" ping -c 20 -i 0.1 -W 1 "${ADDR[b]}" || true)
loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' <<<"$out")
rtts=$(sed -nE 's/^rtt min\/avg\/max\/mdev = ([0-9.\/]+) ms/\1/p' <<<"$out")
echo "# a -> b through the relay, 20 pings: ${loss:-?}% loss, rtt min/avg/max ${rtts:-?} ms"
# The relay carries them over TCP: a loss is a slow answer on a busy machine, never a drop.
check "20 pings a -> b, at most 2 late" awk -v l="${loss:-100}" 'BEGIN { exit !(l <= 10) }'

# TCP inside the tunnel, carried by the relay's TCP connection: 2 s of iperf3 b -> a.
ns_spawn "${NS[a]}" "$NETNS_TMP/iperf3-server.log" iperf3 -s -B "${ADDR[a]}" -1
wait_for ns_exec "${NS[a]}" sh -c "ss -ltn | grep -q ':5201 '" || netns_fail "iperf3 server"
out=$(ns_exec "${NS[b]}" iperf3 -c "${ADDR[a]}" -t 2 -J) || {
  echo "$out" | tail -20 >&2
  netns_fail "iperf3 through the relay failed"
}
bytes=$(jq -r '.end.sum_received.bytes' <<<"$out")
mbit=$(jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | floor / 10' <<<"$out")
echo "# iperf3 TCP b -> a through the relay, 2 s: $mbit Mbit/s, $bytes bytes received"
check "iperf3 moved data to the UDP-less node ($bytes bytes)" test "$bytes" -gt 0

dropped=$(udp_dropped)
echo "# UDP datagrams dropped at a's NAT: $dropped; a's relay dials $(node_counter a relay_dials)," \
  "packets sent $(node_counter a relay_packets_sent), received $(node_counter a relay_packets_received)"
check "a's NAT really dropped UDP (the netcheck's STUN, WireGuard's direct copies)" test "$dropped" -gt 0

for m in a b; do stop_node "$m"; done
echo "ok - both nodes stopped cleanly"
