# Sourceable checks for the process tests of the weft binary (tests/cli/*_test.sh): run a
# command expecting an exit status, then match its output. Counts into `checks` and `failures`.
# shellcheck shell=bash
failures=0
checks=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# expect_rc WANT CMD...: runs CMD, keeps its output (stdout and stderr) in $out.
expect_rc() {
  local want=$1; shift
  checks=$((checks + 1))
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -ne $want ]]; then fail "'$*' exited $rc, want $want"; echo "$out" | head -20 | sed 's/^/    /'; return 1; fi
}
expect_out() {  # expect_out REGEX: $out must match
  checks=$((checks + 1))
  grep -qE -- "$1" <<<"$out" || { fail "output does not match /$1/"; echo "$out" | head -20 | sed 's/^/    /'; }
}
expect_no() {  # expect_no REGEX: $out must not match
  checks=$((checks + 1))
  ! grep -qE -- "$1" <<<"$out" || { fail "output matches /$1/"; echo "$out" | head -20 | sed 's/^/    /'; }
}
