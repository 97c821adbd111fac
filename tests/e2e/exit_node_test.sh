#!/usr/bin/env bash
# Exit nodes (issue 17; docs/network-config.md, "Exit nodes"): e is `weft up
# --advertise-exit-node` on the LAN of tailnet_lib.sh with a second link to a "public" network
# (203.0.113.0/24, host p at 203.0.113.80, no route back to the tailnet); the policy grants tag:a
# autogroup:internet and tag:b nothing beyond tag:c; autoApprovers approves tag:e's exit routes.
# - b asks for e as exit node: the server does not offer it, b says so and its routes stay;
# - a with --exit-node e: p answers a (e MASQUERADEs to its uplink), a's default route is the
#   policy-routed table (fwmark 0xca6c, "not fwmark T lookup T"), the LAN goes to e too, a's own
#   UDP to its peers and its control stream do not loop (a still talks to c, stays streaming);
# - with --exit-node-allow-lan-access also "suppress_prefixlength 0": the LAN stays direct;
# - after SIGTERM, a's routes and rules are the ones it had before `weft up` (both times).
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping. About 12 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$here/tailnet_lib.sh"

need_tool iptables
tailnet_setup
tailnet_set_policy exit "policy: tag:a may use the internet, tag:b may not" \
  '    {"action": "accept", "src": ["tag:a"], "dst": ["autogroup:internet:*", "tag:c:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]},' \
  tag:e '  "autoApprovers": {"exitNode": ["tag:e"]},'

# e: on the LAN and on the public network with p; p has no route to the LAN or the tailnet.
tailnet_network pub br2 e p
LAN[e]=192.0.2.30
lan_join "${NS[e]}" e "${LAN[e]}"
lan_join "${NS[e]}" pe 203.0.113.1 up0 "${NET_NS[pub]}" br2
lan_join "${NS[p]}" pp 203.0.113.80 eth0 "${NET_NS[pub]}" br2

# Routes of every table and the rules; eth0's link-local address (which the kernel adds when its
# duplicate address detection ends, at any time) left out.
routing_of() { { ip -n "${NS[$1]}" route show table all; ip -n "${NS[$1]}" rule show; } | grep -v 'fe80::'; }
before_a=$(routing_of a)

start_node e --server "$url" --authkey "$(new_key e)" --advertise-exit-node
start_node c --server "$url" --authkey "${KEY[c]}"
for m in e c; do wait_logged "$m" 'netmap applied: '; done
start_node b --server "$url" --authkey "${KEY[b]}" --exit-node e
wait_logged b 'netmap applied: '
wait_logged b 'exit node e is not (offered|a peer)'
check "b was not offered e: no default route in any table" \
  bash -c "! ip -n ${NS[b]} route show table all | grep -q '^default dev weft0'"
check "... and p does not answer b" no_answer b 203.0.113.80

# use_exit ARGS...: a with --exit-node e ARGS..., the default routes installed, p answering.
reach_p() { ns_exec "${NS[a]}" ping -c 1 -W 1 203.0.113.80 >/dev/null 2>&1; }
use_exit() {
  start_node a --server "$url" --authkey "${KEY[a]}" --exit-node e "$@"
  wait_logged a 'exit node: default routes through weft0'
  check "p answers a through the exit node" wait_for -t 10 reach_p
  rules=$(ip -n "${NS[a]}" rule show)
  echo "$rules" | sed 's/^/  a rule: /'
  check "a's rules: not fwmark 0xca6c lookup 51820" grep -q 'not from all fwmark 0xca6c lookup 51820' <<<"$rules"
}
# lan_via M: the device a's kernel sends LAN host M's address through.
lan_via() { ip -n "${NS[a]}" route get "${LAN[$1]}" | grep -oE 'dev [a-z0-9]+' | head -1; }
a_restored() {
  stop_node a
  local after_a
  after_a=$(routing_of a)
  diff <(echo "$before_a") <(echo "$after_a") | sed 's/^/  /' || true
  check "after SIGTERM a's routes and rules are the ones it had before ($1)" test "$before_a" = "$after_a"
}

# Without LAN access (the default): everything but weft's own (marked) connections goes to e.
use_exit
tailnet_addresses
check "... no suppress_prefixlength rule: the LAN goes to the exit node too" \
  bash -c "! grep -q suppress_prefixlength <<<\"\$rules\""
check "... a's kernel sends b's LAN address through weft0" test "$(lan_via b)" = "dev weft0"
check "e MASQUERADEs to its uplink" \
  bash -c "ip netns exec ${NS[e]} iptables -w -t nat -S POSTROUTING | grep -q '! -o weft0'"
# a's own connections: WireGuard to c still goes straight over the LAN (it would loop through
# weft0 otherwise), and the control stream to the server lives on.
check "a reaches c through the tunnel while the exit node carries the default route" \
  wait_for -t 10 ping_ok a c
check "... and its relay connection is up (marked before its connect)" \
  bash -c "! grep -q 'relay .* unreachable' ${LOG[a]}"
check "a's marked traffic (WireGuard, control, relays) leaves on eth0" \
  bash -c "ip netns exec ${NS[a]} ip route get ${LAN[s]} mark 0xca6c | grep -q 'dev eth0'"
sleep 2
check "... a's control stream is still up" test "$(node_status a | jq -r .control_state)" = streaming
a_restored "no LAN access"

# With --exit-node-allow-lan-access: the main table's LAN route wins.
use_exit --exit-node-allow-lan-access
check "... suppress_prefixlength 0 keeps the LAN direct" grep -q 'suppress_prefixlength 0' <<<"$rules"
check "... a's kernel sends b's LAN address through eth0" test "$(lan_via b)" = "dev eth0"
a_restored "LAN access"
echo "PASS exit_node_test"
