"""refs against gc.get_referents for every standard-library C type with Py_TPFLAGS_HAVE_GC.

Runs tests/programs/stdlib_types.py under an interpreter, asks refscope once for the
referents of every instance it built (live, or from a core), and says per type:
  exact         every instance's referents equal gc.get_referents, none conservative
  MISMATCH      some instance's referents differ (missing and extra, with types and via)
  CONSERVATIVE  refscope scanned some instance conservatively (it does not know the type)
  NOT BUILT     no instance (the catalogue's reason, the constructor's exception)

Standalone:
  python3 tests/e2e/check_stdlib_types.py --refscope build-NAME/refscope --python PATH
      [--core] [--only SUBSTRING] [--refscope-arg=--debug-dir=DIR] [--env NAME=VALUE]
exits 1 on a MISMATCH or an error in the truth (a constructor returning another type).
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import threading

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DRIVER = os.path.join(REPO, "tests", "programs", "stdlib_types.py")
STARTUP_TIMEOUT = 330  # the driver ends itself after 300 s
REFSCOPE_TIMEOUT = 300
GCORE_TIMEOUT = 300
REPLY_TIMEOUT = 60

EXACT, MISMATCH, CONSERVATIVE, NOT_BUILT = "exact", "MISMATCH", "CONSERVATIVE", "NOT BUILT"


def read_line(stream, timeout):
    """One line from stream, or None when none came within timeout seconds."""
    result = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0] if result else None


class Driver:
    """stdlib_types.py running under an interpreter, with its truth."""

    def __init__(self, argv, env=None):
        self.proc = subprocess.Popen(list(argv) + [DRIVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.pid = self.proc.pid
        line = read_line(self.proc.stdout, STARTUP_TIMEOUT)
        if not line:
            self.close()
            raise RuntimeError("stdlib_types.py did not start under %s: %s"
                               % (" ".join(argv), self.proc.stderr.read()[-3000:]))
        self.truth = json.loads(line)

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = read_line(self.proc.stdout, REPLY_TIMEOUT)
        if line is None:
            raise RuntimeError("stdlib_types.py did not answer %r" % command)
        return line

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def changed_referents(send_check):
    """Instances whose referents changed since the truth was printed (send_check
    sends "check" to the driver and returns its reply line)."""
    return set(json.loads(send_check())["changed"])


def take_core(pid, directory):
    prefix = os.path.join(directory, "core")
    subprocess.run(["gcore", "-o", prefix, str(pid)], capture_output=True, timeout=GCORE_TIMEOUT, check=True)
    return "%s.%d" % (prefix, pid)


def refscope_refs(refscope, target_args, addresses, refscope_args=(), env=None):
    """refscope's objects[] for addresses, in their order."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    argv = [refscope, "--json"] + list(refscope_args) + ["refs"] + list(target_args) + ["0x%x" % a for a in addresses]
    proc = subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=REFSCOPE_TIMEOUT)
    if proc.returncode != 0:
        raise RuntimeError("refscope refs failed (%d): %s" % (proc.returncode, proc.stderr[-3000:]))
    doc = json.loads(proc.stdout)
    objects = doc["objects"] if "objects" in doc else [doc]
    if len(objects) != len(addresses):
        raise RuntimeError("refscope answered %d objects for %d addresses" % (len(objects), len(addresses)))
    return objects


class TypeResult:
    def __init__(self, tp_name, module=""):
        self.tp_name = tp_name
        self.module = module
        self.state = EXACT
        self.instances = 0
        self.details = []  # one line per instance that is not exact
        self.reason = ""

    def worsen(self, state):
        order = [EXACT, CONSERVATIVE, MISMATCH]
        if order.index(state) > order.index(self.state):
            self.state = state

    def line(self):
        if self.state == NOT_BUILT:
            return "%-12s %s: %s" % (self.state, self.tp_name, self.reason)
        head = "%-12s %s (%d instance%s)" % (self.state, self.tp_name, self.instances,
                                            "" if self.instances == 1 else "s")
        return "\n".join([head] + ["    " + d for d in self.details])


def _edge_text(address, type_name, via=None):
    text = "0x%x (%s)" % (address, type_name or "?")
    return text + (" via %s" % via if via else "")


def compare_instance(instance, row):
    """(state, detail or None) of one instance: its truth against refscope's row."""
    where = "%s 0x%x" % (instance["source"], instance["address"])
    if instance["tp_name"] != instance.get("c_type", instance["tp_name"]):
        where += " (a %s)" % instance["tp_name"]
    if row.get("referents") is None:
        return MISMATCH, "%s: refscope finds no object there" % where
    want = collections.Counter(instance["referents"])
    want_types = dict(zip(instance["referents"], instance.get("referent_types", [])))
    edges = [(int(r["address"], 16), r) for r in row["referents"]]
    got = collections.Counter(a for a, _ in edges)
    conservative = any(r.get("conservative") for _, r in edges)
    missing = want - got
    extra = got - want
    if not missing and not extra and not conservative:
        return EXACT, None
    parts = []
    if missing:
        parts.append("missing " + ", ".join(_edge_text(a, want_types.get(a)) for a in sorted(missing.elements())))
    if extra:
        by_address = {}
        for a, r in edges:
            by_address.setdefault(a, []).append(r)
        texts = []
        for a in sorted(extra.elements()):
            r = by_address[a].pop()
            texts.append(_edge_text(a, r.get("type"), r.get("via")))
        parts.append("extra " + ", ".join(texts))
    if conservative:
        vias = sorted({r.get("via") or "?" for _, r in edges if r.get("conservative")})
        parts.append("conservative via " + ", ".join(vias))
        definite_extra = any(not r.get("conservative") for a, r in edges if extra[a])
        state = MISMATCH if definite_extra else CONSERVATIVE
    else:
        state = MISMATCH
    return state, "%s: %s" % (where, "; ".join(parts))


def compare(truth, objects, changed=frozenset(), only=None):
    """[TypeResult] for every GC type of the truth and every type an instance has,
    sorted by tp_name. objects: refscope's rows, in the order of the truth's instances
    (after the `only` filter)."""
    results = {}
    for t in truth["gc_types"]:
        if only and only not in t["tp_name"]:
            continue
        r = results[t["tp_name"]] = TypeResult(t["tp_name"], t["module"])
        if not t["built"]:
            r.state, r.reason = NOT_BUILT, t.get("reason", "no constructor")
    for instance, row in zip(selected_instances(truth, only), objects):
        name = instance.get("c_type", instance["tp_name"])
        r = results.get(name)
        if r is None:
            r = results[name] = TypeResult(name)
        if r.state == NOT_BUILT:
            r.state = EXACT
        r.instances += 1
        state, detail = compare_instance(instance, row)
        if instance["address"] in changed:
            state = MISMATCH
            detail = (detail or "%s 0x%x" % (instance["source"], instance["address"])) + \
                " (and its gc.get_referents changed after the truth was printed)"
        r.worsen(state)
        if detail:
            r.details.append(detail)
    return [results[k] for k in sorted(results)]


def selected_instances(truth, only=None):
    return [i for i in truth["instances"] if not only or only in i.get("c_type", i["tp_name"])]


def check(refscope, python_argv, modes=("live",), only=None, refscope_args=(), env=None, workdir=None):
    """(truth, {mode: [TypeResult]}) for one interpreter, one driver process, one
    refscope run per mode ("live": the running process; "core": a core taken with gcore)."""
    driver = Driver(python_argv)
    results = {}
    try:
        instances = selected_instances(driver.truth, only)
        addresses = [i["address"] for i in instances]
        objects = {}
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            for mode in modes:
                target = [take_core(driver.pid, tmp)] if mode == "core" else ["--pid", str(driver.pid)]
                objects[mode] = refscope_refs(refscope, target, addresses, refscope_args, env)
        changed = changed_referents(lambda: driver.ask("check"))
        for mode in modes:
            results[mode] = compare(driver.truth, objects[mode], changed, only)
    finally:
        driver.close()
    return driver.truth, results


def report(truth, results, out=sys.stdout):
    """Prints the lines; returns whether all is well (no MISMATCH, no truth error)."""
    out.write("Python %s: %d GC C types, %d with instances, %d instances\n"
              % (truth["version"], len(truth["gc_types"]), sum(t["built"] for t in truth["gc_types"]),
                 len(truth["instances"])))
    for name, why in sorted(truth["modules_skipped"].items()):
        out.write("skipped module %s: %s\n" % (name, why))
    if truth.get("output"):
        out.write("output of imports and constructors (its end):\n")
        out.write("".join("    " + line + "\n" for line in truth["output"].splitlines()))
    for error in truth.get("errors", []):
        out.write("TRUTH ERROR  %s\n" % error)
    for r in results:
        out.write(r.line() + "\n")
    counts = collections.Counter(r.state for r in results)
    out.write("summary: %s\n" % ", ".join("%d %s" % (counts[s], s) for s in (EXACT, CONSERVATIVE, MISMATCH, NOT_BUILT)))
    return not counts[MISMATCH] and not truth.get("errors")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refscope", default=os.path.join(REPO, "build", "refscope"))
    parser.add_argument("--python", required=True, help="the interpreter (a path, or a wrapper script)")
    parser.add_argument("--core", action="store_true", help="read a core taken with gcore, not the live process")
    parser.add_argument("--only", help="only the types whose tp_name contains this")
    parser.add_argument("--refscope-arg", action="append", default=[], help="passed to refscope (repeatable)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE in refscope's environment")
    args = parser.parse_args(argv)
    env = dict(e.split("=", 1) for e in args.env)
    mode = "core" if args.core else "live"
    truth, results = check(args.refscope, [args.python], (mode,), args.only, args.refscope_arg, env)
    return 0 if report(truth, results[mode]) else 1


if __name__ == "__main__":
    sys.exit(main())
