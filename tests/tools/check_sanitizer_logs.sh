#!/bin/sh
# check_sanitizer_logs.sh DIR - fail if AddressSanitizer, LeakSanitizer or UBSan wrote any
# report into DIR (the log_path of every sanitized process of a test run: unit-test children
# and exim4 processes that loaded the sanitized module). Prints the reports.
set -eu
dir=$1
n=0
for f in "$dir"/*; do
    [ -s "$f" ] || continue
    n=$((n + 1))
    echo "=== sanitizer report: $f"
    cat "$f"
done
if [ "$n" -gt 0 ]; then
    echo "sanitizers: $n report(s) in $dir" >&2
    exit 1
fi
echo "sanitizers: no reports in $dir"
