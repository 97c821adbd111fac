#!/usr/bin/env bash
# weft <-> weft under a flood of handshake initiations with a VALID mac1 (anyone who knows a
# node's public key can make them; each costs the target a Diffie-Hellman unless it demands
# cookies) from a third namespace, while a ping stream runs through the tunnel (issue 7, "Load
# handling"). weft must queue handshakes apart from data, declare itself under load, answer with
# cookie replies, and keep the pings flowing. The bound asserted is generous (a shared 2-core
# machine cannot break it by accident); loss and round trips are printed, and
# bench/handshake_flood_bench.sh measures the goal figures beside wireguard-go.
# Needs WEFT_BIN and WEFT_UDP_FLOOD (set by ctest) and root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg ping awk
bin=${WEFT_BIN:-$here/../../build/cli/weft}
flood=${WEFT_UDP_FLOOD:-$here/../../build/tests/e2e/weft_udp_flood}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"
[[ -x $flood ]] || netns_fail "no flood tool at '$flood' (set WEFT_UDP_FLOOD; target weft_udp_flood)"
rate=${WEFT_E2E_HANDSHAKE_FLOOD_RATE:-20000}  # initiations per second, as in the issue
seconds=6
pings=50   # 100 ms apart: 5 s inside the 6 s flood

netns_pair
netns_attacker

wg_pair_configs --b-knows-a
start_peer weft "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$bin" || netns_fail "weft a did not start"
pid_a=$LAST_PID
log_a="$NETNS_TMP/$if_a.log"
start_peer weft "$NS_B" "$if_b" "$NETNS_TMP/b.conf" "$bin" || netns_fail "weft b did not start"
check "tunnel up before the flood" wait_for ns_exec "$NS_B" ping -c 1 -W 1 100.64.0.1

drop_count() { weft_drop_count "$log_a" "$1"; }
request_drops() { weft_request_drops "$pid_a" "$log_a"; }

flood_out="$NETNS_TMP/flood.out"
ns_exec "$NS_C" "$flood" --target 203.0.113.1:51820 --mode valid-mac1 --public-key "$pub_a" \
  --count $((rate * seconds)) --rate "$rate" --seconds "$seconds" >"$flood_out" &
flood_pid=$!
sleep 0.5  # the flood is on before the first ping
ping_out="$NETNS_TMP/ping-during.out"
ns_exec "$NS_B" ping -n -c "$pings" -i 0.1 -W 1 100.64.0.1 >"$ping_out" 2>&1 || true
check "the flood was still running when the pings ended" kill -0 "$flood_pid"
flood_status=0
wait "$flood_pid" || flood_status=$?
check "the flood tool ran (status $flood_status)" test "$flood_status" -eq 0
echo "# flood: $(cat "$flood_out")"
sent=$(awk '{ print $2 }' "$flood_out")
check "the flood sent at least half of $((rate * seconds)) initiations ($sent)" \
  test "${sent:-0}" -ge $((rate * seconds / 2))

replies=$(awk '/packets transmitted/ { print $4 }' "$ping_out")
max_rtt=$(awk -F'[/ ]' '/^rtt|^round-trip/ { print $(NF - 2) }' "$ping_out")
echo "# ping during the flood: $(grep -E 'packets transmitted|^rtt' "$ping_out" | tr '\n' ' ')"
echo "# loss $(( (pings - ${replies:-0}) * 100 / pings ))%, max RTT ${max_rtt:-?} ms"
check "pings answered during the flood (${replies:-0} of $pings >= $((pings * 8 / 10)))" \
  test "${replies:-0}" -ge $((pings * 8 / 10))

check "weft is still running after the flood" proc_alive "$pid_a"
check "SIGUSR1 after the flood" request_drops
echo "# after the flood: $(grep 'drops total=' "$log_a" | tail -n 1)"
cookies=$(drop_count cookie_required)
check "weft demanded cookies under load (cookie_required=$cookies > 0)" test "$cookies" -gt 0
check "the tunnel still carries traffic after the flood" \
  quietly ns_exec "$NS_B" ping -q -c 3 -i 0.2 -W 2 100.64.0.1

stop_process "$pid_a"
check "weft stops cleanly after the flood (status $LAST_EXIT)" stopped_cleanly weft "$log_a"
echo "e2e: handshake flood: all checks passed"
