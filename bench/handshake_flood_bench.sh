#!/usr/bin/env bash
# Handshake-flood benchmark (issue 7, "Load handling"): a WireGuard pair between two network
# namespaces while a third namespace sends handshake initiations with a VALID mac1 for the
# receiving side's public key, at RATE per second. For wireguard-go <-> wireguard-go and weft <->
# weft in the same run it prints ping loss and round trips (a ping every 100 ms during the flood)
# and iperf3 throughput with and without the flood. Goals: loss <= 2 %, RTT <= 100 ms, iperf3
# keeps at least half its throughput. Never fails on timing; fails only when a pair cannot be set
# up.
#
# Usage: bench/handshake_flood_bench.sh [--weft PATH] [--rate N[,N...]] [--seconds N]   (as root)
# The flood tool is build-bench/tests/e2e/weft_udp_flood (or WEFT_UDP_FLOOD); build both with
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C build-bench weft weft_udp_flood
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/e2e/netns.sh
source "$root/tests/e2e/netns.sh"

weft_bin=${WEFT_BIN:-$root/build-bench/cli/weft}
flood=${WEFT_UDP_FLOOD:-$root/build-bench/tests/e2e/weft_udp_flood}
rates=20000,50000
seconds=8
while (($#)); do
  case $1 in
    --weft) weft_bin=$2; shift 2 ;;
    --rate) rates=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "handshake_flood_bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
need_root
need_tool ip wg wireguard-go iperf3 ping jq ss awk
[[ -x $weft_bin ]] || netns_fail "no weft binary at $weft_bin"
[[ -x $flood ]] || netns_fail "no flood tool at $flood"

log() { echo "handshake_flood_bench: $*" >&2; }
iperf3_listening() { ip netns exec "$NS_A" ss -Hltn 'sport = :5201' | grep -q LISTEN; }

# iperf_gbps: one iperf3 run of 4 s from b to a through the tunnel; prints Gbit/s.
iperf_gbps() {
  local json="$NETNS_TMP/iperf3.json" server
  ns_spawn "$NS_A" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -B 100.64.0.1
  server=$LAST_PID
  wait_for iperf3_listening || { stop_process "$server"; echo 0; return; }
  if ns_exec "$NS_B" timeout 20 iperf3 -c 100.64.0.1 -t 4 -J >"$json"; then
    jq -r '.end.sum_received.bits_per_second / 1e9' "$json"
  else
    echo 0
  fi
  stop_process "$server"
}

# start_flood RATE: valid-mac1 initiations to a for $seconds; sets flood_pid.
start_flood() {
  ns_exec "$NS_C" "$flood" --target 203.0.113.1:51820 --mode valid-mac1 --public-key "$pub_a" \
    --count $(($1 * seconds)) --rate "$1" --seconds "$seconds" >"$NETNS_TMP/flood.out" &
  flood_pid=$!
  sleep 0.5
}

declare -A result=()
rows=()
netns_pair
netns_attacker
for kind in wireguard-go weft; do
  wg_pair_configs --b-knows-a
  start_peer "$kind" "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$weft_bin" || netns_fail "$kind a"
  pid_a=$LAST_PID
  start_peer "$kind" "$NS_B" "$if_b" "$NETNS_TMP/b.conf" "$weft_bin" || netns_fail "$kind b"
  pid_b=$LAST_PID
  wait_for ns_exec "$NS_B" ping -c 1 -W 1 100.64.0.1 || netns_fail "$kind: no tunnel"
  quiet=$(iperf_gbps)
  log "$kind: $quiet Gbit/s without a flood"
  for rate in ${rates//,/ }; do
    row="$kind <-> $kind @ $rate/s"
    rows+=("$row")
    start_flood "$rate"
    out=$(ns_exec "$NS_B" ping -n -c 40 -i 0.1 -W 1 100.64.0.1 2>&1 || true)
    wait "$flood_pid" || true
    loss=$(awk '/packets transmitted/ { gsub("%", "", $6); print $6 }' <<<"$out")
    max_rtt=$(awk -F'[/ ]' '/^rtt/ { print $(NF - 2) }' <<<"$out")
    start_flood "$rate"
    loaded=$(iperf_gbps)
    wait "$flood_pid" || true
    sent=$(awk '{ print $2 }' "$NETNS_TMP/flood.out")
    result[$row]="$loss ${max_rtt:--} $quiet $loaded $sent"
    log "$row: loss $loss %, max RTT ${max_rtt:--} ms, iperf3 $loaded Gbit/s (quiet $quiet), flood sent $sent in the iperf3 run"
  done
  stop_tunnel "$pid_a" "$if_a"
  stop_tunnel "$pid_b" "$if_b"
done

echo
echo "handshake flood benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  weft=$weft_bin"
echo "  valid-mac1 initiations from a third namespace; 40 pings 100 ms apart, then 4 s of iperf3,"
echo "  each under its own flood of $seconds s; goals: loss <= 2 %, max RTT <= 100 ms, iperf3 >= 0.5x"
printf '%-34s %7s %11s %12s %12s %7s\n' pair "loss %" "max RTT ms" "quiet Gbit/s" "flood Gbit/s" ratio
for row in "${rows[@]}"; do
  read -r loss rtt quiet loaded _ <<<"${result[$row]}"
  printf '%-34s %7s %11s %12.3f %12.3f %7s\n' "$row" "$loss" "$rtt" "$quiet" "$loaded" \
    "$(awk -v a="$loaded" -v b="$quiet" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
done
