#!/usr/bin/env bash
# `weft --version`, and the man pages and completions `weft __docs` renders from the help: a page
# per command holding every option its --help lists, pages man(1) reads without a warning
# (lintian's check), bash completing commands, options and listed values, zsh syntax.
# Usage: docs_test.sh WEFT_BINARY SOURCE_DIR
set -uo pipefail
weft=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cli_checks.sh
source "$here/cli_checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_rc 0 "$weft" --version && expect_out '^weft [0-9]+\.[0-9]+\.[0-9]+([~+][0-9A-Za-z.]+)?$'

# The visible subcommands, as `weft --help` lists them.
commands=$("$weft" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}')
[[ -n $commands ]] || fail "no subcommands in weft --help"
grep -qx '__docs' <<<"$commands" && fail "the hidden __docs command is listed in weft --help"

expect_rc 0 "$weft" __docs man --output "$tmp/man"
checks=$((checks + 1))
[[ -f $tmp/man/weft.1 ]] || fail "no weft.1"
for c in $commands; do
  page=$tmp/man/weft-$c.1
  checks=$((checks + 1))
  if [[ ! -f $page ]]; then fail "no man page for weft $c"; continue; fi
  # man escapes every '-' of the page name (weft\-wireguard\-go).
  grep -qF ".BR weft\\-${c//-/\\-} (1)" "$tmp/man/weft.1" || fail "weft.1 does not refer to weft-$c(1)"
  # Every long option of the command's help (and of its subcommands') is on its page.
  for opt in $("$weft" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    checks=$((checks + 1))
    grep -qF -- "${opt//-/\\-}" "$page" || fail "weft-$c.1 lacks $opt"
  done
done
expect_rc 0 "$weft" __docs man --output "$tmp/man"  # rewriting is fine
for page in "$tmp"/man/*.1; do
  checks=$((checks + 1))
  warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
  [[ -z $warnings ]] || fail "man warns about $(basename "$page"): $warnings"
done
grep -q 'Exit codes: 0 success' "$tmp/man/weft-acl.1" || fail "weft-acl.1 lacks the exit codes"

expect_rc 2 "$weft" __docs man
expect_rc 2 "$weft" __docs man --output /proc/weft-docs-test

# bash: complete_at WORDS...: COMPREPLY for the last word (possibly empty) after the others.
expect_rc 0 "$weft" __docs bash --output "$tmp/weft.bash"
complete_at() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _weft; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$tmp/weft.bash" "$@"
}
expect_completion() {  # expect_completion "WANT WORDS" WORDS...
  local want=$1; shift
  checks=$((checks + 1))
  local got
  got=$(complete_at "$@" | sort | xargs)
  [[ $got == "$want" ]] || fail "completing '$*': got '$got', want '$want'"
}
expect_completion "acl" weft ac
expect_completion "check query" weft acl ""
expect_completion "json" weft acl check --format j
expect_completion "github json text" weft acl check --format ""
expect_completion "" weft acl check --tailnet ""             # a file: the shell's default
expect_completion "--format --help --tailnet" weft acl check --
expect_completion "users" weft admin --state /var/lib/weft-server us
expect_completion "create list remove" weft admin --state /var/lib/weft-server users ""
expect_completion "--role" weft admin --json users create --r
expect_completion "" weft ping -c ""
expect_completion "" weft __d
all=$(complete_at weft "")  # captured first: grep -q ending a pipe early would fail it (pipefail)
for c in $commands; do
  checks=$((checks + 1))
  grep -qx -- "$c" <<<"$all" || fail "bash does not complete the command $c"
done

expect_rc 0 "$weft" __docs zsh --output "$tmp/_weft"
if command -v zsh >/dev/null; then
  checks=$((checks + 1))
  out=$(zsh -n "$tmp/_weft" 2>&1) || fail "zsh -n _weft: $out"
else
  echo "note: zsh is not installed; its completion is not parsed"
fi
checks=$((checks + 1))
if ! grep -q "^_weft_acl_check() {" "$tmp/_weft" || ! head -1 "$tmp/_weft" | grep -q '^#compdef weft$'; then
  fail "_weft lacks #compdef or _weft_acl_check"
fi

echo "$checks checks, $failures failures"
((failures == 0))
