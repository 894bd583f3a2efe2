"""A heap like the ones real programs leave, for refscope's garbage and
refcheck tests: a unittest run with one failing test, asyncio tasks that
raised, open io objects, regex matches, ElementTree trees, lru caches,
contextvars, itertools pipelines, json, email and decimal work, sockets and
__del__ objects, each caught in reference cycles and then dropped. The
collector is disabled, so the garbage stays.

The truth comes from CPython: a forked child (same heap, same addresses)
runs gc.collect() under DEBUG_SAVEALL and reports what it found. One JSON
line on stdout, then it waits for "quit" on stdin. CPython 3.8 and later.
"""
import asyncio
try:
    import contextvars  # 3.7+
except ImportError:
    contextvars = None
import decimal
import email
import functools
import gc
import io
import itertools
import json
import os
import re
import socket
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

from program_truth import collected_by_fork, serve

gc.disable()

KEEP = {}
TMP = tempfile.mkdtemp(prefix="refscope-realworld-")


class Finalized:
    def __del__(self):
        pass


class Bounded(unittest.TestCase):
    def test_small(self):
        values = [3, 4]
        self.assertLess(sum(values), 5)


def failing_unittest_run():
    """unittest.main() over one test that fails: the result keeps its
    traceback text, and the frames of the failure are left in cycles."""
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Bounded)
    stream = io.StringIO()
    main = unittest.main(module=None, argv=["realworld"], exit=False, testRunner=unittest.TextTestRunner(
        stream=stream, verbosity=0), defaultTest=[], testLoader=unittest.TestLoader())
    main.test = suite
    main.runTests()
    assert not main.result.wasSuccessful()
    main.me = main  # the runner, its result and the parser die together


async def raising(n):
    await asyncio.sleep(0)
    raise ValueError("task %d failed" % n)


async def waiting(fut):
    return await fut


def asyncio_tasks():
    """Tasks that raised, one cancelled, one done with a result: their
    exceptions hold tracebacks that hold the tasks' frames."""
    loop = asyncio.new_event_loop()
    tasks = [loop.create_task(raising(n), **({"name": "raiser%d" % n} if sys.version_info >= (3, 8) else {}))
             for n in range(3)]
    fut = loop.create_future()
    waiter = loop.create_task(waiting(fut))
    loop.call_soon(fut.set_result, [tasks])
    loop.run_until_complete(asyncio.wait(tasks + [waiter]))
    for t in tasks:
        t.exception()  # retrieved: no "exception never retrieved" log at collection
    cancelled = loop.create_task(asyncio.sleep(10))
    cancelled.cancel()
    try:
        loop.run_until_complete(cancelled)
    except asyncio.CancelledError:
        pass
    holder = {"tasks": tasks, "waiter": waiter, "cancelled": cancelled}
    holder["self"] = holder
    pending = loop.create_future()  # never done: it keeps its callbacks
    for n in range(3):
        pending.add_done_callback(lambda _f, h=holder: h)
    holder["pending"] = pending
    loop.close()


def io_objects():
    """Open files and in-memory streams that refer back to themselves."""
    path = os.path.join(TMP, "data.txt")
    with open(path, "w") as f:
        f.write("line one\nline two\n")
    text = open(path, "r")
    text.readline()
    text.me = text
    raw = open(path, "rb", buffering=0)
    raw.me = raw
    buffered = open(path, "rb")
    buffered.peek(4)
    buffered.raw.me = buffered
    b = io.BytesIO(b"bytes")
    b.me = b
    s = io.StringIO("text")
    s.me = s
    wrapped = io.TextIOWrapper(io.BytesIO(b"wrapped\n"), encoding="utf-8")
    wrapped.readline()
    wrapped.me = wrapped
    os.unlink(path)  # the open files keep it; nothing is left in /tmp
    os.rmdir(TMP)


def regex_matches():
    holder = []
    pattern = re.compile(r"(?P<word>\w+) (\d+)")
    holder.append(pattern.search("abc 123 def"))
    holder.append(list(pattern.finditer("x 1 y 2")))
    holder.append(pattern.scanner("z 3") if hasattr(pattern, "scanner") else None)
    holder.append(holder)


def element_trees():
    root = ET.fromstring("<root><a x='1'>text<b/></a><c>tail</c></root>")
    for i in range(20):
        ET.SubElement(root, "item", n=str(i)).text = "v%d" % i
    root.set("self", "x")
    root.attrib["back"] = root  # attribute values may be any object
    tree = ET.ElementTree(root)
    tree.me = tree


def lru_caches():
    @functools.lru_cache(maxsize=8)
    def cached(key):
        return [key, cached]

    for k in range(12):
        cached(("k", k))

    @functools.lru_cache(maxsize=None)
    def unbounded(key):
        return {"key": key, "fn": unbounded}

    unbounded("a")
    unbounded("b")


def context_variables():
    if contextvars is None:
        return
    var = contextvars.ContextVar("request")
    ctx = contextvars.copy_context()
    holder = [ctx, var]
    for i in range(40):  # enough keys for bitmap and array HAMT nodes
        ctx.run(contextvars.ContextVar("v%d" % i).set, holder)
    token = ctx.run(var.set, holder)
    holder.append(token)


def itertools_pipelines():
    data = [1, 2, 3]
    pipeline = itertools.islice(itertools.cycle(data), 5)
    chained = itertools.chain(data, pipeline)
    grouped = itertools.groupby([data, data, [4]], key=len)
    next(grouped)
    a, b = itertools.tee(map(str, itertools.count()))
    next(a)
    acc = itertools.accumulate(data)
    next(acc)
    data.extend([chained, grouped, a, b, acc, itertools.product(data, repeat=1),
                 itertools.zip_longest(data, "ab"), itertools.starmap(pow, [(2, 3)])])


def mixed_workload():
    doc = json.loads('{"users": [{"name": "a", "tags": ["x"]}, {"name": "b"}], "n": 1.5}')
    doc["self"] = doc
    msg = email.message_from_string("From: a@example.invalid\nSubject: hi\n\nbody\n")
    msg.me = msg
    ctx = decimal.Context(prec=10)
    d = {"ctx": ctx, "value": ctx.multiply(decimal.Decimal("1.25"), 3)}
    d["d"] = d


class PeerSocket(socket.socket):
    """A Python subclass of socket.socket with no __del__ of its own: its
    finalizer is _socket.socket's C tp_finalize."""


def sockets():
    a, b = PeerSocket(socket.AF_UNIX, socket.SOCK_STREAM), PeerSocket(socket.AF_UNIX, socket.SOCK_STREAM)
    a.peer, b.peer = b, a


def finalized_cycle():
    x, y = Finalized(), Finalized()
    x.other, y.other = y, x


def main():
    gc.collect()
    for make in (failing_unittest_run, asyncio_tasks, io_objects, regex_matches, element_trees, lru_caches,
                 context_variables, itertools_pipelines, mixed_workload, sockets, finalized_cycle):
        make()
    serve({"pid": os.getpid(), "garbage": collected_by_fork(lambda o: [id(o), type(o).__name__])})


if __name__ == "__main__":
    main()
