#!/usr/bin/env bash
# Runs `weft acl check` over the policy corpus in tests/policy/corpus/:
#  - valid/*.hujson must exit 0 (their embedded `tests` and `sshTests` are the expected verdicts);
#  - invalid/*.hujson must exit 1 and print every finding its `// expect: LINE:COL: TEXT` header
#    lines name (as FILE:LINE:COL: error: ...TEXT...), and nothing uncaught;
#  - in either, every `// expect warning: LINE:COL: TEXT` header line must be printed as
#    FILE:LINE:COL: warning: ...TEXT... (such as tests not decidable offline).
set -u
weft=$1
root=$2
fail=0
corpus=$root/tests/policy/corpus

shopt -s nullglob
valid=("$corpus"/valid/*.hujson)
invalid=("$corpus"/invalid/*.hujson)
if ((${#valid[@]} == 0 || ${#invalid[@]} == 0)); then
  echo "FAIL: corpus is empty" >&2
  exit 1
fi

# expect_warnings FILE OUT: every `// expect warning:` line of FILE is a warning in OUT.
expect_warnings() {
  local f=$1 out=$2 line spec pos text
  while IFS= read -r line; do
    spec=${line#*// expect warning: }
    pos=${spec%%: *}
    text=${spec#*: }
    if ! grep -F -- "$f:$pos: warning: " <<<"$out" | grep -qF -- "$text"; then
      echo "FAIL: $f: expected \"$f:$pos: warning: ...$text...\""
      echo "$out" | sed 's/^/    /'
      fail=1
    fi
  done < <(grep -E '^// expect warning: ' "$f")
}

for f in "${valid[@]}"; do
  out=$("$weft" acl check "$f" 2>&1)
  rc=$?
  expect_warnings "$f" "$out"
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: $f: expected exit 0, got $rc"
    echo "$out" | sed 's/^/    /'
    fail=1
  elif ! grep -qE "tests: [1-9][0-9]* passed, 0 failed" <<<"$out"; then
    echo "FAIL: $f: expected its tests to run and pass"
    echo "$out" | sed 's/^/    /'
    fail=1
  fi
done

for f in "${invalid[@]}"; do
  out=$("$weft" acl check "$f" 2>&1)
  rc=$?
  expect_warnings "$f" "$out"
  if [[ $rc -ne 1 ]]; then
    echo "FAIL: $f: expected exit 1, got $rc"
    echo "$out" | sed 's/^/    /'
    fail=1
    continue
  fi
  expectations=0
  while IFS= read -r line; do
    spec=${line#*// expect: }
    pos=${spec%%: *}
    text=${spec#*: }
    expectations=$((expectations + 1))
    if ! grep -qF -- "$f:$pos: error: " <<<"$out" ||
       ! grep -F -- "$f:$pos: error: " <<<"$out" | grep -qF -- "$text"; then
      echo "FAIL: $f: expected \"$f:$pos: error: ...$text...\""
      echo "$out" | sed 's/^/    /'
      fail=1
    fi
  done < <(grep -E '^// expect: ' "$f")
  if ((expectations == 0)); then
    echo "FAIL: $f has no '// expect:' lines"
    fail=1
  fi
done

if ((fail)); then exit 1; fi
echo "corpus: ${#valid[@]} valid and ${#invalid[@]} invalid policies behave as expected"
