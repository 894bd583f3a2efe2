"""Instances of the interpreter core's C types with Py_TPFLAGS_HAVE_GC (Objects/, Python/, and the built-in
modules kept there: _contextvars, _thread, sys), for stdlib_types.py."""
try:
    import contextvars  # 3.7+
except ImportError:
    contextvars = None
import gc
import os
import signal
import sys
import threading
import time
import types

KEEP = []  # whatever a constructor must keep alive besides its instance (loops, files, ...)


def _kept(obj):
    KEEP.append(obj)
    return obj


def _referent_of_type(obj, name):
    return next(r for r in gc.get_referents(obj) if type(r).__name__ == name)


def _exhausted(it):
    for _ in it:
        pass
    return it


def _started(it, n=1):
    for _ in range(n):
        next(it)
    return it


def _by_version(*names):
    """The tp_name a type has in this version, from (first minor, tp_name) pairs."""
    # older than the first: the type does not exist, and its constructor fails
    return next((name for minor, name in reversed(names) if sys.version_info[1] >= minor), names[0][1])


CONTEXT = _by_version((7, "Context"), (10, "_contextvars.Context"))
CONTEXT_VAR = _by_version((7, "ContextVar"), (10, "_contextvars.ContextVar"))
TOKEN = _by_version((7, "Token"), (10, "_contextvars.Token"))
UNION = _by_version((7, "types.UnionType"), (14, "typing.Union"))
AST = _by_version((7, "_ast.AST"), (9, "ast.AST"))
EXCEPT_HOOK_ARGS = _by_version((7, "_thread.ExceptHookArgs"), (10, "_thread._ExceptHookArgs"))


def _minor(least, most=99):
    if not least <= sys.version_info[1] <= most:
        raise NotImplementedError("not in 3.%d" % sys.version_info[1])


# ---- traceback

def _raise_in(depth):
    if depth:
        _raise_in(depth - 1)
    raise ValueError("deep")


def make_traceback():
    try:
        raise ValueError("x")
    except ValueError as e:
        return e.__traceback__


def make_traceback_chained():
    try:
        _raise_in(2)
    except ValueError as e:
        return e.__traceback__


# ---- iterators of the built-in sequences, fresh, mid-way and exhausted

def _items():
    return [object(), [1], "two"]


def make_list_iterator():
    return _started(iter(_items()))


def make_list_iterator_exhausted():
    return _exhausted(iter(_items()))


def make_list_reverseiterator():
    return _started(reversed(_items()))


def make_list_reverseiterator_exhausted():
    return _exhausted(reversed(_items()))


def make_tuple_iterator():
    return _started(iter(tuple(_items())))


def make_tuple_iterator_exhausted():
    return _exhausted(iter(tuple(_items())))


def make_set_iterator():
    return _started(iter({1, "x", (2, 3)}))


def make_set_iterator_exhausted():
    return _exhausted(iter({1, "x"}))


def make_bytearray_iterator():
    return _started(iter(bytearray(b"abc")))


def make_bytearray_iterator_exhausted():
    return _exhausted(iter(bytearray(b"ab")))


def make_bytes_iterator():
    return _started(iter(b"abc"))


def make_bytes_iterator_exhausted():
    return _exhausted(iter(b"ab"))


def make_str_iterator():
    return _started(iter("\u00e9t\u00e9 " * 3))


def make_str_iterator_exhausted():
    return _exhausted(iter("\u00e9t\u00e9"))


def make_str_ascii_iterator():
    _minor(11)
    return _started(iter("ascii text"))


def make_str_ascii_iterator_exhausted():
    _minor(11)
    return _exhausted(iter("ascii"))


class _Counter:
    def __init__(self):
        self.n = 0

    def __call__(self):
        self.n += 1
        return self.n


def make_callable_iterator():
    return _started(iter(_Counter(), 10 ** 30))


def make_callable_iterator_exhausted():
    return _exhausted(iter(_Counter(), 3))


class _Sequence:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return [i]


def make_iterator():
    return _started(iter(_Sequence(5)))


def make_iterator_exhausted():
    return _exhausted(iter(_Sequence(2)))


def make_reversed():
    return _started(reversed(_Sequence(5)))


def make_reversed_exhausted():
    return _exhausted(reversed(_Sequence(2)))


def make_enumerate():
    return _started(enumerate(iter(_items())))


def make_enumerate_long_index():
    return _started(enumerate(iter(_items()), 2 ** 80))


def make_enumerate_fresh():
    return enumerate(_items())


def make_zip():
    return _started(zip(iter(_items()), iter(_items())))


def make_zip_empty():
    return zip()


def make_zip_strict():
    _minor(10)
    return zip(_items(), "abc", strict=True)


def make_map():
    return _started(map(lambda a, b: (a, b), iter(_items()), iter(_items())))


def make_map_strict():
    _minor(14)
    return map(divmod, [5, 6], [2, 4], strict=True)


def make_filter():
    return _started(filter(lambda x: x, iter(_items())))


def make_filter_none():
    return filter(None, iter(_items()))


# ---- dict iterators (every kind, forward and reversed, fresh, mid-way and exhausted) and views

def _dict():
    return {str(i): [i] for i in range(6)}


def make_dict_keyiterator():
    return _started(iter(_dict()))


def make_dict_keyiterator_exhausted():
    return _exhausted(iter(_dict()))


def make_dict_valueiterator():
    return _started(iter(_dict().values()))


def make_dict_itemiterator():
    return _started(iter(_dict().items()))


def make_dict_itemiterator_fresh():
    return iter(_dict().items())


def make_dict_itemiterator_held_result():
    it = iter(_dict().items())
    KEEP.append(next(it))  # the result tuple stays referenced: the next one is a new tuple
    return it


def make_dict_reversekeyiterator():
    return _started(reversed(_dict()))


def make_dict_reversevalueiterator():
    return _started(reversed(_dict().values()))


def make_dict_reverseitemiterator():
    return _started(reversed(_dict().items()))


def make_dict_reverseitemiterator_exhausted():
    return _exhausted(reversed(_dict().items()))


def make_dict_keys():
    return _dict().keys()


def make_dict_values():
    return _dict().values()


def make_dict_items():
    return _dict().items()


# ---- buffers

def make_memoryview():
    return memoryview(bytearray(b"abcdef"))


def make_memoryview_sliced():
    return memoryview(b"abcdef")[1:4]


def make_memoryview_released():
    m = memoryview(bytearray(b"abc"))
    m.release()
    return m


def make_managedbuffer():
    m = _kept(memoryview(bytearray(b"abcdef")))
    return _referent_of_type(m, "managedbuffer")


def make_managedbuffer_released():
    m = memoryview(bytearray(b"abc"))
    buf = _referent_of_type(m, "managedbuffer")
    m.release()
    return buf


def make_memory_iterator():
    _minor(10)
    return _started(iter(memoryview(b"abc")))


def make_memory_iterator_exhausted():
    _minor(10)
    return _exhausted(iter(memoryview(b"ab")))


def make_picklebuffer():
    import pickle
    return pickle.PickleBuffer(bytearray(b"abc"))


def make_picklebuffer_released():
    import pickle
    p = pickle.PickleBuffer(bytearray(b"abc"))
    p.release()
    return p


class _Buffer:
    def __buffer__(self, flags):
        return memoryview(b"python buffer")

    def __release_buffer__(self, view):
        pass


def make_buffer_wrapper():
    _minor(12)
    outer = memoryview(_kept(_Buffer()))
    KEEP.append(outer)
    return _referent_of_type(_referent_of_type(outer, "managedbuffer"), "_buffer_wrapper")


# ---- super, slice, SimpleNamespace, and Python subclasses of C types

class _Base:
    def who(self):
        return super()


class _Derived(_Base):
    def who(self):
        return super()


def make_super_bound():
    return _Derived().who()


def make_super_type():
    return super(_Derived, _Derived)


def make_super_unbound():
    return super(_Derived)


class _Enumerate(enumerate):
    pass


class _Namespace(types.SimpleNamespace):
    pass


class _Super(super):
    pass


class _Reversed(reversed):
    pass


class _GenericAlias(types.GenericAlias if sys.version_info >= (3, 9) else object):
    pass


def make_reversed_subclass():
    return _Reversed(_Sequence(3))


def make_generic_alias_subclass():
    _minor(9)
    return _GenericAlias(list, (int,))


def make_enumerate_subclass():
    e = _Enumerate(iter(_items()))
    e.extra = ["extra"]
    return e


def make_simple_namespace_subclass():
    return _Namespace(a=[1])


def make_super_subclass():
    return _Super(_Derived, _Derived())


def make_slice():
    return slice([1], (2,), "three")


def make_slice_stop_only():
    return slice(object())


def make_simple_namespace():
    return types.SimpleNamespace(a=[1], b="two")


def make_simple_namespace_empty():
    return types.SimpleNamespace()


# ---- types.GenericAlias, types.UnionType and their iterator

def make_generic_alias():
    _minor(9)
    return list[int]


def make_generic_alias_parameters():
    _minor(9)
    import typing
    alias = dict[str, typing.TypeVar("T")]
    alias.__parameters__  # computed on first use
    return alias


def make_generic_alias_starred():
    _minor(11)
    return next(iter(tuple[int, str]))


def make_generic_alias_iterator():
    _minor(11)
    return iter(tuple[int])


def make_generic_alias_iterator_exhausted():
    _minor(11)
    return _exhausted(iter(tuple[int]))


def make_union():
    _minor(10)
    return int | str


def make_union_parameters():
    _minor(10)
    import typing
    union = int | list[typing.TypeVar("T")]
    union.__parameters__
    return union


def make_union_unhashable():
    _minor(14)
    import typing
    union = typing.Union[int, typing.Annotated[list, []], typing.TypeVar("T")]
    union.__parameters__
    return union


# ---- async generators' helpers and the awaitables of anext() and coroutines

async def _agen():
    yield [1]
    yield [2]


def make_async_generator_asend():
    gen = _kept(_agen())
    return gen.asend(["sent"])


def make_async_generator_asend_started():
    gen = _kept(_agen())
    send = gen.asend(None)
    try:
        send.send(None)
    except StopIteration:
        pass
    KEEP.append(send)
    return gen.asend(None)


def make_async_generator_athrow():
    gen = _kept(_agen())
    return gen.athrow(ValueError, ValueError("thrown"), None) if sys.version_info < (3, 12) \
        else gen.athrow(ValueError("thrown"))


def make_async_generator_athrow_close():
    gen = _kept(_agen())
    return gen.aclose()


def make_async_generator_wrapped_value():
    # A value an async generator yields leaves its frame wrapped, and asend unwraps it at once:
    # a trace function sees the wrapper as the frame's return value and keeps it.
    wrappers = []
    code = _agen.__code__

    def tracer(frame, event, arg):
        if frame.f_code is not code:
            return None
        if event == "return":
            wrappers.append(arg)
        return tracer

    send = _kept(_agen()).asend(None)
    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        send.send(None)
    except StopIteration:
        pass
    finally:
        sys.settrace(old)
    return wrappers[0]


async def _coro():
    return [1]


def make_coroutine_wrapper():
    c = _kept(_coro())
    return c.__await__()


def make_anext_awaitable():
    _minor(10)
    gen = _kept(_agen())
    return anext(gen, ["default"])


# ---- contextvars: Context, ContextVar, Token, the HAMT and its nodes and iterators

def make_context():
    ctx = contextvars.Context()
    var = _kept(contextvars.ContextVar("refscope_var"))
    ctx.run(var.set, ["value"])
    return ctx


def make_context_empty():
    return contextvars.Context()


def make_context_copied():
    return contextvars.copy_context()


def make_context_var():
    return contextvars.ContextVar("refscope_var", default=["default"])


def make_context_var_cached():
    var = contextvars.ContextVar("refscope_cached")
    var.set(["cached"])
    var.get()
    return var


def make_token():
    var = _kept(contextvars.ContextVar("refscope_token"))
    return var.set(["value"])


def make_token_old_value():
    var = _kept(contextvars.ContextVar("refscope_token_old"))
    var.set(["old"])
    return var.set(["new"])


def make_token_used():
    var = _kept(contextvars.ContextVar("refscope_token_used"))
    token = var.set(["value"])
    var.reset(token)
    return token


def _hamt_maker():
    for module in ("_testinternalcapi", "_testcapi"):
        try:
            return getattr(__import__(module), "hamt")
        except (ImportError, AttributeError):
            pass
    raise NotImplementedError("no hamt() in _testcapi or _testinternalcapi")


class _Key:
    """A hamt key of a chosen hash, so that nodes of every kind can be built."""

    def __init__(self, name, hash_value):
        self.name = name
        self.hash_value = hash_value

    def __hash__(self):
        return self.hash_value

    def __eq__(self, other):
        return self is other


def _hamt(keys):
    h = _hamt_maker()()
    for k in keys:
        h = h.set(k, [k.name])
    return h


def make_hamt():
    return _hamt(_Key(str(i), i) for i in range(3))


def make_hamt_empty():
    return _hamt_maker()()


def make_hamt_bitmap_node():
    return _referent_of_type(_kept(_hamt(_Key(str(i), i) for i in range(5))), "hamt_bitmap_node")


def make_hamt_bitmap_node_nested():
    # Keys equal in their lowest 5 bits share a slot: a sub-node hangs in the bitmap node's array.
    h = _kept(_hamt([_Key("a", 1), _Key("b", 33), _Key("c", 2)]))
    return _referent_of_type(h, "hamt_bitmap_node")


def make_hamt_array_node():
    h = _kept(_hamt(_Key(str(i), i) for i in range(20)))
    return _referent_of_type(h, "hamt_array_node")


def make_hamt_collision_node():
    h = _kept(_hamt([_Key("a", 7), _Key("b", 7), _Key("c", 7)]))
    root = _referent_of_type(h, "hamt_bitmap_node")
    return _referent_of_type(root, "hamt_collision_node")


def _context_with_vars(n):
    ctx = contextvars.Context()
    variables = _kept([contextvars.ContextVar("refscope_%d" % i) for i in range(n)])
    for i, var in enumerate(variables):
        ctx.run(var.set, [i])
    return _kept(ctx)


def make_hamt_of_context():
    return _referent_of_type(_context_with_vars(20), "hamt")


def make_hamt_keys():
    return iter(_context_with_vars(3))


def make_hamt_values():
    return _started(iter(_context_with_vars(3).values()))


def make_hamt_items():
    return _started(iter(_context_with_vars(40).items()))


# ---- _thread

def make_thread_local():
    local = threading.local()
    local.value = ["value"]
    return local


def make_thread_local_empty():
    import _thread
    return _thread._local()


class _Local(threading.local):
    def __init__(self, *args, **kwargs):
        self.args = args


def make_thread_local_args():
    return _Local([1], key=["kw"])


def make_thread_lock():
    import _thread
    return _thread.allocate_lock()


def make_thread_rlock():
    import _thread
    return _thread.RLock()


def make_thread_handle():
    _minor(13)
    t = threading.Thread(target=int)
    t.start()
    t.join()
    KEEP.append(t)
    return t._handle if sys.version_info < (3, 14) else t._os_thread_handle


# ---- structseq types: visible items, then the hidden ones past ob_size

def make_stat_result():
    return os.stat(__file__)


def make_stat_result_built():
    return os.stat_result(tuple(range(10)))


def make_statx_result():
    if not hasattr(os, "statx"):
        raise NotImplementedError("os.statx is new in 3.15")
    return os.statx(__file__, 0xfff)


def make_statvfs_result():
    return os.statvfs(os.path.dirname(__file__) or ".")


def make_terminal_size():
    return os.terminal_size(([80], [24]))


def make_times_result():
    return os.times()


def make_uname_result():
    return os.uname()


def make_waitid_result():
    return os.waitid_result(tuple([i] for i in range(5)))


def make_sched_param():
    return os.sched_param([5])


def make_struct_siginfo():
    return signal.struct_siginfo(tuple([i] for i in range(7)))


def make_struct_time():
    return time.localtime()


def make_struct_time_built():
    return time.struct_time(tuple(range(9)) + ("zone", 3600))


def make_sys_flags():
    return sys.flags


def make_sys_float_info():
    return sys.float_info


def make_sys_hash_info():
    return sys.hash_info


def make_sys_int_info():
    return sys.int_info


def make_sys_thread_info():
    return sys.thread_info


def make_sys_version_info():
    return sys.version_info


def make_asyncgen_hooks():
    return sys.get_asyncgen_hooks()


def make_unraisable_hook_args():
    got = []
    old = sys.unraisablehook
    sys.unraisablehook = got.append

    class Bad:
        def __del__(self):
            raise ValueError("unraisable")

    try:
        Bad()
        gc.collect()
    finally:
        sys.unraisablehook = old
    return got[0]


def make_except_hook_args():
    import _thread
    return _thread._ExceptHookArgs(([1], ValueError("x"), None, ["thread"]))


def make_struct_passwd():
    import pwd
    return pwd.getpwuid(os.getuid())


def make_struct_group():
    import grp
    return grp.getgrgid(os.getgid())


def make_struct_rusage():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF)


def _profiler_stats():
    import _lsprof
    profiler = _lsprof.Profiler()
    profiler.enable()
    make_struct_time()
    profiler.disable()
    return _kept(profiler.getstats())


def make_profiler_entry():
    return next(s for s in _profiler_stats() if s.calls)


def make_profiler_subentry():
    return next(s.calls[0] for s in _profiler_stats() if s.calls)


def make_struct_spwd():
    _minor(7, 12)
    import spwd
    return spwd.struct_spwd(tuple([i] for i in range(9)))


def make_ncurses_version():
    import _curses
    return _curses.ncurses_version


def make_channel_info():
    _minor(13)
    import _interpchannels
    cid = _interpchannels.create(1)  # 1: unbound items are removed
    info = _interpchannels.get_info(cid)
    _interpchannels.destroy(cid)
    return info


def _remote_debugging_info(name):
    def make():
        _minor(14)
        import _remote_debugging
        info = getattr(_remote_debugging, name, None)
        if info is None:
            raise NotImplementedError("no %s in 3.%d" % (name, sys.version_info[1]))
        return info(tuple([i] for i in range(info.n_fields)))
    make.__name__ = "make_remote_debugging_" + name
    return make


_REMOTE_DEBUGGING_INFOS = ("AwaitedInfo", "CoroInfo", "FrameInfo", "GCStatsInfo", "InterpreterInfo", "LocationInfo",
                           "TaskInfo", "ThreadInfo")


# ---- typing's C types (3.12+)

def make_typevar():
    _minor(12)
    import typing
    return typing.TypeVar("T", bound=list)


def make_typevar_constrained():
    _minor(12)
    import typing
    return typing.TypeVar("T", int, str, covariant=True)


def make_typevar_lazy():
    _minor(12)
    ns = {}
    exec("def f[T: (int, list), U: dict](): pass", ns)
    return ns["f"].__type_params__[0]


def make_typevar_lazy_bound():
    _minor(12)
    ns = {}
    exec("def f[T: dict](): pass", ns)
    tv = ns["f"].__type_params__[0]
    tv.__bound__
    return tv


def make_typevar_default():
    _minor(13)
    import typing
    return typing.TypeVar("T", default=list)


def make_paramspec():
    _minor(12)
    import typing
    return typing.ParamSpec("P", bound=list)


def make_paramspec_args():
    _minor(12)
    import typing
    return typing.ParamSpec("P").args


def make_paramspec_kwargs():
    _minor(12)
    import typing
    return typing.ParamSpec("P").kwargs


def make_typevartuple():
    _minor(12)
    import typing
    return typing.TypeVarTuple("Ts")


def make_typevartuple_default():
    _minor(13)
    import typing
    return typing.TypeVarTuple("Ts", default=typing.Unpack[tuple[int]])


def make_typealias():
    _minor(12)
    import typing
    return typing.TypeAliasType("Alias", list[int])


def make_typealias_lazy():
    _minor(12)
    ns = {}
    exec("type Alias[T] = list[T]", ns)
    return ns["Alias"]


def make_typealias_lazy_evaluated():
    _minor(12)
    ns = {}
    exec("type Alias = dict[str, int]", ns)
    alias = ns["Alias"]
    alias.__value__
    return alias


def make_generic():
    _minor(12)
    ns = {}
    exec("class G[T]: pass", ns)
    return ns["G"]()


def make_const_evaluator():
    _minor(14)
    import typing
    return typing.TypeVar("T", bound=list).evaluate_bound


# ---- template strings (3.14+)

def make_template():
    _minor(14)
    from string.templatelib import Template, Interpolation
    return Template("a", Interpolation([1], "x"), "b")


def make_interpolation():
    _minor(14)
    from string.templatelib import Interpolation
    return Interpolation([1], "x", "r", "<5")


def make_template_iter():
    _minor(14)
    from string.templatelib import Template, Interpolation
    return _started(iter(Template("a", Interpolation([1], "x"), "b")))


# ---- frames, capsules, ast

def make_frame_locals_proxy():
    _minor(13)
    x = [1]
    return sys._getframe().f_locals


def make_capsule():
    _minor(13)
    import datetime
    return datetime.datetime_CAPI


def make_capsule_traversed():
    _minor(13)
    import _socket
    return _socket.CAPI


def make_capsule_curses():
    _minor(13)
    import _curses
    return _curses._C_API


def make_instruction_sequence():
    _minor(13)
    import _testinternalcapi
    seq = _testinternalcapi.new_instruction_sequence()
    seq.add_nested(_testinternalcapi.new_instruction_sequence())
    return seq


def make_ast():
    import ast
    return ast.AST()


def make_ast_with_dict():
    import ast
    node = ast.AST()
    node.extra = ["extra"]
    return node


def make_ast_node():
    import ast
    return ast.parse("x = [1]").body[0]


def make_lazy_import():
    _minor(15)
    ns = {}
    # Any load of the name from the namespace imports it: the object is taken from the dict's referents.
    exec("lazy import colorsys\n"
         "import gc\n"
         "found = [o for o in gc.get_referents(globals()) if type(o).__name__ == 'lazy_import']", ns)
    return ns["found"][0]


def make_lazy_import_from():
    _minor(15)
    ns = {}
    exec("lazy from fractions import Fraction\n"
         "import gc\n"
         "found = [o for o in gc.get_referents(globals()) if type(o).__name__ == 'lazy_import']", ns)
    return ns["found"][0]


def _hot_loop(n):
    total = 0
    for i in range(n):
        if i % 3:
            total += i
        else:
            total -= 1
    return total


def make_uop_executor():
    _minor(14)
    if not sys._jit.is_enabled():
        raise NotImplementedError("executors are built only when the interpreter starts with PYTHON_JIT=1")
    import _opcode
    _hot_loop(100000)
    code = _hot_loop.__code__
    for offset in range(0, len(code.co_code), 2):
        try:
            return _opcode.get_executor(code, offset)
        except (RuntimeError, ValueError):
            pass
    raise NotImplementedError("the loop was not optimized")


def make_sentinel():
    _minor(15)
    return sentinel("refscope")  # noqa: F821 (a builtin from 3.15)


def make_frozendict():
    _minor(15)
    return frozendict(a=[1])  # noqa: F821


# ---- types refscope traverses without a table, built too so that the coverage test checks them

def _function():
    captured = [1]

    def inner(a, b=[2], *, c=[3]) -> list:
        """doc"""
        return captured + a

    inner.attribute = ["attribute"]
    return inner


class _Slots:
    __slots__ = ("slot",)


class _Plain:
    def method(self):
        return self


def make_list():
    return [object(), [1], "two"]


def make_tuple():
    return (object(), [1], "two")


def make_dict():
    return {"a": [1], object(): "b"}


def make_dict_split():
    p = _Plain()
    p.x = [1]
    return p.__dict__


def make_set():
    return {1, "two", (3,)}


def make_frozenset():
    return frozenset({1, "two", (3,)})


def make_type():
    class Made(_Plain):
        attribute = [1]
    return Made


def make_builtin_function():
    return len


def make_builtin_bound():
    return [1].append


def make_builtin_method():
    _minor(9)
    import _io
    import array
    for obj, name in ((_io.BytesIO(), "detach"), (array.array("i"), "__reduce_ex__")):
        method = getattr(obj, name)
        if type(method).__name__ == "builtin_method":
            return method
    raise NotImplementedError("no method of the standard library found with METH_METHOD in this version")


def make_cell():
    return _function().__closure__[0]


def make_cell_empty():
    def outer():
        def inner():
            return later
        cell = inner.__closure__[0]
        later = 1
        del later
        return cell
    return outer()


def make_method():
    return _Plain().method


def make_instancemethod():
    import _testcapi
    return _testcapi.instancemethod(_function())


def make_classmethod():
    return classmethod(_function())


def make_staticmethod():
    return staticmethod(_function())


def make_property():
    return property(_function(), _function(), _function(), "doc")


class _Referent:
    pass


def _weakref_callback(ref):
    pass


def make_weakref():
    return weakref_module().ref(_kept(_Referent()), _weakref_callback)


def make_weakproxy():
    return weakref_module().proxy(_kept(_Referent()), _weakref_callback)


def make_weakcallableproxy():
    return weakref_module().proxy(_kept(_function()))


def weakref_module():
    import weakref
    return weakref


def make_function():
    return _function()


def make_module():
    module = types.ModuleType("refscope_module", "doc")
    module.value = [1]
    return module


def _generator():
    x = [1]
    yield x
    yield 2


def make_frame():
    return _kept(_started(_generator())).gi_frame


def make_frame_of_traceback():
    return make_traceback().tb_frame


def make_generator():
    return _started(_generator())


def make_generator_fresh():
    return _generator()


def make_generator_exhausted():
    return _exhausted(_generator())


def make_coroutine():
    return _coro()


def make_async_generator():
    return _agen()


def make_method_descriptor():
    return list.__dict__["append"]


def make_classmethod_descriptor():
    return dict.__dict__["fromkeys"]


def make_getset_descriptor():
    return type.__dict__["__doc__"]


def make_member_descriptor():
    return _Slots.__dict__["slot"]


def make_wrapper_descriptor():
    return object.__dict__["__init__"]


def make_method_wrapper():
    return _Plain().__str__


def make_mappingproxy():
    return _Plain.__dict__


def make_ordered_dict():
    import collections
    return collections.OrderedDict(a=[1], b=[2])


# ---- exceptions: the built-in classes, with the fields some of them add

def _filled(exc):
    try:
        raise exc from ValueError("cause")
    except BaseException as e:
        e.__context__ = KeyError("context")
        if sys.version_info >= (3, 11):
            e.add_note("note")
        return e


def _exception_maker(cls):
    def make():
        if issubclass(cls, BaseExceptionGroup if sys.version_info >= (3, 11) else ()):
            return _filled(cls("group", [ValueError("member")]))
        if cls.__name__ in ("UnicodeDecodeError", "UnicodeEncodeError", "UnicodeTranslateError"):
            if cls is UnicodeDecodeError:
                return _filled(cls("utf-8", b"\xff", 0, 1, "reason"))
            if cls is UnicodeEncodeError:
                return _filled(cls("ascii", "\xff", 0, 1, "reason"))
            return _filled(cls("\xff", 0, 1, "reason"))
        if issubclass(cls, SyntaxError):
            return _filled(cls("message", ("file.py", 1, 2, "bad line")))
        exc = _filled(cls("message", [1]))
        if issubclass(cls, ImportError):
            exc = _filled(cls("message", name="module", path="path"))
        elif issubclass(cls, OSError):
            exc = _filled(cls(5 if cls is OSError else 0, "strerror", "filename", None, "filename2"))
        elif issubclass(cls, (NameError, AttributeError)) and sys.version_info >= (3, 10):
            exc = _filled(cls("message", name="name"))
            if issubclass(cls, AttributeError):
                exc.obj = [1]
        return exc
    make.__name__ = "make_" + cls.__name__
    return make


def _builtin_exceptions():
    import builtins
    classes = {}  # by name: EnvironmentError and IOError are OSError
    for name in dir(builtins):
        cls = getattr(builtins, name)
        if isinstance(cls, type) and issubclass(cls, BaseException) and cls.__module__ == "builtins":
            classes[cls.__name__] = cls
    return [(name, _exception_maker(cls)) for name, cls in sorted(classes.items())]


def _interpreters_exception(name):
    def make():
        import _interpreters
        return _filled(getattr(_interpreters, name)("message"))
    make.__name__ = "make_" + name
    return make


# (tp_name, constructor): the constructor returns one instance, or raises when this version lacks it.
CONSTRUCTORS = [
    ("traceback", make_traceback),
    ("traceback", make_traceback_chained),
    ("list_iterator", make_list_iterator),
    ("list_iterator", make_list_iterator_exhausted),
    ("list_reverseiterator", make_list_reverseiterator),
    ("list_reverseiterator", make_list_reverseiterator_exhausted),
    ("tuple_iterator", make_tuple_iterator),
    ("tuple_iterator", make_tuple_iterator_exhausted),
    ("set_iterator", make_set_iterator),
    ("set_iterator", make_set_iterator_exhausted),
    ("bytearray_iterator", make_bytearray_iterator),
    ("bytearray_iterator", make_bytearray_iterator_exhausted),
    ("bytes_iterator", make_bytes_iterator),
    ("bytes_iterator", make_bytes_iterator_exhausted),
    ("str_iterator", make_str_iterator),
    ("str_iterator", make_str_iterator_exhausted),
    ("str_ascii_iterator", make_str_ascii_iterator),
    ("str_ascii_iterator", make_str_ascii_iterator_exhausted),
    ("callable_iterator", make_callable_iterator),
    ("callable_iterator", make_callable_iterator_exhausted),
    ("iterator", make_iterator),
    ("iterator", make_iterator_exhausted),
    ("reversed", make_reversed),
    ("reversed", make_reversed_exhausted),
    ("enumerate", make_enumerate),
    ("enumerate", make_enumerate_long_index),
    ("enumerate", make_enumerate_fresh),
    ("zip", make_zip),
    ("zip", make_zip_empty),
    ("zip", make_zip_strict),
    ("map", make_map),
    ("map", make_map_strict),
    ("filter", make_filter),
    ("filter", make_filter_none),
    ("dict_keyiterator", make_dict_keyiterator),
    ("dict_keyiterator", make_dict_keyiterator_exhausted),
    ("dict_valueiterator", make_dict_valueiterator),
    ("dict_itemiterator", make_dict_itemiterator),
    ("dict_itemiterator", make_dict_itemiterator_fresh),
    ("dict_itemiterator", make_dict_itemiterator_held_result),
    ("dict_reversekeyiterator", make_dict_reversekeyiterator),
    ("dict_reversevalueiterator", make_dict_reversevalueiterator),
    ("dict_reverseitemiterator", make_dict_reverseitemiterator),
    ("dict_reverseitemiterator", make_dict_reverseitemiterator_exhausted),
    ("dict_keys", make_dict_keys),
    ("dict_values", make_dict_values),
    ("dict_items", make_dict_items),
    ("memoryview", make_memoryview),
    ("memoryview", make_memoryview_sliced),
    ("memoryview", make_memoryview_released),
    ("managedbuffer", make_managedbuffer),
    ("managedbuffer", make_managedbuffer_released),
    ("memory_iterator", make_memory_iterator),
    ("memory_iterator", make_memory_iterator_exhausted),
    ("pickle.PickleBuffer", make_picklebuffer),
    ("pickle.PickleBuffer", make_picklebuffer_released),
    ("_buffer_wrapper", make_buffer_wrapper),
    ("super", make_super_bound),
    ("super", make_super_type),
    ("super", make_super_unbound),
    ("super", make_super_subclass),
    ("enumerate", make_enumerate_subclass),
    ("reversed", make_reversed_subclass),
    ("types.GenericAlias", make_generic_alias_subclass),
    ("types.SimpleNamespace", make_simple_namespace_subclass),
    ("slice", make_slice),
    ("slice", make_slice_stop_only),
    ("types.SimpleNamespace", make_simple_namespace),
    ("types.SimpleNamespace", make_simple_namespace_empty),
    ("types.GenericAlias", make_generic_alias),
    ("types.GenericAlias", make_generic_alias_parameters),
    ("types.GenericAlias", make_generic_alias_starred),
    ("generic_alias_iterator", make_generic_alias_iterator),
    ("generic_alias_iterator", make_generic_alias_iterator_exhausted),
    (UNION, make_union),
    (UNION, make_union_parameters),
    (UNION, make_union_unhashable),
    ("async_generator_asend", make_async_generator_asend),
    ("async_generator_asend", make_async_generator_asend_started),
    ("async_generator_athrow", make_async_generator_athrow),
    ("async_generator_athrow", make_async_generator_athrow_close),
    ("async_generator_wrapped_value", make_async_generator_wrapped_value),
    ("coroutine_wrapper", make_coroutine_wrapper),
    ("anext_awaitable", make_anext_awaitable),
    (CONTEXT, make_context),
    (CONTEXT, make_context_empty),
    (CONTEXT, make_context_copied),
    (CONTEXT_VAR, make_context_var),
    (CONTEXT_VAR, make_context_var_cached),
    (TOKEN, make_token),
    (TOKEN, make_token_old_value),
    (TOKEN, make_token_used),
    ("hamt", make_hamt),
    ("hamt", make_hamt_empty),
    ("hamt", make_hamt_of_context),
    ("hamt_bitmap_node", make_hamt_bitmap_node),
    ("hamt_bitmap_node", make_hamt_bitmap_node_nested),
    ("hamt_array_node", make_hamt_array_node),
    ("hamt_collision_node", make_hamt_collision_node),
    ("keys", make_hamt_keys),
    ("values", make_hamt_values),
    ("items", make_hamt_items),
    ("_thread._local", make_thread_local),
    ("_thread._local", make_thread_local_empty),
    ("_thread._local", make_thread_local_args),
    ("_thread.lock", make_thread_lock),
    ("_thread.RLock", make_thread_rlock),
    ("_thread._ThreadHandle", make_thread_handle),
    ("os.stat_result", make_stat_result),
    ("os.stat_result", make_stat_result_built),
    ("os.statvfs_result", make_statvfs_result),
    ("os.statx_result", make_statx_result),
    ("os.terminal_size", make_terminal_size),
    ("posix.times_result", make_times_result),
    ("posix.uname_result", make_uname_result),
    ("posix.waitid_result", make_waitid_result),
    ("posix.sched_param", make_sched_param),
    ("signal.struct_siginfo", make_struct_siginfo),
    ("time.struct_time", make_struct_time),
    ("time.struct_time", make_struct_time_built),
    ("sys.flags", make_sys_flags),
    ("sys.float_info", make_sys_float_info),
    ("sys.hash_info", make_sys_hash_info),
    ("sys.int_info", make_sys_int_info),
    ("sys.thread_info", make_sys_thread_info),
    ("sys.version_info", make_sys_version_info),
    ("asyncgen_hooks", make_asyncgen_hooks),
    ("UnraisableHookArgs", make_unraisable_hook_args),
    (EXCEPT_HOOK_ARGS, make_except_hook_args),
    ("pwd.struct_passwd", make_struct_passwd),
    ("grp.struct_group", make_struct_group),
    ("resource.struct_rusage", make_struct_rusage),
    ("_lsprof.profiler_entry", make_profiler_entry),
    ("_lsprof.profiler_subentry", make_profiler_subentry),
    ("spwd.struct_spwd", make_struct_spwd),
    ("curses.ncurses_version", make_ncurses_version),
    ("_interpchannels.ChannelInfo", make_channel_info),
    ("typing.TypeVar", make_typevar),
    ("typing.TypeVar", make_typevar_constrained),
    ("typing.TypeVar", make_typevar_lazy),
    ("typing.TypeVar", make_typevar_lazy_bound),
    ("typing.TypeVar", make_typevar_default),
    ("typing.ParamSpec", make_paramspec),
    ("typing.ParamSpecArgs", make_paramspec_args),
    ("typing.ParamSpecKwargs", make_paramspec_kwargs),
    ("typing.TypeVarTuple", make_typevartuple),
    ("typing.TypeVarTuple", make_typevartuple_default),
    ("typing.TypeAliasType", make_typealias),
    ("typing.TypeAliasType", make_typealias_lazy),
    ("typing.TypeAliasType", make_typealias_lazy_evaluated),
    ("typing.Generic", make_generic),
    ("_typing._ConstEvaluator", make_const_evaluator),
    ("string.templatelib.Template", make_template),
    ("string.templatelib.Interpolation", make_interpolation),
    ("string.templatelib.TemplateIter", make_template_iter),
    ("FrameLocalsProxy", make_frame_locals_proxy),
    ("PyCapsule", make_capsule),
    ("PyCapsule", make_capsule_traversed),
    ("PyCapsule", make_capsule_curses),
    ("InstructionSequence", make_instruction_sequence),
    (AST, make_ast),
    (AST, make_ast_with_dict),
    (AST, make_ast_node),
    ("lazy_import", make_lazy_import),
    ("lazy_import", make_lazy_import_from),
    ("uop_executor", make_uop_executor),
    ("sentinel", make_sentinel),
    ("frozendict", make_frozendict),
]
CONSTRUCTORS += [("_remote_debugging." + name, _remote_debugging_info(name)) for name in _REMOTE_DEBUGGING_INFOS]

CONSTRUCTORS += [
    ("list", make_list),
    ("tuple", make_tuple),
    ("dict", make_dict),
    ("dict", make_dict_split),
    ("set", make_set),
    ("frozenset", make_frozenset),
    ("type", make_type),
    ("builtin_function_or_method", make_builtin_function),
    ("builtin_function_or_method", make_builtin_bound),
    ("builtin_method", make_builtin_method),
    ("cell", make_cell),
    ("cell", make_cell_empty),
    ("method", make_method),
    ("instancemethod", make_instancemethod),
    ("classmethod", make_classmethod),
    ("staticmethod", make_staticmethod),
    ("property", make_property),
    (_by_version((7, "weakref"), (10, "weakref.ReferenceType")), make_weakref),
    (_by_version((7, "weakproxy"), (10, "weakref.ProxyType")), make_weakproxy),
    (_by_version((7, "weakcallableproxy"), (10, "weakref.CallableProxyType")), make_weakcallableproxy),
    ("function", make_function),
    ("module", make_module),
    ("frame", make_frame),
    ("frame", make_frame_of_traceback),
    ("generator", make_generator),
    ("generator", make_generator_fresh),
    ("generator", make_generator_exhausted),
    ("coroutine", make_coroutine),
    ("async_generator", make_async_generator),
    ("method_descriptor", make_method_descriptor),
    ("classmethod_descriptor", make_classmethod_descriptor),
    ("getset_descriptor", make_getset_descriptor),
    ("member_descriptor", make_member_descriptor),
    ("wrapper_descriptor", make_wrapper_descriptor),
    ("method-wrapper", make_method_wrapper),
    ("mappingproxy", make_mappingproxy),
    ("collections.OrderedDict", make_ordered_dict),
] + _builtin_exceptions()
if sys.version_info >= (3, 13):
    CONSTRUCTORS += [(_by_version((13, "interpreters."), (14, "concurrent.interpreters.")) + name,
                      _interpreters_exception(name)) for name in ("InterpreterError", "InterpreterNotFoundError")]

# GC types of this family no program can build an instance of, with the reason.
UNBUILDABLE = {}
