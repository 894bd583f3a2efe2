"""Instances of _asyncio, _io, _functools, _collections, itertools and _operator C types with Py_TPFLAGS_HAVE_GC,
for stdlib_types.py."""
import _asyncio
import _io
import atexit
import codecs
import collections
import functools
import gc
import itertools
import operator
import os
import shutil
import sys
import tempfile

KEEP = []  # whatever a constructor must keep alive besides its instance (loops, files, ...)

_DIR = []


def _path(name, data=b""):
    if not _DIR:
        _DIR.append(tempfile.mkdtemp(prefix="refscope-stdlib-"))
        atexit.register(shutil.rmtree, _DIR[0], True)
    path = os.path.join(_DIR[0], name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _referent_of_type(obj, name):
    return next(r for r in gc.get_referents(obj) if type(r).__name__ == name)


# ---- _asyncio: a loop that only records what it is asked to run, so that every task is stepped by hand.

class _Loop:
    def __init__(self, debug=False):
        self.ready = []
        self.debug = debug
        KEEP.append(self)

    def get_debug(self):
        return self.debug

    def call_soon(self, callback, *args, context=None):
        self.ready.append((callback, args, context))

    def call_exception_handler(self, context):
        pass

    def create_future(self):
        return _asyncio.Future(loop=self)

    def run_ready(self, rounds=1):
        _asyncio._set_running_loop(self)
        try:
            for _ in range(rounds):
                batch, self.ready = self.ready, []
                for callback, args, context in batch:
                    if context is None:
                        callback(*args)
                    else:
                        context.run(callback, *args)
        finally:
            _asyncio._set_running_loop(None)


def _callback(fut):
    pass


def _future(loop=None, cls=None):
    return (cls or _asyncio.Future)(loop=loop or _Loop())


def make_future_pending_callbacks():
    fut = _future()
    fut.add_done_callback(_callback)  # callback0, context0
    fut.add_done_callback(print)  # the callbacks list
    fut.add_done_callback(repr)
    fut.note = ["attribute"]
    return fut


def make_future_result():
    fut = _future()
    fut.set_result(["result"])
    return fut


def make_future_exception():
    fut = _future()
    try:
        raise ValueError("failed")
    except ValueError as e:
        fut.set_exception(e)
    return fut


def make_future_cancelled():
    fut = _future()
    try:
        fut.cancel(msg="cancelled here")
    except TypeError:  # 3.8: no message
        fut.cancel()
    try:
        fut.result()  # builds the CancelledError it keeps (3.11+)
    except BaseException:
        pass
    return fut


def make_future_debug():
    return _future(_Loop(debug=True))  # fut_source_tb


class FutureSubclass(_asyncio.Future):
    pass


def make_future_subclass():
    fut = _future(cls=FutureSubclass)
    fut.add_done_callback(_callback)
    fut.extra = {"key": "value"}
    return fut


def make_future_iter():
    fut = _future()
    it = fut.__await__()
    KEEP.append(fut)
    return it


async def _wait_for(fut):
    return await fut


async def _return(value):
    return value


async def _raise():
    raise KeyError("in the task")


def _close_coroutines():
    for coro in _COROUTINES:
        coro.close()  # no "never awaited" warning at exit


_COROUTINES = []
atexit.register(_close_coroutines)


def _task(coro, loop=None, name=None, cls=None):
    _COROUTINES.append(coro)
    return (cls or _asyncio.Task)(coro, loop=loop or _Loop(), name=name)


def make_task_pending():
    task = _task(_return(["value"]), name="pending task")
    task.note = ["attribute"]
    return task


def make_task_waiting():
    loop = _Loop()
    waiter = _future(loop)
    task = _task(_wait_for(waiter), loop)
    loop.run_ready()  # now task_fut_waiter is waiter
    return task


def make_future_awaited():
    loop = _Loop()
    waiter = _future(loop)
    KEEP.append(_task(_wait_for(waiter), loop))
    loop.run_ready()  # 3.14+: fut_awaited_by is the task
    return waiter


def make_future_awaited_twice():
    loop = _Loop()
    waiter = _future(loop)
    KEEP.append(_task(_wait_for(waiter), loop))
    KEEP.append(_task(_wait_for(waiter), loop))
    loop.run_ready()  # 3.14+: fut_awaited_by is a set of both tasks
    return waiter


def make_task_dict():
    task = _task(_return(None))
    for i in range(40):  # more than inline values hold (3.14+): a dict of its own
        setattr(task, "attribute_%d" % i, [i])
    return task


def make_task_wakeup_wrapper():
    if sys.version_info >= (3, 10):
        raise NotImplementedError("from 3.10 the wakeup callback is a builtin method")
    loop = _Loop()
    waiter = _future(loop)
    task = _task(_wait_for(waiter), loop)
    loop.run_ready()
    KEEP.append(task)
    return waiter._callbacks[0][0]  # the task's wakeup callback


def make_task_result():
    loop = _Loop()
    task = _task(_return(("result", 1)), loop)
    loop.run_ready()
    return task


def make_task_exception():
    loop = _Loop()
    task = _task(_raise(), loop)
    loop.run_ready()
    return task


def make_task_cancelled():
    loop = _Loop()
    waiter = _future(loop)
    task = _task(_wait_for(waiter), loop)
    loop.run_ready()
    try:
        task.cancel(msg="stop now")
    except TypeError:  # 3.8: no message
        task.cancel()
    loop.run_ready(3)  # done, keeping the CancelledError until someone asks for it
    return task


def make_task_callbacks():
    task = _task(_return(None), _Loop(debug=True))
    task.add_done_callback(_callback)
    task.add_done_callback(print)
    task.add_done_callback(repr)
    return task


class TaskSubclass(_asyncio.Task):
    pass


def make_task_subclass():
    task = _task(_return(None), cls=TaskSubclass)
    task.add_done_callback(_callback)
    task.extra = {"key": "value"}
    return task


def make_task_step_wrapper():
    loop = _Loop()
    task = _task(_return(None), loop)
    KEEP.append(task)
    return loop.ready[0][0]


class _BadYield:
    def __await__(self):
        yield ["not a future"]


async def _bad_yield():
    await _BadYield()


def make_task_step_wrapper_arg():
    loop = _Loop()
    task = _task(_bad_yield(), loop)
    loop.run_ready()  # the bad yield schedules a step with a RuntimeError
    KEEP.append(task)
    return loop.ready[0][0]


# ---- _io: files under a tempfile directory.

def _with_dict(obj):
    obj.note = ["attribute"]
    KEEP.append(obj)
    return obj


def make_fileio():
    return _with_dict(_io.FileIO(_path("fileio", b"data"), "r"))


def make_buffered_reader():
    f = _io.open(_path("reader", b"data" * 100), "rb")
    f.read(3)
    return _with_dict(f)


def make_buffered_writer():
    f = _io.open(_path("writer"), "wb")
    f.write(b"pending")
    return _with_dict(f)


def make_buffered_random():
    return _with_dict(_io.open(_path("random", b"data"), "r+b"))


def make_buffered_rwpair():
    reader = _io.FileIO(_path("pair_r", b"data"), "r")
    writer = _io.FileIO(_path("pair_w"), "w")
    return _with_dict(_io.BufferedRWPair(reader, writer))


def make_textio_reading():
    f = _io.open(_path("text_r", b"line one\nline two\n" * 50), "r+", encoding="utf-8", newline="\n")
    f.readline()  # decoded_chars, snapshot
    return _with_dict(f)


def make_textio_writing():
    f = _io.open(_path("text_w"), "w+", encoding="utf-8", errors="replace")
    f.write("pending text")  # pending_bytes
    return _with_dict(f)


def make_textio_universal():
    f = _io.open(_path("text_u", b"a\r\nb\n"), "r", encoding="latin-1")  # an IncrementalNewlineDecoder
    f.readline()
    return _with_dict(f)


def make_bytesio():
    return _with_dict(_io.BytesIO(b"some bytes"))


def make_bytesio_buffer():
    bio = _io.BytesIO(b"exported")
    view = bio.getbuffer()
    KEEP.append(view)
    atexit.register(view.release)  # else closing bio at exit complains of the export
    return view.obj


def make_stringio_universal():
    s = _io.StringIO("text\r\n", newline=None)  # decoder
    s.write("more")
    return _with_dict(s)


def make_stringio_newline():
    s = _io.StringIO(newline="\r\n")  # readnl, writenl
    s.write("accumulated")
    return _with_dict(s)


def make_newline_decoder():
    return _io.IncrementalNewlineDecoder(codecs.getincrementaldecoder("utf-8")(), True)


def make_newline_decoder_errors():
    return _io.IncrementalNewlineDecoder(codecs.getincrementaldecoder("utf-8")(), False, errors="ignore")


def make_iobase():
    return _with_dict(_io._IOBase())


def make_rawiobase():
    return _with_dict(_io._RawIOBase())


def make_bufferediobase():
    return _with_dict(_io._BufferedIOBase())


def make_textiobase():
    return _with_dict(_io._TextIOBase())


class BytesIOSubclass(_io.BytesIO):
    pass


def make_bytesio_subclass():
    return _with_dict(BytesIOSubclass(b"subclass"))


# ---- _functools

def _cached(maxsize, typed=False):
    @functools.lru_cache(maxsize=maxsize, typed=typed)
    def square(x):
        return [x, x]
    return square


def make_lru_cache_bounded():
    f = _cached(4, typed=True)
    for x in (1, 2, 3, 2.0, "a", 5):  # six calls, four kept, linked in order of use
        f(x)
    f.note = ["attribute"]
    return f


def make_lru_cache_unbounded():
    f = _cached(None)
    f(1), f(2)
    return f


def make_lru_cache_uncached():
    f = _cached(0)
    f(1)
    return f


def make_lru_cache_keywords():
    f = _cached(8)
    f(x=1)  # a key with kwd_mark
    return f


def _compare(a, b):
    return (a > b) - (a < b)


def make_key_wrapper():
    return functools.cmp_to_key(_compare)(["object"])


def make_placeholder():
    return functools.Placeholder


# ---- _collections

def make_deque_iterator():
    d = collections.deque(range(100))
    it = iter(d)
    next(it)
    KEEP.append(d)
    return it


def make_deque_reverse_iterator():
    d = collections.deque(range(100))
    it = reversed(d)
    next(it)
    KEEP.append(d)
    return it


def make_tuplegetter():
    if sys.version_info < (3, 8):
        raise NotImplementedError("namedtuple fields are properties before 3.8")
    Point = collections.namedtuple("Point", "x y")
    KEEP.append(Point)
    return Point.__dict__["x"]


def _odict():
    od = collections.OrderedDict((str(i), [i]) for i in range(5))
    KEEP.append(od)
    return od


def make_odict_iterator():
    it = iter(_odict())
    next(it)  # di_current
    return it


def make_odict_items_iterator():
    it = reversed(_odict().items())
    next(it)  # di_result
    return it


def make_odict_keys():
    return _odict().keys()


def make_odict_values():
    return _odict().values()


def make_odict_items():
    return _odict().items()


# ---- itertools, each mid-iteration

def _started(it, n=1):
    for _ in range(n):
        next(it)
    return it


def _key(x):
    return x // 3


def _first_letter(word):
    return [word[0]]  # a new object each call: the keys compare equal but differ


def make_chain():
    return _started(itertools.chain([1, 2], [3, 4]))


def make_chain_from_iterable():
    return _started(itertools.chain.from_iterable(iter([[1, 2], [3]])))


def make_count():
    return _started(itertools.count(2 ** 70, 2 ** 65))


def make_count_float():
    return _started(itertools.count(0.5, 0.25))


def make_count_fast():
    return _started(itertools.count(5))


def make_cycle():
    return _started(itertools.cycle(iter(["a", "b", "c"])))


def make_cycle_second_pass():
    return _started(itertools.cycle(iter(["a", "b"])), 3)


def make_dropwhile():
    return _started(itertools.dropwhile(_key, iter(range(10))))


def make_takewhile():
    return _started(itertools.takewhile(_key, iter(range(3, 10))))


def make_islice():
    return _started(itertools.islice(iter(range(100)), 2, 50, 3))


def make_starmap():
    return _started(itertools.starmap(pow, iter([(2, 3), (3, 2)])))


def make_accumulate():
    return _started(itertools.accumulate(iter([1, 2, 3]), operator.add))


def make_accumulate_initial():
    return itertools.accumulate(iter([1, 2, 3]), operator.mul, initial=10)


def make_compress():
    return _started(itertools.compress(iter("abcdef"), iter([1, 0, 1, 1])))


def make_filterfalse():
    return _started(itertools.filterfalse(_key, iter(range(10))))


def make_groupby():
    groups = itertools.groupby(iter(["apple", "avocado", "banana"]), _first_letter)
    key, group = next(groups)
    list(group)  # the group ends on "banana": tgtkey, currkey and currvalue differ
    return groups


def make_grouper():
    groups = itertools.groupby(iter(range(20)), _key)
    key, group = next(groups)
    KEEP.append(groups)
    return group


def make_tee():
    a, b = itertools.tee(iter(range(100)))
    _started(a, 60)  # two data objects
    KEEP.append(a)
    return b


def make_tee_dataobject():
    a, b = itertools.tee(iter([str(i) for i in range(100)]))
    _started(a, 60)
    KEEP.extend((a, b))
    return _referent_of_type(b, "_tee_dataobject")  # full, with a next link


def make_tee_dataobject_partial():
    a, b = itertools.tee(iter([str(i) for i in range(100)]))
    _started(a, 10)
    KEEP.extend((a, b))
    return _referent_of_type(b, "_tee_dataobject")


def make_product():
    return _started(itertools.product("ab", range(3), repeat=1))


def make_permutations():
    return _started(itertools.permutations(["a", "b", "c"], 2))


def make_combinations():
    return _started(itertools.combinations(["a", "b", "c"], 2))


def make_combinations_with_replacement():
    return _started(itertools.combinations_with_replacement(["a", "b", "c"], 2))


def make_zip_longest():
    return _started(itertools.zip_longest(iter([1, 2]), iter("abc"), fillvalue=["fill"]))


def make_repeat():
    return itertools.repeat(["element"], 5)


def make_pairwise():
    return _started(itertools.pairwise(iter(range(10))))


def make_batched():
    return _started(itertools.batched(iter(range(10)), 3))


class ChainSubclass(itertools.chain):
    pass


def make_chain_subclass():
    it = ChainSubclass([1], [2])
    it.note = ["attribute"]
    return it


# ---- _operator

def make_itemgetter():
    return operator.itemgetter(slice(1, 3))  # one item, not a tuple of them


def make_itemgetter_many():
    return operator.itemgetter(1, "key")


def make_attrgetter():
    return operator.attrgetter("real")


def make_attrgetter_many():
    return operator.attrgetter("real", "imag.real")


def make_methodcaller():
    return operator.methodcaller("split", ",", maxsplit=1)


def make_methodcaller_plain():
    return operator.methodcaller("upper")


def make_deque():
    return collections.deque([[], "item", (1, 2)], maxlen=5)


def make_defaultdict():
    d = collections.defaultdict(list)
    d["key"].append(d)
    return d


def make_partial():
    return functools.partial(print, [1], sep=" ")


# (tp_name, constructor): the constructor returns one instance, or raises when this version lacks it.
_DEQUE_ITERATOR = "collections._deque_iterator" if sys.version_info >= (3, 12) else "_collections._deque_iterator"
_DEQUE_REVERSE = _DEQUE_ITERATOR.replace("_deque_iterator", "_deque_reverse_iterator")
_TASK_STEP = "_asyncio.TaskStepMethWrapper" if sys.version_info >= (3, 12) else "TaskStepMethWrapper"
_TUPLEGETTER = _DEQUE_ITERATOR.replace("_deque_iterator", "_tuplegetter")

CONSTRUCTORS = [
    ("_asyncio.Future", make_future_pending_callbacks),
    ("_asyncio.Future", make_future_result),
    ("_asyncio.Future", make_future_exception),
    ("_asyncio.Future", make_future_cancelled),
    ("_asyncio.Future", make_future_debug),
    ("_asyncio.Future", make_future_subclass),
    ("_asyncio.Future", make_future_awaited),
    ("_asyncio.Future", make_future_awaited_twice),
    ("_asyncio.FutureIter", make_future_iter),
    ("_asyncio.Task", make_task_pending),
    ("_asyncio.Task", make_task_waiting),
    ("_asyncio.Task", make_task_result),
    ("_asyncio.Task", make_task_exception),
    ("_asyncio.Task", make_task_cancelled),
    ("_asyncio.Task", make_task_callbacks),
    ("_asyncio.Task", make_task_subclass),
    ("_asyncio.Task", make_task_dict),
    (_TASK_STEP, make_task_step_wrapper),
    (_TASK_STEP, make_task_step_wrapper_arg),
    ("TaskWakeupMethWrapper", make_task_wakeup_wrapper),
    ("_io.FileIO", make_fileio),
    ("_io.BufferedReader", make_buffered_reader),
    ("_io.BufferedWriter", make_buffered_writer),
    ("_io.BufferedRandom", make_buffered_random),
    ("_io.BufferedRWPair", make_buffered_rwpair),
    ("_io.TextIOWrapper", make_textio_reading),
    ("_io.TextIOWrapper", make_textio_writing),
    ("_io.TextIOWrapper", make_textio_universal),
    ("_io.BytesIO", make_bytesio),
    ("_io.BytesIO", make_bytesio_subclass),
    ("_io._BytesIOBuffer", make_bytesio_buffer),
    ("_io.StringIO", make_stringio_universal),
    ("_io.StringIO", make_stringio_newline),
    ("_io.IncrementalNewlineDecoder", make_newline_decoder),
    ("_io.IncrementalNewlineDecoder", make_newline_decoder_errors),
    ("_io._IOBase", make_iobase),
    ("_io._RawIOBase", make_rawiobase),
    ("_io._BufferedIOBase", make_bufferediobase),
    ("_io._TextIOBase", make_textiobase),
    ("functools._lru_cache_wrapper", make_lru_cache_bounded),
    ("functools._lru_cache_wrapper", make_lru_cache_unbounded),
    ("functools._lru_cache_wrapper", make_lru_cache_uncached),
    ("functools._lru_cache_wrapper", make_lru_cache_keywords),
    ("functools.KeyWrapper", make_key_wrapper),
    ("functools._PlaceholderType", make_placeholder),
    ("collections.deque", make_deque),
    ("collections.defaultdict", make_defaultdict),
    ("functools.partial", make_partial),
    (_DEQUE_ITERATOR, make_deque_iterator),
    (_DEQUE_REVERSE, make_deque_reverse_iterator),
    (_TUPLEGETTER, make_tuplegetter),
    ("odict_iterator", make_odict_iterator),
    ("odict_iterator", make_odict_items_iterator),
    ("odict_keys", make_odict_keys),
    ("odict_values", make_odict_values),
    ("odict_items", make_odict_items),
    ("itertools.chain", make_chain),
    ("itertools.chain", make_chain_from_iterable),
    ("itertools.chain", make_chain_subclass),
    ("itertools.count", make_count),
    ("itertools.count", make_count_float),
    ("itertools.count", make_count_fast),
    ("itertools.cycle", make_cycle),
    ("itertools.cycle", make_cycle_second_pass),
    ("itertools.dropwhile", make_dropwhile),
    ("itertools.takewhile", make_takewhile),
    ("itertools.islice", make_islice),
    ("itertools.starmap", make_starmap),
    ("itertools.accumulate", make_accumulate),
    ("itertools.accumulate", make_accumulate_initial),
    ("itertools.compress", make_compress),
    ("itertools.filterfalse", make_filterfalse),
    ("itertools.groupby", make_groupby),
    ("itertools._grouper", make_grouper),
    ("itertools._tee", make_tee),
    ("itertools._tee_dataobject", make_tee_dataobject),
    ("itertools._tee_dataobject", make_tee_dataobject_partial),
    ("itertools.product", make_product),
    ("itertools.permutations", make_permutations),
    ("itertools.combinations", make_combinations),
    ("itertools.combinations_with_replacement", make_combinations_with_replacement),
    ("itertools.zip_longest", make_zip_longest),
    ("itertools.repeat", make_repeat),
    ("itertools.pairwise", make_pairwise),
    ("itertools.batched", make_batched),
    ("operator.itemgetter", make_itemgetter),
    ("operator.itemgetter", make_itemgetter_many),
    ("operator.attrgetter", make_attrgetter),
    ("operator.attrgetter", make_attrgetter_many),
    ("operator.methodcaller", make_methodcaller),
    ("operator.methodcaller", make_methodcaller_plain),
]

# GC types of this family no program can build an instance of, with the reason.
UNBUILDABLE = {}
