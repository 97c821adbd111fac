#!/usr/bin/env bash
# `weft tunnel` against careless inputs: a config that is /dev/zero, a directory, a FIFO, an
# oversized file or junk must end in exit 2 with one clear message (at most a screenful of errors
# and a count), quickly and without hanging; a config readable by others starts with a warning
# like wg-quick's; a pre-existing persistent TUN named with --interface is refused and left as it
# was; an interface-name template ('wg…%d') is named by the kernel and reported.
# Needs WEFT_BIN (set by ctest) and root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg timeout base64 mkfifo truncate
bin=${WEFT_BIN:-$here/../../build/cli/weft}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"

# Everything runs inside a namespace of its own, so a regression that gets as far as creating
# an interface cannot touch the host.
netns_create a
NS_A=$(ns_name a)

# run_config NAME SECONDS CONFIG [IFNAME]: `weft tunnel --config CONFIG --interface IFNAME` in
# NS_A for at most SECONDS (a hang or a runaway read ends as status 124); status in `status`,
# stderr in $NETNS_TMP/NAME.err; prints the time taken and the size of what it printed.
run_config() {
  local name=$1 seconds=$2 config=$3 ifname=${4:-$(wg_ifname x)} start
  start=$(date +%s%N)
  set +e
  ns_exec "$NS_A" timeout -k 2 "$seconds" "$bin" tunnel --config "$config" \
    --interface "$ifname" >/dev/null 2>"$NETNS_TMP/$name.err"
  status=$?
  set -e
  echo "# $name: exit $status after $((($(date +%s%N) - start) / 1000000)) ms," \
    "$(wc -l <"$NETNS_TMP/$name.err") lines ($(wc -c <"$NETNS_TMP/$name.err") bytes) on stderr"
}

# refused NAME SECONDS CONFIG MESSAGE: the run exits 2 and prints exactly one line, MESSAGE.
refused() {
  local name=$1 seconds=$2 config=$3 message=$4
  run_config "$name" "$seconds" "$config"
  check "$name: exit status 2 (got $status)" test "$status" -eq 2
  check "$name: one line: $message" test "$(cat "$NETNS_TMP/$name.err")" = "$message"
}

# /dev/zero used to be read until std::bad_alloc (exit 134): 5 s are plenty to be refused and
# bound how much memory a regression can take.
refused dev-zero 5 /dev/zero "weft tunnel: /dev/zero is a character device, not a regular file"
mkdir "$NETNS_TMP/conf.d"
refused directory 20 "$NETNS_TMP/conf.d" \
  "weft tunnel: $NETNS_TMP/conf.d is a directory, not a regular file"
mkfifo "$NETNS_TMP/fifo.conf"
refused fifo 5 "$NETNS_TMP/fifo.conf" \
  "weft tunnel: $NETNS_TMP/fifo.conf is a FIFO, not a regular file"
truncate -s 17M "$NETNS_TMP/sparse.conf"
refused oversized 20 "$NETNS_TMP/sparse.conf" \
  "weft tunnel: $NETNS_TMP/sparse.conf is 17825792 bytes; the limit is 16777216 bytes"
head -c 37500000 /dev/urandom | base64 -w 100 >"$NETNS_TMP/junk50.conf"  # 50 MB of text
refused junk-50MB 20 "$NETNS_TMP/junk50.conf" \
  "weft tunnel: $NETNS_TMP/junk50.conf is $(stat -c %s "$NETNS_TMP/junk50.conf") bytes; the limit is 16777216 bytes"

# Junk under the limit is parsed: about 148,000 bad lines give 20 errors and a count.
head -c 11000000 /dev/urandom | base64 -w 100 >"$NETNS_TMP/junk15.conf"  # 14.9 MB
lines=$(wc -l <"$NETNS_TMP/junk15.conf")
run_config junk-15MB 120 "$NETNS_TMP/junk15.conf"
check "junk-15MB: exit status 2 (got $status)" test "$status" -eq 2
check "junk-15MB: 20 errors and a count line" test "$(wc -l <"$NETNS_TMP/junk-15MB.err")" -eq 21
check "junk-15MB: the first error is at line 1, its text cut short" grep -qE \
  "^$NETNS_TMP/junk15.conf:1: line unrecognized: \"[A-Za-z0-9+/]{64}\"\\.\\.\\. \\(expected Key = Value\\)$" \
  "$NETNS_TMP/junk-15MB.err"
check "junk-15MB: ends with '… and $((lines - 20)) more errors'" \
  test "$(tail -n 1 "$NETNS_TMP/junk-15MB.err")" = "… and $((lines - 20)) more errors"

# Binary junk: control bytes come out as \xHH, never raw (a terminal would act on them).
head -c 1000000 /dev/urandom >"$NETNS_TMP/binary.conf"
run_config binary 60 "$NETNS_TMP/binary.conf"
check "binary: exit status 2 (got $status)" test "$status" -eq 2
check "binary: at most 21 lines" test "$(wc -l <"$NETNS_TMP/binary.err")" -le 21
check "binary: no control character but newlines on stderr" \
  bash -c "! tr -d '\n' <'$NETNS_TMP/binary.err' | LC_ALL=C grep -q '[[:cntrl:]]'"

# A valid config, as write_wg_config makes it (mode 0600).
read -r priv_a pub_a < <(wg_keypair)
read -r _ pub_b < <(wg_keypair)
write_wg_config "$NETNS_TMP/a.conf" --private-key "$priv_a" --listen-port 51820 \
  --address 100.64.0.1/24 --mtu 1420 \
  --peer "$pub_b" --allowed-ips 100.64.0.2/32 --endpoint 192.0.2.2:51820

# Readable by others: a warning on stderr, and the tunnel still starts.
cp -p "$NETNS_TMP/a.conf" "$NETNS_TMP/open.conf"
chmod 644 "$NETNS_TMP/open.conf"
if_w=$(wg_ifname w)
start_weft_tunnel "$NS_A" "$if_w" "$NETNS_TMP/open.conf" "$bin" ||
  netns_fail "weft tunnel did not start from a mode 0644 config"
pid_w=$LAST_PID
check "mode 0644: warned like wg-quick" grep -qF \
  "weft tunnel: warning: \`$NETNS_TMP/open.conf' is readable or writable by group or others (mode 0644)" \
  "$NETNS_TMP/$if_w.log"
stop_process "$pid_w"
check "mode 0644: stopped cleanly" stopped_cleanly "weft $if_w" "$NETNS_TMP/$if_w.log"

# A persistent TUN made beforehand, with an address of its own, is refused and left as it was.
if_p=$(wg_ifname p)
ip -n "$NS_A" tuntap add mode tun name "$if_p" || netns_fail "ip tuntap add $if_p"
ip -n "$NS_A" addr add 198.51.100.9/32 dev "$if_p" || netns_fail "address on $if_p"
link_state() {
  ip -n "$NS_A" -o link show dev "$if_p"
  ip -n "$NS_A" -o addr show dev "$if_p"
  ip -n "$NS_A" route show
}
before=$(link_state)
run_config persistent-tun 20 "$NETNS_TMP/a.conf" "$if_p"
check "persistent TUN: exit status 2 (got $status)" test "$status" -eq 2
check "persistent TUN: refused with a clear message" grep -qF \
  "weft tunnel: interface $if_p already exists; weft creates its own interface and removes it on exit" \
  "$NETNS_TMP/persistent-tun.err"
check "persistent TUN: link, addresses and routes unchanged" test "$(link_state)" = "$before"
check "persistent TUN: no UAPI socket left" test ! -e "$WG_UAPI_DIR/$if_p.sock"

# A template: the kernel picks the number, weft reports and serves the name it got.
if_t=$(wg_ifname t)0
_netns_ifaces+=("$if_t")  # so cleanup removes its UAPI socket whatever happens
ns_spawn "$NS_A" "$NETNS_TMP/template.log" "$bin" tunnel --config "$NETNS_TMP/a.conf" \
  --interface "$(wg_ifname t)%d"
pid_t=$LAST_PID
check "template: the kernel named the interface $if_t" wait_for wg_uapi_ready "$NS_A" "$if_t"
check "template: weft reports the name" grep -qF "weft tunnel: interface $if_t up" \
  "$NETNS_TMP/template.log"
check "template: its UAPI serves it under that name" test "$(wg show "$if_t" public-key)" = "$pub_a"
check "template: its address is on it" \
  sh -c "ip -n '$NS_A' -o addr show dev '$if_t' | grep -q 'inet 100.64.0.1/24'"
check "mode 0600: no warning" bash -c "! grep -q 'warning' '$NETNS_TMP/template.log'"
stop_process "$pid_t"
check "template: stopped cleanly" stopped_cleanly "weft $if_t" "$NETNS_TMP/template.log"
check "template: the interface is gone" bash -c "! ip -n '$NS_A' link show dev '$if_t' >/dev/null 2>&1"

echo "e2e: weft tunnel inputs: all checks passed"
