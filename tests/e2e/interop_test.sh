#!/usr/bin/env bash
# Wire interop of `weft tunnel` with the chosen initiator and responder: only the initiator has an
# Endpoint, and the responder's `wg show` proves who spoke first; then ping both ways, a 5 s
# iperf3 TCP run, and `wg show` on every weft side (recent handshake, transfer both ways).
# weft <-> weft adds roaming (WireGuard whitepaper §2.1): the initiator's underlay address changes
# during the iperf3 run, and the run must go on without a restart.
#
# WEFT_E2E_INITIATOR / WEFT_E2E_RESPONDER: weft or wireguard-go (default weft, wireguard-go).
# Needs WEFT_BIN (set by ctest) and root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

kind_a=${WEFT_E2E_INITIATOR:-weft}
kind_b=${WEFT_E2E_RESPONDER:-wireguard-go}
need_root
need_tool ip wg wireguard-go ping iperf3 jq ss
bin=${WEFT_BIN:-$here/../../build/cli/weft}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"
roam=0
[[ $kind_a == weft && $kind_b == weft ]] && roam=1
echo "# initiator a: $kind_a, responder b: $kind_b"

# endpoint_is IFNAME PUBKEY HOST:PORT: wg show reports that endpoint for the peer.
endpoint_is() {
  [[ $(wg show "$1" endpoints | awk -v k="$2" '$1 == k { print $2 }') == "$3" ]]
}

# weft_side_ok IFNAME: the checks of `wg show` on a weft interface after traffic.
weft_side_ok() {
  local ifname=$1 hs rx tx now
  now=$(date +%s)
  hs=$(wg_latest_handshake "$ifname")
  check "$ifname (weft): wg show has a recent handshake ($hs, now $now)" \
    test "$hs" -gt 0 -a "$hs" -le "$now" -a "$hs" -gt $((now - 60))
  read -r rx tx < <(wg_transfer "$ifname")
  check "$ifname (weft): wg show counts transfer both ways (rx $rx, tx $tx > 1 MiB one way)" \
    test "$rx" -gt 0 -a "$tx" -gt 0 -a $((rx > tx ? rx : tx)) -gt 1048576
}

netns_pair
wg_pair_configs

# The responder comes up first and, without an endpoint, can send nothing to a.
start_peer "$kind_b" "$NS_B" "$if_b" "$NETNS_TMP/b.conf" "$bin" || netns_fail "$kind_b b did not start"
pid_b=$LAST_PID
check "responder b has no endpoint for a" endpoint_is "$if_b" "$pub_a" "(none)"
check "responder b has no handshake yet" test "$(wg_latest_handshake "$if_b")" -eq 0
check "responder b cannot reach a" \
  sh -c "! ip netns exec '$NS_B' ping -c 1 -W 1 100.64.0.1 >/dev/null"
check "... and still has no handshake" test "$(wg_latest_handshake "$if_b")" -eq 0

start_peer "$kind_a" "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$bin" || netns_fail "$kind_a a did not start"
pid_a=$LAST_PID
check "initiator a reaches b" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
check "responder b learned a's endpoint from a's handshake" \
  endpoint_is "$if_b" "$pub_a" 192.0.2.1:51820
check "responder b has a handshake now" test "$(wg_latest_handshake "$if_b")" -gt 0
check "b reaches a back" quietly ns_exec "$NS_B" ping -q -c 3 -i 0.2 -W 2 100.64.0.1

ns_spawn "$NS_B" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -B 100.64.0.2
check "iperf3 server listens" \
  wait_for sh -c "ip netns exec '$NS_B' ss -Hltn 'sport = :5201' | grep -q LISTEN"
iperf_json="$NETNS_TMP/iperf3-client.json"
ns_spawn "$NS_A" "$iperf_json" timeout 20 iperf3 -c 100.64.0.2 -t 5 -J
iperf_pid=$LAST_PID

if ((roam)); then
  # a's address on the link changes while TCP runs; its socket is bound to the wildcard, so its
  # next datagrams come from the new address and b must follow (and answer there). The new
  # address is added first; promote_secondaries keeps it when the old (primary) one goes.
  rx_before_move() { read -r got _ < <(wg_transfer "$if_b") && ((got > 1048576)); }
  check "iperf3 data flows before the move" wait_for rx_before_move
  ns_exec "$NS_A" sysctl -qw net.ipv4.conf.veth0.promote_secondaries=1
  ip -n "$NS_A" addr add 192.0.2.11/24 dev veth0
  ip -n "$NS_A" addr del 192.0.2.1/24 dev veth0
  check "a's underlay address is now only 192.0.2.11" \
    sh -c "test \"\$(ip -n '$NS_A' -4 -o addr show dev veth0 | awk '{ print \$4 }')\" = 192.0.2.11/24"
  check "b followed a to its new address during the run" \
    wait_for endpoint_is "$if_b" "$pub_a" 192.0.2.11:51820
  read -r rx_at_move _ < <(wg_transfer "$if_b")
fi

iperf_status=0
wait "$iperf_pid" || iperf_status=$?
if ((iperf_status != 0)); then
  jq -r '.error // empty' "$iperf_json" >&2 || cat "$iperf_json" >&2
  netns_fail "iperf3 TCP run through the tunnel (status $iperf_status)"
fi
received=$(jq -r '.end.sum_received.bytes' "$iperf_json")
check "5 s of TCP: b received $received bytes (> 1 MiB)" test "$received" -gt 1048576
last_interval=$(jq -r '.intervals[-1].sum.bytes' "$iperf_json")
check "TCP still moved data in the last second ($last_interval bytes)" test "$last_interval" -gt 0

if ((roam)); then
  read -r rx_end _ < <(wg_transfer "$if_b")
  check "b received > 1 MiB after the move ($((rx_end - rx_at_move)) bytes)" \
    test $((rx_end - rx_at_move)) -gt 1048576
  check "b reaches a at its new address" quietly ns_exec "$NS_B" ping -q -c 2 -i 0.2 -W 2 100.64.0.1
  check "b still points at the new address" endpoint_is "$if_b" "$pub_a" 192.0.2.11:51820
  check "weft a was not restarted" proc_alive "$pid_a"
fi

[[ $kind_a != weft ]] || weft_side_ok "$if_a"
[[ $kind_b != weft ]] || weft_side_ok "$if_b"

stop_process "$pid_a"
check "a ($kind_a) stops cleanly (status $LAST_EXIT)" stopped_cleanly a "$NETNS_TMP/$if_a.log"
stop_process "$pid_b"
check "b ($kind_b) stops cleanly (status $LAST_EXIT)" stopped_cleanly b "$NETNS_TMP/$if_b.log"

echo "e2e: interop (initiator $kind_a, responder $kind_b): all checks passed"
