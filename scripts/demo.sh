#!/bin/sh
# refscope's demo: start a small leaking Python service, look at its heap
# live, take a core of it, and look at the core. Run it with `make demo`.
set -eu
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh demo
refscope=build/refscope
python=/usr/bin/python3
workdir=$(mktemp -d)
fifo="$workdir/stdin"
mkfifo "$fifo"
pid=""

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

# The service reads its stdin until EOF: a FIFO we hold open keeps it waiting.
"$python" examples/leaky_service.py <"$fifo" >"$workdir/pid" &
exec 3>"$fifo"
while [ ! -s "$workdir/pid" ]; do sleep 0.1; done
pid=$(head -1 "$workdir/pid")

show() {
	echo
	echo "\$ refscope $*"
	"$refscope" "$@"
}

echo "== a live process: examples/leaky_service.py, pid $pid"
show info --pid "$pid"
show gc --pid "$pid"
show summary --top 10 --retained --pid "$pid"

echo
echo "== a leak hunt: which objects, who keeps them, what alone keeps them alive"
show objects --type Session --retained --top 3 --pid "$pid"
show retainers --type Session --pid "$pid"
session=$("$refscope" --json objects --type Session --retained --top 1 --pid "$pid" | "$python" -c \
	'import json, sys; print(json.load(sys.stdin)["objects"][0]["address"])')
show dominators --pid "$pid" "$session"
show top --depth 3 --pid "$pid"
show suspects --pid "$pid"

echo
echo "== a core of it, taken with gcore (the process runs on)"
gcore -o "$workdir/core" "$pid" >/dev/null 2>&1
core="$workdir/core.$pid"
show info "$core"
show gc "$core"
show summary --top 10 --sort count "$core"
echo
echo "\$ refscope --json summary --top 3 CORE"
"$refscope" --json summary --top 3 "$core" | "$python" -c \
	'import json, sys; d = json.load(sys.stdin); print(json.dumps({k: d[k] for k in ("objects", "bytes", "types")}, indent=1))'

echo
echo "== growth: a burst of 5000 requests between two cores, and what diff says"
echo "burst 5000" >&3
while [ "$(wc -l <"$workdir/pid")" -lt 2 ]; do sleep 0.1; done
gcore -o "$workdir/later" "$pid" >/dev/null 2>&1
show diff --top 8 "$core" "$workdir/later.$pid"
