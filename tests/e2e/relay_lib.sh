# Sourceable setup shared by the relay tests (relay_*_test.sh, issue 10 "End-to-end tests"): a
# "public" network (a bridge in the server's namespace), NAT router namespaces on it and one
# `weft up` node behind each. Sources tailnet_lib.sh (start_server, start_node, wait_logged, ...).
# shellcheck shell=bash
# shellcheck disable=SC2034  # the globals set here (url, KEY, PRIV, ...) are the tests'
#
#   source "$here/relay_lib.sh"
#   relay_setup                          # public net 203.0.113.0/24, server .10, keys KEY[a|b]
#   relay_nat a 192.0.2 --random-fully   # NAT namespace na (wan 203.0.113.1) and node a behind it
#   relay_host b a 3                     # node b on the same LAN (192.0.2.3) behind na
#   relay_start_server [SERVE ARGS...]   # weft serve on 203.0.113.10:8080 ($url)
#   start_node a --server "$url" --authkey "${KEY[a]}"; wait_logged a 'netmap applied: '
#
# Every network is a documentation range: the public one 203.0.113.0/24, the nodes' private ones
# 192.0.2.0/24 (a) and 198.51.100.0/24 (b). The NAT routers have no default route, so a node's
# private address is unreachable from the other side, as across the Internet.

if [[ -n ${_WEFT_RELAY_LIB_SOURCED:-} ]]; then
  return 0
fi
_WEFT_RELAY_LIB_SOURCED=1
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tailnet_lib.sh"

# a and b may reach each other (ping, iperf3 both ways).
RELAY_ACLS='    {"action": "accept", "src": ["tag:a", "tag:b"], "dst": ["tag:a:*", "tag:b:*"]},'
declare -gA NAT_WAN=([a]=203.0.113.1 [b]=203.0.113.2 [c]=203.0.113.3)

# relay_setup: root and tools, the public bridge in NS[s] (203.0.113.10/24 on br0; more public
# addresses can be added to br0), the policy file; the server is started by relay_start_server.
relay_setup() {
  need_root
  need_tool ip jq ping iptables
  serve_setup
  declare -gA NS=([s]=$NS_S) LAN=([s]=203.0.113.10) NAT PRIV LAN_PREFIX
  ip -n "$NS_S" link add br0 type bridge || netns_fail "bridge"
  ip -n "$NS_S" addr add 203.0.113.10/24 dev br0 || netns_fail "public address"
  ip -n "$NS_S" link set br0 up
  state="$NETNS_TMP/server"
  port=8080
  url="http://${LAN[s]}:$port"
  policy="$NETNS_TMP/policy.hujson"
  tailnet_policy "$RELAY_ACLS" >"$policy"
  server_pid=""
  server_starts=0
  declare -gA KEY PID LOG ADDR
  node_starts=0
}

# relay_public_address ADDR: one more address on the public bridge (a relay of its own).
relay_public_address() {
  ip -n "$NS_S" addr add "$1/24" dev br0 || netns_fail "public address $1"
}

# relay_start_server [ARGS...]: `weft serve` with the policy, then user ops@example.com and a
# tagged key per node in KEY[a|b] (only at the first start).
relay_start_server() {
  start_server --policy "$policy" "$@"
  if ((server_starts == 1)); then
    admin "$state" users create ops@example.com >/dev/null
    local m
    for m in a b; do KEY[$m]=$(new_key "$m"); done
  fi
}

# relay_router R WAN PREFIX [MASQUERADE OPTIONS...]: a NAT router namespace nR (wan0 WAN on the
# public bridge; lan0, a bridge, PREFIX.1/24). It masquerades everything leaving wan0 with the
# given options (--random-fully: a new port per destination, RFC 4787 address-and-port-dependent
# mapping, the "hard" NAT) and, as a home router's firewall does, drops new connections to
# itself from wan0. Without that rule the first hole-punching datagram to reach the router is
# accepted locally and its conntrack entry makes MASQUERADE move the node's own later datagram
# to another port, so two plain MASQUERADE NATs never meet directly (docs/connectivity.md).
# Sets NAT[R] (the router's namespace), NAT_WAN[R] and LAN_PREFIX[R].
relay_router() {
  local r=$1 wan=$2 prefix=$3
  shift 3
  netns_create "n$r"
  NAT[$r]=$(ns_name "n$r")
  NAT_WAN[$r]=$wan
  LAN_PREFIX[$r]=$prefix
  ip link add name wan0 netns "${NAT[$r]}" type veth peer name "v$r" netns "$NS_S" ||
    netns_fail "veth for the NAT router n$r"
  ip -n "${NAT[$r]}" addr add "$wan/24" dev wan0
  ip -n "${NAT[$r]}" link set wan0 up
  ip -n "$NS_S" link set "v$r" master br0 up
  ip -n "${NAT[$r]}" link add lan0 type bridge || netns_fail "LAN bridge in n$r"
  ip -n "${NAT[$r]}" addr add "$prefix.1/24" dev lan0
  ip -n "${NAT[$r]}" link set lan0 up
  ns_exec "${NAT[$r]}" sysctl -qw net.ipv4.ip_forward=1 || netns_fail "forwarding in n$r"
  ns_exec "${NAT[$r]}" iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE "$@" ||
    netns_fail "iptables MASQUERADE $* in n$r"
  ns_exec "${NAT[$r]}" iptables -A INPUT -i wan0 -m conntrack --ctstate NEW -j DROP ||
    netns_fail "iptables INPUT firewall in n$r"
}

# relay_host M R HOST [IFNAME]: node M's namespace (created when new; NS[M]) on router R's LAN:
# IFNAME (default eth0) with PREFIX.HOST/24 and the default route via the router. Sets PRIV[M].
relay_host() {
  local m=$1 r=$2 host=$3 ifname=${4:-eth0}
  local prefix=${LAN_PREFIX[$r]}
  if [[ -z ${NS[$m]:-} ]]; then
    netns_create "$m"
    NS[$m]=$(ns_name "$m")
  fi
  ip link add name "$ifname" netns "${NS[$m]}" type veth peer name "l$m$ifname" netns "${NAT[$r]}" ||
    netns_fail "veth for $m on the LAN of n$r"
  ip -n "${NAT[$r]}" link set "l$m$ifname" master lan0 up
  ip -n "${NS[$m]}" addr add "$prefix.$host/24" dev "$ifname" ||
    netns_fail "address $prefix.$host on $m"
  ip -n "${NS[$m]}" link set "$ifname" up
  ip -n "${NS[$m]}" route replace default via "$prefix.1" || netns_fail "default route of $m"
  PRIV[$m]=$prefix.$host
}

# relay_nat M PREFIX [MASQUERADE OPTIONS...]: router nM (wan ${NAT_WAN[M]}, relay_router) and
# node M behind it at PREFIX.2 (relay_host). Sets NS[M], NAT[M] and PRIV[M].
relay_nat() {
  local m=$1 prefix=$2
  shift 2
  relay_router "$m" "${NAT_WAN[$m]}" "$prefix" "$@"
  relay_host "$m" "$m" 2
}

# relay_start_nodes: `weft up` for a and b with their keys, until each has the other in its
# netmap; then ADDR[a|b].
relay_start_nodes() {
  local m
  for m in a b; do start_node "$m" --server "$url" --authkey "${KEY[$m]}"; done
  for m in a b; do wait_logged "$m" 'netmap applied: 1 peer'; done
  relay_addresses a b
}

# relay_addresses M...: ADDR[M], each node's tailnet IPv4 address from the server.
relay_addresses() {
  local nodes m
  nodes=$(admin "$state" --json nodes list)
  for m in "$@"; do
    ADDR[$m]=$(jq -r --arg h "$m" '.nodes[] | select(.hostname == $h) | .addresses[0]' <<<"$nodes")
    [[ ${ADDR[$m]} == 100.* ]] || netns_fail "no tailnet address for $m in: $nodes"
  done
}

# peer_field M FIELD: FIELD of M's one peer in its `weft status --json` (endpoint, relay, ...).
peer_field() { node_status "$1" | jq -r --arg f "$2" '.peers[0][$f]'; }
# peer_relayed M CODE: M's peer is reached through the relay region CODE.
peer_relayed() { [[ $(peer_field "$1" endpoint) == "relay \"$2\"" ]]; }
# home_of M: M's home region code ("" when none yet).
home_of() { node_status "$1" | jq -r .home_region_code; }
# home_is M CODE: M's status says CODE is its home region.
home_is() { [[ $(home_of "$1") == "$2" ]]; }
# server_home_is M CODE: `weft admin nodes list` shows CODE as M's home region.
server_home_is() {
  [[ $(admin "$state" --json nodes list |
    jq -r --arg h "$1" '.nodes[] | select(.hostname == $h) | .home_region_code') == "$2" ]]
}

# path_is M STATE: discovery's path to M's one peer is STATE (direct, relay, idle, none).
path_is() { [[ $(peer_field "$1" path) == "$2" ]]; }
# direct_to M REGEX: M's peer is on a direct path whose proven address matches REGEX.
direct_to() {
  local st
  st=$(node_status "$1" | jq -r '.peers[0] | "\(.path) \(.direct)"')
  [[ ${st%% *} == direct && ${st#* } =~ $2 ]]
}
# server_endpoints M: M's endpoints in `weft admin nodes list`, space separated.
server_endpoints() {
  admin "$state" --json nodes list |
    jq -r --arg h "$1" '.nodes[] | select(.hostname == $h) | .endpoints | join(" ")'
}

# relay_cut -I|-D R...: in each NAT router R, forwarded packets to or from the other routers'
# public addresses dropped (-I) or let through again (-D): the direct paths between the nodes
# behind them are cut, their relay (the server) is still reached.
relay_cut() {
  local op=$1 r o
  shift
  for r in "$@"; do
    for o in "$@"; do
      [[ $o != "$r" ]] || continue
      if ! ns_exec "${NAT[$r]}" iptables "$op" FORWARD -s "${NAT_WAN[$o]}" -j DROP ||
        ! ns_exec "${NAT[$r]}" iptables "$op" FORWARD -d "${NAT_WAN[$o]}" -j DROP; then
        netns_fail "iptables $op FORWARD between n$r and n$o"
      fi
    done
  done
}

# iperf_server N: a one-shot iperf3 server on N's tailnet address, listening when this returns.
iperf_server() {
  ns_spawn "${NS[$1]}" "$NETNS_TMP/iperf3-server.log" iperf3 -s -B "${ADDR[$1]}" -1
  wait_for ns_exec "${NS[$1]}" sh -c "ss -ltn | grep -q ':5201 '" || netns_fail "iperf3 server in $1"
}
# iperf_json M N SECONDS: iperf3 TCP from M to iperf_server N for SECONDS, its JSON on stdout;
# fails the test (with iperf3's last lines) when the run fails. Use as out=$(iperf_json ...).
iperf_json() {
  local out
  out=$(ns_exec "${NS[$1]}" iperf3 -c "${ADDR[$2]}" -t "$3" -J) || {
    echo "$out" | tail -20 >&2
    netns_fail "iperf3 $1 -> $2 failed"
  }
  echo "$out"
}

# ping_stream M N LOG: ping every 0.1 s from M to N's tailnet address in the background, replies
# timestamped (-D) in LOG, until stop_process "$LAST_PID".
ping_stream() {
  ns_spawn "${NS[$1]}" "$3" ping -D -n -i 0.1 -W 1 "${ADDR[$2]}"
}
# ping_gap LOG: "LONGEST_GAP_MS REPLIES": the longest time between two consecutive replies in a
# ping_stream's LOG (a stream that never stopped answering shows about 100 ms).
ping_gap() {
  awk -F'[][]' '/bytes from/ { t = $2 + 0
      if (n++ && (t - last) * 1000 > gap) gap = (t - last) * 1000
      last = t }
    END { printf "%d %d\n", gap, n }' "$1"
}
# ping_replies LOG: the replies in a ping_stream's LOG so far.
ping_replies() { grep -c 'bytes from' "$1" || true; }

# relay_show M: M's status in text and its connectivity part as JSON, indented, for the log.
relay_show() {
  weft_node "$1" status | sed "s/^/  $1> /"
  node_status "$1" | jq -c '{home_region_code, relays, netcheck}' | sed "s/^/  $1> /"
}
