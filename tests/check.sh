#!/bin/sh
# tests/check.sh - runs every test stage for `make check` and prints one
# plain "N passed, N failed" line at the end; exits non-zero on any failure.
#
# Stages: CUnit suites; integration scripts (tests/integration/test_*.sh,
# each one test, exit 0 = pass); the simulator's own tests driven by the
# real awscli (tests/awssim/test_*.py); the fuzz targets once over their
# seed corpora; the CUnit suites again under AddressSanitizer +
# UndefinedBehaviorSanitizer.
set -u
cd "$(dirname "$0")/.." || exit 4
B=.build
LOG=$B/check
mkdir -p "$LOG"
passed=0
failed=0
failures=""

count_cunit() { # $1 = log file, $2 = stage name
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)); failures="$failures $2(crashed)"; return
    fi
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed}
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" = 0 ] || failures="$failures $2"
}

echo "== unit tests"
$B/unit_tests > "$LOG/unit.log" 2>&1
grep -E 'Suite|Test:|FAILED|passed|failed' "$LOG/unit.log" | grep -vE '\.\.\.passed' | tail -n 40
count_cunit "$LOG/unit.log" unit

echo "== integration tests"
for t in tests/integration/test_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    if sh "$t" > "$LOG/$name.log" 2>&1; then
        passed=$((passed + 1)); echo "  pass  $name"
    else
        failed=$((failed + 1)); failures="$failures $name"
        echo "  FAIL  $name (log: $LOG/$name.log)"; tail -n 15 "$LOG/$name.log" | sed 's/^/        /'
    fi
done

echo "== simulator tests (awscli against tests/awssim)"
if ls tests/awssim/test_*.py >/dev/null 2>&1; then
    AWSSIM_MODELS=$B/models /usr/bin/python3 -m unittest discover -s tests/awssim -p 'test_*.py' > "$LOG/awssim.log" 2>&1
    rc=$?
    ran=$(sed -n 's/^Ran \([0-9]*\) test.*/\1/p' "$LOG/awssim.log" | tail -n 1)
    f=$(sed -n 's/^FAILED (.*failures=\([0-9]*\).*/\1/p' "$LOG/awssim.log" | tail -n 1)
    er=$(sed -n 's/^FAILED (.*errors=\([0-9]*\).*/\1/p' "$LOG/awssim.log" | tail -n 1)
    skipped=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' "$LOG/awssim.log" | tail -n 1)
    ran=${ran:-0}; skipped=${skipped:-0}; bad=$(( ${f:-0} + ${er:-0} ))
    if [ $rc -ne 0 ] && [ $bad -eq 0 ]; then bad=1; fi
    passed=$((passed + ran - bad - skipped)); failed=$((failed + bad))
    echo "  $((ran - bad - skipped)) passed, $bad failed, $skipped skipped"
    [ $bad -eq 0 ] || { failures="$failures awssim"; tail -n 30 "$LOG/awssim.log"; }
fi

echo "== fuzz targets over their seed corpora (ASan + UBSan)"
for bin in $B/fuzzcheck/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$bin" "tests/fuzz/corpus/$name" > "$LOG/fuzz_$name.log" 2>&1; then
        passed=$((passed + 1)); echo "  pass  fuzz_$name ($(tail -n 1 "$LOG/fuzz_$name.log"))"
    else
        failed=$((failed + 1)); failures="$failures fuzz_$name"
        echo "  FAIL  fuzz_$name (log: $LOG/fuzz_$name.log)"; tail -n 15 "$LOG/fuzz_$name.log" | sed 's/^/        /'
    fi
done

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    $B/unit_tests_asan > "$LOG/unit_asan.log" 2>&1
sed -n '/Run Summary/,$p' "$LOG/unit_asan.log"
grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$LOG/unit_asan.log" | head -n 5
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' "$LOG/unit_asan.log"; then
    failed=$((failed + 1)); failures="$failures sanitizer"
fi
count_cunit "$LOG/unit_asan.log" unit_asan

echo
[ -z "$failures" ] || echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$failures" ]
