# Sourceable setup of the full-tunnel tests (issue 13): a client namespace c, a WireGuard server
# s that forwards and masquerades, and a "public" host p behind s that has no route back to the
# client's own network, so only traffic that went through the tunnel is answered.
# shellcheck shell=bash
#
#   c veth0 192.0.2.1/24 (default via 192.0.2.2) <-> s veth0 192.0.2.2/24
#   s veth1 198.51.100.1/24 <-> p veth0 198.51.100.2/24 (no default route)
#   tunnel 100.64.0.0/24: s 100.64.0.1, c 100.64.0.2; IPv6 fd7a:115c:a1e0::/64 likewise
#
# After full_tunnel_setup: NS_C NS_S NS_P, IF_S (the server's interface, weft tunnel),
# PUB_S and PRIV_C/PUB_C, /etc/netns/$NS_C/hosts naming server.test (removed on cleanup).

# shellcheck source=tests/e2e/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

full_tunnel_setup() {
  need_root
  need_tool ip wg ping iptables ip6tables
  netns_create c s p
  NS_C=$(ns_name c)
  NS_S=$(ns_name s)
  NS_P=$(ns_name p)
  netns_connect "$NS_C" veth0 192.0.2.1/24 "$NS_S" veth0 192.0.2.2/24
  netns_connect "$NS_S" veth1 198.51.100.1/24 "$NS_P" veth0 198.51.100.2/24
  ip -n "$NS_C" route add default via 192.0.2.2 || netns_fail "client default route"
  ns_exec "$NS_S" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
    netns_fail "forwarding on the server"
  ns_exec "$NS_S" iptables -t nat -A POSTROUTING -s 100.64.0.0/24 -o veth1 -j MASQUERADE ||
    netns_fail "masquerade on the server"

  # Names for the client only: `ip netns exec` bind-mounts /etc/netns/NS/* over /etc/*.
  mkdir -p "/etc/netns/$NS_C" || netns_fail "mkdir /etc/netns/$NS_C"
  netns_on_cleanup "rm -rf '/etc/netns/$NS_C'"
  echo "192.0.2.2 server.test" >"/etc/netns/$NS_C/hosts"
  # The namespace's resolv.conf lives in the test's directory (a link here: `ip netns exec`
  # binds its target), so files written beside it (resolvconf's .bak) stay out of /etc.
  mkdir -p "$NETNS_TMP/etc-c"
  echo "nameserver 192.0.2.99" >"$NETNS_TMP/etc-c/resolv.conf"
  ln -s "$NETNS_TMP/etc-c/resolv.conf" "/etc/netns/$NS_C/resolv.conf"
  # Link-local addresses finish DAD after a while; routing snapshots wait for them.
  wait_for bash -c "[[ -z \$(ip -n '$NS_C' -6 addr show tentative) ]]" ||
    netns_fail "IPv6 addresses of $NS_C still tentative"

  IF_S=$(wg_ifname s)
  local priv_s
  read -r priv_s PUB_S < <(wg_keypair)
  read -r PRIV_C PUB_C < <(wg_keypair)
  write_wg_config "$NETNS_TMP/$IF_S.conf" --private-key "$priv_s" --listen-port 51820 \
    --address 100.64.0.1/24 --address fd7a:115c:a1e0::1/64 \
    --peer "$PUB_C" --allowed-ips 100.64.0.2/32,fd7a:115c:a1e0::2/128
  start_weft_tunnel "$NS_S" "$IF_S" "$NETNS_TMP/$IF_S.conf" || netns_fail "server tunnel"
}

# full_tunnel_client_config FILE [EXTRA-INTERFACE-LINES...]: the client's wg-quick file, a full
# tunnel to server.test:51820.
full_tunnel_client_config() {
  local file=$1 line
  shift
  (
    umask 077
    {
      echo "[Interface]"
      echo "PrivateKey = $PRIV_C"
      echo "Address = 100.64.0.2/24, fd7a:115c:a1e0::2/64"
      for line in "$@"; do echo "$line"; done
      echo
      echo "[Peer]"
      echo "PublicKey = $PUB_S"
      echo "AllowedIPs = 0.0.0.0/0, ::/0"
      echo "Endpoint = server.test:51820"
    } >"$file"
  )
}

# routing_state NS [SED-SCRIPT]: every rule and route of NS, both families, each list edited
# by SED-SCRIPT (default: none) and sorted (the kernel lists routes in its trie's order, which
# depends on addresses that differ between runs).
routing_state() {
  local ns=$1 edit=${2:-}
  echo "# ip -4 rule"
  ip -n "$ns" -4 rule show | sed -E "$edit" | sort
  echo "# ip -6 rule"
  ip -n "$ns" -6 rule show | sed -E "$edit" | sort
  echo "# ip -4 route show table all"
  ip -n "$ns" -4 route show table all | sed -E "$edit" | sort
  echo "# ip -6 route show table all"
  ip -n "$ns" -6 route show table all | sed -E "$edit" | sort
}
