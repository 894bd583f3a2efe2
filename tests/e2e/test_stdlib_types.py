"""Every C type with Py_TPFLAGS_HAVE_GC of CPython's core and standard library, against
CPython's own answer: on every interpreter, live and from a core, refs of each instance
tests/programs/stdlib_types.py builds equals gc.get_referents, with no conservative edge.

NOT_YET_EXACT lists the types refscope does not emulate exactly yet (scripts/coverage.py
--not-yet-exact prints it): on each interpreter, each must be not exact live or from a
core, so the list stays honest (a type that became exact fails until it leaves the list).
An entry is a tp_name (on every interpreter), "tp_name@3.X" (on 3.X) or "tp_name@NAME" (on
the interpreter NAME of conftest's matrix). The GC types without an instance, with their
reasons, are reported as skips (pytest -rs)."""
import json

import pytest

from check_stdlib_types import EXACT, NOT_BUILT, compare, read_line
from conftest import INTERPRETERS, TRACE_REFS, program_fixture, refscope_json

# and the Py_TRACE_REFS build, whose hand-written field offsets all move by 16
stdlib_driver = program_fixture("stdlib_types.py", INTERPRETERS + [TRACE_REFS])

NOT_YET_EXACT = set()

_results = {}  # (interpreter, mode) -> [TypeResult]


def minor(truth):
    return ".".join(truth["version"].split(".")[:2])


def not_yet_exact(tp_name, interp, truth):
    return bool({tp_name, "%s@%s" % (tp_name, minor(truth)), "%s@%s" % (tp_name, interp.name)} & NOT_YET_EXACT)


def referents_changed(driver):
    driver.proc.stdin.write("check\n")
    driver.proc.stdin.flush()
    line = read_line(driver.proc.stdout, 60)
    assert line, "stdlib_types.py did not answer check"
    return set(json.loads(line)["changed"])


def results_for(driver, mode):
    key = (driver.interp.name, mode)
    if key not in _results:
        target = ["--pid", str(driver.pid)] if mode == "live" else [driver.core()]
        addresses = ["0x%x" % i["address"] for i in driver.truth["instances"]]
        doc = refscope_json(driver.interp, "refs", target + addresses)
        objects = doc["objects"] if "objects" in doc else [doc]
        _results[key] = compare(driver.truth, objects, referents_changed(driver))
    return _results[key]


def test_truth_has_no_errors(stdlib_driver):
    assert not stdlib_driver.truth["errors"], "\n".join(stdlib_driver.truth["errors"])


@pytest.mark.parametrize("mode", ["live", "core"])
def test_refs_equal_gc_get_referents(stdlib_driver, mode):
    wrong = [r.line() for r in results_for(stdlib_driver, mode)
             if r.state not in (EXACT, NOT_BUILT)
             and not not_yet_exact(r.tp_name, stdlib_driver.interp, stdlib_driver.truth)]
    assert not wrong, "not exact on %s (%s):\n%s" % (stdlib_driver.interp, mode, "\n".join(wrong))


def test_not_yet_exact_is_honest(stdlib_driver):
    exact = {}
    for mode in ("live", "core"):
        for r in results_for(stdlib_driver, mode):
            exact[r.tp_name] = exact.get(r.tp_name, True) and r.state == EXACT
    became = sorted(name for name, yes in exact.items()
                    if yes and not_yet_exact(name, stdlib_driver.interp, stdlib_driver.truth))
    assert not became, "exact now on %s, remove from NOT_YET_EXACT: %s" % (stdlib_driver.interp, ", ".join(became))


def test_gc_types_without_instance(stdlib_driver):
    missing = [t for t in stdlib_driver.truth["gc_types"] if not t["built"]]
    if missing:
        pytest.skip("%s: %d GC C types without an instance:\n%s" % (
            stdlib_driver.interp, len(missing),
            "\n".join("  %s: %s" % (t["tp_name"], t["reason"]) for t in missing)))
