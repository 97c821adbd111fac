#!/usr/bin/env bash
# `weft tunnel` survives its wireguard-go peer dying and a fresh one starting with the same keys
# and config: weft's session is now unknown to the peer, so weft must notice (no answer to its
# data: new_handshake after KeepaliveTimeout + RekeyTimeout, 15 s, WireGuard whitepaper §6.5)
# and handshake again by itself; then ping and a short iperf3 pass, without restarting weft.
# Needs WEFT_BIN (set by ctest) and root. Takes about 20 s, most of it that protocol timer.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg wireguard-go ping iperf3 jq ss
bin=${WEFT_BIN:-$here/../../build/cli/weft}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"

# endpoint_is IFNAME PUBKEY HOST:PORT: wg show reports that endpoint for the peer.
endpoint_is() {
  [[ $(wg show "$1" endpoints | awk -v k="$2" '$1 == k { print $2 }') == "$3" ]]
}

netns_pair
# b has no Endpoint for a: after its restart only weft can start the handshake.
wg_pair_configs

start_peer weft "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$bin" || netns_fail "weft tunnel did not start"
pid_a=$LAST_PID
start_peer wireguard-go "$NS_B" "$if_b" "$NETNS_TMP/b.conf"
pid_b=$LAST_PID
check "tunnel up: weft reaches wireguard-go" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
check "... and back" quietly ns_exec "$NS_B" ping -q -c 2 -i 0.2 -W 2 100.64.0.1
hs_first=$(wg_latest_handshake "$if_a")
check "weft has a first handshake ($hs_first)" test "$hs_first" -gt 0

# The peer dies without a goodbye (SIGKILL, as a crash), then the same config starts again.
kill -KILL "$pid_b"
wait "$pid_b" 2>/dev/null || true
rm -f "$WG_UAPI_DIR/$if_b.sock"
check "the old peer's interface is gone" \
  wait_for sh -c "! ip -n '$NS_B' link show dev '$if_b' >/dev/null 2>&1"
start_peer wireguard-go "$NS_B" "$if_b" "$NETNS_TMP/b.conf"
pid_b=$LAST_PID
check "the fresh peer has no session and no endpoint for weft" \
  sh -c "test \"\$(wg show '$if_b' latest-handshakes | awk '{ print \$2 }')\" = 0"
check "... and no endpoint" endpoint_is "$if_b" "$pub_a" "(none)"

# weft still holds its old session, so its first packets go unanswered; the ping loop keeps
# data flowing until weft's new_handshake timer fires (15 s + up to 333 ms of jitter).
check "weft re-handshakes by itself and traffic resumes (bound 30 s)" \
  wait_for -t 30 ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
hs_second=$(wg_latest_handshake "$if_a")
check "weft reports a new handshake ($hs_second > $hs_first)" test "$hs_second" -gt "$hs_first"
check "the fresh peer learned weft's endpoint (so weft initiated)" \
  endpoint_is "$if_b" "$pub_a" 192.0.2.1:51820
check "the fresh peer reaches weft" quietly ns_exec "$NS_B" ping -q -c 2 -i 0.2 -W 2 100.64.0.1

ns_spawn "$NS_B" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -B 100.64.0.2
check "iperf3 server listens" \
  wait_for sh -c "ip netns exec '$NS_B' ss -Hltn 'sport = :5201' | grep -q LISTEN"
iperf_json="$NETNS_TMP/iperf3-client.json"
if ! ns_exec "$NS_A" timeout 20 iperf3 -c 100.64.0.2 -t 1 -J >"$iperf_json"; then
  jq -r '.error // empty' "$iperf_json" >&2 || true
  netns_fail "iperf3 TCP run through the tunnel after the peer restart"
fi
received=$(jq -r '.end.sum_received.bytes' "$iperf_json")
check "1 s of TCP after the restart: $received bytes (> 1 MiB)" test "$received" -gt 1048576

check "weft was never restarted" proc_alive "$pid_a"
stop_process "$pid_a"
check "weft stops cleanly (status $LAST_EXIT)" stopped_cleanly weft "$NETNS_TMP/$if_a.log"
stop_tunnel "$pid_b" "$if_b"

echo "e2e: peer restart: all checks passed"
