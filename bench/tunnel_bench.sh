#!/usr/bin/env bash
# Data-plane benchmark between two network namespaces: iperf3 TCP throughput, ping RTT and CPU
# seconds per gigabit for wireguard-go<->wireguard-go, weft<->weft and weft<->wireguard-go.
#
# Every figure is printed with its ratio to the wireguard-go pair measured in the same run, so
# machines and runs can be compared by ratio. The weft rows need build/cli/weft with a `tunnel`
# command (override with --weft PATH or WEFT_BIN); this script never builds it, and without it
# measures the reference pair and the bare veth only, saying so. Timing never makes it fail;
# it fails only when the reference pair cannot be set up.
#
# Usage: bench/tunnel_bench.sh [--seconds N] [--pings N] [--rounds N] [--weft PATH]
#          [--threads LIST] [--baseline PATH] [--pairs all|weft] [--crypto-bench PATH]
#          [--perf] [--offloads LIST]   (as root)
# --rounds N repeats every row N times, rows interleaved, and reports medians (noisy machines).
# --threads 1,2 (the default) measures the weft rows once per `weft tunnel --threads` value:
# weft(1t) is the single loop, weft(Nt) a receive thread and N-1 crypto workers.
# --offloads off,on (the default when the binary has the option) measures each weft row with
# `--offloads off` and `--offloads on` (rows labelled /off, /on); --offloads "" measures the
# binary's default only, unlabelled.
# --pairs weft measures only weft <-> weft (and the reference pair), not the mixed pairs.
# --baseline PATH measures a second weft binary (e.g. an earlier commit's build) in the same run,
# interleaved with the first; its rows are labelled base.
# --crypto-bench PATH (default: bench/crypto_bench beside the weft binary's build) prints the
# ceiling the crypto sets: 1420-byte seal + open on one core, as Gbit/s of plaintext.
# --perf records one more weft <-> weft run (the last --threads value) with perf and prints the
# top entries of its profile (both tunnel processes).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/e2e/netns.sh
source "$root/tests/e2e/netns.sh"

seconds=10
pings=20
rounds=1
thread_list=1,2
offload_list=auto
pairs=all
crypto_bench=""
want_perf=0
weft_bin=${WEFT_BIN:-$root/build/cli/weft}
base_bin=""
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --pings) pings=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --weft) weft_bin=$2; shift 2 ;;
    --threads) thread_list=$2; shift 2 ;;
    --baseline) base_bin=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --offloads) offload_list=$2; shift 2 ;;
    --crypto-bench) crypto_bench=$2; shift 2 ;;
    --perf) want_perf=1; shift ;;
    -h | --help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tunnel_bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

need_root
need_tool ip wg wireguard-go iperf3 ping jq ss awk getconf

clk_tck=$(getconf CLK_TCK)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
mtu=1420   # wireguard-go's default, used on every tunnel so the rows compare like for like

# Results per row, keyed by row label: space-separated values, one per round.
rows=()
declare -A r_gbps=() r_rtt=() r_cpu=() r_note=() r_retr=() r_drop=()

log() { echo "tunnel_bench: $*" >&2; }

# ping_avg_ms NS ADDR: average RTT over $pings echo requests 50 ms apart; fails on any loss.
ping_avg_ms() {
  local out
  out=$(ns_exec "$1" ping -q -n -c "$pings" -i 0.05 -W 1 "$2") || return 1
  awk -F' = ' '/^rtt|^round-trip/ { split($2, v, "/"); print v[2] }' <<<"$out"
}

iperf3_listening() {
  ip netns exec "$NS_B" ss -Hltn 'sport = :5201' | grep -q LISTEN
}

# iperf_run NS ADDR PID...: one iperf3 TCP run of $seconds from NS to ADDR (server in NS_B).
# Prints "GBIT_PER_S GIGABITS CPU_SECONDS RETRANSMITS", CPU summed over the PIDs (the tunnel
# processes);
# on failure logs iperf3's error and returns 1.
iperf_run() {
  local ns=$1 addr=$2
  shift 2
  local pid before=0 after=0 json="$NETNS_TMP/iperf3-$addr.json" server
  # A one-off server per run: a client that failed half-way cannot leave it busy for later rows.
  ns_spawn "$NS_B" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1
  server=$LAST_PID
  if ! wait_for iperf3_listening; then
    log "iperf3 server did not start"
    stop_process "$server"
    return 1
  fi
  for pid in "$@"; do before=$((before + $(proc_cpu_ticks "$pid"))); done
  if ! ns_exec "$ns" timeout $((seconds + 20)) iperf3 -c "$addr" -t "$seconds" -J >"$json"; then
    log "iperf3 to $addr: $(jq -r '.error // "failed"' "$json" 2>/dev/null || echo failed)"
    stop_process "$server"
    return 1
  fi
  for pid in "$@"; do after=$((after + $(proc_cpu_ticks "$pid"))); done
  stop_process "$server"
  jq -r --argjson ticks $((after - before)) --argjson hz "$clk_tck" \
    '"\(.end.sum_received.bits_per_second / 1e9) \(.end.sum_received.bytes * 8 / 1e9) \($ticks / $hz) \(.end.sum_sent.retransmits // 0)"' \
    "$json"
}

# tx_dropped NS IFNAME: packets the kernel dropped on the way into the TUN device (its queue of
# txqueuelen packets was full: the tunnel process did not read fast enough).
tx_dropped() {
  ip netns exec "$1" ip -s -j link show dev "$2" | jq -r '.[0].stats64.tx.dropped // 0'
}

# bench_pair ROW INDEX KIND_A KIND_B: a tunnel between NS_A (KIND_A, iperf3 client) and NS_B
# (KIND_B, server) on 100.64.INDEX.0/24, measured, then torn down. On failure sets _why.
bench_pair() {
  local row=$1 idx=$2 kind_a=$3 kind_b=$4
  local if_a if_b priv_a pub_a priv_b pub_b pid_a pid_b
  local addr_a=100.64.$idx.1 addr_b=100.64.$idx.2 port=$((51820 + idx))
  if_a=$(wg_ifname "${idx}a")
  if_b=$(wg_ifname "${idx}b")
  read -r priv_a pub_a < <(wg_keypair)
  read -r priv_b pub_b < <(wg_keypair)
  write_wg_config "$NETNS_TMP/$if_a.conf" --private-key "$priv_a" --listen-port "$port" \
    --address "$addr_a/24" --mtu "$mtu" \
    --peer "$pub_b" --allowed-ips "$addr_b/32" --endpoint "192.0.2.2:$port"
  write_wg_config "$NETNS_TMP/$if_b.conf" --private-key "$priv_b" --listen-port "$port" \
    --address "$addr_b/24" --mtu "$mtu" \
    --peer "$pub_a" --allowed-ips "$addr_a/32" --endpoint "192.0.2.1:$port"

  _why="weft tunnel did not come up (its log is printed above)"
  start_peer "$kind_a" "$NS_A" "$if_a" "$NETNS_TMP/$if_a.conf" "$cur_bin" || return 1
  pid_a=$LAST_PID
  start_peer "$kind_b" "$NS_B" "$if_b" "$NETNS_TMP/$if_b.conf" "$cur_bin" || {
    stop_tunnel "$pid_a" "$if_a"
    return 1
  }
  pid_b=$LAST_PID

  local rc=0 rtt result drops_before
  drops_before=$(tx_dropped "$NS_A" "$if_a")
  if ! wait_for ns_exec "$NS_A" ping -c 1 -W 1 "$addr_b"; then
    _why="no ping through the tunnel (no handshake?); logs printed above"
    netns_dump_log "$NETNS_TMP/$if_a.log"
    netns_dump_log "$NETNS_TMP/$if_b.log"
    rc=1
  elif ! rtt=$(ping_avg_ms "$NS_A" "$addr_b"); then
    _why="ping lost packets through the tunnel"
    rc=1
  elif ! result=$(
    perf_start "$pid_a" "$pid_b"
    iperf_run "$NS_A" "$addr_b" "$pid_a" "$pid_b" && ok=0 || ok=1
    perf_stop
    exit "$ok"
  ); then
    _why="iperf3 through the tunnel failed"
    rc=1
  elif [[ -n $perf_data ]]; then
    :  # the profiled run is not one of the table's rounds
  else
    local gbps gbit cpu retr drops
    read -r gbps gbit cpu retr <<<"$result"
    drops=$(($(tx_dropped "$NS_A" "$if_a") - drops_before))
    r_gbps[$row]+=" $gbps"
    r_retr[$row]+=" $retr"
    r_drop[$row]+=" $drops"
    r_rtt[$row]+=" $rtt"
    r_cpu[$row]+=" $(awk -v c="$cpu" -v g="$gbit" 'BEGIN { if (g > 0) print c / g; else print "" }')"
    log "$row: $(printf '%.3f' "$gbps") Gbit/s, RTT $rtt ms, CPU $cpu s for $(printf '%.2f' "$gbit") Gbit, $retr TCP retransmits, $drops TUN tx drops"
  fi
  stop_tunnel "$pid_a" "$if_a"
  stop_tunnel "$pid_b" "$if_b"
  return "$rc"
}

# perf_start PID...: when $perf_data is set, perf records the PIDs (all threads) until
# perf_stop. Its own output goes to a log, never to the caller's.
perf_pid=""
perf_data=""
perf_start() {
  [[ -n $perf_data ]] || return 0
  local pids
  pids=$(IFS=,; echo "$*")
  perf record -q -F 499 -g -p "$pids" -o "$perf_data" >"$perf_data.log" 2>&1 &
  perf_pid=$!
  sleep 0.5
}
perf_stop() {
  [[ -n $perf_pid ]] || return 0
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  perf_pid=""
}

# run_row ROW INDEX KIND_A KIND_B: one round of a tunnel row; a failed row is not retried.
run_row() {
  local row=$1
  shift
  add_row "$row"
  [[ -z ${r_note[$row]:-} ]] || return 0
  _why=""
  log "measuring $row"
  if ! bench_pair "$row" "$@"; then
    r_note[$row]="FAILED: ${_why:-see logs}"
    log "$row: ${r_note[$row]}"
  fi
}

add_row() {
  local r
  for r in "${rows[@]}"; do [[ $r != "$1" ]] || return 0; done
  rows+=("$1")
}

skip_row() {
  add_row "$1"
  r_note[$1]="skipped: $2"
}

# --- the run ------------------------------------------------------------------------------

netns_pair

weft_ok=1
weft_why=""
if [[ ! -x $weft_bin ]]; then
  weft_ok=0
  weft_why="$weft_bin not found (build it with scripts/build); measuring only the reference pair"
elif ! "$weft_bin" tunnel --help >/dev/null 2>&1; then
  weft_ok=0
  weft_why="$weft_bin has no 'tunnel' command yet; measuring only the reference pair"
fi
[[ $weft_ok == 1 ]] || log "$weft_why"
if [[ $offload_list == auto ]]; then
  offload_list=""
  if [[ $weft_ok == 1 ]] && "$weft_bin" tunnel --help 2>/dev/null | grep -q -- --offloads; then
    offload_list=off,on
  fi
fi
if [[ -n $base_bin && ! -x $base_bin ]]; then
  log "baseline $base_bin not found; measuring without it"
  base_bin=""
fi
# The binaries measured, "label=path" each.
binaries=("weft=$weft_bin")
[[ -z $base_bin ]] || binaries+=("base=$base_bin")
cur_bin=$weft_bin

ref="wireguard-go <-> wireguard-go"
bare="bare veth (no tunnel)"
for ((round = 1; round <= rounds; round++)); do
  ((rounds == 1)) || log "round $round of $rounds"
  # The bare veth: the floor for RTT and the ceiling for throughput (kernel only, no tunnel CPU).
  add_row "$bare"
  log "measuring $bare"
  rtt=$(ping_avg_ms "$NS_A" 192.0.2.2) || netns_fail "ping over the bare veth"
  result=$(iperf_run "$NS_A" 192.0.2.2) || netns_fail "iperf3 over the bare veth"
  read -r gbps _ _ _ <<<"$result"
  r_rtt[$bare]+=" $rtt"
  r_gbps[$bare]+=" $gbps"

  run_row "$ref" 1 wireguard-go wireguard-go
  [[ -z ${r_note[$ref]:-} ]] || netns_fail "the reference pair failed: ${r_note[$ref]}"
  if [[ $weft_ok == 1 ]]; then
    for threads in ${thread_list//,/ }; do
      for offloads in ${offload_list//,/ } ""; do
        # An empty --offloads list measures the binary's default once; a list, each value.
        [[ -n $offloads || -z $offload_list ]] || continue
        for binary in "${binaries[@]}"; do
          w="${binary%%=*}(${threads}t${offloads:+/$offloads})"
          cur_bin=${binary#*=}
          # read by netns.sh's start_weft_tunnel
          export WEFT_TUNNEL_ARGS="--threads $threads${offloads:+ --offloads $offloads}"
          run_row "$w <-> $w" 2 weft weft
          [[ $pairs == weft ]] && continue
          run_row "$w -> wireguard-go" 3 weft wireguard-go
          run_row "wireguard-go -> $w" 4 wireguard-go weft
        done
      done
    done
    unset WEFT_TUNNEL_ARGS
  else
    skip_row "weft <-> weft" "no weft tunnel"
    skip_row "weft -> wireguard-go" "no weft tunnel"
    skip_row "wireguard-go -> weft" "no weft tunnel"
  fi
done

# One more weft <-> weft run under perf (not part of the table).
perf_top=""
if [[ $want_perf == 1 && $weft_ok == 1 ]]; then
  if command -v perf >/dev/null; then
    last_threads=${thread_list##*,}
    perf_data="$NETNS_TMP/perf.data"
    cur_bin=$weft_bin
    export WEFT_TUNNEL_ARGS="--threads $last_threads"
    log "profiling weft <-> weft (${last_threads}t, the binary's default offloads) with perf"
    if bench_pair "perf" 2 weft weft && [[ -s $perf_data ]]; then
      perf_top=$(perf report -i "$perf_data" --stdio --no-children --sort comm,dso,sym \
        --percent-limit 1.5 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25)
    else
      perf_top="(perf recorded nothing; see $perf_data.log)"
    fi
    unset WEFT_TUNNEL_ARGS
    perf_data=""
  else
    perf_top="(perf is not installed: apt install linux-perf)"
  fi
fi

# The ceiling the crypto sets: seal + open of a 1420-byte packet on one core.
ceiling=""
ceiling_line="crypto ceiling: not measured (no crypto_bench; build its target, or --crypto-bench PATH)"
[[ -n $crypto_bench ]] || crypto_bench=$(dirname "$weft_bin")/../bench/crypto_bench
if [[ -x $crypto_bench ]]; then
  cb=$("$crypto_bench" 0.5 2>/dev/null || true)
  seal_ns=$(awk '/^AeadContext::seal 1420 B/ { print $4 }' <<<"$cb")
  open_ns=$(awk '/^AeadContext::open 1420 B/ { print $4 }' <<<"$cb")
  if [[ -n $seal_ns && -n $open_ns ]]; then
    ceiling=$(awk -v s="$seal_ns" -v o="$open_ns" 'BEGIN { printf "%.3f", 1420 * 8 / (s + o) }')
    ceiling_line="crypto ceiling: seal $seal_ns + open $open_ns ns per 1420 B on one core"
    ceiling_line+=" = $ceiling Gbit/s of plaintext per core ($crypto_bench)"
  fi
fi

# --- the table ----------------------------------------------------------------------------

# median VALUES...: the median of the numbers given (empty when none).
median() {
  printf '%s\n' "$@" | sort -g | awk 'NF { v[n++] = $1 } END {
    if (n == 0) print ""; else if (n % 2) print v[int(n / 2)]; else print (v[n / 2 - 1] + v[n / 2]) / 2 }'
}

# ratio VALUE REFERENCE: VALUE / REFERENCE to two decimals, "-" when either is missing.
ratio() {
  awk -v v="${1:-}" -v r="${2:-}" 'BEGIN {
    if (v == "" || r == "" || r + 0 == 0) print "-"; else printf "%.2f\n", v / r }'
}
# fmt FORMAT VALUE: VALUE printed with FORMAT, "-" when missing.
fmt() {
  awk -v f="$1" -v v="${2:-}" 'BEGIN { if (v == "") print "-"; else printf f "\n", v }'
}

echo
echo "weft tunnel benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -r)  $(nproc) CPUs" \
  " load average at start $load_at_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $(wireguard-go --version 2>/dev/null | head -1)   $(iperf3 --version | head -1)"
echo "  iperf3 TCP ${seconds} s, namespace a -> b, one stream, tunnel MTU $mtu;" \
  "ping: $pings x 56 bytes, 50 ms apart"
echo "  CPU s/Gbit: user+system seconds of both tunnel processes per gigabit received;" \
  "retrans: the sender's TCP retransmits; tun drop: packets the sender's TUN queue dropped"
echo "  ratios (x ref) against '$ref' from this run;" \
  "$( ((rounds == 1)) && echo "one round" || echo "medians of $rounds interleaved rounds")"
[[ $weft_ok == 1 ]] || echo "  note: $weft_why"
[[ -z $base_bin ]] || echo "  weft = $weft_bin, base = $base_bin"
echo
# shellcheck disable=SC2086
ref_gbps=$(median ${r_gbps[$ref]}) ref_rtt=$(median ${r_rtt[$ref]}) ref_cpu=$(median ${r_cpu[$ref]})
printf '%-30s %9s %7s %9s %7s %11s %7s %8s %8s\n' pair Gbit/s "x ref" "RTT ms" "x ref" \
  "CPU s/Gbit" "x ref" retrans "tun drop"
printf '%-30s %9s %7s %9s %7s %11s %7s %8s %8s\n' "$(printf '%.0s-' {1..30})" --------- ------- \
  --------- ------- ----------- ------- -------- --------
# shellcheck disable=SC2086  # the per-round lists are meant to split into arguments
for row in "${rows[@]}"; do
  if [[ -n ${r_note[$row]:-} ]]; then
    printf '%-30s %s\n' "$row" "${r_note[$row]}"
    continue
  fi
  gbps=$(median ${r_gbps[$row]:-}) rtt=$(median ${r_rtt[$row]:-}) cpu=$(median ${r_cpu[$row]:-})
  printf '%-30s %9s %7s %9s %7s %11s %7s %8s %8s\n' "$row" \
    "$(fmt %.3f "$gbps")" "$(ratio "$gbps" "$ref_gbps")" \
    "$(fmt %.3f "$rtt")" "$(ratio "$rtt" "$ref_rtt")" \
    "$(fmt %.2f "$cpu")" "$(ratio "$cpu" "$ref_cpu")" \
    "$(fmt %.0f "$(median ${r_retr[$row]:-})")" "$(fmt %.0f "$(median ${r_drop[$row]:-})")"
done

# The issue 14 goals, against the best weft <-> weft row of the run.
best="" best_gbps="" best_cpu=""
# shellcheck disable=SC2086
for row in "${rows[@]}"; do
  [[ $row == *"<->"* && $row != "$ref" && -z ${r_note[$row]:-} ]] || continue
  g=$(median ${r_gbps[$row]:-})
  [[ -n $g ]] || continue
  if [[ -z $best_gbps ]] || awk -v a="$g" -v b="$best_gbps" 'BEGIN { exit !(a > b) }'; then
    best=$row best_gbps=$g best_cpu=$(median ${r_cpu[$row]:-})
  fi
done
echo
echo "$ceiling_line"
if [[ -n $best ]]; then
  echo "best weft pair: $best, $(fmt %.3f "$best_gbps") Gbit/s = $(ratio "$best_gbps" "$ref_gbps") x" \
    "wireguard-go (goal >= 4.00), CPU $(fmt %.2f "$best_cpu") s/Gbit (goal <= 0.35)" \
    "$([[ -n $ceiling ]] && echo ", $(ratio "$best_gbps" "$ceiling") of one core's crypto ceiling")"
fi
if [[ -n $perf_top ]]; then
  echo
  echo "perf profile of weft <-> weft (both tunnel processes, top entries: overhead, command, object, symbol):"
  echo "$perf_top"
fi
