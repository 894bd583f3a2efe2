"""`make bench`: refscope against in-process Python and the floor, on one heap.

For each interpreter (pyenv 3.11 and 3.12 when present) and each N
(1M and 5M gc-tracked objects; 10M with --large):
  1. bench/heap_generator.py builds a seeded service-like heap; gcore takes a core;
  2. refscope's summary, gc, cycles, garbage and refcheck run on the core:
     median wall time of --runs runs, peak RSS, objects per second;
  3. the same analysis done inside the process, the fastest way Python offers;
  4. the floor: one sequential pass over the core's bytes, warm cache.
Prints a table with refscope/in-process and refscope/floor ratios and writes
it to bench/results.md, which the README's performance section quotes.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REFSCOPE = os.path.join(REPO, "build", "refscope")
COMMANDS = ["summary", "gc", "cycles", "garbage", "refcheck"]


def pyenv_interpreters():
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = []
    for minor in ("3.11", "3.12"):
        versions = sorted(v for v in os.listdir(os.path.join(root, "versions")) if v.startswith(minor + "."))
        if versions:
            found.append((versions[-1], os.path.join(root, "versions", versions[-1], "bin", "python3")))
        else:
            print("bench: no pyenv %s here, skipped" % minor)
    return found


def timed_run(argv):
    """Wall time and peak RSS (KiB) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("%s failed: %s" % (argv, proc.stderr.read().decode()))
    return wall, usage.ru_maxrss


def floor_seconds(path):
    """One sequential pass over the file, after a first pass has warmed the cache."""
    for _ in range(2):
        start = time.perf_counter()
        with open(path, "rb", buffering=0) as f:
            while f.readinto(bytearray(1 << 24)):
                pass
        seconds = time.perf_counter() - start
    return seconds


def bench_one(python, n, runs, workdir):
    gen = subprocess.Popen([python, os.path.join(HERE, "heap_generator.py"), str(n), "42"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(gen.stdout.readline())
        prefix = os.path.join(workdir, "core")
        subprocess.run(["gcore", "-o", prefix, str(ready["pid"])], capture_output=True, check=True)
        core = "%s.%d" % (prefix, ready["pid"])
        gen.stdin.write("analyze\n")
        gen.stdin.flush()
        in_process = json.loads(gen.stdout.readline())
    finally:
        gen.kill()
        gen.wait()
    size = os.path.getsize(core)
    rows = {}
    for command in COMMANDS:
        results = [timed_run([REFSCOPE, "--json", command, core]) for _ in range(runs)]
        rows[command] = {"seconds": statistics.median(r[0] for r in results),
                         "rss_mb": max(r[1] for r in results) / 1024}
    floor = floor_seconds(core)
    os.unlink(core)
    return {"n": n, "tracked": ready["tracked"], "core_mb": size / 2**20, "floor": floor,
            "in_process": in_process, "commands": rows}


def table(results):
    lines = ["| Python | N | tracked | core MB | command | seconds | objects/s | peak RSS MB | vs in-process | vs floor |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for version, r in results:
        for command, c in r["commands"].items():
            lines.append("| %s | %dM | %d | %.0f | %s | %.2f | %.1fM | %.0f | %.1fx faster | %.1fx |" % (
                version, r["n"] // 10**6, r["tracked"], r["core_mb"], command, c["seconds"],
                r["tracked"] / c["seconds"] / 1e6, c["rss_mb"], r["in_process"]["seconds"] / c["seconds"],
                c["seconds"] / r["floor"]))
        lines.append("| %s | %dM | %d | %.0f | in-process Python | %.2f | | +%.0f | | |" % (
            version, r["n"] // 10**6, r["tracked"], r["core_mb"], r["in_process"]["seconds"],
            r["in_process"]["extra_rss_kb"] / 1024))
        lines.append("| %s | %dM | | | floor (one pass over the core) | %.2f | | | | |" % (
            version, r["n"] // 10**6, r["floor"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also N = 10M")
    parser.add_argument("--sizes", help="comma-separated N values, instead of 1M and 5M")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [10**6, 5 * 10**6]
    if args.large:
        sizes.append(10**7)
    results = []
    with tempfile.TemporaryDirectory(prefix="refscope-bench-") as workdir:
        for version, python in pyenv_interpreters():
            for n in sizes:
                print("bench: Python %s, N = %d ..." % (version, n), file=sys.stderr, flush=True)
                results.append((version, bench_one(python, n, args.runs, workdir)))
    text = table(results)
    print(text)
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write("# refscope benchmark results\n\nMeasured by `make bench` (bench/run.py) on %s.\n\n%s\n" % (
            time.strftime("%Y-%m-%d"), text))


if __name__ == "__main__":
    main()
