"""A core whose gc list is corrupt gives a partial answer and a warning that
names the object whose link is bad, never a hang or a crash."""
import os
import shutil
import struct
import tempfile

import pytest

from conftest import INTERPRETERS, Target, refscope_json, require_present

INTERP = next(i for i in INTERPRETERS if i.name == "debian-3.11-stripped")
GC_HEAD = 16


@pytest.fixture(scope="module")
def core_and_truth(tmp_root):
    require_present(INTERP)
    t = Target(INTERP, tmpdir=tempfile.mkdtemp(dir=tmp_root))
    try:
        yield t.core(), t.truth
    finally:
        t.close()


def file_offset(core, address):
    """Where address is stored in the core file, from its PT_LOAD headers."""
    with open(core, "rb") as f:
        head = f.read(64)
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from("<IIQQQQQQ", table, i * phentsize)
        if p_type == 1 and p_vaddr <= address < p_vaddr + p_filesz:
            return p_offset + address - p_vaddr
    raise AssertionError("0x%x is not saved in the core" % address)


def corrupted_copy(core, address, value):
    path = core + ".corrupt"
    shutil.copyfile(core, path)
    with open(path, "r+b") as f:
        f.seek(file_offset(core, address))
        f.write(struct.pack("<Q", value))
    return path


def oldest_generation(doc):
    return doc["interpreters"][0]["generations"][2]


@pytest.mark.parametrize("case", ["unreadable next link", "next link to itself"])
def test_broken_gc_list_is_reported_with_the_object(core_and_truth, case):
    core, truth = core_and_truth
    probe = truth["probe"]
    bad = 0x10 if case == "unreadable next link" else probe - GC_HEAD
    path = corrupted_copy(core, probe - GC_HEAD, bad)
    doc = refscope_json(INTERP, "gc", [path])
    gen = oldest_generation(doc)
    assert gen["broken"] is True
    assert 0 < gen["objects"] < truth["generations"][2]
    assert any("0x%x" % probe in w and "generation 2" in w for w in doc["warnings"]), doc["warnings"]
    # The other lists are whole.
    assert doc["interpreters"][0]["permanent"]["objects"] == truth["freeze_count"]
    os.unlink(path)


def test_list_whose_size_runs_past_its_memory(core_and_truth):
    """A list claiming more items than it has room for: its references are
    cut with a warning naming it; the rest of the graph stands."""
    core, truth = core_and_truth
    probe_list = truth["probe_list"]
    path = corrupted_copy(core, probe_list + 16, 1 << 40)  # ob_size
    doc = refscope_json(INTERP, "garbage", [path])
    assert any("0x%x" % probe_list in w for w in doc["warnings"]), doc["warnings"]
    refs = refscope_json(INTERP, "refs", [path, "0x%x" % truth["probe"]])
    assert refs["referents"], "an unrelated object keeps its references"
    os.unlink(path)


def test_object_whose_type_is_not_a_type(core_and_truth):
    """ob_type pointing at something that is not a type: the object is
    named in a warning, and the walk goes on."""
    core, truth = core_and_truth
    probe = truth["probe"]
    path = corrupted_copy(core, probe + 8, truth["probe_list"])  # ob_type = a list
    doc = refscope_json(INTERP, "summary", [path])
    assert any("0x%x" % probe in w for w in doc["warnings"]), doc["warnings"]
    assert doc["objects"] > 1000
    os.unlink(path)
