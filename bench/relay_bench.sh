#!/usr/bin/env bash
# Relay benchmark (issue 10, "Benchmark"; docs/connectivity.md, "Performance"): iperf3 TCP and ping
# through the tunnel of two `weft up` nodes on one LAN, direct and then relayed (UDP between them
# dropped), with the relay's CPU; the relay core's packets per second (bench/relay_core_bench);
# `weft netcheck --relay-map` duration with two local `weft derp` regions.
#
# Usage: bench/relay_bench.sh [--seconds N] [--pings N] [--runs N] [--relay embedded|derp|both]
#                             [--weft PATH] [--core-bench PATH]          (as root)
# --relay: the relay embedded in `weft serve`, a `weft derp` behind `weft serve
# --no-embedded-relay --relay-map`, or both (default). --runs: netcheck runs (default 20).
# Binaries default to build-bench/ (a Release build: cmake --build build-bench --target weft
# relay_core_bench). Prints figures and ratios; fails only when a setup or a path check fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

seconds=10
pings=20
runs=20
relays=both
export WEFT_BIN=${WEFT_BIN:-$root/build-bench/cli/weft}
core_bench=$root/build-bench/bench/relay_core_bench
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --pings) pings=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --relay) relays=$2; shift 2 ;;
    --weft) WEFT_BIN=$2; shift 2 ;;
    --core-bench) core_bench=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "relay_bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case $relays in
  embedded) relay_modes=(embedded) ;;
  derp) relay_modes=(derp) ;;
  both) relay_modes=(embedded derp) ;;
  *) echo "relay_bench: --relay embedded|derp|both" >&2; exit 2 ;;
esac

# shellcheck source=SCRIPTDIR/../tests/e2e/relay_lib.sh
source "$root/tests/e2e/relay_lib.sh"
need_root
need_tool iperf3 ping jq iptables awk getconf

clk_tck=$(getconf CLK_TCK)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "relay_bench: $*" >&2; }

# The LAN is relay_lib's public bridge: the server at .10, a at .1, b at .2, relays at .21/.22.
relay_setup
for m in a b; do
  netns_create "$m"
  NS[$m]=$(ns_name "$m")
  ip link add name eth0 netns "${NS[$m]}" type veth peer name "v$m" netns "$NS_S" ||
    netns_fail "veth for $m"
  ip -n "${NS[$m]}" addr add "${NAT_WAN[$m]}/24" dev eth0
  ip -n "${NS[$m]}" link set eth0 up
  ip -n "$NS_S" link set "v$m" master br0 up
done
declare -A RELAY_IP=([one]=203.0.113.21 [two]=203.0.113.22) STUN_PORT=([one]=3481 [two]=3482)
declare -A DERP_PID DERP_LOG
for r in one two; do relay_public_address "${RELAY_IP[$r]}"; done

# start_derp REGION: `weft derp` on RELAY_IP[REGION]:8443 with STUN on STUN_PORT[REGION].
start_derp() {
  local r=$1
  DERP_LOG[$r]="$NETNS_TMP/derp-$r.log"
  ns_spawn "$NS_S" "${DERP_LOG[$r]}" "$SERVE_BIN" derp --listen "${RELAY_IP[$r]}:8443" \
    --stun-port "${STUN_PORT[$r]}"
  DERP_PID[$r]=$LAST_PID
  wait_for grep -q "weft derp: relay .* stun ${STUN_PORT[$r]}" "${DERP_LOG[$r]}" || {
    netns_dump_log "${DERP_LOG[$r]}"
    netns_fail "weft derp for region $r did not start"
  }
}

# write_map FILE REGION...: a relay map with the given `weft derp` regions (ids 1, 2, ...).
write_map() {
  local file=$1 id=0 r
  shift
  {
    echo '{"regions": ['
    for r in "$@"; do
      id=$((id + 1))
      echo "  {\"id\": $id, \"code\": \"$r\", \"nodes\": [{\"name\": \"${r}1\"," \
        "\"ipv4\": \"${RELAY_IP[$r]}\", \"relayPort\": 8443, \"stunPort\": ${STUN_PORT[$r]}}]},"
    done
    echo ']}'
  } >"$file"
}

# udp_block OP: iptables OP (-A/-D) in a's and b's namespaces: UDP between a and b dropped both
# ways, so their WireGuard can only meet through the relay (TCP).
udp_block() {
  local m other
  for m in a b; do
    other=$([[ $m == a ]] && echo b || echo a)
    ns_exec "${NS[$m]}" iptables "$1" OUTPUT -p udp -d "${NAT_WAN[$other]}" -j DROP
    ns_exec "${NS[$m]}" iptables "$1" INPUT -p udp -s "${NAT_WAN[$other]}" -j DROP
  done
}

# ping_stats: "AVG_MS LOSS_PERCENT" of $pings echo requests a -> b, 50 ms apart.
ping_stats() {
  local out
  out=$(ns_exec "${NS[a]}" ping -q -n -c "$pings" -i 0.05 -W 1 "${ADDR[b]}" || true)
  awk -F' = ' '/^rtt/ { split($2, v, "/"); avg = v[2] } /packet loss/ {
    match($0, /[0-9.]+% packet loss/); loss = substr($0, RSTART, RLENGTH - 13) }
    END { print (avg == "" ? "-" : avg), (loss == "" ? "100" : loss) }' <<<"$out"
}

iperf3_listening() { ns_exec "${NS[b]}" ss -Hltn 'sport = :5201' | grep -q LISTEN; }

# iperf_run RELAY_PID: $seconds of iperf3 TCP a -> b in the tunnel. Prints "GBIT_PER_S
# RELAY_CPU_SECONDS RELAYED_PACKETS LOST" (the relay process's CPU during the run; from the
# nodes' status counters, packets b received through relays and those a handed to its relay
# client that never reached b: dropped in the relay, by its rate limit or a full queue).
iperf_run() {
  local relay_pid=$1 json="$NETNS_TMP/iperf3.json" before after p0 p1 s0 s1
  ns_spawn "${NS[b]}" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -B "${ADDR[b]}"
  local server=$LAST_PID
  wait_for iperf3_listening || netns_fail "iperf3 server did not start"
  before=$(proc_cpu_ticks "$relay_pid")
  p0=$(node_counter b relay_packets_received)
  s0=$(node_counter a relay_packets_sent)
  if ! ns_exec "${NS[a]}" timeout $((seconds + 20)) iperf3 -c "${ADDR[b]}" -t "$seconds" -J >"$json"; then
    log "iperf3: $(jq -r '.error // "failed"' "$json" 2>/dev/null || echo failed)"
    stop_process "$server"
    return 1
  fi
  after=$(proc_cpu_ticks "$relay_pid")
  p1=$(node_counter b relay_packets_received)
  s1=$(node_counter a relay_packets_sent)
  stop_process "$server"
  jq -r --argjson ticks $((after - before)) --argjson hz "$clk_tck" --argjson pk $((p1 - p0)) \
    --argjson lost $((s1 - s0 - (p1 - p0))) \
    '"\(.end.sum_received.bits_per_second / 1e9) \($ticks / $hz) \($pk) \($lost)"' "$json"
}

# Results by row ("embedded direct", "embedded relayed", ...).
rows=()
declare -A r_gbps=() r_rtt=() r_loss=() r_cpu=() r_pkts=() r_lost=()

# measure ROW RELAY_PID: ping and iperf3 a -> b, recorded under ROW.
measure() {
  local row=$1 rtt loss result
  read -r rtt loss < <(ping_stats)
  result=$(iperf_run "$2") || netns_fail "$row: iperf3 through the tunnel failed"
  rows+=("$row")
  r_rtt[$row]=$rtt
  r_loss[$row]=$loss
  read -r "r_gbps[$row]" "r_cpu[$row]" "r_pkts[$row]" "r_lost[$row]" <<<"$result"
  log "$row: $(printf '%.3f' "${r_gbps[$row]}") Gbit/s, RTT $rtt ms ($loss% loss)," \
    "relay CPU ${r_cpu[$row]} s, ${r_pkts[$row]} packets through relays, ${r_lost[$row]} lost there"
}

peer_direct() {
  local e
  e=$(peer_field "$1" endpoint)
  [[ -n $e && $e != relay* && $e != null ]]
}

# restart_nodes: both nodes stopped and started again from their state, up to their netmap.
restart_nodes() {
  local m
  for m in a b; do stop_node "$m"; done
  for m in a b; do start_node "$m"; done
  for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
}

# scenario MODE: server (and relay), nodes a and b, the direct then the relayed measurement,
# everything stopped and removed afterwards.
scenario() {
  local mode=$1 relay_pid code m
  rm -rf "$state" "$NETNS_TMP"/node-a "$NETNS_TMP"/node-b
  if [[ $mode == embedded ]]; then
    start_server --policy "$policy"
    relay_pid=$server_pid
    code=weft
  else
    start_derp one
    write_map "$NETNS_TMP/map-one.hujson" one
    start_server --policy "$policy" --no-embedded-relay --relay-map "$NETNS_TMP/map-one.hujson"
    relay_pid=${DERP_PID[one]}
    code=one
  fi
  SERVER_CMD[$mode]="weft serve --state DIR --listen ${LAN[s]}:$port --policy FILE"
  if [[ $mode == derp ]]; then
    SERVER_CMD[$mode]+=" --no-embedded-relay --relay-map MAP;  weft derp --listen"
    SERVER_CMD[$mode]+=" ${RELAY_IP[one]}:8443 --stun-port ${STUN_PORT[one]}"
  fi
  admin "$state" users create ops@example.com >/dev/null
  for m in a b; do KEY[$m]=$(new_key "$m"); done
  for m in a b; do start_node "$m" --server "$url" --authkey "${KEY[$m]}"; done
  for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
  relay_addresses a b

  # The first handshake goes both ways (direct, and a copy through the relay) and the copy that
  # arrives first sets the path: on a busy machine the relay's may win. Restart until direct.
  local try
  for try in 1 2 3 4 5; do
    wait_for -t 15 ping_ok a b || netns_fail "$mode: a cannot ping b"
    wait_for -t 3 peer_direct a && break
    log "$mode: the first handshake went through the relay (try $try); restarting the nodes"
    restart_nodes
  done
  check "$mode: a reaches b directly ($(peer_field a endpoint))" peer_direct a
  measure "$mode direct" "$relay_pid"

  # Relayed: UDP between the nodes dropped, both restarted so their first handshake already
  # finds the direct path dead (no wait for WireGuard's timers).
  udp_block -A
  restart_nodes
  wait_for -t 20 ping_ok a b || netns_fail "$mode: a cannot ping b through the relay"
  check "$mode: a reaches b through relay \"$code\"" wait_for peer_relayed a "$code"
  check "$mode: status --json says peers[].relay = $code" \
    test "$(peer_field a relay)" = "$code" -a "$(peer_field b relay)" = "$code"
  measure "$mode relayed" "$relay_pid"
  check "$mode: still relayed after the run" peer_relayed a "$code"

  udp_block -D
  for m in a b; do stop_node "$m"; done
  stop_process "$server_pid"
  [[ $mode == embedded ]] || stop_process "${DERP_PID[one]}"
}

declare -A SERVER_CMD
for mode in "${relay_modes[@]}"; do
  log "measuring with the $mode relay"
  scenario "$mode"
done

# --- the relay core on one CPU ------------------------------------------------------------
core_out=""
if [[ -x $core_bench ]]; then
  log "running $core_bench"
  core_out=$("$core_bench")
else
  core_out="(no $core_bench: cmake --build build-bench --target relay_core_bench)"
fi

# --- netcheck with two local regions ------------------------------------------------------
log "netcheck: $runs runs against two weft derp regions"
start_derp one
start_derp two
write_map "$NETNS_TMP/map-two.hujson" one two
durations=()
for ((i = 0; i < runs; i++)); do
  t0=$(date +%s%N)
  out=$(ns_exec "${NS[a]}" "$SERVE_BIN" netcheck --relay-map "$NETNS_TMP/map-two.hujson" --format json) ||
    netns_fail "weft netcheck failed: $out"
  t1=$(date +%s%N)
  durations+=("$(((t1 - t0) / 1000))")
  n=$(jq -r '[.regions[] | select(.latencyMs != null)] | length' <<<"$out" 2>/dev/null || echo "?")
  [[ $n == 2 ]] || log "netcheck run $i measured $n regions: $(jq -c . <<<"$out")"
done
netcheck_json=$out
for r in one two; do stop_process "${DERP_PID[$r]}"; done

# --- the table ----------------------------------------------------------------------------
ratio() {
  awk -v v="${1:-}" -v r="${2:-}" 'BEGIN {
    if (v == "" || v == "-" || r == "" || r == "-" || r + 0 == 0) print "-"; else printf "%.3f\n", v / r }'
}
median_max_ms() {  # microseconds in, "MEDIAN MAX" in ms out
  printf '%s\n' "$@" | sort -n | awk '{ v[n++] = $1 } END {
    m = (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2; printf "%.1f %.1f\n", m / 1000, v[n - 1] / 1000 }'
}

echo
echo "weft relay benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -r)  $(nproc) CPUs" \
  " load average at start $load_at_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $("$SERVE_BIN" version 2>/dev/null | head -1)   $(iperf3 --version | head -1)"
echo "  iperf3 TCP ${seconds} s a -> b inside the tunnel, one stream; ping: $pings x 56 bytes, 50 ms apart"
echo "  relayed: UDP between a and b dropped (iptables in both namespaces); the relay's CPU is the"
echo "  user+system seconds of its process (weft serve or weft derp) during the iperf3 run"
echo
printf '%-18s %9s %9s %8s %7s %9s %10s %11s %12s %8s\n' path Gbit/s "x direct" "RTT ms" "loss%" \
  "relay CPU" "Gbit/CPU-s" "relayed pkt" "pkt/CPU-s" "pkt lost"
for row in "${rows[@]}"; do
  mode=${row%% *}
  direct=${r_gbps["$mode direct"]}
  per_cpu=$(awk -v g="${r_gbps[$row]}" -v c="${r_cpu[$row]}" -v s="$seconds" \
    'BEGIN { if (c > 0) printf "%.2f", g * s / c; else print "-" }')
  pkt_cpu=$(awk -v p="${r_pkts[$row]}" -v c="${r_cpu[$row]}" \
    'BEGIN { if (c > 0 && p > 0) printf "%.0f", p / c; else print "-" }')
  printf '%-18s %9.3f %9s %8s %7s %9s %10s %11s %12s %8s\n' "$row" "${r_gbps[$row]}" \
    "$(ratio "${r_gbps[$row]}" "$direct")" "${r_rtt[$row]}" "${r_loss[$row]}" "${r_cpu[$row]}" \
    "$per_cpu" "${r_pkts[$row]}" "$pkt_cpu" "${r_lost[$row]}"
done
for mode in "${relay_modes[@]}"; do
  echo "  $mode: ${SERVER_CMD[$mode]}"
done
echo "  nodes: weft up --state DIR --server http://${LAN[s]}:$port --authkey KEY (a ${NAT_WAN[a]}, b ${NAT_WAN[b]})"
echo "  iperf3 -c B -t $seconds (from a);  ping -c $pings -i 0.05 B"
echo
echo "$core_out"
echo "  command: $core_bench"
echo
read -r nc_median nc_max < <(median_max_ms "${durations[@]}")
echo "weft netcheck --relay-map MAP --format json, two local regions (weft derp, STUN ports" \
  "${STUN_PORT[one]} and ${STUN_PORT[two]}), $runs runs: median $nc_median ms, max $nc_max ms (wall clock," \
  "process start included)"
echo "  last report: $(jq -c '{udp, preferredRegion, elapsedMs, regions: [.regions[] | {code, latencyMs}]}' \
  <<<"$netcheck_json" 2>/dev/null || echo "$netcheck_json")"
