"""A corrupt core gives a partial answer and a warning that names the object
whose data is bad, never a hang, a crash, an unbounded read or a silently
wrong answer. Each case patches a real core of a real target at an address
the target reported itself (id()), then checks the exact outcome."""
import json
import os
import resource
import shutil
import struct
import tempfile
import time

import pytest

from conftest import INTERPRETERS, Target, core_file_offset, refscope_json, require_present, run_refscope

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


def corrupted_copy(core, address, value, *more):
    """A copy of core with the 8-byte words at address (and at each further
    address, value pair in more) replaced."""
    path = core + ".corrupt"
    shutil.copyfile(core, path)
    patches = [(address, value)] + list(zip(more[::2], more[1::2]))
    with open(path, "r+b") as f:
        for at, word in patches:
            f.seek(core_file_offset(core, at))
            f.write(struct.pack("<Q", word))
    return path


def core_word(core, address):
    with open(core, "rb") as f:
        f.seek(core_file_offset(core, address))
        return struct.unpack("<Q", f.read(8))[0]


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


@pytest.mark.parametrize("refcnt", [1 << 50, (1 << 64) - (1 << 49)], ids=["huge", "very negative"])
def test_refcount_past_what_refscope_keeps(core_and_truth, refcnt):
    """An ob_refcnt past 2^47 either way (no real count gets there): the
    object is kept with its count clamped and a warning naming it, giving the
    count found; nothing else changes."""
    core, truth = core_and_truth
    probe = truth["probe"]
    path = corrupted_copy(core, probe, refcnt)
    doc = refscope_json(INTERP, "gc", [path])
    found = refcnt if refcnt < 1 << 63 else refcnt - (1 << 64)
    kept = (1 << 47) - 1 if found > 0 else -(1 << 47)
    assert warned(doc, "object at 0x%x has a reference count of %d, past 2^47: corrupt, kept as %d"
                  % (probe, found, kept)), doc["warnings"]
    assert [g["objects"] for g in doc["interpreters"][0]["generations"]][2] == truth["generations"][2]
    show = refscope_json(INTERP, "show", [path, "0x%x" % probe])
    assert show["refcnt"] == kept
    assert show["type"] == "RefscopeDictInstance"
    os.unlink(path)


def test_reference_to_an_unaligned_address(core_and_truth):
    """A list item pointing 4 bytes into an object: CPython aligns every
    object to 8 bytes, so it is no object; a warning names the list and the
    address, refs shows the item as no object, and the other items stay."""
    core, truth = core_and_truth
    probe_list = truth["probe_list"]
    items = core_word(core, probe_list + 24)  # ob_item
    assert core_word(core, probe_list + 16) >= 2, "the probe list has items"
    bad = truth["probe"] + 4
    path = corrupted_copy(core, items, bad)
    doc = refscope_json(INTERP, "refs", [path, "0x%x" % probe_list])
    assert warned(doc, "object at 0x%x (RefscopeListSubclass) refers to 0x%x, which is not an object" % (probe_list, bad))
    by_via = {r["via"]: r for r in doc["referents"]}
    assert by_via["[0]"]["address"] == "0x%x" % bad and by_via["[0]"]["type"] is None
    assert by_via["[1]"]["address"] == "0x%x" % core_word(core, items + 8) and by_via["[1]"]["type"]
    os.unlink(path)


# An address no target maps: what a wild pointer looks like.
UNMAPPED = 0xdead00000000


def warned(doc, *words):
    return any(all(w in line for w in words) for line in doc["warnings"])


def test_object_whose_type_is_unmapped(core_and_truth):
    """ob_type pointing to unmapped memory: the object is counted under an
    unreadable type named by its address, a warning names the object, its
    size is unknown and it has no references; the rest is whole."""
    core, truth = core_and_truth
    probe = truth["probe"]
    path = corrupted_copy(core, probe + 8, UNMAPPED)
    doc = refscope_json(INTERP, "gc", [path])
    assert warned(doc, "object at 0x%x has ob_type 0x%x, which is not a readable type" % (probe, UNMAPPED))
    assert [g["objects"] for g in doc["interpreters"][0]["generations"]][2] == truth["generations"][2]
    assert not any(g.get("broken") for g in doc["interpreters"][0]["generations"])
    show = refscope_json(INTERP, "show", [path, "0x%x" % probe])
    assert show["type"] == "<unreadable type at 0x%x>" % UNMAPPED
    assert show["size"] == 0
    refs = refscope_json(INTERP, "refs", [path, "0x%x" % probe])
    assert refs["referents"] == []
    os.unlink(path)


def gc_prev(core, obj):
    return core_word(core, obj - GC_HEAD + 8) & ~3


@pytest.mark.parametrize("case", ["unreadable", "another object"])
def test_gc_prev_link_that_disagrees(core_and_truth, case):
    """An object whose gc prev link alone is wrong (its neighbours link to
    it as they should): the walk goes on, the list is whole, and a warning
    names the object."""
    core, truth = core_and_truth
    probe = truth["probe"]
    bad = 0x10 if case == "unreadable" else truth["probe_list"] - GC_HEAD
    path = corrupted_copy(core, probe - GC_HEAD + 8, bad)
    doc = refscope_json(INTERP, "gc", [path])
    gen = oldest_generation(doc)
    assert "broken" not in gen
    assert gen["objects"] == truth["generations"][2]
    assert warned(doc, "the object at 0x%x has a bad prev link 0x%x" % (probe, bad), "generation 2")
    os.unlink(path)


def test_gc_next_link_that_skips_an_object(core_and_truth):
    """A next link that jumps over the probe to the object after it: the
    prev link of that object disagrees and names the probe, which links to
    it: the bad link is the jumping one. The walk stops there, the warning
    names the object whose next link is bad."""
    core, truth = core_and_truth
    probe = truth["probe"]
    before = gc_prev(core, probe)  # the gc head of the object before the probe
    after = core_word(core, probe - GC_HEAD) & ~3
    path = corrupted_copy(core, before, after)
    doc = refscope_json(INTERP, "gc", [path])
    gen = oldest_generation(doc)
    assert gen["broken"] is True
    assert 0 < gen["objects"] < truth["generations"][2]
    assert warned(doc, "the next link of 0x%x is bad" % (before + GC_HEAD), "generation 2")
    os.unlink(path)


# ---- corrupt objects of corrupt_target.py ---------------------------------

def _corrupt_interpreters():
    """Both dict key layouts (before and since 3.11), a stripped build and
    one read through _Py_DebugOffsets."""
    wanted = ["debian-3.11-stripped", "sid-3.14-debug-offsets"]
    chosen = [i for i in INTERPRETERS if i.name in wanted]
    old = [i for i in INTERPRETERS if i.name.startswith(("pyenv-3.8.", "pyenv-3.9.", "pyenv-3.10."))]
    return chosen + old[:1]


@pytest.fixture(scope="module", params=_corrupt_interpreters(), ids=str)
def victims(request, tmp_root):
    """(interp, core, truth, clean): a core of corrupt_target.py and what
    refscope says of the core before it is patched."""
    interp = request.param
    require_present(interp)
    t = Target(interp, program="corrupt_target.py", tmpdir=tempfile.mkdtemp(dir=tmp_root))
    try:
        core = t.core()
        clean = {cmd: refscope_json(interp, cmd, [core]) for cmd in ("summary", "cycles", "garbage")}
        yield interp, core, t.truth, clean
    finally:
        t.close()


def run_json(interp, command, args):
    """refscope --json, bounded in time and memory: a corrupt length must
    not make it read or allocate gigabytes."""
    start = time.monotonic()
    proc = run_refscope(["--json"] + interp.refscope_args + [command] + args, env=interp.refscope_env, timeout=60)
    assert time.monotonic() - start < 20, "refscope %s took too long" % command
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1 << 20, "refscope used over 1 GiB"
    assert proc.returncode == 0, "refscope %s failed (%d): %s" % (command, proc.returncode, proc.stderr)
    return json.loads(proc.stdout)


def type_rows(doc):
    return {(t["type"], t["type_address"], t["gc_tracked"]): (t["count"], t["bytes"]) for t in doc["types"]}


def garbage_set(doc):
    return {int(o["address"], 16) for g in doc["groups"] for o in g["objects"]}


def cycle_sets(doc):
    return {frozenset(o["address"] for o in c["objects"]) for c in doc["cycles"]}


def assert_rest_whole(interp, path, truth, clean, bad_type, bad):
    """Every type but the corrupt object's counts and sizes as before; the
    garbage is CPython's own; the cycles as before, but for the one through
    the corrupt object, whose references are lost: what is left of it."""
    summary = run_json(interp, "summary", [path])
    before, after = type_rows(clean["summary"]), type_rows(summary)
    assert before.keys() == after.keys()
    for key in before:
        if key[0] == bad_type:
            assert after[key][0] == before[key][0], key
        else:
            assert after[key] == before[key], key
    assert garbage_set(run_json(interp, "garbage", [path])) == set(truth["garbage"])
    before, after = cycle_sets(clean["cycles"]), cycle_sets(run_json(interp, "cycles", [path]))
    through = [c for c in before if "0x%x" % bad in c]
    assert before - set(through) <= after
    for c in after - before:
        assert through and c < through[0] and "0x%x" % bad not in c


DICT_KEYS = 32  # ma_keys in PyDictObject, 3.8 to 3.15


@pytest.mark.parametrize("keys", ["unmapped", "not keys"])
def test_dict_whose_keys_pointer_is_garbage(victims, keys):
    """ma_keys pointing to unmapped memory, or to readable memory that holds
    no keys object (another object): the dict has no references and a
    warning names it; its repr says its items are unreadable; everything
    else (sizes, garbage, cycles) is as in the sound core."""
    interp, core, truth, clean = victims
    d = truth["dict"]
    path = corrupted_copy(core, d + DICT_KEYS, UNMAPPED if keys == "unmapped" else truth["bystander"])
    refs = run_json(interp, "refs", [path, "0x%x" % d])
    assert refs["type"] == "dict"
    assert refs["referents"] == []
    assert warned(refs, "object at 0x%x (dict): references cut short" % d)
    show = run_json(interp, "show", [path, "0x%x" % d])
    assert show["repr"] == "{<unreadable items>} (3 items)"
    holder = run_json(interp, "refs", [path, "0x%x" % truth["bystander_items"]])
    assert [r["address"] for r in holder["referents"]] == ["0x%x" % d, "0x%x" % truth["list"]]
    assert_rest_whole(interp, path, truth, clean, "dict", d)
    os.unlink(path)


STR_LENGTH = 16  # PyASCIIObject.length


def test_str_whose_length_is_absurd(victims):
    """A str claiming 2**62 characters: show and every command finish at
    once, the repr says the str is unreadable, a warning names it, and
    what holds it still refers to it."""
    interp, core, truth, clean = victims
    s = truth["str"]
    path = corrupted_copy(core, s + STR_LENGTH, 1 << 62)
    show = run_json(interp, "show", [path, "0x%x" % s])
    assert show["type"] == "str"
    assert show["repr"] == "<unreadable str at 0x%x>" % s
    assert warned(show, "0x%x" % s, "impossible length %d" % (1 << 62))
    holder = run_json(interp, "show", [path, "0x%x" % truth["str_holder"]])
    assert holder["repr"] == "[<unreadable str at 0x%x>] (1 items)" % s
    refs = run_json(interp, "refs", [path, "0x%x" % truth["str_holder"]])
    assert [(r["address"], r["type"]) for r in refs["referents"]] == [("0x%x" % s, "str")]
    assert_rest_whole(interp, path, truth, clean, "str", s)
    os.unlink(path)


def test_str_whose_length_is_absurd_has_no_size(victims):
    """Its size is unknown (0, with a warning), not made up."""
    interp, core, truth, clean = victims
    s = truth["str"]
    path = corrupted_copy(core, s + STR_LENGTH, 1 << 62)
    show = run_json(interp, "show", [path, "0x%x" % s])
    os.unlink(path)
    assert show["size"] == 0
    assert warned(show, "object at 0x%x (str): size unknown" % s)


@pytest.mark.parametrize("keys", ["unmapped", "not keys"])
def test_dict_whose_keys_pointer_is_garbage_has_no_size(victims, keys):
    """Its size is unknown (0, with a warning), not made up."""
    interp, core, truth, clean = victims
    d = truth["dict"]
    path = corrupted_copy(core, d + DICT_KEYS, UNMAPPED if keys == "unmapped" else truth["list"])
    show = run_json(interp, "show", [path, "0x%x" % d])
    os.unlink(path)
    assert show["size"] == 0
    assert warned(show, "object at 0x%x (dict): size unknown" % d)


LIST_ITEMS = 24  # PyListObject.ob_item


def test_list_whose_items_pointer_is_unmapped(victims):
    """ob_item pointing to unmapped memory: the list has no references, a
    warning names it, its repr says its items are unreadable; the rest is
    whole."""
    interp, core, truth, clean = victims
    lst = truth["list"]
    path = corrupted_copy(core, lst + LIST_ITEMS, UNMAPPED)
    refs = run_json(interp, "refs", [path, "0x%x" % lst])
    assert refs["referents"] == []
    assert warned(refs, "object at 0x%x (list): references cut short" % lst, "0x%x" % UNMAPPED)
    show = run_json(interp, "show", [path, "0x%x" % lst])
    assert show["repr"] == "[<unreadable items>] (3 items)"
    referrers = run_json(interp, "referrers", [path, "0x%x" % truth["list_items"][0]])
    assert referrers["referrers"] == []
    assert_rest_whole(interp, path, truth, clean, "list", lst)
    os.unlink(path)


def test_list_whose_items_pointer_is_not_an_array(victims):
    """ob_item pointing to readable memory that is no item array (the
    header of a str): words that are no object are left out, each with a
    warning naming the list; the rest is whole."""
    interp, core, truth, clean = victims
    lst = truth["list"]
    path = corrupted_copy(core, lst + LIST_ITEMS, truth["str"])
    refs = run_json(interp, "refs", [path, "0x%x" % lst])
    assert len(refs["referents"]) == 3
    assert "0x%x" % truth["list_items"][0] not in [r["address"] for r in refs["referents"]]
    assert warned(refs, "object at 0x%x (list) refers to 0x" % lst, "which is not an object")
    show = run_json(interp, "show", [path, "0x%x" % lst])
    assert show["repr"].startswith("[") and show["repr"].endswith("] (3 items)")
    assert_rest_whole(interp, path, truth, clean, "list", lst)
    os.unlink(path)
