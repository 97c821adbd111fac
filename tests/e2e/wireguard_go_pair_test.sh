#!/usr/bin/env bash
# Proves the namespace harness (netns.sh) with the reference peers: two wireguard-go instances in
# two namespaces handshake (WireGuard whitepaper §5.4), carry ping and a 2 s iperf3 TCP stream.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg wireguard-go iperf3 ping jq ss

netns_pair
if_a=$(wg_ifname a)
if_b=$(wg_ifname b)
read -r priv_a pub_a < <(wg_keypair)
read -r priv_b pub_b < <(wg_keypair)

start_wireguard_go "$NS_A" "$if_a"
start_wireguard_go "$NS_B" "$if_b"
configure_wg "$NS_A" "$if_a" --private-key "$priv_a" --listen-port 51820 \
  --address 100.64.0.1/24 --mtu 1420 \
  --peer "$pub_b" --allowed-ips 100.64.0.2/32 --endpoint 192.0.2.2:51820
configure_wg "$NS_B" "$if_b" --private-key "$priv_b" --listen-port 51820 \
  --address 100.64.0.2/24 --mtu 1420 \
  --peer "$pub_a" --allowed-ips 100.64.0.1/32 --endpoint 192.0.2.1:51820

check "no handshake before traffic" test "$(wg_latest_handshake "$if_a")" -eq 0

# The first packet triggers the handshake and may be dropped while it completes.
check "ping reaches b through the tunnel" \
  wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
check "ping reaches a through the tunnel" quietly ns_exec "$NS_B" ping -q -c 3 -i 0.2 -W 2 100.64.0.1

ns_spawn "$NS_B" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -B 100.64.0.2
check "iperf3 server listens" \
  wait_for sh -c "ip netns exec '$NS_B' ss -Hltn 'sport = :5201' | grep -q LISTEN"
iperf_json="$NETNS_TMP/iperf3-client.json"
if ! ns_exec "$NS_A" timeout 20 iperf3 -c 100.64.0.2 -t 2 -J >"$iperf_json"; then
  jq -r '.error // empty' "$iperf_json" >&2 || true
  netns_fail "iperf3 TCP run through the tunnel"
fi
received=$(jq -r '.end.sum_received.bytes' "$iperf_json")
rate=$(jq -r '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000' "$iperf_json")
check "iperf3 moved data through the tunnel ($received bytes, $rate Gbit/s)" test "$received" -gt 0

now=$(date +%s)
for ifname in "$if_a" "$if_b"; do
  handshake=$(wg_latest_handshake "$ifname")
  read -r rx tx < <(wg_transfer "$ifname")
  check "wg show $ifname: latest handshake within the last minute ($handshake)" \
    test "$handshake" -gt $((now - 60))
  check "wg show $ifname: transfer non-zero (rx $rx, tx $tx)" test "$rx" -gt 0 -a "$tx" -gt 0
  if [[ $ifname == "$if_a" ]]; then sent=$tx; else got=$rx; fi
done
# Encrypted bytes on the wire exceed the TCP payload iperf3 counted as received.
check "a sent and b received at least the iperf3 payload ($sent, $got >= $received)" \
  test "$sent" -ge "$received" -a "$got" -ge "$received"
check "wg show lists the peer's key" sh -c "wg show '$if_a' peers | grep -qF -- '$pub_b'"

echo "e2e: wireguard-go pair: all checks passed"
