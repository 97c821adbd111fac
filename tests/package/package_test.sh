#!/usr/bin/env bash
# The Debian package (issue 18): scripts/package builds it (time printed); dpkg-deb -I (Depends
# from dpkg-shlibdeps, no -dev package, conffiles) and -c (binary, units, a man page per
# command, completions); the binary is stripped; dpkg installs it into a scratch root running
# its maintainer scripts (the weft user, 0700 state directories), the installed weft checks
# examples/policy.hujson, systemd-analyze verifies the units (their man pages included) and
# rates them; purge removes it; lintian reports no error (warnings are printed).
# Usage: package_test.sh SOURCE_DIR PACKAGE_BUILD_DIR (WEFT_PACKAGE_DEB=FILE: check that package
# instead of building one). Needs root.
set -uo pipefail
src=$1
build=$2
# shellcheck source=../cli/cli_checks.sh
source "$src/tests/cli/cli_checks.sh"
if [[ $(id -u) -ne 0 ]]; then
  echo "FAIL: package_test needs root (dpkg --root installs files owned by the weft user)"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
if [[ -n ${WEFT_PACKAGE_DEB:-} ]]; then
  deb=$WEFT_PACKAGE_DEB  # a package built already: its checks alone
elif ! "$src/scripts/package" --build-dir "$build" --output "$tmp" >"$tmp/package.log" 2>&1; then
  tail -30 "$tmp/package.log"
  echo "FAIL: scripts/package"
  exit 1
else
  deb=$(tail -1 "$tmp/package.log")
fi
echo "scripts/package took $((SECONDS - start)) s: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# ---- control fields
field() { dpkg-deb -f "$deb" "$1"; }
version=$(field Version)
checks=$((checks + 3))
[[ $(field Package) == weft && $(field Architecture) == amd64 ]] || fail "not weft for amd64"
[[ $(basename "$deb") == "weft_${version}_amd64.deb" ]] || fail "file name $(basename "$deb") is not weft_${version}_amd64.deb"
depends=$(field Depends)
echo "Depends: $depends"
grep -qE '(^|, )libc6 \(>= [0-9.]+\)' <<<"$depends" || fail "Depends lacks a versioned libc6: $depends"
for d in libssl3 libsqlite3-0 libstdc++6; do
  checks=$((checks + 1))
  [[ ", $depends," == *", $d "* || ", $depends," == *", $d,"* ]] || fail "Depends lacks $d: $depends"
done
checks=$((checks + 1))
! grep -qE -- '-dev( |,|$)' <<<"$depends" || fail "Depends names a -dev package: $depends"
expect_rc 0 dpkg-deb -I "$deb" conffiles
expect_out '^/etc/default/weft-serve$'
expect_out '^/etc/default/weft-up$'
expect_out '^/etc/default/weft-derp$'

# ---- contents
expect_rc 0 dpkg-deb -c "$deb"
contents=$out
has() {
  checks=$((checks + 1))
  grep -qE " \./$1$" <<<"$contents" || fail "the package lacks /$1"
}
for f in usr/bin/weft lib/systemd/system/weft-serve.service lib/systemd/system/weft-up.service \
  lib/systemd/system/weft-derp.service etc/default/weft-derp \
  usr/share/man/man1/weft.1.gz usr/share/bash-completion/completions/weft \
  usr/share/zsh/vendor-completions/_weft etc/default/weft-serve etc/default/weft-up \
  usr/lib/sysusers.d/weft.conf usr/lib/tmpfiles.d/weft.conf usr/share/doc/weft/copyright \
  usr/share/doc/weft/changelog.gz usr/share/lintian/overrides/weft; do
  has "$f"
done
# weft-sim is a package of its own (sim_package_test.sh): weft must not bring ns-3 along.
checks=$((checks + 1))
! grep -qE ' \./usr/bin/weft-sim$' <<<"$contents" || fail "the weft package holds weft-sim"
grep -qE '^-rw------- root/root .* \./etc/default/weft-up$' <<<"$contents" ||
  fail "/etc/default/weft-up is not 0600 root (it may hold a pre-auth key)"

# ---- install into a scratch root; maintainer scripts run with DPKG_ROOT (no chroot needed)
root=$tmp/root
mkdir -p "$root"/var/lib/dpkg/{info,updates,triggers} "$root/etc" "$root/lib/systemd"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
# systemd's own units, so that systemd-analyze verify finds the targets ours refer to.
cp -a /lib/systemd/system "$root/lib/systemd/"
dpkg_root() { dpkg --root="$root" --force-script-chrootless --force-depends --log=/dev/null "$@"; }
expect_rc 0 dpkg_root -i "$deb"

weft=$root/usr/bin/weft
checks=$((checks + 1))
[[ -x $weft ]] || fail "no executable /usr/bin/weft in the scratch root"
expect_rc 0 "$weft" --version && expect_out "^weft ${version//+/\\+}$"
expect_rc 0 "$weft" acl check "$src/examples/policy.hujson"
checks=$((checks + 1))
sections=$(readelf -S "$weft")  # captured: grep -q ending the pipe early would hide a match
if grep -qE '\.debug_info|\.symtab' <<<"$sections"; then fail "/usr/bin/weft is not stripped"; fi

# Every command of `weft --help` has its page, and man reads it.
for c in $("$weft" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
  has "usr/share/man/man1/weft-$c.1.gz"
done
expect_rc 0 man -l "$root/usr/share/man/man1/weft-serve.1.gz"
expect_out 'weft serve'

uid=$(awk -F: '$1 == "weft" {print $3}' "$root/etc/passwd")
checks=$((checks + 1))
[[ -n $uid ]] || fail "postinst made no weft user in /etc/passwd"
state() {  # state DIR OWNER: a directory 0700 of OWNER
  checks=$((checks + 1))
  local got
  got=$(stat -c '%a %U' "$root$1" 2>&1) || { fail "$1 missing"; return; }
  got=$(stat -c '%a %u' "$root$1")
  [[ $got == "700 $2" ]] || fail "$1 is '$got', want '700 $2'"
}
state /var/lib/weft-server "$uid"
state /var/lib/weft-derp "$uid"
state /var/lib/weft 0
grep -q '^d /var/lib/weft-server 0700 weft weft' "$root/usr/lib/tmpfiles.d/weft.conf" ||
  fail "tmpfiles.d/weft.conf does not make /var/lib/weft-server"

# Reinstalling is an upgrade: postinst configure with the old version, idempotent.
expect_rc 0 dpkg_root -i "$deb"

# ---- systemd: verify (with the package's man pages) and the hardening scores
units=("$root"/lib/systemd/system/weft-*.service)
echo "units: ${units[*]##*/}"
expect_rc 0 env MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" "${units[@]}"
for u in "${units[@]}"; do
  grep -q '^Restart=on-failure$' "$u" || fail "${u##*/} lacks Restart=on-failure"
  score=$(systemd-analyze security --offline=true --root="$root" "$u" 2>&1 | grep 'Overall exposure')
  echo "systemd-analyze security --offline=true ${u##*/}: ${score#*: }"
done

# ---- purge: files, conffiles and state go
expect_rc 0 dpkg_root --purge weft
for f in usr/bin/weft etc/default/weft-serve var/lib/weft-server var/lib/weft-derp var/lib/weft; do
  checks=$((checks + 1))
  [[ ! -e $root/$f ]] || fail "/$f is left after purge"
done

# ---- lintian: no error; warnings and info listed
lintian --fail-on error --display-info "$deb" >"$tmp/lintian.log" 2>&1
rc=$?
checks=$((checks + 1))
sed 's/^/lintian: /' "$tmp/lintian.log"
((rc == 0)) || fail "lintian reports errors (exit $rc)"

echo "$checks checks, $failures failures"
((failures == 0))
