#!/usr/bin/env bash
# Durability of `weft serve` (issue 8, "Tests: Durability"): 50 control clients register over the
# real protocol (weft_control_load) while the server is killed with SIGKILL, in three rounds at
# different points (after about 20, 3 and 40 acknowledgements). After each restart on the same
# state dir and port: every device the server showed just before the kill is there with the same
# id, addresses and keys; every acknowledged registration is there with the id it was given; the
# clients reconnect and finish, giving exactly 50 devices per round (no duplicates from
# re-registrations); no two devices share an address; another restart keeps every device as is.
# Needs WEFT_BIN and WEFT_CONTROL_LOAD (set by ctest), root (network namespace), jq. About 20 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/serve_lib.sh
source "$here/serve_lib.sh"

need_root
serve_setup
load_bin=${WEFT_CONTROL_LOAD:-$here/../../build/tests/e2e/weft_control_load}
[[ -x $load_bin ]] || netns_fail "no weft_control_load at '$load_bin' (set WEFT_CONTROL_LOAD)"

nodes=50
kill_points=(20 3 40)
# The clients register at most this many at once, so a kill lands among registrations in flight.
concurrency=8
# The namespace is private, so the port is free again for every restart: clients reconnect to
# the URL they were given.
port=7470
state="$NETNS_TMP/state"

# acks FILE: how many registrations the load program has seen acknowledged so far.
acks() { grep -c '^registered ' "$1" || true; }

# wait_acks FILE N PID: polls every 10 ms (registrations take a few ms each) until N are
# acknowledged; fails after 30 s or when the load program has exited.
wait_acks() {
  local file=$1 want=$2 pid=$3 deadline=$((SECONDS + 30))
  while (($(acks "$file") < want)); do
    proc_alive "$pid" || return 0
    ((SECONDS < deadline)) || netns_fail "only $(acks "$file") of $want registrations after 30 s"
    sleep 0.01
  done
}

# gone PID: the process has exited (a zombie counts as exited).
gone() { ! proc_alive "$1"; }

# contains_lines BIG SMALL: every line of SMALL is a line of BIG (reports the first missing).
contains_lines() {
  local missing
  missing=$(grep -vxF -f <(printf '%s\n' "$1") <<<"$2" | head -n 3 || true)
  if [[ -n $missing ]]; then
    echo "e2e: missing after restart:" >&2
    echo "$missing" >&2
    return 1
  fi
}

# unique_addresses TSV: no address (IPv4 column 3, IPv6 column 4) appears twice.
unique_addresses() {
  local dup
  dup=$(cut -f3,4 <<<"$1" | tr '\t' '\n' | sort | uniq -d | head -n 3)
  if [[ -n $dup ]]; then
    echo "e2e: addresses held by two devices: $dup" >&2
    return 1
  fi
}

# acked_ids_match OUT TSV: every "registered HOSTNAME ID" in OUT is a device HOSTNAME with ID.
acked_ids_match() {
  local host id bad=0
  while read -r _ host id; do
    if ! awk -F'\t' -v h="$host" -v i="$id" '$2 == h && $1 == i { f = 1 } END { exit !f }' \
      <<<"$2"; then
      echo "e2e: acknowledged $host as device $id, the server has:" \
        "$(awk -F'\t' -v h="$host" '$2 == h' <<<"$2")" >&2
      bad=1
    fi
  done < <(grep '^registered ' "$1")
  return "$bad"
}

serve_start "$state" --port "$port"
server_key=$SERVE_KEY
admin "$state" users create load@example.com >/dev/null
auth_key=$(admin "$state" keys create --user load@example.com --reusable 2>/dev/null)
[[ $auth_key == weftkey-* ]] || netns_fail "keys create printed '$auth_key'"

for round in 1 2 3; do
  point=${kill_points[round - 1]}
  prefix="r$round"
  out="$NETNS_TMP/load-$round.log"
  echo "--- round $round: $nodes registrations, kill -9 after $point acknowledgements"
  # A snapshot of the devices (an admin request runs between core calls, so what it shows has
  # been committed): halfway to the kill point, or before the round for an early kill.
  ((point >= 10)) || shown_json=$(admin "$state" --json nodes list)
  ns_spawn "$NS_S" "$out" "$load_bin" --server "http://127.0.0.1:$port" \
    --server-key "$server_key" --auth-key "$auth_key" --nodes "$nodes" \
    --hostname-prefix "$prefix" --concurrency "$concurrency" --timeout 120
  load_pid=$LAST_PID
  if ((point >= 10)); then
    wait_acks "$out" $((point / 2)) "$load_pid"
    shown_json=$(admin "$state" --json nodes list)
  fi
  wait_acks "$out" "$point" "$load_pid"
  serve_kill9
  # Every line now came from the killed server (the new one is not started yet).
  acked_before="$NETNS_TMP/acked-$round-at-kill"
  grep '^registered ' "$out" >"$acked_before" || true
  acked_at_kill=$(acks "$acked_before")
  shown=$(devices_tsv_of "$shown_json")
  still_running=no
  proc_alive "$load_pid" && still_running=yes
  echo "killed with $acked_at_kill acknowledged, $(wc -l <<<"$shown") devices shown just" \
    "earlier; clients still registering: $still_running"
  [[ $still_running == yes ]] ||
    echo "e2e: note: all registrations finished before the kill; this round tests a plain restart"

  serve_start "$state" --port "$port"
  check "round $round: restart after SIGKILL (stale admin.sock) keeps the server key" \
    test "$SERVE_KEY" = "$server_key"
  after=$(devices_tsv "$state")
  check "round $round: every device shown on the way is there, same id, addresses, keys" \
    contains_lines "$after" "$shown"
  check "round $round: every registration acknowledged before the kill is there with its id" \
    acked_ids_match "$acked_before" "$after"
  echo "round $round: $(awk -F'\t' -v p="$prefix-" 'index($2, p) == 1' <<<"$after" | wc -l)" \
    "devices of this round on disk after the restart, $acked_at_kill acknowledged at the kill"

  check "round $round: the clients reconnect and all $nodes finish registering (bound 90 s)" \
    wait_for -t 90 gone "$load_pid"
  load_rc=0
  wait "$load_pid" || load_rc=$?
  if [[ $load_rc != 0 ]]; then
    netns_dump_log "$out"
    netns_fail "round $round: weft_control_load exited with $load_rc"
  fi
  echo "ok - round $round: weft_control_load exited 0 ($(grep -c '^registered ' "$out") acknowledged)"

  final=$(devices_tsv "$state")
  ours=$(awk -F'\t' -v p="$prefix-" 'index($2, p) == 1' <<<"$final")
  check "round $round: exactly $nodes devices named $prefix-0 ... $prefix-$((nodes - 1))" test \
    "$(cut -f2 <<<"$ours" | sort)" = "$(for ((i = 0; i < nodes; i++)); do echo "$prefix-$i"; done | sort)"
  check "round $round: all of them authorized" \
    test "$(cut -f5 <<<"$ours" | sort -u)" = authorized
  check "round $round: every acknowledged registration has the id it was given" \
    acked_ids_match "$out" "$final"
  check "round $round: $((nodes * round)) devices in all" test "$(wc -l <<<"$final")" = $((nodes * round))
  check "round $round: no two devices share an address" unique_addresses "$final"

  # Another crash while idle: the restart must keep every device exactly.
  serve_kill9
  serve_start "$state" --port "$port"
  check "round $round: another restart keeps devices, ids, addresses and keys" \
    test "$(devices_tsv "$state")" = "$final"
done

serve_stop
check "weft serve stops with exit 0" test "$LAST_EXIT" = 0
echo "e2e: serve durability: all checks passed"
