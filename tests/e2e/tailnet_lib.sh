# Sourceable setup shared by the tailnet tests (tailnet_test.sh, tailnet_policy_test.sh): `weft
# serve` and three `weft up` nodes a, b, c in network namespaces on one LAN (a bridge), policy
# tag:a -> tag:b and tag:b -> tag:c (docs/operations.md, "Running a node"). Sources serve_lib.sh.
# shellcheck shell=bash
#
#   source "$here/tailnet_lib.sh"
#   tailnet_setup                      # LAN, server with the policy, user, keys KEY[a|b|c]
#   start_node a --server "$url" --authkey "${KEY[a]}"; wait_logged a 'netmap applied: '
#   tailnet_addresses                  # ADDR[a|b|c] from the server's device list
#   node_peers a                       # the peer names in a's `weft status --json`, sorted
#   tailnet_set_policy NAME WHAT ACLS [TAGS] [SECTIONS]   # another policy on the server
#   tailnet_network NET BRIDGE M...    # namespaces NS[M] and a network NET to lan_join them to

if [[ -n ${_WEFT_TAILNET_LIB_SOURCED:-} ]]; then
  return 0
fi
_WEFT_TAILNET_LIB_SOURCED=1
# shellcheck source=SCRIPTDIR/serve_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/serve_lib.sh"

# The issue's policy: a may reach b, b may reach c, nothing else. tailnet_policy ACLS [TAGS]
# [SECTIONS] writes a policy with the given "acls" entries to stdout: ops@example.com owns tag:a,
# tag:b, tag:c and each of TAGS (space separated); SECTIONS are further top-level entries
# ("postures", "autoApprovers", ...), each ending in a comma.
tailnet_policy() {
  local tag owners=""
  for tag in tag:a tag:b tag:c ${2:-}; do
    owners+="${owners:+, }\"$tag\": [\"ops@example.com\"]"
  done
  cat <<EOF_P
{
  "tagOwners": {$owners},
${3:-}
  "acls": [
$1
  ],
}
EOF_P
}

# tailnet_set_policy NAME WHAT ACLS [TAGS] [SECTIONS]: tailnet_policy's policy of ACLS, TAGS and
# SECTIONS written to NETNS_TMP/NAME.hujson and set on the server; WHAT is the check's line.
tailnet_set_policy() {
  local file="$NETNS_TMP/$1.hujson"
  tailnet_policy "$3" "${4:-}" "${5:-}" >"$file"
  capture admin "$state" policy set "$file"
  expect_rc 0 "$2"
}
TAILNET_ACLS='    {"action": "accept", "src": ["tag:a"], "dst": ["tag:b:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]},'

# tailnet_setup: root and tools checked, the LAN (NS[s|a|b|c], LAN[...] addresses), the server
# started with the issue's policy (state, url, policy), user ops@example.com and one tagged
# pre-auth key per machine in KEY[a|b|c].
tailnet_setup() {
  need_root
  need_tool ip jq ping
  serve_setup
  declare -gA NS=([s]=$NS_S)
  tailnet_network lan br0 a b c
  NS_LAN=${NET_NS[lan]}
  declare -gA LAN=([s]=192.0.2.10 [a]=192.0.2.1 [b]=192.0.2.2 [c]=192.0.2.3)
  local m
  for m in s a b c; do
    lan_join "${NS[$m]}" "$m" "${LAN[$m]}"
  done

  state="$NETNS_TMP/server"
  port=8080
  url="http://${LAN[s]}:$port"
  policy="$NETNS_TMP/policy.hujson"
  tailnet_policy "$TAILNET_ACLS" >"$policy"
  server_pid=""
  server_starts=0
  start_server --policy "$policy"
  admin "$state" users create ops@example.com >/dev/null
  declare -gA KEY
  for m in a b c; do
    KEY[$m]=$(new_key "$m")
  done
  declare -gA PID LOG ADDR
  node_starts=0
}

# tailnet_network NET BRIDGE M...: namespaces for machines M (NS[M]) and for the network NET
# (NET_NS[NET]) holding the bridge BRIDGE, up; lan_join puts each machine on it.
tailnet_network() {
  local net=$1 bridge=$2 m
  shift 2
  netns_create "$net" "$@"
  declare -gA NET_NS
  NET_NS[$net]=$(ns_name "$net")
  ip -n "${NET_NS[$net]}" link add "$bridge" type bridge || netns_fail "bridge $bridge of $net"
  ip -n "${NET_NS[$net]}" link set "$bridge" up
  for m in "$@"; do
    NS[$m]=$(ns_name "$m")
  done
}

# lan_join NS TAG ADDR [IFNAME BRIDGE_NS BRIDGE]: NS gets IFNAME (eth0) with ADDR/24, its peer
# vTAG on BRIDGE in BRIDGE_NS (the LAN's br0).
lan_join() {
  local ifname=${4:-eth0} bridge_ns=${5:-$NS_LAN} bridge=${6:-br0}
  ip link add name "$ifname" netns "$1" type veth peer name "v$2" netns "$bridge_ns" ||
    netns_fail "veth for $2"
  ip -n "$1" addr add "$3/24" dev "$ifname"
  ip -n "$1" link set "$ifname" up
  ip -n "$bridge_ns" link set "v$2" master "$bridge" up
}

# new_key M: a fresh pre-auth key for machine M's tag.
new_key() {
  admin "$state" keys create --user ops@example.com --tags "tag:$1" 2>/dev/null
}

# start_server [ARGS...]: `weft serve` on the LAN in NS[s] (log serve-<k>.log, pid server_pid).
start_server() {
  server_starts=$((server_starts + 1))
  local log="$NETNS_TMP/serve-$server_starts.log"
  ns_spawn "$NS_S" "$log" "$SERVE_BIN" serve --state "$state" --listen "${LAN[s]}:$port" "$@"
  server_pid=$LAST_PID
  wait_for grep -q 'weft serve: listening on' "$log" || {
    netns_dump_log "$log"
    netns_fail "weft serve did not start"
  }
}

# start_node M [ARGS...]: `weft up` for machine M with its state directory node-M; log in LOG[M].
# With --accept-dns=false unless TAILNET_ACCEPT_DNS=true: without a resolv.conf of the
# namespace's own (magicdns_test.sh makes one), resolvconf would rewrite the host's.
start_node() {
  local m=$1
  shift
  node_starts=$((node_starts + 1))
  LOG[$m]="$NETNS_TMP/up-$m-$node_starts.log"
  ns_spawn "${NS[$m]}" "${LOG[$m]}" "$SERVE_BIN" up --state "$NETNS_TMP/node-$m" --hostname "$m" \
    --accept-dns="${TAILNET_ACCEPT_DNS:-false}" "$@"
  PID[$m]=$LAST_PID
}

# stop_node M: SIGTERM; fails the test unless it exits 0.
stop_node() {
  stop_process "${PID[$1]}"
  [[ $LAST_EXIT == 0 ]] || {
    netns_dump_log "${LOG[$1]}"
    netns_fail "node $1 exited $LAST_EXIT"
  }
}

logged() { grep -qE -- "$2" "${LOG[$1]}"; }
# wait_logged M REGEX [SECONDS]: until M's current log has a line matching REGEX (default 15 s).
wait_logged() {
  local m=$1 what=$2 timeout=${3:-15}
  if ! wait_for -t "$timeout" logged "$m" "$what"; then
    netns_dump_log "${LOG[$m]}"
    netns_fail "node $m never logged: $what"
  fi
}

# tailnet_addresses: ADDR[a|b|c], each node's tailnet IPv4 address from the server.
tailnet_addresses() {
  local nodes m
  nodes=$(admin "$state" --json nodes list)
  for m in a b c; do
    ADDR[$m]=$(jq -r --arg h "$m" '.nodes[] | select(.hostname == $h) | .addresses[0]' <<<"$nodes")
    [[ ${ADDR[$m]} == 100.* ]] || netns_fail "no tailnet address for $m in: $nodes"
  done
}

# node_id M: M's device id on the server.
node_id() {
  admin "$state" --json nodes list | jq -r --arg h "$1" '.nodes[] | select(.hostname == $h) | .id'
}

# Pings with the kernel's ping from M's namespace to N's tailnet address.
ping_ok() { ns_exec "${NS[$1]}" ping -c 1 -W 1 "${ADDR[$2]}" >/dev/null 2>&1; }
ping_fails() { ! ns_exec "${NS[$1]}" ping -c 2 -i 0.3 -W 1 "${ADDR[$2]}" >/dev/null 2>&1; }
# no_answer M IP: IP (any address, not only a tailnet one) does not answer a ping from M.
no_answer() { ! ns_exec "${NS[$1]}" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }

# weft_node M ARGS...: `weft ARGS... --state node-M` (status, ping, down reach M over its socket).
weft_node() {
  local m=$1
  shift
  "$SERVE_BIN" "$@" --state "$NETNS_TMP/node-$m"
}

# node_status M: M's `weft status --json`.
node_status() { weft_node "$1" status --json; }
# node_peers M: the peer names M's status lists, sorted, on one line ("" when none).
node_peers() { node_status "$1" | jq -r '[.peers[].name] | sort | join(" ")'; }
# node_counter M NAME: a counter of M's status (filter_denied, filter_accepted_as_reply, ...).
node_counter() { node_status "$1" | jq -r --arg k "$2" '.counters[$k]'; }
# peers_are M "NAMES": M's peers are exactly NAMES (sorted, space separated).
peers_are() { [[ $(node_peers "$1") == "$2" ]]; }

# now_ms: milliseconds of the monotonic-enough wall clock, for printed durations.
now_ms() { date +%s%3N; }
