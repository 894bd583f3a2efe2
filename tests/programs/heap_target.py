"""A Python program with a known heap, for refscope's end-to-end tests.

It builds objects of classes only it uses, freezes some of them into the
permanent generation, starts threads, then reports ground truth taken inside
the process as one JSON line on stdout and waits for commands on stdin:
"alive" (answers "alive N" with a checksum it computes, to prove it runs on),
"quit". Works on CPython 3.8 and later.
"""
import gc
import json
import sys
import threading

N_DICT_INSTANCES = 1234
N_SLOT_INSTANCES = 567
N_LIST_SUBCLASS = 89
N_FROZEN = 321
N_CYCLES = 45


class RefscopeDictInstance:
    def __init__(self, i):
        self.index = i
        self.name = "item-%d" % i


class RefscopeSlotInstance:
    __slots__ = ("value", "other")

    def __init__(self, i):
        self.value = i
        self.other = None


class RefscopeListSubclass(list):
    pass


class RefscopeFrozen:
    pass


class RefscopeCycleNode:
    def __init__(self):
        self.peer = None


def build_heap():
    heap = {
        "dict_instances": [RefscopeDictInstance(i) for i in range(N_DICT_INSTANCES)],
        "slot_instances": [RefscopeSlotInstance(i) for i in range(N_SLOT_INSTANCES)],
        "lists": [RefscopeListSubclass(range(i % 7)) for i in range(N_LIST_SUBCLASS)],
    }
    for _ in range(N_CYCLES):
        a, b = RefscopeCycleNode(), RefscopeCycleNode()
        a.peer, b.peer = b, a
        heap.setdefault("cycles", []).append(a)
    return heap


def start_threads(n):
    stop = threading.Event()
    ready = []
    threads = []
    for _ in range(n):
        started = threading.Event()
        t = threading.Thread(target=lambda s=started: (s.set(), stop.wait()), daemon=True)
        t.start()
        started.wait()
        threads.append(t)
    native = [getattr(t, "native_id", None) for t in threads]
    return stop, threads, native, ready


def type_totals(names, frozen):
    """Count and sys.getsizeof total per class, over the tracked objects
    (gc.get_objects does not list the permanent generation: the frozen
    objects are counted from the list that holds them)."""
    counts = dict.fromkeys(names, 0)
    sizes = dict.fromkeys(names, 0)
    listed = set() if hasattr(gc, "freeze") else {id(o) for o in frozen}  # 3.6: on the gc lists too
    for obj in [o for o in gc.get_objects() if id(o) not in listed] + frozen:
        name = type(obj).__name__
        if name in counts:
            counts[name] += 1
            sizes[name] += sys.getsizeof(obj)
    return counts, sizes


def ground_truth(native_ids, frozen):
    names = ["RefscopeDictInstance", "RefscopeSlotInstance", "RefscopeListSubclass",
             "RefscopeFrozen", "RefscopeCycleNode"]
    assert all(gc.is_tracked(o) for o in frozen)
    counts, sizes = type_totals(names, frozen)
    truth = {
        "pid": __import__("os").getpid(),
        "version": "%d.%d.%d" % sys.version_info[:3],
        "hexversion": sys.hexversion,
        "threshold": list(gc.get_threshold()),
        "freeze_count": gc.get_freeze_count() if hasattr(gc, "get_freeze_count") else 0,
        "type_counts": counts,
        "type_bytes": sizes,
        "native_thread_ids": [threading.get_native_id()] + native_ids
        if hasattr(threading, "get_native_id") else None,
        "enabled": gc.isenabled(),
    }
    # Measured last, so that the measuring allocates as little as possible
    # after it; the lists gc.get_objects builds are freed at once.
    truth["generations"] = generation_sizes()
    truth["count"] = list(gc.get_count())
    return truth


def generation_sizes():
    if sys.version_info >= (3, 8):
        return [len(gc.get_objects(generation=g)) for g in range(3)]
    # 3.6 and 3.7 have no get_objects(generation=): their gc.get_objects()
    # lists generation 0, then 1, then 2 (gc_get_objects_impl). Where each one
    # starts is the first object of its list, read from the list's head:
    # 3.7's are in _PyRuntime.gc (+320, from +32), 3.6's are gcmodule.c's
    # generations[], which _PyGC_generation0 points at; 48 bytes apart, with
    # a PyGC_Head of 32 bytes (the 3.6 and 3.7 DWARF's offsets).
    import ctypes
    if sys.version_info >= (3, 7):
        heads = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime")) + 320 + 32
    else:
        heads = ctypes.c_void_p.in_dll(ctypes.pythonapi, "_PyGC_generation0").value
    objects = gc.get_objects()
    where = {id(o): i for i, o in enumerate(objects)}
    starts = []
    for g in range(3):
        head = heads + 48 * g
        first = ctypes.c_void_p.from_address(head).value
        starts.append(None if first == head else where[first + 32])
    sizes, end = [0, 0, 0], len(objects)
    for g in reversed(range(3)):
        if starts[g] is not None:
            sizes[g], end = end - starts[g], starts[g]
    assert end == 0, "the generations do not start gc.get_objects()"
    del objects, where
    return sizes


N_SUB_OBJECTS = 77


SUBINTERPRETERS = []


def start_subinterpreter():
    """One subinterpreter holding objects of a class of its own; returns the
    interpreter ids as the runtime lists them. Up to 3.12 the interpreter
    lives only while the id object create() returned does: keep it."""
    try:
        import _interpreters as interpreters
    except ImportError:
        import _xxsubinterpreters as interpreters
    sub = interpreters.create()
    SUBINTERPRETERS.append(sub)
    interpreters.run_string(sub, "class RefscopeSubObject: pass\n"
                                 "keep = [RefscopeSubObject() for _ in range(%d)]\n" % N_SUB_OBJECTS)
    ids = []
    for entry in interpreters.list_all():
        ids.append(int(entry[0] if isinstance(entry, tuple) else entry))
    return sorted(ids)


def main():
    gc.disable()
    interpreter_ids = start_subinterpreter() if "--subinterpreter" in sys.argv else [0]
    frozen = [RefscopeFrozen() for _ in range(N_FROZEN)]
    gc.collect()
    if hasattr(gc, "freeze"):  # 3.7+: the permanent generation
        gc.freeze()
    heap = build_heap()
    gc.collect()  # everything so far goes to the oldest generation
    # A generation of exactly one object (the middle one, up to 3.13): its
    # only object links back to the head, the end of the list.
    lone = [None]
    gc.collect(0)
    young = [RefscopeDictInstance(-i) for i in range(10)]
    ballast = [[i] for i in range(int(sys.argv[sys.argv.index("--ballast") + 1]))] \
        if "--ballast" in sys.argv else []
    stop, threads, native_ids, _ = start_threads(2)
    truth = ground_truth(native_ids, frozen)
    truth["interpreter_ids"] = interpreter_ids
    truth["probe"] = id(heap["dict_instances"][600])  # an object in the oldest generation
    truth["probe_list"] = id(heap["lists"][5])
    truth["sub_objects"] = N_SUB_OBJECTS if len(interpreter_ids) > 1 else 0
    sys.stdout.write(json.dumps(truth) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        command = line.strip()
        if command == "alive":
            total = sum(o.index for o in heap["dict_instances"])
            sys.stdout.write("alive %d\n" % total)
            sys.stdout.flush()
        elif command == "quit":
            break
    stop.set()
    del frozen, young, ballast, lone


if __name__ == "__main__":
    main()
