#!/bin/sh
# Runs one libFuzzer harness for a bounded time (make fuzz): on a copy of its
# committed seeds and regression inputs in build-fuzz/, never growing the
# committed corpus. Exits non-zero when the fuzzer found a crash, a hang, a
# leak or ran out of memory, and says where the input that did it is.
# Usage: fuzz/run.sh BUILD_DIR HARNESS SECONDS MAX_LEN [MORE_SEED_FILES...]
set -u
build=$1 harness=$2 seconds=$3 max_len=$4
shift 4
corpus=$build/corpus/$harness
crashes=$build/crashes/$harness
rm -rf "$corpus" "$crashes"
mkdir -p "$corpus" "$crashes"
for dir in fuzz/corpus/$harness fuzz/regressions/$harness; do
	[ -d "$dir" ] && find "$dir" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$corpus/" \;
done
[ $# -gt 0 ] && cp "$@" "$corpus/"
log=$build/$harness.log
echo "== $harness: ${seconds}s on $(ls "$corpus" | wc -l) seeds (log: $log)"
# A per-input timeout of 10 s catches hangs, the memory limits runaway
# allocations; leaks are reported by LeakSanitizer.
"$build/$harness" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=8192 -malloc_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1
status=$?
grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" | sed 's/^/   /'
if [ $status -ne 0 ]; then
	echo "!! $harness failed (exit $status); the end of its log:" >&2
	tail -n 60 "$log" >&2
	echo "!! inputs that did it, in $crashes/:" >&2
	ls -l "$crashes" >&2
	echo "!! replay one with: $build/$harness INPUT; once fixed, add it to fuzz/regressions/$harness/" >&2
	exit 1
fi
