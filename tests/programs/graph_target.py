"""A Python program with garbage and cycles of known shapes, for refscope's
reference-graph tests. The collector is disabled, so garbage persists.

Ground truth comes from CPython itself: a forked child (same heap, same
addresses) runs gc.collect() with DEBUG_SAVEALL and reports what it found;
the parent reports gc.get_referents / gc.get_referrers of sample objects and
the strongly connected component of each kept cycle, and the dominators
and retained sizes of known structures (dominator_truth.py). One JSON line on
stdout, then it waits for "quit" on stdin. CPython 3.8 and later.
"""
import gc
import os
import sys
import threading
import weakref

import dominator_truth
from program_truth import collected_by_fork, serve

gc.disable()


class Node:
    def __init__(self, name=""):
        self.name = name
        self.peer = None

    def method(self):
        return self.name


class Slotted:
    __slots__ = ("a", "b")


class Finalized:
    def __del__(self):
        pass


class AppError(Exception):
    pass


def ring(n, name):
    nodes = [Node("%s%d" % (name, i)) for i in range(n)]
    for a, b in zip(nodes, nodes[1:] + nodes[:1]):
        a.peer = b
    return nodes[0]


def closure_cycle():
    x = None

    def inner():
        return x

    x = inner
    return inner


CALLBACK_REFS = []


def make_garbage():
    ring(2, "two")
    ring(100, "long")
    through_dict = Node("dict")
    through_dict.table = {"back": through_dict}
    through_list = Node("list")
    through_list.items = [through_list]
    through_method = Node("method")
    through_method.callback = through_method.method
    closure_cycle()
    selfish_list = []
    selfish_list.append(selfish_list)
    selfish_dict = {}
    selfish_dict["me"] = selfish_dict
    fin_a, fin_b = Finalized(), Finalized()
    fin_a.other, fin_b.other = fin_b, fin_a
    watched = Node("watched")
    watched.peer = watched
    CALLBACK_REFS.append(weakref.ref(watched, lambda r: None))


KEEP = {}


def make_leaks():
    """Objects whose refcount C code raised without storing a reference (what
    a buggy extension does), and untouched twins held the same way."""
    import ctypes

    KEEP["leaked"] = [Node("leaked%d" % i) for i in range(3)]
    KEEP["twins"] = [Node("twin%d" % i) for i in range(3)]
    for obj in KEEP["leaked"]:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def make_reachable():
    KEEP["ring"] = ring(4, "kept")
    pair = Node("pair")
    pair.items = [pair]
    KEEP["pair"] = pair


def samples():
    """Objects of many built-in kinds whose references are compared with gc.get_referents."""
    s = Slotted()
    s.a, s.b = [1], {"k": 2}
    split = Node("split")  # an instance with a shared-key (split or inline) dict
    split.extra = (3, 4)
    materialized = Node("materialized")
    materialized.__dict__["x"] = [5]
    cell = closure_cycle.__code__  # code: not a gc object
    func = closure_cycle()
    try:
        raise AppError("boom", 7)
    except AppError as e:
        err = e
    import collections
    import functools

    def error(kind, *args, **kwargs):
        try:
            raise kind(*args, **kwargs)
        except kind as e:
            return e

    stdlib = {
        "deque": collections.deque([[i] for i in range(150)]),
        "ordered_dict": collections.OrderedDict([("a", [1]), ((2, 3), KEEP)]),
        "defaultdict": collections.defaultdict(list, {"k": [1]}),
        "partial": functools.partial(samples, [1], key=KEEP),
        "syntax_error": error(SyntaxError, "bad", ("f.py", 1, 2, "x y", 1, 3)[:6 if sys.version_info >= (3, 10) else 4]),
        "import_error": error(ImportError, "no", [], name="mod", path="/p"),
        "os_error": error(OSError, 2, "gone", "/a", None, "/b"),
        "stop_iteration": error(StopIteration, [7]),
        "system_exit": error(SystemExit, [3]),
        "name_error": error(NameError, "n"),
        "attribute_error": error(AttributeError, "a"),
        "unicode_error": error(UnicodeDecodeError, "utf-8", b"\xff", 0, 1, "bad"),
    }
    if sys.version_info >= (3, 11):
        stdlib["exception_group"] = error(ExceptionGroup, "many", [ValueError(1), KeyError(2)])
    stdlib["deque"].rotate(37)
    return dict(stdlib, **{
        "list": [1, "two", (3,), None, KEEP],
        "tuple": (KEEP, [6], "seven"),
        "dict_str_keys": {"a": [1], "b": KEEP},
        "dict_mixed_keys": {1: [2], (3, 4): KEEP, "s": None},
        "set": {1, (2, 3), "four"},
        "frozenset": frozenset({(5, 6), "seven"}),
        "instance_dict": split,
        "instance_materialized_dict": materialized,
        "instance_slots": s,
        "instance_dict_object": materialized.__dict__,
        "function": func,
        "closure_cell": func.__closure__[0],
        "bound_method": split.method,
        "class": Node,
        "module": sys.modules["json"],
        "property": property(lambda self: 1, doc="documented"),
        "classmethod": classmethod(samples),
        "staticmethod": staticmethod(samples),
        "exception": err,
        "weakref": CALLBACK_REFS[0],
        "code_holder": [cell],
    })


class Handler:
    def __init__(self, i):
        self.i = i


class Session:
    def __init__(self, i):
        self.i = i
        self.payload = bytes(4096)


REGISTRY = {}
SESSIONS = []
RELEASE = threading.Event()


def make_retained():
    """20,000 instances in a module-level registry of lists, 50 more in a
    thread's local variable (for retainers), and one list of 2,500 sessions
    holding 4 KiB each: more than half of the heap (for suspects)."""
    SESSIONS.extend(Session(i) for i in range(2500))
    REGISTRY["web"] = [Handler(i) for i in range(10000)]
    REGISTRY["api"] = [Handler(i) for i in range(10000)]
    started = threading.Event()

    def worker():
        local_handlers = [Handler(-i) for i in range(50)]
        started.set()
        RELEASE.wait()
        return local_handlers

    threading.Thread(target=worker, name="holder", daemon=True).start()
    started.wait()


def scc_of(root):
    """The strongly connected component of root among tracked objects."""
    forward, order, stack = {id(root): root}, [root], [root]
    while stack:
        for r in gc.get_referents(stack.pop()):
            if gc.is_tracked(r) and id(r) not in forward:
                forward[id(r)] = r
                order.append(r)
                stack.append(r)
    reaches = {id(root)}
    changed = True
    while changed:
        changed = False
        for o in order:
            if id(o) not in reaches and any(id(r) in reaches for r in gc.get_referents(o)):
                reaches.add(id(o))
                changed = True
    return sorted(reaches)


def main():
    make_garbage()
    make_reachable()
    make_leaks()
    gc.garbage.append(Node("saved earlier"))  # as if an earlier collection had kept it
    sample = samples()
    make_retained()
    dominated = dominator_truth.build(KEEP)
    truth = {"pid": os.getpid(), "garbage": collected_by_fork()}
    truth["dominators"] = dominator_truth.truth(dominated)
    truth["registry"] = {name: id(handlers) for name, handlers in REGISTRY.items()}
    truth["sessions"] = id(SESSIONS)
    truth["census"] = {cls.__name__: [id(o) for o in gc.get_objects() if type(o) is cls]
                       for cls in (Node, Slotted, Finalized)}
    truth["referents"] = {name: [id(r) for r in gc.get_referents(o)] for name, o in sample.items()}
    truth["samples"] = {name: id(o) for name, o in sample.items()}
    frame_type = type(sys._getframe())
    truth["referrers"] = {
        name: [id(r) for r in gc.get_referrers(sample[name])
               if not isinstance(r, frame_type) and r is not sample]
        for name in ("instance_dict", "class", "list")}
    truth["kept_cycles"] = {name: scc_of(KEEP[name]) for name in ("ring", "pair")}
    truth["kept"] = {name: id(o) for name, o in KEEP.items() if name in ("ring", "pair")}
    truth["leaked"] = [id(o) for o in KEEP["leaked"]]
    truth["gc_garbage"] = [id(o) for o in gc.garbage]
    truth["twins"] = [id(o) for o in KEEP["twins"]]
    truth["watched_finalizer"] = id(CALLBACK_REFS[0]())  if CALLBACK_REFS[0]() is not None else None
    serve(truth)


if __name__ == "__main__":
    main()
