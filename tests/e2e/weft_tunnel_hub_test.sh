#!/usr/bin/env bash
# `weft tunnel` as a hub with two wireguard-go spokes in their own namespaces: cryptokey routing
# picks the peer by destination (WireGuard whitepaper §2), the hub forwards spoke-to-spoke
# traffic (in through one peer, out through the other). Needs WEFT_BIN (set by ctest) and root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg wireguard-go ping
bin=${WEFT_BIN:-$here/../../build/cli/weft}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"

# hub (weft) in h; spokes (wireguard-go) in s1 and s2, each on its own veth link to the hub.
netns_create h s1 s2
NS_H=$(ns_name h)
NS_S1=$(ns_name s1)
NS_S2=$(ns_name s2)
netns_connect "$NS_H" veth1 192.0.2.1/24 "$NS_S1" veth0 192.0.2.2/24
netns_connect "$NS_H" veth2 198.51.100.1/24 "$NS_S2" veth0 198.51.100.2/24
ip netns exec "$NS_H" sysctl -qw net.ipv4.ip_forward=1

if_h=$(wg_ifname h)
if_1=$(wg_ifname s)
if_2=$(wg_ifname t)
read -r priv_h pub_h < <(wg_keypair)
read -r priv_1 pub_1 < <(wg_keypair)
read -r priv_2 pub_2 < <(wg_keypair)
write_wg_config "$NETNS_TMP/h.conf" --private-key "$priv_h" --listen-port 51820 \
  --address 100.64.0.1/24 \
  --peer "$pub_1" --allowed-ips 100.64.0.2/32 --endpoint 192.0.2.2:51820 \
  --peer "$pub_2" --allowed-ips 100.64.0.3/32 --endpoint 198.51.100.2:51820
# Spokes route the whole tunnel subnet through the hub.
write_wg_config "$NETNS_TMP/s1.conf" --private-key "$priv_1" --listen-port 51820 \
  --address 100.64.0.2/24 --peer "$pub_h" --allowed-ips 100.64.0.0/24 --endpoint 192.0.2.1:51820
write_wg_config "$NETNS_TMP/s2.conf" --private-key "$priv_2" --listen-port 51820 \
  --address 100.64.0.3/24 --peer "$pub_h" --allowed-ips 100.64.0.0/24 --endpoint 198.51.100.1:51820

start_peer weft "$NS_H" "$if_h" "$NETNS_TMP/h.conf" "$bin" || netns_fail "weft hub did not start"
pid_h=$LAST_PID
start_peer wireguard-go "$NS_S1" "$if_1" "$NETNS_TMP/s1.conf"
pid_1=$LAST_PID
start_peer wireguard-go "$NS_S2" "$if_2" "$NETNS_TMP/s2.conf"
pid_2=$LAST_PID

# As wg-quick: the peers' /32s are covered by the address's 100.64.0.0/24, so no route is added.
check "hub routes the peers as wg-quick would (through the address's prefix, no /32 routes)" sh -c \
  "ip -n '$NS_H' route show dev '$if_h' | grep -q '^100.64.0.0/24' &&
   ! ip -n '$NS_H' route show dev '$if_h' | grep -q '^100.64.0.[23] '"
check "hub reaches spoke 1" wait_for ns_exec "$NS_H" ping -c 1 -W 1 100.64.0.2
check "hub reaches spoke 2" wait_for ns_exec "$NS_H" ping -c 1 -W 1 100.64.0.3
check "spoke 1 reaches spoke 2 through the hub" wait_for ns_exec "$NS_S1" ping -c 1 -W 1 100.64.0.3
check "spoke 2 reaches spoke 1 through the hub" quietly ns_exec "$NS_S2" ping -q -c 3 -i 0.2 -W 2 100.64.0.2
check "hub shows two peers with handshakes" \
  test "$(wg show "$if_h" latest-handshakes | awk '$2 > 0' | wc -l)" -eq 2
check "hub learned both endpoints" sh -c \
  "wg show '$if_h' endpoints | grep -qF '192.0.2.2:51820' &&
   wg show '$if_h' endpoints | grep -qF '198.51.100.2:51820'"

stop_process "$pid_h"
check "hub stops cleanly on SIGTERM (status $LAST_EXIT)" test "$LAST_EXIT" -eq 0
check "no sanitizer report" bash -c "! grep -q 'Sanitizer' '$NETNS_TMP/$if_h.log'"
stop_tunnel "$pid_1" "$if_1"
stop_tunnel "$pid_2" "$if_2"

echo "e2e: weft tunnel hub with two wireguard-go spokes: all checks passed"
