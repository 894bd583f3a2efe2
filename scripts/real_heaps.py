#!/usr/bin/env python3
"""refscope against real heaps (issue 10): Debian's python3.11 running real
libraries from Debian's packages, each heap's truth taken by CPython itself.

    python3 scripts/real_heaps.py [--refscope PATH] [--json FILE] [--keep DIR] [--no-core] [WORKLOAD...]

Workloads (programs in scripts/real_heaps/; all of them when none is named):
  mypy             Debian's mypy (compiled with mypyc) type-checking a package
  aiohttp          an aiohttp server with SQLAlchemy on in-memory sqlite, and a
                   client in the same process sending it a few hundred requests
  xml_numpy_yaml   lxml, ElementTree, numpy and PyYAML at work

Each workload runs under /usr/bin/python3.11; it does its work, turns the
collector off, leaves the garbage its work makes, and prints one JSON line of
truth (scripts/real_heaps/truth.py): the gc-tracked objects and the untracked
objects they reach through gc.get_referents, counted per type in the
process, and the set gc.collect() finds unreachable under gc.DEBUG_SAVEALL in
a forked child (same heap, same addresses). Then refscope --json garbage,
summary and refcheck run against the live process (--pid) and against a core
taken with gcore, and a table per workload compares them with the truth:

  tracked objects; garbage truth / listed / recall / precision /
  objects_certain; untracked str, int, float, bytes and tuple, truth vs
  refscope; refcheck suspects (total and top types); conservative_objects and
  conservative_types. Untracked types are compared by the last component of
  their name (refscope gives tp_name, "numpy.ndarray"; the truth __name__).
  The truth also counts the untracked ints of 2**62 or more in magnitude first
  reached from a mypyc native object: mypyc keeps an int attribute as a tagged
  word (a boxed int's address plus 1), which no scan for aligned addresses
  finds.

Targets (issue 10): recall >= 99%, precision 100%, untracked counts within 1%
of the truth, fewer than 50 refcheck suspects beyond real leaks.

Suspects are split with the truth's own reference counting: a suspect whose
count the references of the process's tracked objects do not explain either
is held from outside the gc heap (a leaked reference, a C static, a C type
without tp_traverse); one the process explains is a reference refscope did
not find. The process waits in os.read(0): the builtin os.read on its frame's
value stack is one reference refscope cannot see.

--keep DIR keeps each workload's truth, refscope documents and core; with
REAL_HEAPS_DETAIL=1 in the environment the truth also gives, for every
untracked str, int, float, bytes and tuple, the object it was first reached
from (to find which referrers refscope reads short).

Run as root, it installs the Debian packages it needs with apt-get when they
are missing; otherwise it reads nothing from the network.
"""
import argparse
import collections
import datetime
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PROGRAMS = os.path.join(HERE, "real_heaps")
PYTHON = "/usr/bin/python3.11"

WORKLOADS = collections.OrderedDict([
    ("mypy", ("mypy_check.py", ["mypy"])),
    ("aiohttp", ("aiohttp_sqlalchemy.py", ["python3-aiohttp", "python3-sqlalchemy"])),
    ("xml_numpy_yaml", ("xml_numpy_yaml.py", ["python3-lxml", "python3-numpy", "python3-yaml"])),
])
BASE_PACKAGES = ["python3.11", "gdb"]  # gdb brings gcore
UNTRACKED_TYPES = ("str", "int", "float", "bytes", "tuple")
TARGETS = {"recall": 0.99, "precision": 1.0, "untracked": 0.01, "suspects": 50}
TRUTH_TIMEOUT = 900  # seconds a workload may take to do its work and its truth


def missing_packages(packages):
    missing = []
    for pkg in packages:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, universal_newlines=True).stdout
        if "install ok installed" not in status:
            missing.append(pkg)
    return missing


def ensure_packages(packages):
    missing = missing_packages(packages)
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit("real_heaps: these Debian packages are missing: %s\n"
                 "install them as root: apt-get install %s" % (" ".join(missing), " ".join(missing)))
    print("real_heaps: installing %s" % " ".join(missing), file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True, env=env,
                   stdout=sys.stderr)


class Workload:
    """A workload's process: started, its truth read, told to quit."""

    def __init__(self, name, program, workdir):
        self.name = name
        self.stderr_path = os.path.join(workdir, name + ".stderr")
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([PYTHON, os.path.join(PROGRAMS, program)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, cwd=workdir)
        self.truth = None
        self.seconds = None

    def read_truth(self):
        start = time.monotonic()
        line = b""
        while not line.endswith(b"\n"):
            left = TRUTH_TIMEOUT - (time.monotonic() - start)
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                raise RuntimeError("%s: no truth after %d s" % (self.name, TRUTH_TIMEOUT))
            chunk = os.read(self.proc.stdout.fileno(), 1 << 22)
            if not chunk:
                with open(self.stderr_path) as f:
                    tail = f.read()[-2000:]
                raise RuntimeError("%s exited (%s) before its truth:\n%s" % (self.name, self.proc.wait(), tail))
            line += chunk
        self.seconds = time.monotonic() - start
        self.truth = json.loads(line)
        if self.truth["pid"] != self.proc.pid:
            raise RuntimeError("%s: truth from pid %s, not %s" % (self.name, self.truth["pid"], self.proc.pid))
        return self.truth

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


def run_refscope(refscope, command, target, keep, label):
    """refscope --json COMMAND TARGET: (document or None, seconds, error)."""
    argv = [refscope, "--json", command] + target
    start = time.monotonic()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.monotonic() - start
    if keep:
        with open(os.path.join(keep, "%s.%s.json" % (label, command)), "wb") as f:
            f.write(proc.stdout)
    if proc.returncode != 0:
        return None, seconds, "exit %d: %s" % (proc.returncode, proc.stderr.decode(errors="replace").strip()[-500:])
    return json.loads(proc.stdout), seconds, None


def take_core(pid, workdir):
    prefix = os.path.join(workdir, "core")
    proc = subprocess.run(["gcore", "-o", prefix, str(pid)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    core = "%s.%d" % (prefix, pid)
    if proc.returncode != 0 or not os.path.exists(core):
        raise RuntimeError("gcore failed: %s" % proc.stdout[-1000:])
    return core


def top(counter, n=5):
    return [[name, count] for name, count in counter.most_common(n)]


def short_name(name):
    """refscope names a type by its tp_name ("multidict._multidict.istr"), the
    truth by __name__ ("istr"): compared by the last component."""
    return name.rsplit(".", 1)[-1]


def untracked_differences(truth_types, found_types, n=6):
    """[[type, truth, found]] of the untracked types whose counts differ most."""
    truth_c, found_c = collections.Counter(), collections.Counter()
    for name, count in truth_types.items():
        truth_c[short_name(name)] += count
    for name, count in found_types.items():
        found_c[short_name(name)] += count
    rows = [[name, truth_c.get(name, 0), found_c.get(name, 0)] for name in set(truth_c) | set(found_c)
            if truth_c.get(name, 0) != found_c.get(name, 0)]
    rows.sort(key=lambda r: (-abs(r[2] - r[1]), r[0]))
    return rows[:n]


def measure(truth, garbage, summary, refcheck):
    """The figures of one target (live or core) against the truth."""
    m = {}
    if summary is not None:
        m["tracked"] = summary["gc_tracked_objects"]
        untracked = collections.Counter()
        for row in summary["types"]:
            if not row["gc_tracked"]:
                untracked[row["type"]] += row["count"]
        m["untracked"] = {t: untracked.get(t, 0) for t in UNTRACKED_TYPES}
        m["untracked_all"] = sum(untracked.values())
        m["untracked_differences"] = untracked_differences(truth["untracked_types"], untracked)
        m["traversal_conservative_types"] = sum(1 for row in summary["types"] if row.get("traversal") == "conservative")
    if garbage is not None:
        truth_set = {"0x%x" % address: name for address, name in truth["garbage"]}
        listed = {o["address"]: o["type"] for group in garbage["groups"] for o in group["objects"]}
        hit = sum(1 for a in listed if a in truth_set)
        m["garbage_listed"] = len(listed)
        m["garbage_hit"] = hit
        m["recall"] = hit / len(truth_set) if truth_set else 1.0
        m["precision"] = hit / len(listed) if listed else 1.0
        m["objects_certain"] = garbage["objects_certain"]
        m["garbage_missed_types"] = top(collections.Counter(n for a, n in truth_set.items() if a not in listed))
        m["garbage_extra_types"] = top(collections.Counter(t for a, t in listed.items() if a not in truth_set))
        m["conservative_objects"] = garbage.get("conservative_objects")
        m["conservative_types"] = [[c["type"], c["objects"]] for c in garbage.get("conservative_types", [])]
        m["warnings"] = len(garbage.get("warnings", []))
    if refcheck is not None:
        m["suspects"] = refcheck.get("suspects_total", len(refcheck["suspects"]))
        m["suspect_types"] = [[t["type"], t["objects"], t["external"]] for t in refcheck["types"][:6]]
        m["suspect_groups"] = [[g["cause"], g["type"], g.get("held_by"), g["objects"], g["external"]]
                               for g in refcheck.get("groups", [])[:6]]
        # A suspect the process cannot explain either (the references of its
        # tracked objects fall short of the count) is held from outside the
        # gc heap: a real leak, a C static, a C type without tp_traverse. One
        # the process explains is a reference refscope did not find.
        outside = {"0x%x" % address for address, extra, name in truth["unexplained"]}
        explained = [s for s in refcheck["suspects"] if s["address"] not in outside]
        m["suspects_held_outside"] = m["suspects"] - len(explained)
        m["suspects_explained"] = len(explained)
        m["suspects_explained_types"] = top(collections.Counter(s["type"] for s in explained))
        held = collections.Counter(s["type"] for s in refcheck["suspects"] if s["address"] in outside)
        m["suspects_outside_types"] = top(held, 8)
    return m


def run_workload(name, args, workdir):
    program, _ = WORKLOADS[name]
    w = Workload(name, program, workdir)
    result = {"workload": name}
    keep = None
    if args.keep:
        keep = os.path.join(args.keep, name)
        os.makedirs(keep, exist_ok=True)
    try:
        truth = w.read_truth()
        if keep:
            with open(os.path.join(keep, "truth.json"), "w") as f:
                json.dump(truth, f)
        result["truth_seconds"] = round(w.seconds, 1)
        result["truth"] = {
            "tracked": truth["tracked"],
            "garbage": len(truth["garbage"]),
            "garbage_types": top(collections.Counter(n for a, n in truth["garbage"]), 8),
            "untracked": {t: truth["untracked_types"].get(t, 0) for t in UNTRACKED_TYPES},
            "untracked_all": sum(truth["untracked_types"].values()),
            "threads": truth["threads"],
            "unexplained": len(truth["unexplained"]),
            "unexplained_types": top(collections.Counter(n for a, e, n in truth["unexplained"]), 8),
            "python": truth["python"],
            "mypyc_tagged_ints": truth.get("mypyc_tagged_ints", 0),
            "extra": {k: v for k, v in truth.items() if k not in (
                "garbage", "tracked_types", "untracked_types", "untracked_where", "unexplained", "tracked", "threads",
                "python", "mypyc_tagged_ints",
                "pid", "executable", "workload")},
        }
        targets = [("live", ["--pid", str(w.proc.pid)])]
        if not args.no_core:
            targets.append(("core", None))
        for label, target in targets:
            if target is None:
                core = take_core(w.proc.pid, workdir)
                target = [core]
            docs, seconds, errors = {}, {}, {}
            for command in ("garbage", "summary", "refcheck"):
                doc, secs, err = run_refscope(args.refscope, command, target, keep, label)
                docs[command], seconds[command] = doc, round(secs, 2)
                if err:
                    errors[command] = err
            m = measure(truth, docs["garbage"], docs["summary"], docs["refcheck"])
            m["seconds"] = seconds
            if errors:
                m["errors"] = errors
            result[label] = m
            if label == "core":
                if keep:
                    shutil.move(target[0], os.path.join(keep, "core"))
                else:
                    os.unlink(target[0])
    finally:
        w.stop()
    return result


def pct(x):
    return "%.2f%%" % (100.0 * x)


def untracked_cell(truth, found):
    if truth == 0:
        return "%d / %d" % (truth, found)
    return "%d / %d (%+.2f%%)" % (truth, found, 100.0 * (found - truth) / truth)


def verdicts(result):
    """What misses its target, per target."""
    missed = []
    for label in ("live", "core"):
        m = result.get(label)
        if not m:
            continue
        if m.get("errors"):
            missed.append("%s: refscope failed (%s)" % (label, "; ".join("%s %s" % kv for kv in m["errors"].items())))
        if "recall" in m and m["recall"] < TARGETS["recall"]:
            missed.append("%s: garbage recall %s < 99%%" % (label, pct(m["recall"])))
        if "precision" in m and m["precision"] < TARGETS["precision"]:
            missed.append("%s: garbage precision %s < 100%%" % (label, pct(m["precision"])))
        for t in UNTRACKED_TYPES:
            truth = result["truth"]["untracked"][t]
            found = m.get("untracked", {}).get(t)
            if found is not None and truth and abs(found - truth) > TARGETS["untracked"] * truth:
                missed.append("%s: untracked %s %d vs %d (%+.2f%%, beyond 1%%)" % (
                    label, t, found, truth, 100.0 * (found - truth) / truth))
        # Suspects held outside the gc heap in the process too are leaks or
        # C statics (the table's row says which types): the target counts
        # the others, references refscope did not find.
        if m.get("suspects_explained", 0) >= TARGETS["suspects"]:
            missed.append("%s: %d refcheck suspects that the process explains (target < 50; %d in all)" % (
                label, m["suspects_explained"], m["suspects"]))
    return missed


def render(result, out):
    name = result["workload"]
    t = result["truth"]
    extra = ", ".join("%s %s" % (k, v) for k, v in t["extra"].items())
    out.write("\n## %s (Python %s, %d thread%s; %s)\n\n" % (name, t["python"], t["threads"],
                                                          "" if t["threads"] == 1 else "s", extra))
    labels = [label for label in ("live", "core") if label in result]
    out.write("| | truth | %s |\n|---|---|%s\n" % (" | ".join(labels), "---|" * len(labels)))

    def row(title, truth_cell, cell):
        out.write("| %s | %s | %s |\n" % (title, truth_cell, " | ".join(cell(result[label]) for label in labels)))

    row("tracked objects", t["tracked"], lambda m: "%s" % m.get("tracked", "-"))
    row("garbage objects", t["garbage"], lambda m: "%s listed" % m.get("garbage_listed", "-"))
    row("garbage recall", "", lambda m: pct(m["recall"]) if "recall" in m else "-")
    row("garbage precision", "", lambda m: pct(m["precision"]) if "precision" in m else "-")
    row("objects_certain", "", lambda m: "%s" % m.get("objects_certain", "-"))
    row("garbage missed (types)", "", lambda m: ", ".join("%s %d" % (n, c) for n, c in m.get(
        "garbage_missed_types", [])) or "none")
    row("garbage listed wrongly (types)", "", lambda m: ", ".join("%s %d" % (n, c) for n, c in m.get(
        "garbage_extra_types", [])) or "none")
    for ty in UNTRACKED_TYPES:
        row("untracked %s" % ty, t["untracked"][ty],
            lambda m, ty=ty: untracked_cell(t["untracked"][ty], m["untracked"][ty]) if "untracked" in m else "-")
    row("untracked, all types", t["untracked_all"], lambda m: untracked_cell(t["untracked_all"], m[
        "untracked_all"]) if "untracked_all" in m else "-")
    row("untracked types differing most (truth / found)", "", lambda m: ", ".join(
        "%s %d / %d" % (n, a, b) for n, a, b in m.get("untracked_differences", [])) or "none")
    row("untracked ints >= 2^62 first reached from mypyc objects", t["mypyc_tagged_ints"], lambda m: "")
    row("refcheck suspects", "", lambda m: "%s" % m.get("suspects", "-"))
    row("suspect types (objects)", "", lambda m: ", ".join("%s %d" % (n, c) for n, c, e in m.get(
        "suspect_types", [])) or "none")
    row("refcheck groups, largest first (cause type [first holder]: objects, references)", "", lambda m: "; ".join(
        "%s %s%s: %d, %d" % (c, ty, " [%s]" % h if h else "", n, e) for c, ty, h, n, e in m.get(
            "suspect_groups", [])) or "none")
    row("suspects held outside the gc heap", "%d objects" % t["unexplained"],
        lambda m: "%s%s" % (m.get("suspects_held_outside", "-"), (": " + ", ".join("%s %d" % (n, c) for n, c in m[
            "suspects_outside_types"])) if m.get("suspects_outside_types") else ""))
    row("suspects the process explains (types)", "", lambda m: "%s%s" % (m.get("suspects_explained", "-"), (
        ": " + ", ".join("%s %d" % (n, c) for n, c in m["suspects_explained_types"]))
        if m.get("suspects_explained_types") else ""))
    row("conservative_objects", "", lambda m: "%s" % m.get("conservative_objects", "-"))
    row("conservative_types", "", lambda m: ", ".join("%s %d" % (n, c) for n, c in m.get(
        "conservative_types", [])) or "none")
    row("seconds (garbage, summary, refcheck)", "%s (work + truth)" % result["truth_seconds"],
        lambda m: ", ".join("%.1f" % m["seconds"][c] for c in ("garbage", "summary", "refcheck")))
    missed = verdicts(result)
    out.write("\nTargets: %s\n" % ("all met" if not missed else "MISSED: " + "; ".join(missed)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refscope", default=os.path.join(REPO, "build", "refscope"))
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON to FILE")
    parser.add_argument("--keep", metavar="DIR", help="keep each workload's truth and refscope documents in DIR")
    parser.add_argument("--no-core", action="store_true", help="measure the live process only")
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD", help=" | ".join(WORKLOADS))
    args = parser.parse_args()
    names = args.workloads or list(WORKLOADS)
    for name in names:
        if name not in WORKLOADS:
            parser.error("unknown workload %r (one of: %s)" % (name, ", ".join(WORKLOADS)))
    args.refscope = os.path.abspath(args.refscope)
    if not os.access(args.refscope, os.X_OK):
        sys.exit("real_heaps: no refscope at %s (make, or --refscope PATH)" % args.refscope)
    ensure_packages(BASE_PACKAGES + [p for n in names for p in WORKLOADS[n][1]])

    results = []
    workdir = tempfile.mkdtemp(prefix="real-heaps-")
    try:
        for name in names:
            print("real_heaps: %s ..." % name, file=sys.stderr)
            results.append(run_workload(name, args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    out = sys.stdout
    out.write("# refscope on real heaps, %s (refscope %s)\n" % (datetime.date.today().isoformat(), args.refscope))
    for result in results:
        render(result, out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "results": results}, f, indent=1)
    # Missed targets are figures, not failures: exit 1 only when refscope failed.
    return 1 if any(r.get(label, {}).get("errors") for r in results for label in ("live", "core")) else 0


if __name__ == "__main__":
    sys.exit(main())
