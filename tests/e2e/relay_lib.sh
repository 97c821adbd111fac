# Sourceable setup shared by the relay tests (relay_*_test.sh, issue 10 "End-to-end tests"): a
# "public" network (a bridge in the server's namespace), NAT router namespaces on it and one
# `weft up` node behind each. Sources tailnet_lib.sh (start_server, start_node, wait_logged, ...).
# shellcheck shell=bash
# shellcheck disable=SC2034  # the globals set here (url, KEY, PRIV, ...) are the tests'
#
#   source "$here/relay_lib.sh"
#   relay_setup                          # public net 203.0.113.0/24, server .10, keys KEY[a|b]
#   relay_nat a 192.0.2 --random-fully   # NAT namespace na (wan 203.0.113.1) and node a behind it
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
declare -gA NAT_WAN=([a]=203.0.113.1 [b]=203.0.113.2)

# relay_setup: root and tools, the public bridge in NS[s] (203.0.113.10/24 on br0; more public
# addresses can be added to br0), the policy file; the server is started by relay_start_server.
relay_setup() {
  need_root
  need_tool ip jq ping iptables
  serve_setup
  declare -gA NS=([s]=$NS_S) LAN=([s]=203.0.113.10) NAT PRIV
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

# relay_nat M PREFIX [MASQUERADE OPTIONS...]: a NAT router namespace nM (wan0 ${NAT_WAN[M]} on
# the public bridge, lan0 PREFIX.1/24) and node M's namespace behind it (eth0 PREFIX.2/24,
# default route via the router). The router masquerades everything leaving wan0 with the given
# options (--random-fully: a new port per destination, RFC 4787 address-and-port-dependent
# mapping, the "hard" NAT). Sets NS[M], NAT[M] (the router's namespace) and PRIV[M].
relay_nat() {
  local m=$1 prefix=$2
  shift 2
  netns_create "n$m" "$m"
  NAT[$m]=$(ns_name "n$m")
  NS[$m]=$(ns_name "$m")
  PRIV[$m]=$prefix.2
  ip link add name wan0 netns "${NAT[$m]}" type veth peer name "v$m" netns "$NS_S" ||
    netns_fail "veth for the NAT of $m"
  ip -n "${NAT[$m]}" addr add "${NAT_WAN[$m]}/24" dev wan0
  ip -n "${NAT[$m]}" link set wan0 up
  ip -n "$NS_S" link set "v$m" master br0 up
  netns_connect "${NAT[$m]}" lan0 "$prefix.1/24" "${NS[$m]}" eth0 "$prefix.2/24"
  ip -n "${NS[$m]}" route add default via "$prefix.1" || netns_fail "default route of $m"
  ns_exec "${NAT[$m]}" sysctl -qw net.ipv4.ip_forward=1 || netns_fail "forwarding in n$m"
  ns_exec "${NAT[$m]}" iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE "$@" ||
    netns_fail "iptables MASQUERADE $* in n$m"
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

# relay_show M: M's status in text and its connectivity part as JSON, indented, for the log.
relay_show() {
  weft_node "$1" status | sed "s/^/  $1> /"
  node_status "$1" | jq -c '{home_region_code, relays, netcheck}' | sed "s/^/  $1> /"
}
