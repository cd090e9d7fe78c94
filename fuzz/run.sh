#!/bin/bash
# run.sh - run the libFuzzer targets (called by the Makefile, see fuzz/README.md)
#
#   run.sh fuzz    DIR SECONDS JOBS TARGET...  fuzz each target for SECONDS, JOBS at a
#                                              time; write DIR/summary.txt
#   run.sh regress DIR 0       1    TARGET...  run each target once over every file in
#                                              fuzz/regressions/TARGET/ and fuzz/corpus/TARGET/
#
# fuzz: the checked-in seeds (fuzz/corpus/TARGET, read only) start a scratch corpus
# (DIR/corpus/TARGET, kept between runs); crashes go to DIR/artifacts/TARGET/, the
# output to DIR/logs/TARGET.log. Exits 1 if any target crashed (after running all).
set -u

mode=$1 dir=$2 secs=$3 jobs=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)

one_fuzz() {
    local t=$1 bin=$dir/$1 log=$dir/logs/$1.log dict=()
    mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t" "$dir/logs"
    [ -f "$here/dict/$t.dict" ] && dict=(-dict="$here/dict/$t.dict")
    [ -d "$here/corpus/$t" ] || mkdir -p "$here/corpus/$t"
    echo "fuzzing $t for ${secs}s (log: $log)"
    "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$dir/artifacts/$t/" "${dict[@]}" \
        "$dir/corpus/$t" "$here/corpus/$t" >"$log" 2>&1
    echo $? >"$dir/logs/$t.rc"
}

summary_line() {
    local t=$1 log=$dir/logs/$1.log rc execs rate corpus status
    rc=$(cat "$dir/logs/$t.rc" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(find "$dir/corpus/$t" -type f | wc -l)
    if [ "$rc" = 0 ]; then
        status=ok
    else
        status="CRASH (exit $rc): $(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed|.*runtime error)' "$log" | cut -c1-120)"
        status="$status; input: $(sed -n 's/.*Test unit written to //p' "$log" | tail -1)"
    fi
    printf '%-16s %6s %12s %10s %8s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$corpus" "$status"
}

case $mode in
fuzz)
    for t in "$@"; do
        [ -x "$dir/$t" ] || { echo "run.sh: $dir/$t not built" >&2; exit 2; }
    done
    running=0
    for t in "$@"; do
        one_fuzz "$t" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
            wait -n
            running=$((running - 1))
        fi
    done
    wait
    {
        echo "# relaycheck fuzzing, $(date -u +%Y-%m-%dT%H:%M:%SZ), $secs s per target, $(clang --version | head -1)"
        printf '%-16s %6s %12s %10s %8s  %s\n' target seconds execs exec/s corpus status
        for t in "$@"; do summary_line "$t"; done
    } >"$dir/summary.txt"
    cat "$dir/summary.txt"
    ! grep -q CRASH "$dir/summary.txt"
    ;;
regress)
    fail=0 npass=0 nfail=0
    for t in "$@"; do
        files=()
        for d in "$here/regressions/$t" "$here/corpus/$t"; do
            [ -d "$d" ] || continue
            while IFS= read -r -d '' f; do files+=("$f"); done \
                < <(find "$d" -type f ! -name '.*' ! -name '*.md' -print0 | sort -z)
        done
        if [ ${#files[@]} -eq 0 ]; then
            echo "$t: no inputs"
            fail=1
            nfail=$((nfail + 1))
            continue
        fi
        if "$dir/$t" -runs=1 "${files[@]}" >"$dir/logs-regress-$t.log" 2>&1; then
            echo "$t: ${#files[@]} inputs ok"
            npass=$((npass + 1))
        else
            echo "$t: FAILED (see $dir/logs-regress-$t.log)"
            grep -m3 -E 'ERROR|check failed|runtime error|Running:' "$dir/logs-regress-$t.log" | tail -3
            fail=1
            nfail=$((nfail + 1))
        fi
    done
    echo "$npass passed, $nfail failed"
    exit $fail
    ;;
*)
    echo "usage: run.sh fuzz|regress DIR SECONDS JOBS TARGET..." >&2
    exit 2
    ;;
esac
