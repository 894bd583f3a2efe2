"""Generators, coroutines, async generators and frame objects in every state,
for refscope's size tests: what sys.getsizeof says of each, by id().

Generators, coroutines and async generators: just created, suspended at a
yield or an await, suspended inside nested calls (yield from / await of
another one), running (on a thread blocked inside calls they made), run to
their end, closed, and ended by an exception. Frames: sys._getframe() of
calls still running (this thread's and a blocked thread's), frames kept
after their function returned, their f_back chains, tb_frame of a
traceback's entries, and the frames of generators and coroutines (also kept
after those ended). Every object has a different code, with its own number
of locals and stack depth, so that a size read from the wrong code or with a
wrong offset shows.

One more thread is blocked three calls deep, each call holding an object
of its own that nothing else holds (its "mark"): where sys._current_frames()
says each of those frames is (f_lineno), for refscope's frame roots.

Reports one JSON line {"pid", "version", "hexversion", "objects": {name:
{address, type, size, tracked}}, "type_totals": {type: [count, bytes]},
"frame_lines": {thread, native_thread, frames: [{mark, function, file,
line}]}}, then answers "alive" with "alive N" and exits on "quit". Works
on 3.8+.
"""
import gc
import json
import sys
import threading
import warnings

gc.disable()
warnings.simplefilter("ignore")  # coroutines never awaited, on purpose

KEEP = {}  # name -> object; everything measured stays alive here
RELEASE = threading.Event()


def keep(name, obj):
    assert name not in KEEP, name
    KEEP[name] = obj
    return obj


# --- generators -------------------------------------------------------------

def gen_small():
    yield 1


def gen_many_locals(n):
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = n
    b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = b8 = b9 = n + 1
    yield (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9)
    yield a0 + b9


def gen_deep_stack(x):
    # A deep expression stack at the yield: co_stacksize grows.
    yield [x, [x, [x, [x, [x, [x, (yield x)]]]]]]


def gen_inner(n):
    total = 0
    for i in range(n):
        total += (yield i) or 0
    return total


def gen_outer(n):
    prefix = "outer"
    result = yield from gen_inner(n)
    yield prefix, result


def gen_raises():
    local = "x"
    yield local
    raise ValueError("raised inside a generator")


def gen_with_cell():
    captured = [1, 2]

    def use():
        return captured

    yield use
    yield captured


def gen_blocking(started):
    depth = 3
    yield blocking_call(started, depth)


def blocking_call(started, depth):
    if depth:
        return blocking_call(started, depth - 1)
    started.set()
    RELEASE.wait()
    return depth


def generators():
    keep("gen_created", gen_small())
    keep("gen_many_locals_created", gen_many_locals(1))
    g = keep("gen_suspended", gen_many_locals(2))
    next(g)
    g = keep("gen_deep_suspended", gen_deep_stack(3))
    next(g)
    g = keep("gen_nested_outer", gen_outer(5))
    next(g)
    next(g)
    keep("gen_nested_inner_frame", g.gi_frame)
    keep("gen_nested_inner", g.gi_yieldfrom)
    g = keep("gen_exhausted", gen_many_locals(3))
    list(g)
    g = keep("gen_closed", gen_many_locals(4))
    next(g)
    g.close()
    keep("gen_closed_unstarted", gen_deep_stack(5)).close()
    g = keep("gen_raised", gen_raises())
    next(g)
    try:
        next(g)
    except ValueError:
        pass
    g = keep("gen_thrown", gen_many_locals(6))
    next(g)
    try:
        g.throw(KeyError("thrown in"))
    except KeyError:
        pass
    g = keep("gen_with_cell", gen_with_cell())
    next(g)
    # A frame object kept while the generator runs on, then after it ended.
    g = keep("gen_frame_kept_exhausted_gen", gen_many_locals(7))
    next(g)
    keep("gen_frame_of_exhausted", g.gi_frame)
    list(g)
    g = keep("gen_suspended_with_frame", gen_deep_stack(8))
    next(g)
    keep("gen_frame_suspended", g.gi_frame)


# --- coroutines ---------------------------------------------------------------

class Suspend:
    """An awaitable that suspends the coroutine awaiting it once."""

    def __await__(self):
        value = yield "suspended"
        return value


async def coro_leaf(n):
    a, b, c = n, n + 1, n + 2
    got = await Suspend()
    return a + b + c + (got or 0)


async def coro_middle(n):
    first = await coro_leaf(n)
    second = await coro_leaf(first)
    return first, second


async def coro_top(n):
    x = y = z = n
    return await coro_middle(x + y + z)


async def coro_raises():
    await Suspend()
    raise RuntimeError("raised inside a coroutine")


async def coro_blocking(started):
    local = [1]
    return blocking_call(started, 2), local


async def coro_await_blocking(started):
    return await coro_blocking(started)


def coroutines():
    keep("coro_created", coro_top(1))
    c = keep("coro_suspended", coro_leaf(2))
    c.send(None)
    c = keep("coro_nested_top", coro_top(3))
    c.send(None)
    # The chain: coro_top awaits coro_middle, which awaits coro_leaf.
    middle = keep("coro_nested_middle", c.cr_await)
    keep("coro_nested_leaf", middle.cr_await)
    keep("coro_frame_suspended", c.cr_frame)
    c = keep("coro_exhausted", coro_leaf(4))
    c.send(None)
    try:
        c.send(10)
    except StopIteration:
        pass
    c = keep("coro_closed", coro_middle(5))
    c.send(None)
    c.close()
    keep("coro_closed_unstarted", coro_top(6)).close()
    c = keep("coro_raised", coro_raises())
    c.send(None)
    try:
        c.send(None)
    except RuntimeError:
        pass
    c = keep("coro_thrown", coro_leaf(7))
    c.send(None)
    try:
        c.throw(OSError("thrown in"))
    except OSError:
        pass
    keep("coro_wrapper_target", coro_leaf(8))


# --- async generators -----------------------------------------------------------

async def agen_plain(n):
    a = b = c = n
    yield a
    got = await Suspend()
    yield b + c + (got or 0)


async def agen_raises():
    yield 1
    raise LookupError("raised inside an async generator")


async def agen_blocking(started):
    depth = 2
    yield blocking_call(started, depth)


def step(awaitable, value=None):
    """Drives one step of an awaitable: what it yielded, or ('return', value)."""
    try:
        return awaitable.send(value)
    except StopIteration as stop:
        return ("return", stop.value)


def async_generators():
    keep("agen_created", agen_plain(1))
    ag = keep("agen_suspended_yield", agen_plain(2))
    assert step(ag.asend(None)) == ("return", 2)
    ag = keep("agen_suspended_await", agen_plain(3))
    step(ag.asend(None))
    asend = ag.asend(None)
    assert step(asend) == "suspended"
    keep("agen_asend_pending", asend)
    keep("agen_frame_suspended", ag.ag_frame)
    ag = keep("agen_exhausted", agen_plain(4))
    step(ag.asend(None))
    asend = ag.asend(None)
    step(asend)
    step(asend, 1)
    try:
        step(ag.asend(None))
    except StopAsyncIteration:
        pass
    ag = keep("agen_closed", agen_plain(5))
    step(ag.asend(None))
    step(ag.aclose())
    ag = keep("agen_raised", agen_raises())
    step(ag.asend(None))
    try:
        step(ag.asend(None))
    except LookupError:
        pass


# --- frames -------------------------------------------------------------------

def frame_returned(n):
    a = b = c = d = n
    return sys._getframe()


def frame_with_cells(n):
    # Cell variables (captured by inner) and, in inner, free variables.
    cell_a = n
    cell_b = [n]

    def inner():
        plain = 1
        return sys._getframe(), cell_a, cell_b, plain

    return sys._getframe(), inner()[0]


def frame_chain_leaf(n):
    leaf_local = n
    return sys._getframe()


def frame_chain_middle(n):
    m1 = m2 = n
    return frame_chain_leaf(m1 + m2)


def frame_chain_top(n):
    t = n
    return frame_chain_middle(t)


def raise_deep(n):
    if n:
        return raise_deep(n - 1)
    deep_local = [n]
    raise ZeroDivisionError(deep_local)


def raise_top():
    top_local = 1
    return raise_deep(2)


def frames():
    keep("frame_module", MODULE_FRAME)
    keep("frame_returned", frame_returned(1))
    outer, inner = frame_with_cells(3)
    keep("frame_with_cells", outer)
    keep("frame_with_free_vars", inner)
    leaf = keep("frame_chain_leaf", frame_chain_top(2))
    keep("frame_chain_middle", leaf.f_back)
    keep("frame_chain_top", leaf.f_back.f_back)
    keep("frame_chain_caller", leaf.f_back.f_back.f_back)  # frames(), still running
    try:
        raise_top()
    except ZeroDivisionError as e:
        tb = e.__traceback__
    i = 0
    while tb is not None:
        keep("frame_tb_%d" % i, tb.tb_frame)
        tb = tb.tb_next
        i += 1


# --- threads blocked inside generators, coroutines and calls ---------------------

def blocked_threads():
    threads = []

    def run_gen(started):
        for _ in keep("gen_running", gen_blocking(started)):
            pass

    def run_coro(started):
        c = keep("coro_running", coro_await_blocking(started))
        step(c)

    def run_agen(started):
        ag = keep("agen_running", agen_blocking(started))
        step(ag.asend(None))

    def run_call(started):
        keep("frame_thread_call", sys._getframe())
        blocking_call(started, 4)

    for name, body in (("gen", run_gen), ("coro", run_coro), ("agen", run_agen), ("call", run_call)):
        started = threading.Event()
        t = threading.Thread(target=body, args=(started,), name=name, daemon=True)
        t.start()
        started.wait()
        threads.append(t)
    # The blocked threads' frames: innermost (blocking_call) and the ones that
    # called it, each a call still running.
    current = sys._current_frames()
    for t in threads:
        f = current[t.ident]
        depth = 0
        while f is not None and depth < 4:
            keep("frame_thread_%s_%d" % (t.name, depth), f)
            f = f.f_back
            depth += 1
    keep("gen_running_frame", KEEP["gen_running"].gi_frame)
    keep("coro_running_frame", KEEP["coro_running"].cr_frame)
    return threads


# --- a thread whose frames are where f_lineno says ----------------------------
# Kept nowhere (unlike the frames above), so that a mark is reached from its
# own frame only. The middle call's code is generated: the call it is in
# starts 300 lines below its first line and spans two, which long entries
# of every line-table format encode.

LINE_MARKS = {}  # function name -> id() of the mark its running call holds


class LineMark:
    pass


def lines_leaf(started):
    mark = LineMark()
    LINE_MARKS["lines_leaf"] = id(mark)
    started.set()
    RELEASE.wait()
    return mark


exec(compile("\n" * 40 + "def lines_far(started):\n"
             "    mark = LineMark()\n"
             "    LINE_MARKS['lines_far'] = id(mark)\n" + "\n" * 300 +
             "    for _ in range(1):\n"
             "        lines_leaf(\n"
             "            started)\n"
             "    return mark\n", "<generated lines_far>", "exec"))


def lines_root(started):
    mark = LineMark()
    LINE_MARKS["lines_root"] = id(mark)
    found = [
        lines_far(started),
    ]
    return mark, found


def lines_thread():
    """Starts the thread; where each of its marked frames is, by
    sys._current_frames(), innermost first."""
    started = threading.Event()
    t = threading.Thread(target=lines_root, args=(started,), name="lines", daemon=True)
    t.start()
    started.wait()
    f = sys._current_frames()[t.ident]
    frames = []
    while f is not None:
        code = f.f_code
        if code.co_name in LINE_MARKS:
            frames.append({"mark": LINE_MARKS[code.co_name], "function": getattr(code, "co_qualname", code.co_name),
                           "file": code.co_filename, "line": f.f_lineno})
        f = f.f_back
    return t, {"thread": t.ident, "native_thread": getattr(t, "native_id", None), "frames": frames}


MEASURED_TYPES = ("generator", "coroutine", "async_generator")


def main():
    generators()
    coroutines()
    async_generators()
    frames()
    keep("frame_main", sys._getframe())  # main() runs while refscope reads
    threads = blocked_threads()
    lines, frame_lines = lines_thread()
    threads.append(lines)
    assert KEEP["gen_running"].gi_running and KEEP["coro_running"].cr_running
    objects = {}
    for name, obj in KEEP.items():
        objects[name] = {"address": id(obj), "type": type(obj).__name__, "size": sys.getsizeof(obj),
                         "tracked": gc.is_tracked(obj)}
    totals = {t: [0, 0] for t in MEASURED_TYPES}
    for o in gc.get_objects():
        name = type(o).__name__
        if name in totals:
            totals[name][0] += 1
            totals[name][1] += sys.getsizeof(o)
    truth = {"pid": __import__("os").getpid(), "version": sys.version.split()[0],
             "hexversion": sys.hexversion, "objects": objects, "type_totals": totals,
             "frame_lines": frame_lines}
    sys.stdout.write(json.dumps(truth) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        command = line.strip()
        if command == "alive":
            n = 1234
            sys.stdout.write("alive %d\n" % (n * (n - 1) // 2))
            sys.stdout.flush()
        elif command == "quit":
            break
    RELEASE.set()
    for t in threads:
        t.join(5)


MODULE_FRAME = sys._getframe()
main()
