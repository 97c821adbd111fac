#!/usr/bin/env bash
# The coordination server under load (issue 8, "Benchmark"; docs/control-plane.md, "Coordination
# server benchmark"): a real `weft serve` on 127.0.0.1 and weft_control_load's clients over the
# real protocol, no data plane. Shape: N nodes = two service tags of 50 nodes (tag:svc-a,
# tag:svc-b) and (N-100)/100 groups of 100 nodes, each group one user; each group's rule lets it
# reach itself and both service tags, so a group node has 199 peers and a service node N-100.
# For each N: time to register all; one rule edit touching two groups (group 0 may now reach
# group 1: 200 nodes gain 100 peers) until every affected node holds its delta, and the bytes
# the server sent meanwhile; one node joining group 2 until its 200 peers (group 2, the services) hold the delta; the
# server's CPU time and peak RSS. Ratios against the goal at 10,000 (2 s, 50 ms, 1 GiB).
#
# Prints numbers; never fails on timing (exit 1 only when the setup fails). No root needed.
# Usage: bench/control_bench.sh [--weft PATH] [--load PATH] [--counts LIST] [--concurrency C]
#                               [--services-first]
# --counts 1000,5000,10000 (default); without --weft/--load, builds both in Release into
# ${WEFT_BENCH_BUILD_DIR:-build-bench}. The groups register first, the service nodes last:
# --services-first reverses that, so every group join changes the filters of the 100 service
# nodes already streaming (sent as added sources since filter deltas; before them, whole
# filters made this order quadratic: see the doc section).
# Each N runs in a fresh temp state dir, removed afterwards (WEFT_BENCH_KEEP=1 keeps it).
# WEFT_BENCH_PERF=DIR records the join with `perf record --call-graph dwarf` of both processes into
# DIR/join-N-serve.data and DIR/join-N-load.data (the profile behind the join figure).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

counts=1000,5000,10000
concurrency=64
services_first=0
weft_bin=""
load_bin=""
while (($#)); do
  case $1 in
    --weft) weft_bin=$2; shift 2 ;;
    --load) load_bin=$2; shift 2 ;;
    --counts) counts=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --services-first) services_first=1; shift ;;
    -h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "control_bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "control_bench: $*" >&2; }
fail() { log "$*"; exit 1; }

# Binaries: given, or next to the given weft in its build dir, or built here.
if [[ -z $weft_bin || -z $load_bin ]]; then
  build=${WEFT_BENCH_BUILD_DIR:-$root/build-bench}
  [[ -n $weft_bin ]] && build=$(cd "$(dirname "$weft_bin")/.." && pwd)
  if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$build" -j "$(nproc)" --target weft weft_control_load >/dev/null
  weft_bin=${weft_bin:-$build/cli/weft}
  load_bin=${load_bin:-$build/tests/e2e/weft_control_load}
fi
[[ -x $weft_bin ]] || fail "no weft binary at $weft_bin"
[[ -x $load_bin ]] || fail "no weft_control_load at $load_bin"

tmp=""
serve_pid=""
load_pid=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [[ -n $load_pid ]]; then kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; fi
  if [[ -n $serve_pid ]]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  if [[ -n $tmp && -n ${WEFT_BENCH_KEEP:-} ]]; then log "kept $tmp"; elif [[ -n $tmp ]]; then rm -rf "$tmp"; fi
  load_pid="" serve_pid="" tmp=""
}
trap cleanup EXIT

now_ns() { date +%s%N; }
# wait_for SECONDS COMMAND...: polls every 0.1 s; false when the time passes first.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.1
  done
}
admin() { "$weft_bin" admin --state "$tmp/state" "$@"; }
# Server CPU seconds (user + system) and memory (kB) from /proc.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
    "/proc/$serve_pid/stat"
}
mem_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$serve_pid/status"; }

# policy FILE GROUPS [EDIT]: each group reaches itself and both service tags; EDIT adds group 0
# reaching group 1.
policy() {
  local file=$1 groups=$2 edit=${3:-}
  {
    echo '{"tagOwners": {"tag:svc-a": ["ops@load.example"], "tag:svc-b": ["ops@load.example"]},'
    echo ' "acls": ['
    local g
    for ((g = 0; g < groups; g++)); do
      echo "  {\"action\": \"accept\", \"src\": [\"g$g@load.example\"],"
      echo "   \"dst\": [\"g$g@load.example:*\", \"tag:svc-a:*\", \"tag:svc-b:*\"]},"
    done
    [[ -n $edit ]] && echo '  {"action": "accept", "src": ["g0@load.example"], "dst": ["g1@load.example:*"]},'
    echo ' ]}'
  } >"$file"
}

# lines WORD: how many lines of the load program's output start with WORD; more_lines WORD N:
# whether more than N do.
lines() { grep -c "^$1 " "$tmp/load.out" || true; }
more_lines() { (($(lines "$1") > $2)); }
# The load program's last report line, after asking for one.
report() {
  local before
  before=$(lines report)
  echo report >&3
  wait_for 300 more_lines report "$before" || fail "the load program does not answer"
  grep '^report ' "$tmp/load.out" | tail -1
}
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }
# settle MIN_CHANGED LIMIT: reports until at least MIN_CHANGED nodes changed and no delta
# arrived between two reports 0.5 s apart; prints the last report.
settle() {
  local min=$1 limit=$2 prev=-1 r d end=$((SECONDS + $2))
  while :; do
    r=$(report)
    d=$(field deltas "$r")
    if (($(field changed "$r") >= min && d == prev)); then break; fi
    ((SECONDS < end)) || { log "not settled after ${limit}s"; break; }
    prev=$d
    sleep 0.5
  done
  echo "$r"
}
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a - b) / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

run() {
  local n=$1 groups=$(( ($1 - 100) / 100 ))
  ((groups >= 3)) || fail "N=$n: at least 400 nodes (three groups and the services)"
  n=$((groups * 100 + 100))
  tmp=$(mktemp -d /tmp/weft-control-bench-XXXXXX)
  policy "$tmp/policy.hujson" "$groups"
  policy "$tmp/policy2.hujson" "$groups" edit

  "$weft_bin" serve --state "$tmp/state" --listen 127.0.0.1:0 --policy "$tmp/policy.hujson" \
    2>"$tmp/serve.log" &
  serve_pid=$!
  wait_for 20 grep -qs 'listening on' "$tmp/serve.log" || fail "weft serve did not start: $(cat "$tmp/serve.log")"
  local line port key
  line=$(grep 'listening on' "$tmp/serve.log")
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' <<<"$line")
  key=$(sed -n 's/.*server key \([^ ,]*\).*/\1/p' <<<"$line")

  admin users create ops@load.example >/dev/null
  local svc="" grp=""
  for t in svc-a svc-b; do
    svc+="$(admin keys create --user ops@load.example --reusable --tags "tag:$t" 2>/dev/null) 50"$'\n'
  done
  for ((g = 0; g < groups; g++)); do
    admin users create "g$g@load.example" >/dev/null
    grp+="$(admin keys create --user "g$g@load.example" --reusable 2>/dev/null) 100"$'\n'
  done
  # Registration order: see --services-first.
  if ((services_first)); then printf '%s%s' "$svc" "$grp"; else printf '%s%s' "$grp" "$svc"; fi >"$tmp/keys"
  local join_key
  join_key=$(sed -n '3p' <<<"$grp" | cut -d' ' -f1)  # group 2's

  local cpu0
  cpu0=$(cpu_seconds)
  mkfifo "$tmp/ctl"
  exec 3<>"$tmp/ctl"
  "$load_bin" --server "http://127.0.0.1:$port" --server-key "$key" --auth-key-file "$tmp/keys" \
    --nodes "$n" --concurrency "$concurrency" --stay --timeout 3600 \
    <"$tmp/ctl" >"$tmp/load.out" 2>"$tmp/load.err" &
  load_pid=$!
  wait_for 3600 grep -qs '^streaming ' "$tmp/load.out" ||
    fail "N=$n: not all nodes streaming: $(tail -3 "$tmp/load.err")"
  local reg_ms reg_cpu rss_reg
  reg_ms=$(awk '/^streaming /{ print $3 }' "$tmp/load.out")
  settle 0 600 >/dev/null  # the last joins' deltas
  reg_cpu=$(awk -v a="$(cpu_seconds)" -v b="$cpu0" 'BEGIN { printf "%.1f", a - b }')
  rss_reg=$(mem_kb VmRSS)

  # One rule edit touching two groups.
  echo mark >&3
  wait_for 10 more_lines mark 0
  local c1 t0 edit edit_ms edit_cpu
  c1=$(cpu_seconds)
  t0=$(now_ns)
  admin policy set "$tmp/policy2.hujson" >/dev/null || fail "policy set refused"
  edit=$(settle 200 300)
  edit_ms=$(ms "$(field last_ns "$edit")" "$t0")
  edit_cpu=$(awk -v a="$(cpu_seconds)" -v b="$c1" 'BEGIN { printf "%.2f", a - b }')

  # One node joining group 2.
  local marks join join_ms join_read_ms join_reg_ms mark_ns join_cpu c2
  c2=$(cpu_seconds)
  marks=$(lines mark)
  local perf_pids=()
  if [[ -n ${WEFT_BENCH_PERF:-} ]]; then
    mkdir -p "$WEFT_BENCH_PERF"
    perf record -q --call-graph dwarf,16384 -F 2999 -p "$serve_pid" -o "$WEFT_BENCH_PERF/join-$n-serve.data" 2>/dev/null &
    perf_pids+=($!)
    perf record -q --call-graph dwarf,16384 -F 2999 -p "$load_pid" -o "$WEFT_BENCH_PERF/join-$n-load.data" 2>/dev/null &
    perf_pids+=($!)
    sleep 1  # perf attaches
  fi
  printf 'mark\njoin %s 1\n' "$join_key" >&3
  wait_for 10 more_lines mark "$marks"
  mark_ns=$(grep '^mark ' "$tmp/load.out" | tail -1 | cut -d' ' -f2)
  join=$(settle 200 300)
  if ((${#perf_pids[@]})); then
    kill -INT "${perf_pids[@]}" 2>/dev/null || true
    wait "${perf_pids[@]}" 2>/dev/null || true
  fi
  join_ms=$(ms "$(field last_ns "$join")" "$mark_ns")
  join_reg_ms=$(ms "$(field registered_ns "$join")" "$mark_ns")
  join_read_ms=$(ms "$(field last_read_ns "$join")" "$mark_ns")
  join_cpu=$(awk -v a="$(cpu_seconds)" -v b="$c2" 'BEGIN { printf "%.2f", a - b }')

  local cpu_total hwm status
  cpu_total=$(awk -v a="$(cpu_seconds)" -v b="$cpu0" 'BEGIN { printf "%.1f", a - b }')
  hwm=$(mem_kb VmHWM)
  status=$(admin status | tr '\n' ' ')

  echo "N=$n ($groups groups of 100 + 2 service tags of 50; group nodes 199 peers, service nodes $((n - 100)))"
  echo "  register all:   ${reg_ms} ms ($(awk -v n="$n" -v t="$reg_ms" 'BEGIN { printf "%.0f", n / (t / 1000) }')/s), server CPU ${reg_cpu} s, RSS $((rss_reg / 1024)) MiB"
  echo "  rule edit:      ${edit_ms} ms to the last of $(field changed "$edit") nodes ($(field deltas "$edit") deltas, $(field bytes "$edit") bytes sent), server CPU ${edit_cpu} s; goal 2 s: x$(ratio "$edit_ms" 2000)"
  echo "  join:           ${join_ms} ms from the join to the last of $(field changed "$join") peers (its registration answered at ${join_reg_ms} ms; the last delta read off its socket at ${join_read_ms} ms, applied by the load program's one thread by ${join_ms} ms; $(field deltas "$join") deltas, $(field bytes "$join") bytes sent), server CPU ${join_cpu} s; goal 50 ms: x$(ratio "$join_ms" 50)"
  echo "  server:         CPU ${cpu_total} s in all, peak RSS $((hwm / 1024)) MiB; goal 1 GiB: x$(ratio "$hwm" 1048576)"
  echo "  load program:   $(field dial_failures "$join") failed dials, $(field disconnects "$join") disconnects, $(field seq_gaps "$join") seq gaps, $(field timeouts "$join") timeouts"
  echo "  server status:  $status"

  echo quit >&3
  wait "$load_pid" 2>/dev/null || true
  load_pid=""
  cleanup
}

log "weft $weft_bin, load $load_bin, $(nproc) cores, concurrency $concurrency"
IFS=, read -r -a ns <<<"$counts"
for n in "${ns[@]}"; do run "$n"; done
