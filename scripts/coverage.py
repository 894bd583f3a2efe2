#!/usr/bin/env python3
"""Writes docs/coverage.md: for every interpreter of the end-to-end matrix
(tests/e2e/conftest.py), which C types with Py_TPFLAGS_HAVE_GC of CPython's core and
standard library refscope emulates exactly, live and from a core.

Runs tests/programs/stdlib_types.py and refscope through tests/e2e/check_stdlib_types.py.
Usage: scripts/coverage.py [--refscope PATH] [--output PATH] [--jobs N] [--not-yet-exact]
(--not-yet-exact also prints NOT_YET_EXACT for tests/e2e/test_stdlib_types.py.)
"""
import argparse
import collections
import concurrent.futures
import datetime
import os
import sys
import traceback

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import check_stdlib_types as check  # noqa: E402
from conftest import INTERPRETERS  # noqa: E402

MODES = ("live", "core")
ORDER = [check.MISMATCH, check.CONSERVATIVE, check.EXACT]


def minor_of(version):
    return ".".join(version.split(".")[:2])


class Run:
    """One interpreter's truth and results, or why there are none."""

    def __init__(self, interp):
        self.interp = interp
        self.truth = None
        self.results = {}
        self.failure = interp.missing

    def state(self, tp_name):
        """(state, reason) of a GC type on this interpreter; None when it has no such type."""
        gc_type = self.gc_types.get(tp_name)
        if gc_type is None:
            return None
        if not gc_type["built"]:
            return check.NOT_BUILT, gc_type.get("reason", "")
        states = {mode: self.results[mode][tp_name].state for mode in MODES}
        worst = min(states.values(), key=ORDER.index)
        if worst == check.EXACT:
            return worst, ""
        where = [mode for mode in MODES if states[mode] == worst]
        return worst, "" if len(where) == len(MODES) else "only " + "/".join(where)

    @property
    def gc_types(self):
        return {t["tp_name"]: t for t in self.truth["gc_types"]}


def run_one(interp, refscope, workdir):
    run = Run(interp)
    if run.failure:
        return run
    try:
        run.truth, results = check.check(refscope, interp.argv, MODES, None, interp.refscope_args,
                                         interp.refscope_env, workdir)
        run.results = {mode: {r.tp_name: r for r in rs} for mode, rs in results.items()}
    except Exception as e:  # a failed interpreter is a row of the document, not the end of it
        run.failure = "%s: %s" % (type(e).__name__, e)
        traceback.print_exc()
    return run


def counts(run):
    states = collections.Counter(run.state(name)[0] for name in run.gc_types)
    return {
        "found": len(run.gc_types),
        "tested": len(run.gc_types) - states[check.NOT_BUILT],
        "exact": states[check.EXACT],
        "conservative": states[check.CONSERVATIVE],
        "mismatch": states[check.MISMATCH],
    }


class Notes:
    """Numbered footnotes for the not-built reasons."""

    def __init__(self):
        self.numbers = {}

    def ref(self, reason):
        if reason == "no constructor":
            return reason
        if reason not in self.numbers:
            self.numbers[reason] = len(self.numbers) + 1
        return "[%d](#r%d)" % (self.numbers[reason], self.numbers[reason])


def cell(runs, tp_name, notes):
    """One version's cell: the state all its interpreters agree on, else each one's."""
    seen = collections.OrderedDict()
    for run in runs:
        state = run.state(tp_name)
        text = "" if state is None else _state_text(state, notes)
        seen.setdefault(text, []).append(run.interp.name)
    if len(seen) == 1:
        return next(iter(seen))
    return "; ".join("%s: %s" % (", ".join(names), text or "absent") for text, names in seen.items())


def _state_text(state, notes):
    name, detail = state
    if name == check.NOT_BUILT:
        return "not built: " + notes.ref(detail)
    text = {check.EXACT: "exact", check.CONSERVATIVE: "conservative", check.MISMATCH: "**MISMATCH**"}[name]
    return text + (" (%s)" % detail if detail else "")


def escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def render(runs):
    ok = [r for r in runs if not r.failure]
    by_minor = collections.OrderedDict()
    for run in sorted(ok, key=lambda r: tuple(int(x) for x in r.truth["version"].split(".")[:2])):
        by_minor.setdefault(minor_of(run.truth["version"]), []).append(run)
    modules = {}
    for run in ok:
        for t in run.truth["gc_types"]:
            modules.setdefault(t["tp_name"], t["module"])
    lines = [
        "# Coverage: standard-library C types with Py_TPFLAGS_HAVE_GC",
        "",
        "Written by `scripts/coverage.py` (%s) from `tests/programs/stdlib_types.py`, which imports every"
        % datetime.date.today().isoformat(),
        "C extension module of the interpreter, enumerates the C types with Py_TPFLAGS_HAVE_GC of the core",
        "and of those modules, and builds instances from `tests/programs/catalogue_*.py`; refscope's `refs`",
        "of each instance is compared with `gc.get_referents`, live and from a core (gcore).",
        "",
        "- *exact*: every instance's referents equal gc.get_referents, live and from a core, none conservative;",
        "- *conservative*: refscope does not know the type and scans it conservatively;",
        "- *MISMATCH*: refscope emulates the type but its referents differ;",
        "- *not built*: no instance (the catalogue's reason, or the constructor's exception);",
        "- an empty cell: the version has no such GC type.",
        "",
        "## Per interpreter",
        "",
        "| interpreter | Python | GC types found | tested (have an instance) | exact | conservative | mismatch |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        if run.failure:
            lines.append("| %s | | not run: %s | | | | |" % (run.interp.name, escape(run.failure)))
            continue
        c = counts(run)
        lines.append("| %s | %s | %d | %d | %d | %d | %d |" % (
            run.interp.name, run.truth["version"], c["found"], c["tested"], c["exact"], c["conservative"],
            c["mismatch"]))
    notes = Notes()
    lines += ["", "## Every GC type", "",
              "| type | module | " + " | ".join(by_minor) + " |",
              "|---|---|" + "---|" * len(by_minor)]
    for name in sorted(modules, key=lambda n: (modules[n], n)):
        cells = [cell(group, name, notes) for group in by_minor.values()]
        lines.append("| `%s` | %s | %s |" % (escape(name), modules[name], " | ".join(escape(c) for c in cells)))
    if notes.numbers:
        lines += ["", "## Why a type was not built", ""]
        for reason, number in notes.numbers.items():
            lines.append('<a id="r%d"></a>%d. %s' % (number, number, escape(reason)))
            lines.append("")
    errors = collections.OrderedDict()
    for run in ok:
        for error in run.truth.get("errors", []):
            errors.setdefault(error, []).append(run.interp.name)
    if errors:
        lines += ["", "## Errors in the truth (catalogue entries that build another type)", ""]
        for error, names in errors.items():
            lines.append("- %s (%s)" % (escape(error), ", ".join(names)))
    skipped = collections.OrderedDict()
    for run in ok:
        for module, why in sorted(run.truth["modules_skipped"].items()):
            skipped.setdefault((module, why), []).append(minor_of(run.truth["version"]))
    lines += ["", "## Modules not imported", ""]
    for (module, why), minors in skipped.items():
        lines.append("- `%s` (%s): %s" % (module, ", ".join(sorted(set(minors), key=_minor_key)), escape(why)))
    return "\n".join(lines).rstrip() + "\n"


def _minor_key(minor):
    return tuple(int(x) for x in minor.split("."))


def not_yet_exact(runs):
    """The entries of test_stdlib_types.NOT_YET_EXACT: a tp_name when no interpreter
    emulates it exactly, else tp_name@3.X for each version none of whose interpreters
    does, else tp_name@NAME for each interpreter that does not."""
    tested = collections.defaultdict(dict)  # tp_name -> {run: exact}
    for run in runs:
        if run.failure:
            continue
        for mode in MODES:
            for name, r in run.results[mode].items():
                if r.state != check.NOT_BUILT:
                    tested[name][run] = tested[name].get(run, True) and r.state == check.EXACT
    entries = set()
    for name, exact in tested.items():
        if not any(exact.values()):
            entries.add(name)
            continue
        by_minor = collections.defaultdict(list)
        for run, yes in exact.items():
            by_minor[minor_of(run.truth["version"])].append((run, yes))
        for minor, pairs in by_minor.items():
            if not any(yes for _, yes in pairs):
                entries.add("%s@%s" % (name, minor))
            else:
                entries.update("%s@%s" % (name, run.interp.name) for run, yes in pairs if not yes)
    return entries


def not_yet_exact_literal(entries):
    if not entries:
        return "NOT_YET_EXACT = set()"
    lines = ["NOT_YET_EXACT = {"]
    lines += ["    %r," % e for e in sorted(entries)]
    return "\n".join(lines + ["}"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refscope", default=os.environ.get("REFSCOPE_BIN") or os.path.join(REPO, "build", "refscope"))
    parser.add_argument("--output", default=os.path.join(REPO, "docs", "coverage.md"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--not-yet-exact", action="store_true", help="print NOT_YET_EXACT for the test")
    args = parser.parse_args()
    refscope = os.path.abspath(args.refscope)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(lambda interp: run_one(interp, refscope, None), INTERPRETERS))
    with open(args.output, "w") as f:
        f.write(render(runs))
    for run in runs:
        if run.failure:
            print("%s: not run: %s" % (run.interp.name, run.failure))
        else:
            c = counts(run)
            print("%-24s %-8s found %3d, tested %3d, exact %3d, conservative %3d, mismatch %3d" % (
                run.interp.name, run.truth["version"], c["found"], c["tested"], c["exact"], c["conservative"],
                c["mismatch"]))
    print("wrote", args.output)
    if args.not_yet_exact:
        print(not_yet_exact_literal(not_yet_exact(runs)))


if __name__ == "__main__":
    main()
