"""Py_TRACE_REFS builds (--with-trace-refs): CPython 3.11 and 3.13 built
from Debian's source by tests/fixtures/trace-refs-python.sh. 3.11's objects
start with _ob_next and _ob_prev, 16 bytes before ob_refcnt; 3.13 keeps its
refchain in a hash table and the header as a release build's. With its
DWARF the 3.11 is read as any debug build: test_debug_builds.py and
test_stdlib_types.py run their tests on it. Without DWARF, refscope's
built-in tables (which count from ob_refcnt, for release builds) would read
every field 16 bytes off: it says so in one line, live and from a core,
instead of answering wrong. And with the refchain, the list of every live
object, refcheck finds the untracked objects no reference reaches, on
both."""
import json
import os
import shutil
import struct
import subprocess
import tempfile

import pytest

from conftest import (TRACE_REFS, TRACE_REFS_313, Interp, Target, core_file_offset, live_and_core, program_fixture,
                      refscope_json, require_present, run_refscope)


@pytest.fixture(scope="module")
def stripped_target(tmp_root):
    """The trace-refs interpreter without its DWARF: a copy stripped of its
    debug sections, beside the original so that it finds the same Lib/."""
    require_present(TRACE_REFS)
    python = TRACE_REFS.argv[0]
    stripped = os.path.join(os.path.dirname(python), "python-stripped")
    if not os.path.exists(stripped):
        tmp = stripped + ".tmp"
        shutil.copy(python, tmp)
        subprocess.run(["strip", "--strip-debug", tmp], check=True)
        os.rename(tmp, stripped)
    t = Target(Interp("trace-refs-3.11-stripped", [stripped], "builtin"), program="heap_target.py",
               tmpdir=tempfile.mkdtemp(dir=tmp_root))
    yield t
    t.close()


@pytest.mark.parametrize("mode", ["live", "core"])
def test_without_dwarf_it_is_refused_in_one_line(stripped_target, mode):
    t = stripped_target
    args = ["--pid", str(t.pid)] if mode == "live" else [t.core()]
    for command in (["info"], ["summary"]):
        proc = run_refscope(command + args, env={"REFSCOPE_SYSTEM_DEBUG_DIR": "/nonexistent-refscope-debug-root"})
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert ("is Python 3.11 built with Py_TRACE_REFS (--with-trace-refs): refscope reads such a build "
                "through its DWARF, and has none for it (--debug-dir)") in lines[0], lines[0]
    t.assert_runs_on()


refchain_target = program_fixture("refchain_target.py", [TRACE_REFS, TRACE_REFS_313])
target_args = live_and_core("refchain_target")


def test_refcheck_names_the_untracked_objects_only_the_leak_holds(refchain_target, target_args):
    """The refchain lists every live object: strs, floats and ints leaked with
    Py_IncRef, which nothing in the heap refers to, are each reported once,
    with their one reference; their twins, held by a list, are not. The
    tracked objects on the refchain are those of the gc lists."""
    truth = refchain_target.truth
    doc = refscope_json(refchain_target.interp, "refcheck", target_args)
    chain = doc["refchain"]
    unreached = {int(o["address"], 16): o for o in chain["unreached"]}
    assert chain["unreached_total"] == len(chain["unreached"])
    for address in truth["leaked"]:
        assert address in unreached, "leaked 0x%x not reported" % address
        assert unreached[address]["refcnt"] == 1
    assert sorted({unreached[a]["type"] for a in truth["leaked"]}) == ["float", "int", "str"]
    assert not set(truth["held"]) & set(unreached)
    info = refscope_json(refchain_target.interp, "info", target_args)
    tracked = sum(g["objects"] for i in info["interpreters"] for g in i["gc"]["generations"])
    assert chain["tracked"] == tracked
    assert chain["objects"] == chain["tracked"] + chain["untracked"] + chain["unreadable"]
    assert chain["unreadable"] == 0


def test_a_looping_refchain_bucket_is_cut_with_a_warning(refchain_target):
    """3.13's refchain table, patched in a copy of the core: the first
    non-empty bucket's entry points to itself. The walk stops past the
    table's count of entries, warns naming the table, and refcheck still
    answers."""
    if refchain_target.interp is not TRACE_REFS_313:
        pytest.skip("the hash table is 3.13's refchain")
    core = refchain_target.core()
    layout = refscope_json(refchain_target.interp, "layout", [core])["fields"]
    interp = int(refscope_json(refchain_target.interp, "info", [core])["interpreters"][0]["address"], 16)
    with open(core, "rb") as f:
        def word(address):
            f.seek(core_file_offset(core, address))
            return struct.unpack("<Q", f.read(8))[0]
        table = word(interp + layout["interp_refchain"])
        nentries = word(table + layout["hashtable_nentries"])
        buckets = word(table + layout["hashtable_buckets"])
        entry = next(e for e in (word(buckets + 8 * i) for i in range(word(table + layout["hashtable_nbuckets"]))) if e)
    patched = core + ".looping-refchain"
    shutil.copyfile(core, patched)
    try:
        with open(patched, "r+b") as f:
            f.seek(core_file_offset(core, entry + layout["hashtable_entry_next"]))
            f.write(struct.pack("<Q", entry))
        proc = run_refscope(["--json", "refcheck", patched], timeout=120)
    finally:
        os.unlink(patched)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    message = "the refchain's table at 0x%x holds more entries than its count, %d" % (table, nentries)
    assert any(message in w for w in doc["warnings"]), doc["warnings"]
    assert doc["refchain"]["objects"] <= nentries
