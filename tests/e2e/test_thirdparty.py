"""A third-party C type refscope cannot decode (tests/programs/thirdparty/
holder.c, built here for each interpreter with its own headers): the
references a conservative scan finds in its instances' bodies, and in the
separately allocated array they keep, count in garbage as its tp_traverse
would count them. Cycles through them are garbage exactly as gc.collect()
finds (truth by fork), marked certain: false; the untracked objects only such
instances hold are found and counted, one of them held as a tagged word
(mypyc's CPyTagged: an int's address plus one). Live and from a core."""
import os
import subprocess
import tempfile

import pytest

from conftest import INTERPRETERS, PROGRAMS, Target, addr, live_and_core, refscope_json, require_present


def build_extension(interp, directory):
    """The extension for interp, or the reason it cannot be built."""
    probe = subprocess.run(interp.argv + ["-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
                                          "print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                           capture_output=True, text=True, timeout=60)
    include, suffix = probe.stdout.split()
    if not os.path.exists(os.path.join(include, "Python.h")):
        return "no Python.h for %s in %s" % (interp.name, include)
    cc = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-I", include,
                         os.path.join(PROGRAMS, "thirdparty", "holder.c"),
                         "-o", os.path.join(directory, "thirdparty" + suffix)],
                        capture_output=True, text=True, timeout=120)
    assert cc.returncode == 0, cc.stderr
    return None


@pytest.fixture(scope="module", params=INTERPRETERS, ids=str)
def thirdparty_target(request, tmp_root):
    interp = request.param
    require_present(interp)
    directory = tempfile.mkdtemp(dir=tmp_root)
    why = build_extension(interp, directory)
    if why:
        pytest.skip(why)
    t = Target(interp, program="thirdparty_target.py", tmpdir=directory, args=[directory])
    yield t
    t.close()


target_args = live_and_core("thirdparty_target")


def test_garbage_through_a_c_type_is_what_gc_collects_and_uncertain(thirdparty_target, target_args):
    truth = thirdparty_target.truth
    doc = refscope_json(thirdparty_target.interp, "garbage", target_args)
    found = {o["address"]: group for group in doc["groups"] for o in group["objects"]}
    assert sorted(found) == sorted(addr(i) for i in truth["garbage"])
    holders = [a for a, group in found.items() if any(o["type"] == "thirdparty.Holder" for o in group["objects"])]
    assert len(holders) >= 8
    assert all(found[a]["certain"] is False for a in holders)
    assert doc["objects_certain"] <= doc["objects"] - len(holders)
    assert doc["conservative_objects"] >= 6
    assert {"type": "thirdparty.Holder", "objects": 6} in doc["conservative_types"]


def test_untracked_objects_only_a_c_type_holds_are_found(thirdparty_target, target_args):
    truth = thirdparty_target.truth
    doc = refscope_json(thirdparty_target.interp, "refs", target_args + [addr(truth["keeper"])])
    found = {r["address"]: r for r in doc["referents"]}
    for held in truth["held"] + [truth["tagged"]]:
        assert addr(held) in found, "held object %s not found: %s" % (addr(held), doc["referents"])
        assert found[addr(held)]["conservative"] is True
        assert found[addr(held)]["type"] in ("str", "int")
    summary = refscope_json(thirdparty_target.interp, "summary", target_args)
    holder = next(t for t in summary["types"] if t["type"] == "thirdparty.Holder")
    assert holder["traversal"] == "conservative" and holder["count"] == 6
    ints = next(t for t in summary["types"] if t["type"] == "int" and not t["gc_tracked"])
    assert ints["count"] >= truth["held_ints"]


def test_a_str_subclass_holds_only_what_its_traverse_visits(thirdparty_target, target_args):
    """thirdparty.Text extends str, whose body holds pointers to character
    buffers, not objects. Those buffers here begin like a float object; only
    the owner, in Text's own part, is a reference (gc.get_referents)."""
    truth = thirdparty_target.truth
    doc = refscope_json(thirdparty_target.interp, "refs", target_args + [addr(a) for a in truth["texts"]])
    for obj in doc["objects"]:
        assert [r["address"] for r in obj["referents"]] == [addr(truth["owner"])], obj
    floats = refscope_json(thirdparty_target.interp, "objects", target_args + ["--type", "float"])
    phantoms = {o["address"] for o in floats["objects"]} & {addr(b) for b in truth["buffers"]}
    assert len(truth["buffers"]) == 4 and phantoms == set()
