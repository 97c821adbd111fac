#!/usr/bin/env bash
# The weft-sim Debian package (docs/simulation.md, "Installing weft-sim"): CPack's second
# configuration (packaging/weft-sim.cmake) packages this build's weft-sim alone, without building
# anything (a few seconds, unlike package_test's Release build); its control fields (Depends from
# dpkg-shlibdeps with the ns-3 library, weft of the same version), its contents (/usr/bin/weft-sim,
# stripped), and the packaged program, unpacked into a scratch root, run by this build's weft
# (`weft sim run` with WEFT_SIM) on a scenario whose expectations hold. No root needed.
# Usage: sim_package_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1
build=$2
# shellcheck source=../cli/cli_checks.sh
source "$src/tests/cli/cli_checks.sh"
for tool in cpack dpkg-deb dpkg-shlibdeps file; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/setup installs it)"; exit 1; }
done
[[ -x $build/cli/weft-sim && -x $build/cli/weft ]] ||
  { echo "FAIL: build weft and weft-sim in $build first"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
if ! (cd "$build" && cpack --config CPackSimConfig.cmake -B "$tmp/out") >"$tmp/cpack.log" 2>&1; then
  tail -20 "$tmp/cpack.log"
  echo "FAIL: cpack --config CPackSimConfig.cmake"
  exit 1
fi
deb=$(find "$tmp/out" -maxdepth 1 -name 'weft-sim_*.deb' -print -quit)
[[ -n $deb ]] || { echo "FAIL: cpack made no weft-sim_*.deb"; exit 1; }
echo "cpack took $((SECONDS - start)) s: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

field() { dpkg-deb -f "$deb" "$1"; }
version=$(field Version)
depends=$(field Depends)
echo "Depends: $depends"
checks=$((checks + 4))
[[ $(field Package) == weft-sim && $(field Architecture) == amd64 ]] || fail "not weft-sim for amd64"
[[ $(basename "$deb") == "weft-sim_${version}_amd64.deb" ]] || fail "file name $(basename "$deb")"
grep -qE '(^|, )libns3\.[0-9]+ \(>= [0-9.]+\)' <<<"$depends" || fail "Depends lacks the ns-3 library: $depends"
[[ ", $depends," == *", weft (= $version),"* || $depends == "weft (= $version),"* ]] ||
  fail "Depends lacks weft (= $version): $depends"
checks=$((checks + 1))
! grep -qE -- '-dev( |,|$)' <<<"$depends" || fail "Depends names a -dev package: $depends"

expect_rc 0 dpkg-deb -c "$deb"
expect_out ' \./usr/bin/weft-sim$'
checks=$((checks + 1))
[[ $(grep -c '^-' <<<"$out") == 1 ]] || fail "the package holds other files: $out"

dpkg-deb -x "$deb" "$tmp/root"
checks=$((checks + 1))
file "$tmp/root/usr/bin/weft-sim" | grep -q ', stripped' || fail "weft-sim is not stripped"
# The packaged program, as `weft sim run` runs it once installed beside weft.
expect_rc 0 env WEFT_SIM="$tmp/root/usr/bin/weft-sim" "$build/cli/weft" sim run \
  "$src/scenarios/oidc-login.hujson"
expect_out '^[0-9]+ passed, 0 failed'

echo "$checks checks, $failures failed"
((failures == 0))
