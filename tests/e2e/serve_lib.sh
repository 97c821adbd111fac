# Sourceable helpers for the tests of `weft serve` and `weft admin`: a server in its own network
# namespace (so its port is private and can be reused across restarts), its admin commands, and
# reading its devices. Sources netns.sh, whose trap stops every process started here.
# shellcheck shell=bash
#
#   source "$here/serve_lib.sh"; need_root; serve_setup   # NS_S, SERVE_BIN, SERVE_TMP
#   serve_start "$state" [--policy FILE ...]                 # SERVE_PID, SERVE_PORT, SERVE_KEY
#   admin "$state" users create alice@example.com

if [[ -n ${_WEFT_SERVE_LIB_SOURCED:-} ]]; then
  return 0
fi
_WEFT_SERVE_LIB_SOURCED=1
# shellcheck source=SCRIPTDIR/netns.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/netns.sh"

SERVE_PID=""
SERVE_PORT=""
SERVE_KEY=""
SERVE_LOG=""
_serve_starts=0

# serve_setup: checks the binary and tools, creates the namespace NS_S (loopback only).
serve_setup() {
  need_tool ip jq
  SERVE_BIN=${WEFT_BIN:-$(dirname "${BASH_SOURCE[0]}")/../../build/cli/weft}
  [[ -x $SERVE_BIN ]] || netns_fail "no weft binary at '$SERVE_BIN' (set WEFT_BIN)"
  netns_create s
  NS_S=$(ns_name s)
}

# admin STATE ARGS...: `weft admin --state STATE ARGS...` (the socket is a file, reachable from
# any namespace).
admin() {
  local state=$1
  shift
  "$SERVE_BIN" admin --state "$state" "$@"
}

_serve_ready_or_gone() {
  grep -q 'weft serve: listening on' "$1" || ! proc_alive "$2"
}

# serve_start STATE [--port N] [ARGS...]: `weft serve --state STATE --listen 127.0.0.1:N` (N
# default 0: the kernel's choice) in NS_S, log in $NETNS_TMP/serve-<k>.log (SERVE_LOG). Waits
# for its "listening on" line, then sets SERVE_PID, SERVE_PORT and SERVE_KEY from it. Fails the
# test when the server exits first.
serve_start() {
  local state=$1 port=0
  shift
  if [[ ${1:-} == --port ]]; then
    port=$2
    shift 2
  fi
  _serve_starts=$((_serve_starts + 1))
  SERVE_LOG="$NETNS_TMP/serve-$_serve_starts.log"
  ns_spawn "$NS_S" "$SERVE_LOG" "$SERVE_BIN" serve --state "$state" --listen "127.0.0.1:$port" "$@"
  SERVE_PID=$LAST_PID
  wait_for _serve_ready_or_gone "$SERVE_LOG" "$SERVE_PID" || true
  if ! grep -q 'weft serve: listening on' "$SERVE_LOG"; then
    netns_dump_log "$SERVE_LOG"
    netns_fail "weft serve did not start (state $state, port $port)"
  fi
  local line
  line=$(grep -m1 'weft serve: listening on' "$SERVE_LOG")
  SERVE_PORT=$(sed -E 's/.*listening on 127\.0\.0\.1:([0-9]+),.*/\1/' <<<"$line")
  SERVE_KEY=$(sed -E 's/.*server key ([A-Za-z0-9+\/=]+),.*/\1/' <<<"$line")
  [[ $SERVE_PORT =~ ^[0-9]+$ && $SERVE_PORT != 0 ]] || netns_fail "no port in: $line"
  [[ ${#SERVE_KEY} == 44 ]] || netns_fail "no server key in: $line"
}

# serve_kill9: SIGKILL the server (a crash: no cleanup of its own) and reap it.
serve_kill9() {
  kill -KILL "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
}

# serve_stop: SIGTERM and wait (stop_process); the exit status is in LAST_EXIT.
serve_stop() {
  stop_process "$SERVE_PID"
}

# devices_tsv_of JSON: the answer of `nodes list --json` as one line per device, sorted by id:
# ID HOSTNAME V4 V6 STATE MACHINE_KEY NODE_KEY (what a restart must keep).
devices_tsv_of() {
  jq -r '.nodes | sort_by(.id) | .[] |
    [.id, .hostname, .addresses[0], .addresses[1], .state, .machine_key, .node_key] | @tsv' <<<"$1"
}

# devices_tsv STATE: the server's devices now, as devices_tsv_of prints them.
devices_tsv() {
  devices_tsv_of "$(admin "$1" --json nodes list)"
}

# capture CMD...: run CMD; its exit status, stdout and stderr go to CAP_RC, CAP_OUT, CAP_ERR
# (for checks of refusals, which must not end the test through set -e).
capture() {
  local out="$NETNS_TMP/capture.out" err="$NETNS_TMP/capture.err"
  CAP_RC=0
  "$@" >"$out" 2>"$err" || CAP_RC=$?
  CAP_OUT=$(<"$out")
  CAP_ERR=$(<"$err")
}

# expect_rc RC WHAT: CAP_RC is RC; otherwise fail with what the command printed.
expect_rc() {
  if [[ $CAP_RC != "$1" ]]; then
    echo "e2e: stdout: $CAP_OUT" >&2
    echo "e2e: stderr: $CAP_ERR" >&2
    netns_fail "$2: exit status $CAP_RC, expected $1"
  fi
  echo "ok - $2 (exit $1)"
}
