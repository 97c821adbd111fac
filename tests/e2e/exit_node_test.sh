#!/usr/bin/env bash
# Exit nodes (issue 17; docs/network-config.md, "Exit nodes"): e is `weft up
# --advertise-exit-node` on the LAN of tailnet_lib.sh with a second link to a "public" network
# (203.0.113.0/24, host p at 203.0.113.80, no route back to the tailnet); the policy grants tag:a
# autogroup:internet and tag:b nothing beyond tag:c; autoApprovers approves tag:e's exit routes.
# - b asks for e as exit node: the server does not offer it, b says so and its routes stay;
# - a with --exit-node e: p answers a (e MASQUERADEs to its uplink), a's default route is the
#   policy-routed table (fwmark, "not fwmark T lookup T", "suppress_prefixlength 0"), a's own UDP
#   to its peers does not loop (a still talks to c directly, and no WireGuard datagram enters a's
#   tunnel);
# - after SIGTERM, a's routes and rules are the ones it had before `weft up`.
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping. About 20 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$here/tailnet_lib.sh"

need_tool iptables
tailnet_setup
exit_policy="$NETNS_TMP/exit.hujson"
cat >"$exit_policy" <<'EOF_P'
{
  "tagOwners": {"tag:a": ["ops@example.com"], "tag:b": ["ops@example.com"],
                "tag:c": ["ops@example.com"], "tag:e": ["ops@example.com"]},
  "autoApprovers": {"exitNode": ["tag:e"]},
  "acls": [
    {"action": "accept", "src": ["tag:a"], "dst": ["autogroup:internet:*", "tag:c:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]},
  ],
}
EOF_P
capture admin "$state" policy set "$exit_policy"
expect_rc 0 "policy: tag:a may use the internet, tag:b may not"

# e: on the LAN and on the public network with p; p has no route to the LAN or the tailnet.
netns_create e pub p
NS[e]=$(ns_name e)
NS[p]=$(ns_name p)
NS_PUB=$(ns_name pub)
ip -n "$NS_PUB" link add br2 type bridge || netns_fail "bridge"
ip -n "$NS_PUB" link set br2 up
LAN[e]=192.0.2.30
lan_join "${NS[e]}" e "${LAN[e]}"
lan_join "${NS[e]}" pe 203.0.113.1 up0 "$NS_PUB" br2
lan_join "${NS[p]}" pp 203.0.113.80 eth0 "$NS_PUB" br2

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
check "... and p does not answer b" bash -c "! ip netns exec ${NS[b]} ping -c 1 -W 1 203.0.113.80 >/dev/null 2>&1"

start_node a --server "$url" --authkey "${KEY[a]}" --exit-node e
wait_logged a 'exit node: default routes through weft0'
tailnet_addresses
reach_p() { ns_exec "${NS[a]}" ping -c 1 -W 1 203.0.113.80 >/dev/null 2>&1; }
check "p answers a through the exit node" wait_for -t 10 reach_p
rules=$(ip -n "${NS[a]}" rule show)
echo "$rules" | sed 's/^/  a rule: /'
check "a's rules: not fwmark T lookup T" grep -qE 'not from all fwmark 0x[0-9a-f]+ lookup [0-9]+' <<<"$rules"
check "a's rules: lookup main suppress_prefixlength 0" grep -q 'suppress_prefixlength 0' <<<"$rules"
check "e MASQUERADEs to its uplink" \
  bash -c "ip netns exec ${NS[e]} iptables -w -t nat -S POSTROUTING | grep -q '! -o weft0'"

# a's own UDP: WireGuard to c still goes straight over the LAN (it would loop through weft0
# otherwise), and a's tunnel carries no WireGuard datagram of its own.
capture weft_node a ping c -c 2 --icmp
expect_rc 0 "a -> c through the tunnel while the exit node carries the default route"
check "a's WireGuard socket sends on eth0 (the mark skips the exit table)" \
  bash -c "ip netns exec ${NS[a]} ip route get 192.0.2.3 mark \$(ip netns exec ${NS[a]} ip rule show | sed -nE 's/.*not from all fwmark (0x[0-9a-f]+).*/\1/p') | grep -q 'dev eth0'"

stop_node a
after_a=$(routing_of a)
diff <(echo "$before_a") <(echo "$after_a") | sed 's/^/  /' || true
check "after SIGTERM a's routes and rules are the ones it had before" test "$before_a" = "$after_a"
echo "PASS exit_node_test"
