#!/usr/bin/env bash
# MagicDNS (issue 17, docs/network-config.md "MagicDNS"): the tailnet of tailnet_lib.sh (a may
# reach b, b may reach c) with `weft admin dns set` pointing at dnsmasq in namespace r (default
# upstream) and in namespace q (split DNS for lab.test). On a: `dig @100.100.100.100` answers
# b.weft.internal (A, AAAA) and the bare name, not c (a may not see it: NXDOMAIN), forwards an
# outside name to r and a lab.test name to q, and answers over TCP too; a's resolv.conf (its
# namespace's own, through resolvconf) points at 100.100.100.100 with the search domains while
# up, follows a settings change, and is restored after `weft down`; b runs with
# --accept-dns=false and its resolv.conf stays as it was; the host's /etc/resolv.conf is never
# touched. About 15 s.
set -euo pipefail
# shellcheck source=tests/e2e/tailnet_lib.sh
source "$(dirname "$0")/tailnet_lib.sh"

need_tool dig dnsmasq resolvconf getent
host_resolv_before=$(sha256sum /etc/resolv.conf 2>/dev/null || true)
tailnet_setup

# Two upstream resolvers on the LAN: r answers www.example.test, q answers lab.test names.
netns_create r q
declare -A UP=([r]=192.0.2.53 [q]=192.0.2.54)
for m in r q; do lan_join "$(ns_name $m)" "$m" "${UP[$m]}"; done
start_dnsmasq() {
  ns_spawn "$(ns_name "$1")" "$NETNS_TMP/dnsmasq-$1.log" dnsmasq --keep-in-foreground \
    --conf-file=/dev/null --no-resolv --no-hosts --user=root --pid-file= \
    --listen-address="${UP[$1]}" --bind-interfaces --log-queries --log-facility=- "${@:2}"
}
start_dnsmasq r --address=/www.example.test/198.51.100.7
start_dnsmasq q --address=/lab.test/198.51.100.8
admin "$state" dns set --nameserver "${UP[r]}" --search-domain corp.test \
  --split "lab.test=${UP[q]}" >/dev/null

# a's and b's resolv.conf are their namespaces' own (`ip netns exec` binds /etc/netns/NS/*),
# and resolvconf keeps its state in the test's directory.
for m in a b; do
  mkdir -p "/etc/netns/${NS[$m]}" "$NETNS_TMP/etc-$m" "$NETNS_TMP/resolvconf-$m"
  netns_on_cleanup "rm -rf '/etc/netns/${NS[$m]}'"
  echo "nameserver 192.0.2.99" >"$NETNS_TMP/etc-$m/resolv.conf"
  ln -s "$NETNS_TMP/etc-$m/resolv.conf" "/etc/netns/${NS[$m]}/resolv.conf"
  printf 'resolv_conf=%s\nstate_dir=%s\n' "$NETNS_TMP/etc-$m/resolv.conf" \
    "$NETNS_TMP/resolvconf-$m" >"/etc/netns/${NS[$m]}/resolvconf.conf"
done
resolv_before=$(cat "$NETNS_TMP/etc-a/resolv.conf")

TAILNET_ACCEPT_DNS=true start_node a --server "$url" --authkey "${KEY[a]}"
start_node b --server "$url" --authkey "${KEY[b]}"  # --accept-dns=false (tailnet_lib)
start_node c --server "$url" --authkey "${KEY[c]}"
for m in a b c; do wait_logged "$m" 'netmap applied: '; done
wait_logged a 'MagicDNS: resolv.conf points at 100.100.100.100'
tailnet_addresses

# ask M ARGS...: dig's short answer from M's namespace at MagicDNS.
ask() {
  local m=$1
  shift
  ns_exec "${NS[$m]}" dig +time=3 +tries=1 @100.100.100.100 "$@" 2>&1
}
status_of() { ask "$@" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }

check "a resolves b.weft.internal (A) to b's address" \
  test "$(ask a +short b.weft.internal A)" == "${ADDR[b]}"
v6_b=$(admin "$state" --json nodes list | jq -r '.nodes[] | select(.hostname == "b") | .addresses[1]')
if ns_exec "${NS[a]}" ip -6 addr show dev weft0 | grep -q fd7a; then
  check "a resolves b.weft.internal (AAAA) to b's IPv6 address" \
    test "$(ask a +short b.weft.internal AAAA)" == "$v6_b"
else
  echo "note: IPv6 is off on a's interface; AAAA not checked"
fi
check "the bare name b answers as well" test "$(ask a +short b A)" == "${ADDR[b]}"
check "a resolves its own name" test "$(ask a +short a.weft.internal A)" == "${ADDR[a]}"
check "c (not visible to a by the policy) does not exist for a: NXDOMAIN" \
  test "$(status_of a c.weft.internal A)" == NXDOMAIN
check "... nor does its bare name" test "$(status_of a c A)" == NXDOMAIN
check "b sees c (b may reach c): b resolves it" \
  test "$(ask b +short c.weft.internal A)" == "${ADDR[c]}"
check "an outside name is forwarded to the default upstream (dnsmasq in r)" \
  test "$(ask a +short www.example.test A)" == 198.51.100.7
check "a lab.test name goes to its split-DNS upstream (dnsmasq in q)" \
  test "$(ask a +short db.lab.test A)" == 198.51.100.8
check "r never saw the lab.test query" bash -c "! grep -q 'db.lab.test' '$NETNS_TMP/dnsmasq-r.log'"
check "TCP: a tailnet name" test "$(ask a +tcp +short b.weft.internal A)" == "${ADDR[b]}"
check "TCP: a forwarded name" test "$(ask a +tcp +short www.example.test A)" == 198.51.100.7

check "a's resolv.conf points at MagicDNS with the search domains" \
  bash -c "grep -q '^nameserver 100.100.100.100' '$NETNS_TMP/etc-a/resolv.conf' &&
           grep -q '^search weft.internal corp.test' '$NETNS_TMP/etc-a/resolv.conf'"
check "the system resolver on a finds b by its bare name (search domain)" \
  bash -c "ns_out=\$(ip netns exec '${NS[a]}' getent ahostsv4 b) && grep -q '${ADDR[b]}' <<<\"\$ns_out\""
check "b (--accept-dns=false) left its resolv.conf alone" \
  test "$(cat "$NETNS_TMP/etc-b/resolv.conf")" == "nameserver 192.0.2.99"

# A settings change reaches a at once: its search domains follow.
t0=$SECONDS
admin "$state" dns set --nameserver "${UP[r]}" --search-domain other.test >/dev/null
wait_for -t 10 grep -q '^search weft.internal other.test' "$NETNS_TMP/etc-a/resolv.conf" ||
  netns_fail "a's resolv.conf did not follow the new search domain: $(cat "$NETNS_TMP/etc-a/resolv.conf")"
echo "search domain change applied on a within $((SECONDS - t0)) s"
check "the split route is gone: lab.test goes to r now, which does not know it" \
  bash -c "[[ \$(ip netns exec '${NS[a]}' dig +time=3 +tries=1 +short @100.100.100.100 db.lab.test A) \
             != 198.51.100.8 ]] && grep -q 'db.lab.test' '$NETNS_TMP/dnsmasq-r.log'"

weft_node a down >/dev/null
wait_for -t 10 eval "! proc_alive ${PID[a]}" || netns_fail "a did not stop after weft down"
check "a's resolv.conf is restored after weft down" \
  test "$(cat "$NETNS_TMP/etc-a/resolv.conf")" == "$resolv_before"
check "the host's /etc/resolv.conf was not touched" \
  test "$host_resolv_before" == "$(sha256sum /etc/resolv.conf 2>/dev/null || true)"
echo "PASS magicdns_test"
