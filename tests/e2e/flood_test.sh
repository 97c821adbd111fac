#!/usr/bin/env bash
# `weft tunnel` under a flood of junk UDP from a third namespace (a bounded count, bounded time):
# random garbage, forged handshake initiations (type 1, 148 bytes, bad mac1) and type-4 data for
# unknown receiver indexes, while ping and iperf3 run through its tunnel to wireguard-go. weft
# must stay up, keep carrying the tunnel during and after the flood, and count the drops by reason
# (the "drops total=..." log line, on SIGUSR1; docs/dataplane.md "Drop counters").
# Needs WEFT_BIN and WEFT_UDP_FLOOD (set by ctest) and root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg wireguard-go ping iperf3 jq ss
bin=${WEFT_BIN:-$here/../../build/cli/weft}
flood=${WEFT_UDP_FLOOD:-$here/../../build/tests/e2e/weft_udp_flood}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"
[[ -x $flood ]] || netns_fail "no flood tool at '$flood' (set WEFT_UDP_FLOOD; target weft_udp_flood)"
flood_count=${WEFT_E2E_FLOOD_COUNT:-200000}   # per kind of junk; three kinds
# Paced so the flood lasts about 3 x 2 s whatever the machine: long enough to overlap the
# legitimate ping and iperf3 runs below, which the test checks. Each kind is capped at 4 s.
flood_rate=$((flood_count / 2))

netns_pair
# The attacker: namespace c on its own link to a (203.0.113.0/24, documentation addresses).
netns_attacker

wg_pair_configs --b-knows-a
start_peer weft "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$bin" || netns_fail "weft tunnel did not start"
pid_a=$LAST_PID
log_a="$NETNS_TMP/$if_a.log"
start_peer wireguard-go "$NS_B" "$if_b" "$NETNS_TMP/b.conf"
check "tunnel up before the flood" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2

drop_count() { weft_drop_count "$log_a" "$1"; }
request_drops() { weft_request_drops "$pid_a" "$log_a"; }
check "SIGUSR1 makes weft log its drop counters" request_drops
declare -A before
for r in malformed bad_mac1 no_session; do before[$r]=$(drop_count "$r"); done
echo "# before the flood: $(grep 'drops total=' "$log_a" | tail -n 1)"

# Legitimate traffic through the flood: iperf3 from b to a's tunnel address, and pings.
ns_spawn "$NS_A" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -B 100.64.0.1
check "iperf3 server listens" \
  wait_for sh -c "ip netns exec '$NS_A' ss -Hltn 'sport = :5201' | grep -q LISTEN"

flood_out="$NETNS_TMP/flood.out"
: >"$flood_out"
flood_all() {
  local mode seed=1
  for mode in garbage initiation data; do
    ns_exec "$NS_C" "$flood" --target 203.0.113.1:51820 --mode "$mode" --count "$flood_count" \
      --rate "$flood_rate" --seconds 4 --seed "$seed" >>"$flood_out" || return 1
    seed=$((seed + 1))
  done
}
flood_all &
flood_pid=$!
iperf_json="$NETNS_TMP/iperf3-client.json"
ns_spawn "$NS_B" "$iperf_json" timeout 20 iperf3 -c 100.64.0.1 -t 3 -J
iperf_pid=$LAST_PID
ping_out="$NETNS_TMP/ping-during.out"
ns_exec "$NS_B" ping -q -c 20 -i 0.1 -W 1 100.64.0.1 >"$ping_out" 2>&1 || true
check "the flood was still running when the pings ended" kill -0 "$flood_pid"
iperf_status=0
wait "$iperf_pid" || iperf_status=$?
check "the flood was still running when iperf3 ended" kill -0 "$flood_pid"
flood_status=0
wait "$flood_pid" || flood_status=$?
check "the flood tool ran (status $flood_status)" test "$flood_status" -eq 0
sent=$(awk '{ s += $2 } END { print s + 0 }' "$flood_out")
echo "# flood: $(tr '\n' ';' <"$flood_out")"
check "the flood sent at least half of $((3 * flood_count)) datagrams ($sent)" \
  test "$sent" -ge $((3 * flood_count / 2))
if ((iperf_status != 0)); then
  cat "$iperf_json" >&2
  netns_fail "iperf3 through the tunnel during the flood (status $iperf_status)"
fi
received=$(jq -r '.end.sum_received.bytes' "$iperf_json")
check "3 s of TCP during the flood delivered $received bytes (> 1 MiB)" test "$received" -gt 1048576
replies=$(awk '/packets transmitted/ { print $4 }' "$ping_out")
echo "# ping during the flood: $(grep 'packets transmitted' "$ping_out")"
check "pings through the tunnel answered during the flood (${replies:-0} of 20 >= 15)" \
  test "${replies:-0}" -ge 15

check "weft is still running after the flood" proc_alive "$pid_a"
check "the tunnel still carries traffic after the flood" \
  quietly ns_exec "$NS_B" ping -q -c 3 -i 0.2 -W 2 100.64.0.1
check "SIGUSR1 after the flood" request_drops
echo "# after the flood: $(grep 'drops total=' "$log_a" | tail -n 1)"
# Each kind must be counted: at least a tenth of what was sent of it (the rest may be dropped by
# the kernel's full socket buffer before weft sees it, which is not weft's counter).
for r in malformed bad_mac1 no_session; do
  after=$(drop_count "$r")
  check "drop counter $r rose by $((after - ${before[$r]})) (>= $((flood_count / 10)))" \
    test $((after - ${before[$r]})) -ge $((flood_count / 10))
done

stop_process "$pid_a"
check "weft stops cleanly after the flood (status $LAST_EXIT)" stopped_cleanly weft "$log_a"
check "weft logs its final drop counters on exit" sh -c "tail -n 3 '$log_a' | grep -q 'drops total='"

echo "e2e: flood: all checks passed"
