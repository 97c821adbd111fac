#!/usr/bin/env bash
# NAT traversal benchmark (issue 11, "Benchmark"; docs/connectivity.md, "Performance"), in network
# namespaces with real Linux NAT (tests/e2e/relay_lib.sh): two `weft up` nodes and `weft serve`
# with its embedded relay.
#  - topology 1, a and b behind two endpoint-independent NATs (MASQUERADE), and topology 4, a and
#    b on one LAN behind one NAT: the time from the first packet to a direct path, median and
#    worst of --runs runs. Each run starts both nodes afresh on a new UDP port (new NAT
#    mappings, no conntrack entry left from the run before), waits until each knows the other's
#    reported endpoints, sends one kernel ping through the tunnel (the first packet) and polls
#    a's status on its local API socket (the request of `weft status --json`, from a small
#    Python loop: about 1 ms a poll, where spawning `weft status` takes tens of ms) until its
#    peer's path is "direct"; the time is from just before the ping is spawned (`ip netns exec
#    ping` start-up included, a few ms) to the first poll that saw "direct" (the mean poll
#    period is printed). The status poll is used rather than `weft ping --until-direct`, whose
#    discovery pings are themselves the first packets and are paced by its interval.
#  - topology 3, the direct path of topology 1 cut (iptables DROP between the NATs' public
#    addresses) under a ping every 0.1 s: the longest gap between replies, median of --cuts.
#
# Usage: bench/disco_bench.sh [--runs N] [--cuts N] [--weft PATH]          (as root)
# The binary defaults to build-bench/ (a Release build: cmake --build build-bench --target weft).
# Prints the figures; fails only when a setup or a path check fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

runs=20
cuts=5
export WEFT_BIN=${WEFT_BIN:-$root/build-bench/cli/weft}
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --cuts) cuts=$2; shift 2 ;;
    --weft) WEFT_BIN=$2; shift 2 ;;
    -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "disco_bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

# shellcheck source=SCRIPTDIR/../tests/e2e/relay_lib.sh
source "$root/tests/e2e/relay_lib.sh"
need_root
need_tool iptables ping jq awk python3
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "disco_bench: $*" >&2; }

relay_setup
relay_nat a 192.0.2
relay_nat b 198.51.100
relay_start_server
port_base=42000
run_no=0

# knows M N: M's candidates for its peer N hold every endpoint N reported to the server.
knows() {
  local reported candidates e
  reported=$(server_endpoints "$2")
  [[ -n $reported ]] || return 1
  candidates=" $(node_status "$1" | jq -r '.peers[0].candidates | join(" ")') "
  for e in $reported; do [[ $candidates == *" $e "* ]] || return 1; done
}
# mapped M: M's report holds its NAT's mapping (its netcheck is done).
mapped() { [[ " $(server_endpoints "$1") " == *" ${NAT_WAN[$2]}:"* ]]; }

# fresh_nodes ROUTER_OF_B: both nodes (re)started on a new UDP port, settled: netmap, home
# region, the NATs' mappings reported and each side's candidates up to date.
fresh_nodes() {
  local m
  run_no=$((run_no + 1))
  for m in a b; do
    if [[ -n ${PID[$m]:-} ]] && proc_alive "${PID[$m]}"; then stop_node "$m"; fi
  done
  for m in a b; do
    if [[ -d $NETNS_TMP/node-$m ]]; then
      start_node "$m" --port $((port_base + run_no))
    else
      start_node "$m" --server "$url" --authkey "${KEY[$m]}" --port $((port_base + run_no))
    fi
  done
  for m in a b; do wait_logged "$m" 'netmap applied: 1 peer' 20; done
  [[ -n ${ADDR[a]:-} ]] || relay_addresses a b
  for m in a b; do wait_for -t 15 home_is "$m" weft || netns_fail "no home region for $m"; done
  wait_for -t 15 mapped a a || netns_fail "a's NAT mapping not reported"
  wait_for -t 15 mapped b "$1" || netns_fail "b's NAT mapping not reported"
  wait_for -t 15 knows a b || netns_fail "a does not know b's endpoints"
  wait_for -t 15 knows b a || netns_fail "b does not know a's endpoints"
  path_is a idle || log "run $run_no: a's path before the first packet: $(peer_field a path)"
}

# poll_direct.py SOCKET REGEX NS ADDRESS: spawns one ping in NS to ADDRESS, then asks SOCKET for
# the node's status until its peer's path is "direct" to an address matching REGEX (20 s at
# most). Prints "MICROSECONDS POLLS", or "timeout LAST_STATUS" and exits 1.
cat >"$NETNS_TMP/poll_direct.py" <<'EOF_PY'
import json, re, socket, subprocess, sys, time
sock, regex, ns, address = sys.argv[1:5]
def status():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(b'{"op":"status"}\n')
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)
t0 = time.monotonic_ns()
ping = subprocess.Popen(["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "5", address],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
polls = 0
while True:
    st = status()
    polls += 1
    peer = st["peers"][0] if st.get("peers") else {}
    if peer.get("path") == "direct" and re.search(regex, peer.get("direct", "")):
        break
    if time.monotonic_ns() - t0 > 20e9:
        print("timeout", json.dumps(peer))
        sys.exit(1)
    time.sleep(0.001)
t1 = time.monotonic_ns()
ping.wait()
print((t1 - t0) // 1000, polls, ping.returncode)
EOF_PY

# first_to_direct REGEX: one ping a -> b, then a's status polled until direct to REGEX. Sets
# FT_US (microseconds) and FT_POLLS.
first_to_direct() {
  local out rc
  out=$(python3 "$NETNS_TMP/poll_direct.py" "$NETNS_TMP/node-a/weft.sock" "$1" "${NS[a]}" \
    "${ADDR[b]}") || netns_fail "run $run_no: not direct after 20 s: $out"
  read -r FT_US FT_POLLS rc <<<"$out"
  [[ $rc == 0 ]] || log "run $run_no: the first ping went unanswered"
}

# stats: microseconds on stdin, "MEDIAN_MS WORST_MS" out.
stats() {
  sort -n | awk '{ v[n++] = $1 } END {
    m = (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2; printf "%.0f %.0f\n", m / 1000, v[n - 1] / 1000 }'
}

# direct_runs NAME REGEX ROUTER_OF_B: --runs measurements; sets R_MEDIAN/R_WORST/R_POLL[NAME].
declare -A R_MEDIAN R_WORST R_POLL
direct_runs() {
  local name=$1 regex=$2 i us=() poll_us=0 polls=0
  for ((i = 1; i <= runs; i++)); do
    fresh_nodes "$3"
    first_to_direct "$regex"
    us+=("$FT_US")
    poll_us=$((poll_us + FT_US))
    polls=$((polls + FT_POLLS))
    log "$name run $i: direct after $((FT_US / 1000)) ms ($FT_POLLS polls) via $(peer_field a direct)"
  done
  read -r "R_MEDIAN[$name]" "R_WORST[$name]" < <(printf '%s\n' "${us[@]}" | stats)
  R_POLL[$name]=$((poll_us / polls))
}

# --- topology 1 -------------------------------------------------------------------------------
log "topology 1: two NATs (MASQUERADE), $runs runs"
direct_runs "1 two NATs" "^${NAT_WAN[b]//./\\.}:[0-9]+\$" b

# --- topology 3: the cut ----------------------------------------------------------------------
log "topology 3: the direct path cut under ping -i 0.1, $cuts times"
gaps=()
to_direct() { ping_ok a b; direct_to a "^${NAT_WAN[b]//./\\.}:[0-9]+\$"; }
more_replies() { test "$(ping_replies "$1")" -gt "$2"; }
for ((i = 1; i <= cuts; i++)); do
  wait_for -t 20 to_direct || netns_fail "cut $i: not direct before the cut"
  pings="$NETNS_TMP/ping-cut-$i.log"
  ping_stream a b "$pings"
  pinger=$LAST_PID
  sleep 2
  relay_cut -I a b
  wait_for -t 20 path_is a relay || netns_fail "cut $i: a never fell back to the relay"
  n=$(ping_replies "$pings")
  wait_for -t 20 more_replies "$pings" $((n + 20)) || netns_fail "cut $i: no replies through the relay"
  stop_process "$pinger"
  relay_cut -D a b
  read -r gap replies < <(ping_gap "$pings")
  gaps+=("$gap")
  log "cut $i: longest gap $gap ms ($replies replies)"
done
read -r gap_median gap_worst < <(printf '%s\n' "${gaps[@]}" | awk '{ print $1 * 1000 }' | stats)

# --- topology 4 -------------------------------------------------------------------------------
# b moves (stopped) onto a's LAN: 192.0.2.3 behind na.
stop_node b
ip -n "${NS[b]}" route del default 2>/dev/null || true
ip -n "${NS[b]}" addr flush dev eth0
ip -n "${NS[b]}" link set eth0 down
relay_host b a 3 eth1
log "topology 4: one LAN behind one NAT, $runs runs"
direct_runs "4 one LAN" "^${PRIV[b]//./\\.}:[0-9]+\$" a
for m in a b; do stop_node "$m"; done

# --- the table --------------------------------------------------------------------------------
echo
echo "weft NAT traversal benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -r)  $(nproc) CPUs" \
  " load average at start $load_at_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $("$SERVE_BIN" --version 2>/dev/null | head -1) ($WEFT_BIN)"
echo "  first packet -> direct: fresh nodes (new UDP port), one kernel ping a -> b, a's status"
echo "  (the local API's {\"op\":\"status\"}) polled until peers[0].path is direct; cut: ping -i 0.1"
echo "  a -> b, iptables DROP between the NATs' public addresses in both routers"
echo
printf '%-38s %8s %10s %10s %14s\n' measurement runs "median ms" "worst ms" "poll period us"
for name in "1 two NATs" "4 one LAN"; do
  printf '%-38s %8s %10s %10s %14s\n' "topology $name: first packet -> direct" "$runs" \
    "${R_MEDIAN[$name]}" "${R_WORST[$name]}" "${R_POLL[$name]}"
done
printf '%-38s %8s %10s %10s %14s\n' "topology 3 cut: longest reply gap" "$cuts" "$gap_median" \
  "$gap_worst" "-"
echo "  gaps (ms): ${gaps[*]}"
