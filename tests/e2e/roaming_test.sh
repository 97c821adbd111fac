#!/usr/bin/env bash
# Endpoint learning and roaming (WireGuard whitepaper §2.1 "built-in roaming") with peers
# configured from standard config files: b has no Endpoint for a and must learn it, then follow
# a when a moves from the 192.0.2.0/24 link to the 198.51.100.0/24 link, then carry 1 s of TCP.
#
# The peers are wireguard-go by default; WEFT_E2E_PEER_A / WEFT_E2E_PEER_B = weft runs the same
# checks against `weft tunnel` (WEFT_BIN), for interop.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

kind_a=${WEFT_E2E_PEER_A:-wireguard-go}
kind_b=${WEFT_E2E_PEER_B:-wireguard-go}
need_root
need_tool ip wg wireguard-go ping iperf3 jq ss

# endpoint_is IFNAME PUBKEY HOST:PORT: wg show reports that endpoint for the peer.
endpoint_is() {
  [[ $(wg show "$1" endpoints | awk -v k="$2" '$1 == k { print $2 }') == "$3" ]]
}

netns_pair
netns_second_network
wg_pair_configs

start_peer "$kind_a" "$NS_A" "$if_a" "$NETNS_TMP/a.conf" || netns_fail "$kind_a peer a did not start"
pid_a=$LAST_PID
start_peer "$kind_b" "$NS_B" "$if_b" "$NETNS_TMP/b.conf" || netns_fail "$kind_b peer b did not start"
pid_b=$LAST_PID
echo "# a: $kind_a, b: $kind_b"

check "a's config file gave it its address" \
  sh -c "ip -n '$NS_A' -4 addr show dev '$if_a' | grep -q 'inet 100.64.0.1/24'"
check "b starts without an endpoint for a" endpoint_is "$if_b" "$pub_a" "(none)"
check "b cannot reach a before a has spoken" \
  sh -c "! ip netns exec '$NS_B' ping -c 1 -W 1 100.64.0.1 >/dev/null"
check "a reaches b over the first link" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
check "b learned a's endpoint on the first link" endpoint_is "$if_b" "$pub_a" 192.0.2.1:51820
check "b reaches a at the learned endpoint" quietly ns_exec "$NS_B" ping -q -c 2 -i 0.2 -W 2 100.64.0.1

# a moves: the first link goes dead and a points at b's address on the second network.
ip -n "$NS_A" link set veth0 down
ns_exec "$NS_A" wg set "$if_a" peer "$pub_b" endpoint 198.51.100.2:51821
check "a reaches b over the second link" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
check "b followed a to the second link" endpoint_is "$if_b" "$pub_a" 198.51.100.1:51820
check "b reaches a after the move" quietly ns_exec "$NS_B" ping -q -c 2 -i 0.2 -W 2 100.64.0.1

ns_spawn "$NS_B" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -B 100.64.0.2
check "iperf3 server listens" \
  wait_for sh -c "ip netns exec '$NS_B' ss -Hltn 'sport = :5201' | grep -q LISTEN"
iperf_json="$NETNS_TMP/iperf3-client.json"
if ! ns_exec "$NS_A" timeout 20 iperf3 -c 100.64.0.2 -t 1 -J >"$iperf_json"; then
  jq -r '.error // empty' "$iperf_json" >&2 || true
  netns_fail "iperf3 TCP run through the tunnel after the move"
fi
received=$(jq -r '.end.sum_received.bytes' "$iperf_json")
read -r _ sent < <(wg_transfer "$if_a")
read -r got _ < <(wg_transfer "$if_b")
check "1 s of TCP after the move: a sent and b received at least the payload ($sent, $got >= $received > 0)" \
  test "$received" -gt 0 -a "$sent" -ge "$received" -a "$got" -ge "$received"

# Shutting down is part of the contract: a clean exit, the UAPI socket gone, no sanitizer report.
stop_process "$pid_a"
check "a ($kind_a) stops cleanly on SIGTERM (status $LAST_EXIT)" stopped_cleanly a "$NETNS_TMP/$if_a.log"
check "a removed its UAPI socket" test ! -e "$WG_UAPI_DIR/$if_a.sock"
stop_process "$pid_b"
check "b ($kind_b) stops cleanly on SIGTERM (status $LAST_EXIT)" stopped_cleanly b "$NETNS_TMP/$if_b.log"
check "b removed its UAPI socket" test ! -e "$WG_UAPI_DIR/$if_b.sock"

echo "e2e: roaming ($kind_a, $kind_b): all checks passed"
