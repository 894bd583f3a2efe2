"""Sizes of generators, coroutines, async generators and frame objects, in
every state (created, suspended, suspended in nested calls, running on a
blocked thread, exhausted, closed, raised), against sys.getsizeof taken in
the process: `show ADDR` of each object, live (--pid), from a gcore core,
and from the core with the built-in layout tables (what stripped builds of
that version get), on every interpreter. From 3.11 these sizes depend on the
code object of the interpreter frame (co_nlocalsplus + co_stacksize), up to
3.10 a frame's on co_nlocals, co_stacksize and its cell and free variables,
so every object runs different code. The same target names frame roots:
`path` of what only one running call holds ends at that call's frame,
named with the line f_lineno gives.

Each object's `show` runs through librefscope's command line in one session
(as the gdb extension does: the target is walked once, not once per object),
and a sample of them through the refscope CLI too. With a sanitizer build,
whose library cannot be loaded here, every object goes through the CLI."""
import ctypes
import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REFSCOPE, program_fixture, refscope_json

generator_target = program_fixture("generator_target.py")

SIZE_WARNINGS = ("size unknown", "sizes are recorded up to")
LIBRARY = os.path.join(os.path.dirname(REFSCOPE), "librefscope.so")
# One object of each kind and state family, also through the CLI.
CLI_SAMPLE = ("gen_suspended", "gen_running", "coro_nested_leaf", "agen_suspended_await", "frame_returned",
              "frame_with_free_vars")
MODES = ["live", "core", "core-builtin"]


def target_args(target, mode):
    if mode == "live":
        return ["--pid", str(target.pid)]
    if mode == "core-builtin":
        # The built-in tables, which stripped builds of any version depend on.
        if target.interp.layout != "dwarf":
            pytest.skip("%s: its own layout is %s; the built-in tables are tested on its build with DWARF"
                        % (target.interp, target.interp.layout))
        return ["--layout", "builtin", target.core()]
    return [target.core()]


def expected_layout(target, mode):
    return "builtin" if mode == "core-builtin" else target.interp.layout


class LibrarySession:
    """librefscope's command line with a session kept between calls."""

    def __init__(self):
        lib = ctypes.CDLL(LIBRARY)
        lib.rs_session_new.restype = ctypes.c_void_p
        lib.rs_session_free.argtypes = [ctypes.c_void_p]
        lib.rs_command_line_text.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                                             ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        lib.rs_command_line_text.restype = ctypes.c_int
        lib.rs_text_free.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.session = lib.rs_session_new()

    def json(self, argv):
        words = [a.encode() for a in ["refscope", "--json"] + argv]
        args = (ctypes.c_char_p * len(words))(*words)
        out, err = ctypes.c_void_p(), ctypes.c_void_p()
        rc = self.lib.rs_command_line_text(self.session, len(words), args, ctypes.byref(out), ctypes.byref(err))
        texts = []
        for buf in (out, err):
            texts.append(ctypes.string_at(buf.value).decode() if buf.value else "")
            self.lib.rs_text_free(buf)
        assert rc == 0, "refscope %s failed (%d): %s" % (" ".join(argv), rc, texts[1])
        return json.loads(texts[0])

    def close(self):
        self.lib.rs_session_free(self.session)


def library_usable():
    # A sanitizer build's library needs its runtime loaded first.
    return os.path.exists(LIBRARY) and not os.environ.get("REFSCOPE_SKIP_GDB")


def show_all(target, mode, names):
    """`show --json` of each named object: {name: document}."""
    objects = target.truth["objects"]
    return command_all(target, mode, "show", {name: objects[name]["address"] for name in names})


def command_all(target, mode, command, addresses):
    """`COMMAND --json ADDR` of each {key: address}: {key: document}."""
    args = target_args(target, mode)

    def address(name):
        return "0x%x" % addresses[name]

    names = sorted(addresses)
    if library_usable():
        saved = {k: os.environ.get(k) for k in target.interp.refscope_env}
        os.environ.update(target.interp.refscope_env)
        session = LibrarySession()
        try:
            return {name: session.json(target.interp.refscope_args + [command] + args + [address(name)])
                    for name in names}
        finally:
            session.close()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def cli(name):
        return name, refscope_json(target.interp, command, args + [address(name)])

    # Reading a core can go in parallel; a live process is attached once at a time.
    with ThreadPoolExecutor(max_workers=1 if mode == "live" else 8) as pool:
        return dict(pool.map(cli, names))


def size_warnings(doc):
    return [w for w in doc["warnings"] if any(s in w for s in SIZE_WARNINGS)]


def compare(target, mode, docs, how):
    wrong = []
    for name, doc in sorted(docs.items()):
        truth = target.truth["objects"][name]
        assert doc["layout"] == expected_layout(target, mode), name
        assert doc["address"] == "0x%x" % truth["address"], name
        assert doc["type"] == truth["type"], name
        assert (doc["generation"] is not None) == truth["tracked"], name
        if doc["size"] != truth["size"]:
            wrong.append("%s (%s): refscope %d, sys.getsizeof %d" % (name, truth["type"], doc["size"],
                                                                     truth["size"]))
        # No object of the heap had a size refscope could not read, or an absurd one.
        assert size_warnings(doc) == [], name
    assert wrong == [], "%s %s (%s):\n  %s" % (target.interp, mode, how, "\n  ".join(wrong))


@pytest.mark.parametrize("mode", MODES)
def test_each_object_has_the_size_getsizeof_gives(generator_target, mode):
    target = generator_target
    names = sorted(target.truth["objects"])
    compare(target, mode, show_all(target, mode, names), "library session" if library_usable() else "CLI")
    if mode == "live":
        target.assert_runs_on()


@pytest.mark.parametrize("mode", MODES)
def test_the_cli_gives_the_same_sizes(generator_target, mode):
    target = generator_target
    if not library_usable():
        pytest.skip("every object was already shown through the CLI")
    objects = target.truth["objects"]
    args = target_args(target, mode)

    def cli(name):
        return name, refscope_json(target.interp, "show", args + ["0x%x" % objects[name]["address"]])

    with ThreadPoolExecutor(max_workers=1 if mode == "live" else len(CLI_SAMPLE)) as pool:
        docs = dict(pool.map(cli, CLI_SAMPLE))
    compare(target, mode, docs, "CLI")


@pytest.mark.parametrize("mode", MODES)
def test_summary_totals_of_generator_types(generator_target, mode):
    """Every generator, coroutine and async generator is gc-tracked: the
    summary rows equal what gc.get_objects() and sys.getsizeof counted."""
    target = generator_target
    doc = refscope_json(target.interp, "summary", target_args(target, mode))
    assert doc["layout"] == expected_layout(target, mode)
    rows = {r["type"]: r for r in doc["types"] if r["gc_tracked"]}
    for name, (count, size) in sorted(target.truth["type_totals"].items()):
        assert name in rows, name
        assert (rows[name]["count"], rows[name]["bytes"]) == (count, size), name
    assert size_warnings(doc) == []
    # No row of the summary is absurd: the whole heap is a few MB.
    for row in doc["types"]:
        assert 0 < row["bytes"] < (64 << 20), row
        assert row["bytes"] >= 16 * row["count"], row


@pytest.mark.parametrize("mode", MODES)
def test_frame_roots_are_named_after_the_line_each_frame_is_at(generator_target, mode):
    """A frame root is named "thread N: function (file:line)" with the line
    the frame runs now, as f_lineno says: `path` of an object only one
    running call holds (its mark) ends at that call's frame root. The
    generated middle call sits 300 lines below its first line (long
    line-table entries); the built-in tables are checked too (core-builtin)."""
    target = generator_target
    truth = target.truth["frame_lines"]
    assert [f["function"] for f in truth["frames"]] == ["lines_leaf", "lines_far", "lines_root"]
    # Up to 3.10 a thread state has no native id: the thread is named by its ident.
    threads = ["thread 0x%x" % truth["thread"]]
    if truth["native_thread"] is not None:
        threads.append("thread %d" % truth["native_thread"])
    docs = command_all(target, mode, "path", {i: f["mark"] for i, f in enumerate(truth["frames"])})
    for i, frame in enumerate(truth["frames"]):
        got = docs[i]["root"]
        place = "%s (%s:%d)" % (frame["function"], frame["file"], frame["line"])
        assert got["kind"] == "frame" and got["name"] in ["%s: %s" % (t, place) for t in threads], \
            "%s %s: root %s, f_lineno says %s" % (target.interp, mode, got, place)
    if mode == "live":
        target.assert_runs_on()
