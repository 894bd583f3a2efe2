"""refcheck finds references a C extension leaked, exactly, after the
freelists have been churned so that they hold the addresses of objects handed
out again (tests/programs/leak_target.py).

Every planted leak (+1, +2, +4 on a list, a dict, an instance and a
__slots__ instance) is a suspect with `external` equal to its count, and no
untouched twin is a suspect. refscope reads the roots field by field, never a
freelist slot, so a stale address cannot explain a leak away.

The other suspects are references C code holds where no reader of the heap can
see them. The program counts them itself, inside the process: an object's
reference count less what gc.get_referents finds (`unexplained`), which
CPython's own collector cannot see either. Every other suspect must be one of
them (or the callable of the blocking os.read, on its caller's stack), with at
most that many references. Measured here, per interpreter (live and core):

  3.8: 24   3.9: 23   3.10: 23   3.11: 18-19   3.12: 23   3.13: 12
  3.14: 10   3.15: 29

and why:

- the running program's C stack: the __main__ module (held by the C code that
  runs the script), the function running the module's code (3.11+) or the
  functions called from a running frame (up to 3.10, on the caller's value
  stack, which a running frame does not expose), os.read, and the list of the
  script's constants the parser keeps until the script ends;
- objects that are no gc objects hold the rest: constants and names of code
  objects reached only through another code object's co_consts (most tuples,
  all of 3.15's), static types' dicts, 3.8's references to sys, builtins and
  _warnings from interpreter start-up;
- ctypes (which plants the leaks) up to 3.12: c_int, c_void_p and py_object
  referenced from its C structures, and the argument-type and converter
  tuples of its function pointers.
"""
import pytest

from conftest import program_fixture, refscope_json

leak_target = program_fixture("leak_target.py")

_docs = {}


@pytest.fixture(params=["live", "core"])
def mode(request):
    return request.param


def refcheck(target, mode):
    key = (target.pid, mode)
    if key not in _docs:
        args = ["--pid", str(target.pid)] if mode == "live" else [target.core()]
        _docs[key] = refscope_json(target.interp, "refcheck", args)
    return _docs[key]


def addr(obj):
    return "0x%x" % obj


def test_planted_leaks_are_suspects_with_their_counts(leak_target, mode):
    doc = refcheck(leak_target, mode)
    external = {s["address"]: s["external"] for s in doc["suspects"]}
    wrong = ["%s +%d: %s" % (leak["kind"], leak["count"], external.get(addr(leak["address"])))
             for leak in leak_target.truth["leaked"]
             if external.get(addr(leak["address"])) != leak["count"]]
    assert wrong == [], "planted leak (kind +count: external found): %s" % wrong


def test_untouched_twins_are_not_suspects(leak_target, mode):
    doc = refcheck(leak_target, mode)
    suspects = {s["address"] for s in doc["suspects"]}
    flagged = [t["kind"] for t in leak_target.truth["twins"] if addr(t["address"]) in suspects]
    assert flagged == []


def skip_on_36(truth):
    """3.6 keeps what a call is running with where neither its gc nor refscope
    sees it: the callers' arguments on their value stacks (a running frame's
    stack top is not stored), os.read's argument tuple on the C stack. Those
    are suspects to refscope, and the in-process count, taken earlier, knows
    other ones."""
    if truth["hexversion"] < 0x03070000:
        pytest.skip("3.6: references on running frames' value stacks are invisible to both counts")


def test_other_suspects_are_what_cpython_cannot_see_either(leak_target, mode):
    truth = leak_target.truth
    skip_on_36(truth)
    doc = refcheck(leak_target, mode)
    planted = {addr(leak["address"]) for leak in truth["leaked"]}
    others = [s for s in doc["suspects"] if s["address"] not in planted]
    unexplained = truth["unexplained"]
    unseen = [s for s in others
              if s["address"] != truth["blocking_call"] and s["external"] > unexplained.get(s["address"], 0)]
    assert unseen == [], "suspects whose references CPython's gc sees: %s" % unseen
    assert doc["suspects_total"] == len(doc["suspects"])
    # The in-process count agrees on the planted leaks, so it counts right.
    for leak in truth["leaked"]:
        assert unexplained.get(addr(leak["address"])) == leak["count"]


def test_planted_leaks_stand_in_groups_of_their_own(leak_target, mode):
    """Suspects are grouped by cause, type and the type of their first
    holder: the planted leaks, all kept in one list, are referenced objects
    first held by a list. Each kind's group holds exactly its planted
    objects (1 + 2 + 4 references), apart from what C code keeps."""
    skip_on_36(leak_target.truth)
    doc = refcheck(leak_target, mode)
    groups = {(g["cause"], g["type"], g["held_by"]): g for g in doc["groups"]}
    assert sum(g["objects"] for g in doc["groups"]) == doc["suspects_total"]
    assert set(doc["causes"]) == {"type", "unreferenced", "referenced"}
    planted = {}
    for leak in leak_target.truth["leaked"]:
        planted.setdefault(leak["kind"], []).append(addr(leak["address"]))
    for kind, type_name in (("list", "list"), ("dict", "dict"), ("instance", "Plain"), ("slots", "Slotted")):
        group = groups.get(("referenced", type_name, "list"))
        assert group is not None, "no group of %s held by a list: %s" % (type_name, doc["groups"])
        assert (group["objects"], group["external"], group["largest"]) == (3, 7, 4), group
        assert sorted(group["examples"]) == sorted(planted[kind])
    by_cause = {s["address"]: s["cause"] for s in doc["suspects"]}
    assert all(by_cause[a] == "referenced" for addresses in planted.values() for a in addresses)

