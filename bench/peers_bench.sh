#!/usr/bin/env bash
# Data-path cost against the number of configured peers: ping RTT and iperf3 throughput through
# a weft<->weft tunnel while node a holds 1, 1,000, 10,000 and 40,000 peers (the extra ones idle,
# one /32 each, added over the UAPI), each with its ratio to the 1-peer figure (goal: within
# 1.2x); and the longest stall of a 100-per-second ping stream while a 10,000-peer set is
# applied to a in one UAPI request.
#
# Timing never makes it fail; it fails only when a tunnel cannot be set up. Needs a weft binary
# (--weft PATH or WEFT_BIN; never built here). --baseline PATH measures a second binary, e.g. a
# build of an earlier commit, in the same run (its rows are labelled base).
#
# Usage: bench/peers_bench.sh [--weft PATH] [--baseline PATH] [--counts LIST] [--seconds N]
#                             [--pings N]   (as root)
# --counts 1,1000,10000,40000 (default) are the peer counts of node a, ascending.
# WEFT_TUNNEL_ARGS (e.g. "--threads 2") is passed to every weft tunnel (tests/e2e/netns.sh).
# The core alone, without sockets: build/bench/peers_bench (bench/peers_bench.cc).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/e2e/netns.sh
source "$root/tests/e2e/netns.sh"

seconds=5
pings=100
counts=1,1000,10000,40000
stall_peers=10000
weft_bin=${WEFT_BIN:-$root/build/cli/weft}
base_bin=""
while (($#)); do
  case $1 in
    --weft) weft_bin=$2; shift 2 ;;
    --baseline) base_bin=$2; shift 2 ;;
    --counts) counts=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --pings) pings=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "peers_bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

need_root
need_tool ip wg iperf3 ping jq ss awk python3
[[ -x $weft_bin ]] || netns_fail "no weft binary at $weft_bin (build it, or pass --weft PATH)"
binaries=("weft=$weft_bin")
if [[ -n $base_bin ]]; then
  [[ -x $base_bin ]] || netns_fail "no baseline binary at $base_bin"
  binaries+=("base=$base_bin")
fi

log() { echo "peers_bench: $*" >&2; }

# uapi_add_peers IFNAME FIRST COUNT [KEEP]: adds idle peers FIRST..FIRST+COUNT-1 (a key derived
# from the number, allowed IP 10.x.y.z/32 = the number) in requests of at most $stall_peers
# peers, each under the UAPI's 1 MiB request cap. With KEEP (b's public key), the first request
# is what `wg setconf` sends: replace_peers=true, then b as in b.conf, then the idle peers.
# Prints the seconds the slowest request took.
uapi_add_peers() {
  python3 - "$WG_UAPI_DIR/$1.sock" "$2" "$3" "$stall_peers" "${4:-}" <<'EOF'
import base64, hashlib, socket, sys, time
path, first, count, per_request = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
keep = sys.argv[5]
slowest = 0.0
for start in range(first, first + count, per_request):
    lines = ["set=1"]
    if keep and start == first:
        lines += ["replace_peers=true", "public_key=" + base64.b64decode(keep).hex(),
                  "endpoint=192.0.2.2:51821", "allowed_ip=100.64.0.2/32"]
    for n in range(start, min(start + per_request, first + count)):
        lines.append("public_key=" + hashlib.sha256(b"peers_bench %d" % n).hexdigest())
        lines.append("allowed_ip=10.%d.%d.%d/32" % (n >> 16 & 255, n >> 8 & 255, n & 255))
    body = ("\n".join(lines) + "\n\n").encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    began = time.monotonic()
    s.sendall(body)
    answer = b""
    while not answer.endswith(b"\n\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
    slowest = max(slowest, time.monotonic() - began)
    s.close()
    if answer.strip() != b"errno=0":
        sys.exit("uapi set of %d peers answered %r" % (count, answer))
print("%.3f" % slowest)
EOF
}

# ping_median_ms NS ADDR: median RTT of $pings echo requests 50 ms apart (the median, not the
# mean: one scheduling hiccup of a shared machine must not decide a row); fails on any loss.
ping_median_ms() {
  local out
  out=$(ns_exec "$1" ping -n -c "$pings" -i 0.05 -W 1 "$2") || return 1
  grep -o 'time=[0-9.]*' <<<"$out" | cut -d= -f2 | sort -n |
    awk '{ v[NR] = $1 } END { printf "%.3f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

iperf3_listening() {
  ip netns exec "$NS_B" ss -Hltn 'sport = :5201' | grep -q LISTEN
}

# iperf_gbps: one iperf3 TCP run of $seconds from a to b through the tunnel, in Gbit/s.
iperf_gbps() {
  local json="$NETNS_TMP/iperf3.json" server
  ns_spawn "$NS_B" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1
  server=$LAST_PID
  if ! wait_for iperf3_listening; then
    stop_process "$server"
    return 1
  fi
  if ! ns_exec "$NS_A" timeout $((seconds + 20)) iperf3 -c 100.64.0.2 -t "$seconds" -J >"$json"; then
    log "iperf3: $(jq -r '.error // "failed"' "$json" 2>/dev/null || echo failed)"
    stop_process "$server"
    return 1
  fi
  stop_process "$server"
  jq -r '.end.sum_received.bits_per_second / 1e9' "$json"
}

# start_pair BIN: the standard a<->b tunnel (tests/e2e/netns.sh wg_pair_configs) with weft BIN
# on both sides, up and answering pings. Sets pid_a, pid_b.
start_pair() {
  wg_pair_configs --b-knows-a
  start_peer weft "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$1" || netns_fail "weft on a did not start"
  pid_a=$LAST_PID
  start_peer weft "$NS_B" "$if_b" "$NETNS_TMP/b.conf" "$1" || netns_fail "weft on b did not start"
  pid_b=$LAST_PID
  wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2 || netns_fail "no ping through the tunnel"
}

stop_pair() {
  stop_tunnel "$pid_a" "$if_a"
  stop_tunnel "$pid_b" "$if_b"
}

# Results keyed "label count": RTT ms, Gbit/s, seconds of the slowest UAPI request that got
# there; stall rows keyed by "label what".
declare -A r_rtt=() r_gbps=() r_apply=() r_stall=() r_gap=() r_lost=() r_answer=()
stall_rows=()

# stall_during KEY CMD...: a ping every 10 ms from a to b (timestamped replies) while CMD (a UAPI
# request that prints its duration) runs. The stall is the longest RTT and the longest gap
# between replies: a ping sent while the loop is held waits for the whole hold.
stall_during() {
  local key=$1 ping_log="$NETNS_TMP/stall-ping.log" ping_pid
  shift
  stall_rows+=("$key")
  ns_spawn "$NS_A" "$ping_log" ping -n -D -i 0.01 -W 5 100.64.0.2
  ping_pid=$LAST_PID
  sleep 1
  r_answer[$key]=$("$@") || netns_fail "$key: the UAPI request failed"
  sleep 1
  local stopped
  stopped=$(date +%s.%N)
  kill -INT "$ping_pid" 2>/dev/null || true
  stop_process "$ping_pid"
  # The last gap runs to the stop: replies that never resumed are a stall too.
  read -r "r_stall[$key]" "r_gap[$key]" "r_lost[$key]" < <(awk -v stop="$stopped" '
    /bytes from/ {
      t = substr($1, 2, length($1) - 2) + 0
      for (i = 1; i <= NF; i++) if ($i ~ /^time=/) { rtt = substr($i, 6) + 0 }
      if (rtt > max_rtt) max_rtt = rtt
      if (last > 0 && (t - last) * 1000 > max_gap) max_gap = (t - last) * 1000
      last = t
      got++
    }
    /packets transmitted/ { sent = $1 }
    END {
      if (last > 0 && (stop - last) * 1000 > max_gap) max_gap = (stop - last) * 1000
      printf "%.1f %.1f %d\n", max_rtt, max_gap, sent - got
    }' "$ping_log")
  log "$key: longest ping RTT ${r_stall[$key]} ms, longest reply gap ${r_gap[$key]} ms" \
    "(answered in ${r_answer[$key]} s)"
}

# expect_peers LABEL N: a get after a set must see all of it (weft applies sets in slices).
expect_peers() {
  local listed
  listed=$(ns_exec "$NS_A" wg show "$if_a" peers | wc -l)
  ((listed == $2)) || netns_fail "$1: wg show lists $listed peers after the set, expected $2"
}

# measure_counts LABEL BIN: the RTT and throughput rows, growing a's peers through $counts;
# then, from the largest count, the stall of a `wg setconf`-style set down to $stall_peers.
measure_counts() {
  local label=$1 bin=$2 have=1 n add
  start_pair "$bin"
  for n in ${counts//,/ }; do
    add=$((n - have))
    if ((add > 0)); then
      log "$label: adding $add idle peers to a ($n in all)"
      r_apply["$label $n"]=$(uapi_add_peers "$if_a" "$have" "$add") ||
        netns_fail "$label: adding peers over the UAPI failed"
      have=$n
    fi
    wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2 || netns_fail "$label: tunnel lost at $n peers"
    r_rtt["$label $n"]=$(ping_median_ms "$NS_A" 100.64.0.2) || r_rtt["$label $n"]="lost"
    r_gbps["$label $n"]=$(iperf_gbps) || r_gbps["$label $n"]="failed"
    log "$label $n peers: RTT ${r_rtt["$label $n"]} ms, ${r_gbps["$label $n"]} Gbit/s"
  done
  if ((have > stall_peers)); then
    stall_during "$label: replace $have peers by $stall_peers + b" \
      uapi_add_peers "$if_a" 1 "$stall_peers" "$pub_b"
    expect_peers "$label" $((stall_peers + 1))
  fi
  stop_pair
}

# measure_stall LABEL BIN: the stall while one UAPI request adds $stall_peers peers to a fresh a.
measure_stall() {
  local label=$1 bin=$2
  start_pair "$bin"
  stall_during "$label: add $stall_peers peers to 1" uapi_add_peers "$if_a" 1 "$stall_peers"
  expect_peers "$label" $((stall_peers + 1))
  stop_pair
}

netns_pair
for binary in "${binaries[@]}"; do
  label=${binary%%=*}
  bin=${binary#*=}
  measure_stall "$label" "$bin"
  measure_counts "$label" "$bin"
done

echo
echo "peers_bench: weft tunnel <-> weft tunnel, idle peers on node a; load at start:" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
for binary in "${binaries[@]}"; do echo "  ${binary%%=*} = ${binary#*=}"; done
echo
printf '%-6s %8s %10s %8s %10s %8s %14s\n' binary peers "RTT ms" "x 1" "Gbit/s" "x 1" "slowest set s"
for binary in "${binaries[@]}"; do
  label=${binary%%=*}
  first=${counts%%,*}
  for n in ${counts//,/ }; do
    rtt=${r_rtt["$label $n"]} gbps=${r_gbps["$label $n"]}
    rtt0=${r_rtt["$label $first"]} gbps0=${r_gbps["$label $first"]}
    printf '%-6s %8s %10s %8s %10s %8s %14s\n' "$label" "$n" "$rtt" \
      "$(awk -v a="$rtt" -v b="$rtt0" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "-" }')" \
      "$(awk -v a="$gbps" 'BEGIN { if (a + 0 > 0) printf "%.3f", a; else print a }')" \
      "$(awk -v a="$gbps" -v b="$gbps0" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "-" }')" \
      "${r_apply["$label $n"]:--}"
  done
done
echo
echo "One UAPI set of $stall_peers idle peers while a pings b every 10 ms:"
printf '%-40s %10s %10s %6s %12s\n' "binary: set" "longest" "longest" "lost" "answered"
printf '%-40s %10s %10s %6s %12s\n' "" "RTT ms" "gap ms" "pings" "in s"
for key in "${stall_rows[@]}"; do
  printf '%-40s %10s %10s %6s %12s\n' "$key" "${r_stall[$key]}" "${r_gap[$key]}" \
    "${r_lost[$key]}" "${r_answer[$key]}"
done
echo
echo "  RTT: median of $pings pings 50 ms apart; Gbit/s: iperf3 TCP a->b for $seconds s;" \
  "x 1: ratio to the $first-peer row (goal: RTT within 1.2x); slowest set s: the longest" \
  "UAPI request that added the row's peers (at most $stall_peers each), until its answer."
echo "  Stall: the longest ping RTT and the longest gap between two replies (10 ms when nothing" \
  "stalls) while the set is applied; answered in: until the set's answer (weft answers after" \
  "the first slice of 500 peers and applies the rest on the next turns of its loop)."
