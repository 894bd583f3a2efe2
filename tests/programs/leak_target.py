"""A Python program with planted reference leaks, for refcheck's tests.

First it churns lists, dicts and instances, so the interpreter's freelists
hold the addresses of objects long since handed out again; then it leaks
some objects the way a buggy C extension does (Py_IncRef with no reference
stored): +1, +2 and +4 on a list, a dict, an instance with a __dict__ and
one with __slots__ each, and keeps an untouched twin of every one, made and
held the same way. One JSON line on stdout (the addresses and counts), then
it waits for "quit" on stdin. CPython 3.8 and later.
"""
import ctypes
import gc
import json
import os
import sys

gc.disable()
COUNTS = (1, 2, 4)


class Plain:
    def __init__(self, n):
        self.n = n
        self.label = "plain"


class Slotted:
    __slots__ = ("n", "label")

    def __init__(self, n):
        self.n = n
        self.label = "slotted"


MAKERS = {
    "list": lambda n: [n, "list"],
    "dict": lambda n: {"n": n, "kind": ["dict"]},  # a list in it: tracked in every version
    "instance": Plain,
    "slots": Slotted,
}


def churn(rounds=20, width=300):
    """Fill and empty the freelists many times over."""
    for r in range(rounds):
        batch = [([i], {"i": i}, Plain(i), Slotted(i), (i, r)) for i in range(width)]
        del batch


KEEP = {"leaked": [], "twins": []}


def plant():
    truth = {"leaked": [], "twins": []}
    for kind, make in MAKERS.items():
        for count in COUNTS:
            # Made one after the other: both come from the freelists just churned.
            leaked, twin = make(count), make(count)
            for _ in range(count):
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(leaked))
            KEEP["leaked"].append(leaked)
            KEEP["twins"].append(twin)
            truth["leaked"].append({"address": id(leaked), "kind": kind, "count": count})
            truth["twins"].append({"address": id(twin), "kind": kind})
    return truth


def main():
    churn()
    truth = plant()
    churn(rounds=2, width=40)  # and churn again, so freed slots sit above live ones
    truth["pid"] = os.getpid()
    truth["hexversion"] = sys.hexversion
    wait_for_quit(truth)


def unexplained():
    """What CPython's own collector cannot explain either: for each tracked
    object, its reference count less the references gc.get_referents finds
    (and less ours). References from the C stack, from C globals and from
    objects that are no gc objects (code objects, static types) show here."""
    objs = gc.get_objects()
    seen = {}
    for o in objs:
        for r in gc.get_referents(o):
            seen[id(r)] = seen.get(id(r), 0) + 1
    # What this loop itself holds (objs, o, maybe the argument: 3.14 passes
    # borrowed references) is measured on KEEP, which only __main__ holds.
    own = 0
    for o in objs:
        if o is KEEP:
            own = sys.getrefcount(o) - seen.get(id(o), 0)
    out = {}
    for o in objs:
        n = sys.getrefcount(o) - own - seen.get(id(o), 0)
        if 0 < n < 1 << 24:  # not immortal
            out["0x%x" % id(o)] = n
    return out


def wait_for_quit(truth):
    """Reports, then blocks in os.read until "quit". Counted from here, so
    that the same functions are on the stack as while it waits; os.read
    holds nothing while it waits (reading sys.stdin would hold the io stack
    and a memoryview on the C stack) but is itself on the caller's stack."""
    truth["unexplained"] = unexplained()
    truth["blocking_call"] = "0x%x" % id(os.read)
    sys.stdout.write(json.dumps(truth) + "\n")
    sys.stdout.flush()
    got = b""
    while b"quit" not in got:
        chunk = os.read(0, 4096)
        if not chunk:
            break
        got += chunk


if __name__ == "__main__":
    main()
