"""Every built-in layout table and every _Py_DebugOffsets reading, compared
field by field with the DWARF of each interpreter that has debug info, so a
wrong offset in a table cannot hide behind a build that happens to work."""
import glob
import json
import os

import pytest

from conftest import INTERPRETERS, program_fixture, refscope_json, run_refscope

WITH_DWARF = [i for i in INTERPRETERS if i.layout == "dwarf"]


def layout(target, source):
    doc = refscope_json(target.interp, "layout", ["--pid", str(target.pid)], ["--layout", source])
    assert doc["layout"] == source
    return doc


dwarf_target = program_fixture("heap_target.py", WITH_DWARF)


def test_builtin_table_equals_dwarf(dwarf_target):
    dwarf = layout(dwarf_target, "dwarf")
    builtin = layout(dwarf_target, "builtin")
    for name, value in dwarf["fields"].items():
        # The tables leave out what _Py_DebugOffsets gives (3.13+ struct sizes).
        if dwarf["sources"][name] != "dwarf" or (builtin["fields"][name] is None and name.endswith("_size")):
            continue
        assert builtin["fields"][name] == value, "%s: built-in %s, DWARF %s" % (
            name, builtin["fields"][name], value)
    # A field the built-in table has must be one the DWARF knows too (3.6's gc
    # statics come from the symbol table with either).
    unknown = [n for n, v in builtin["fields"].items()
               if v is not None and dwarf["sources"][n] not in ("dwarf", "symbols")]
    assert unknown == []


def test_builtin_tables_read_the_heap_as_the_dwarf_does(dwarf_target):
    """Not only each offset: a whole reading of a core (objects and sizes,
    references, garbage, roots and refcounts) with the built-in tables
    equals the one with the DWARF. Interpreters that have DWARF run their
    tables end to end only here (3.7 and the pyenv builds)."""
    core = dwarf_target.core()
    for command in ("summary", "garbage", "refcheck"):
        with_dwarf = refscope_json(dwarf_target.interp, command, [core])
        builtin = refscope_json(dwarf_target.interp, command, [core], ["--layout", "builtin"])
        assert with_dwarf.pop("layout") == "dwarf" and builtin.pop("layout") == "builtin"
        # Without DWARF, Debian's 3.13 gc heads are found by probing, and said so.
        builtin["warnings"] = [w for w in builtin["warnings"] if "PyGC_Head alignment patch" not in w]
        assert builtin == with_dwarf, command


def test_debug_offsets_equal_dwarf(dwarf_target):
    if dwarf_target.truth["hexversion"] < 0x030D0000:
        pytest.skip("_Py_DebugOffsets exists from 3.13 on")
    dwarf = layout(dwarf_target, "dwarf")
    debug = layout(dwarf_target, "debug_offsets")
    from_table = [n for n, s in debug["sources"].items() if s == "debug_offsets"]
    assert "interp_gc" in from_table and "tstate_native_thread_id" in from_table
    for name in debug["fields"]:
        assert debug["fields"][name] == dwarf["fields"][name], name


def test_forcing_a_missing_source_is_a_clear_error(dwarf_target):
    from conftest import run_refscope

    if dwarf_target.truth["hexversion"] >= 0x030D0000:
        pytest.skip("this interpreter has _Py_DebugOffsets")
    proc = run_refscope(["layout", "--layout", "debug_offsets", "--pid", str(dwarf_target.pid)],
                        env=dwarf_target.interp.refscope_env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("refscope: no valid _Py_DebugOffsets")
    assert proc.stderr.count("\n") == 1


def test_layout_cache_gives_what_the_dwarf_gives(dwarf_target, tmp_path):
    """The offsets read from a separate debug file are kept by the module's
    build-id: the same layout without the cache, on a miss and on a hit; an
    entry cut short, or written by another refscope build, is read again
    from the DWARF and rewritten; no debug file there, no cached answer."""
    def layout_with(cache, hide_debug_files=False):
        env = dict(dwarf_target.interp.refscope_env, REFSCOPE_CACHE_DIR=cache)
        args = dwarf_target.interp.refscope_args
        if hide_debug_files:
            env["REFSCOPE_SYSTEM_DEBUG_DIR"], args = str(tmp_path / "none"), []
        proc = run_refscope(["--json"] + args + ["layout", "--pid", str(dwarf_target.pid)], env=env)
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)
        return doc["layout"], doc["fields"], doc["sources"]

    uncached = layout_with("")
    assert uncached[0] == "dwarf"
    cache = str(tmp_path / "cache")
    assert layout_with(cache) == uncached
    entries = glob.glob(os.path.join(cache, "layouts", "*"))
    if not entries:  # DWARF in the binary itself (pyenv): cheap to read, never cached
        assert not glob.glob(os.path.join(cache, "*"))
        return
    [entry] = entries
    assert layout_with(cache) == uncached
    whole = open(entry, "rb").read()
    for broken in (whole[:100], whole[:16] + bytes([whole[16] ^ 0xff]) + whole[17:]):
        with open(entry, "wb") as f:
            f.write(broken)
        assert layout_with(cache) == uncached
        assert open(entry, "rb").read() == whole
    # The debug files hidden: no DWARF, whatever the cache holds.
    assert layout_with(cache, hide_debug_files=True)[0] != "dwarf"
