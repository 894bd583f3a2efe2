"""The Python program whose core seeds the fuzzers (fuzz/make_seeds.py).

A small heap (run with -I -S: a few thousand objects) holding one or more of
every kind of object refscope decodes: containers, dicts in each key layout,
instances with a dict, with inline values and with __slots__, closures,
methods, descriptors, generators, coroutines and suspended frames,
exceptions, weakrefs, the standard library's C containers, reachable and
unreachable cycles (the collector is disabled, so garbage stays), objects
with __del__, and a second thread. Prints "ready", then waits for stdin to
close.
"""
import collections
import functools
import gc
import sys
import threading
import weakref

gc.disable()


class Node:
    def __init__(self, name):
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


def closure():
    x = None

    def inner():
        return x

    x = inner
    return inner


def gen(items):
    for item in items:
        yield item


async def coro(value):
    return value


def error(kind, *args):
    try:
        raise kind(*args)
    except kind as e:
        return e


def make_garbage():
    ring(5, "lost")
    selfish = []
    selfish.append(selfish)
    table = {}
    table["me"] = table
    a, b = Finalized(), Finalized()
    a.other, b.other = b, a
    m = Node("method")
    m.callback = m.method
    closure()


KEEP = {}
make_garbage()
KEEP["ring"] = ring(3, "kept")
s = Slotted()
s.a, s.b = [1], {"k": 2}
materialized = Node("materialized")
materialized.__dict__["x"] = [5]
running = gen([1, 2, 3])
next(running)
pending = coro(4)
KEEP.update({
    "list": [1, "two", (3,), None, 2.5, 10 ** 30, b"bytes", "\u20ac", KEEP],
    "tuple": (KEEP, [6], "seven"),
    "dict_mixed": {1: [2], (3, 4): KEEP, "s": None},
    "set": {1, (2, 3), "four"},
    "frozenset": frozenset({(5, 6), "seven"}),
    "slots": s,
    "materialized": materialized,
    "function": closure(),
    "bound_method": materialized.method,
    "class": Node,
    "property": property(lambda self: 1),
    "classmethod": classmethod(make_garbage),
    "staticmethod": staticmethod(make_garbage),
    "generator": running,
    "coroutine": pending,
    "exception": error(AppError, "boom", 7),
    "group": error(ExceptionGroup, "many", [ValueError(1), KeyError(2)]),
    "os_error": error(OSError, 2, "gone", "/a"),
    "deque": collections.deque([[i] for i in range(20)]),
    "ordered": collections.OrderedDict([("a", [1]), ("b", KEEP)]),
    "default": collections.defaultdict(list, {"k": [1]}),
    "partial": functools.partial(ring, 1, name="p"),
    "weak": weakref.ref(materialized, lambda r: None),
})

done = threading.Event()
worker = threading.Thread(target=done.wait, name="worker")
worker.start()


def wait_here(local_state):
    print("ready", flush=True)
    sys.stdin.read()
    return local_state


wait_here([KEEP])
done.set()
worker.join()
pending.close()
