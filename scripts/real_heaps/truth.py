"""The truth a real-heap workload hands to scripts/real_heaps.py, taken by
CPython itself: what the process holds (gc-tracked objects, and the untracked
objects they reach through gc.get_referents, counted per type) and what
gc.collect() would free now (its unreachable set, under gc.DEBUG_SAVEALL, in a
forked child: same heap, same addresses; the process itself keeps its heap).

A workload imports this module before its work, does its work with the
collector enabled, calls gc.disable(), makes the garbage it leaves, then calls
serve(name): one JSON line on stdout, and it waits for "quit" on stdin (or
its end).

Nothing here may leave cyclic garbage behind (the collector is off while it
runs): no exception is caught, no frame object is asked for, and every
container it builds dies by reference counting before the fork.
"""
import gc
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "programs"))
from program_truth import collected_by_fork  # noqa: E402  (the tests' fork truth, shared)

# The untracked types the issue asks about; every other untracked type is
# counted too and reported as "other" rows.
UNTRACKED_TYPES = ("str", "int", "float", "bytes", "tuple")
TAGGED_MIN = 1 << 62


def held_counts(detail=False):
    """gc-tracked objects per type; the untracked objects reachable from them
    through gc.get_referents (followed on through untracked containers), per
    type; and the tracked objects whose reference count the references of
    tracked objects do not explain, [address, unexplained, type] (held from
    outside the gc heap: C statics, frames' stacks, C types without
    tp_traverse, leaked references). The list of tracked objects is taken
    first: what this function makes afterwards is not in it."""
    tracked = gc.get_objects()
    tracked_types = {}
    seen = set()
    untracked_types = {}
    incoming = {}  # id of a tracked object: references from tracked objects
    # With detail: [address, referrer's address, referrer's type] of each
    # untracked object of UNTRACKED_TYPES, the referrer being the object
    # through which it was first reached.
    untracked_where = {name: [] for name in UNTRACKED_TYPES} if detail else None
    stack = []
    tagged_ints = 0
    o = r = referrer = None
    for o in tracked:
        name = type(o).__name__
        tracked_types[name] = tracked_types.get(name, 0) + 1
        for r in gc.get_referents(o):
            if gc.is_tracked(r):
                key = id(r)
                incoming[key] = incoming.get(key, 0) + 1
            else:
                stack.append((r, o))
        while stack:
            r, referrer = stack.pop()
            if gc.is_tracked(r):
                continue
            key = id(r)
            if key in seen:
                continue
            seen.add(key)
            name = type(r).__name__
            untracked_types[name] = untracked_types.get(name, 0) + 1
            # mypyc keeps an int attribute as a tagged word: a boxed int
            # (|value| >= 2**62) is its address with the low bit set, which
            # no scan for aligned addresses can find. Counted when the int
            # was first reached from a mypyc native object.
            if name == "int" and (r >= TAGGED_MIN or r <= -TAGGED_MIN) and hasattr(type(referrer), "__mypyc_attrs__"):
                tagged_ints += 1
            if detail and name in untracked_where:
                untracked_where[name].append([key, id(referrer), type(referrer).__name__])
            stack.extend([(s, r) for s in gc.get_referents(r)])
    r = referrer = None
    unexplained = []
    for o in tracked:
        # getrefcount's argument, the list of tracked objects and the loop
        # variable account for three references.
        extra = sys.getrefcount(o) - 3 - incoming.get(id(o), 0)
        if extra > 0:
            unexplained.append([id(o), extra, type(o).__name__])
    n_tracked = len(tracked) - 1  # the list itself is tracked and in it
    tracked_types["list"] -= 1
    del tracked, seen, stack, incoming, o, r, referrer
    return n_tracked, tracked_types, untracked_types, untracked_where, unexplained, tagged_ints


def serve(workload, **extra):
    """Takes the truth, prints it as one JSON line, waits for "quit"."""
    assert not gc.isenabled(), "the workload must call gc.disable() first"
    threads = threading.active_count()
    detail = os.environ.get("REAL_HEAPS_DETAIL") == "1"
    n_tracked, tracked_types, untracked_types, untracked_where, unexplained, tagged_ints = held_counts(detail)
    garbage = collected_by_fork(lambda o: [id(o), type(o).__name__])
    truth = {
        "workload": workload,
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "threads": threads,
        "tracked": n_tracked,
        "tracked_types": tracked_types,
        "untracked_types": untracked_types,
        "garbage": garbage,
        "unexplained": unexplained,
        "mypyc_tagged_ints": tagged_ints,
    }
    if detail:
        truth["untracked_where"] = untracked_where
    truth.update(extra)
    line = json.dumps(truth)
    del truth, garbage, tracked_types, untracked_types, untracked_where, unexplained, tagged_ints
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    del line
    # Waits in os.read, not in sys.stdin: reading through io would hold the
    # stream, its buffer's bound methods and a memoryview on the C stack,
    # references no heap explains, while the heap is being read.
    received = b""
    while b"quit" not in received:
        chunk = os.read(0, 64)
        if not chunk:
            break
        received += chunk
