"""show ADDR...: type, size, generation and repr of objects of many kinds,
against type(), sys.getsizeof(), gc.is_tracked() and repr() in the process;
an address that is no object exits 2, one that does not parse exits 1."""

import pytest

from conftest import program_fixture, refscope_json, run_refscope


show_target = program_fixture("show_target.py")


@pytest.mark.parametrize("mode", ["live", "core"])
def test_show_matches_the_process(show_target, mode):
    args = ["--pid", str(show_target.pid)] if mode == "live" else [show_target.core()]
    objects = show_target.truth["objects"]
    # Every object in one run (show ADDR...), then the first alone: the same document.
    docs = refscope_json(show_target.interp, "show", args + ["0x%x" % t["address"] for t in objects.values()])["objects"]
    assert len(docs) == len(objects)
    for (name, truth), doc in zip(objects.items(), docs):
        assert doc["address"] == "0x%x" % truth["address"]
        assert doc["type"].rsplit(".", 1)[-1] == truth["type"], name
        assert doc["size"] == truth["size"], "%s: size %d, sys.getsizeof %d" % (name, doc["size"], truth["size"])
        assert (doc["generation"] is not None) == truth["tracked"], name
        if truth["repr"] is not None:
            want = truth["repr"].replace('"', "'") if name == "bytes" else truth["repr"]
            assert doc["repr"] == want, name
    by_name = dict(zip(objects, docs))
    assert "x=1" in by_name["instance"]["repr"] and "label='p'" in by_name["instance"]["repr"]
    assert by_name["module"]["repr"].startswith("<module 'json' from ")
    alone = refscope_json(show_target.interp, "show", args + ["0x%x" % objects["instance"]["address"]])
    assert {k: alone[k] for k in by_name["instance"]} == by_name["instance"]


def test_address_that_is_no_object(show_target):
    target = ["--pid", str(show_target.pid)]
    proc = run_refscope(["show"] + target + ["0x10"], env=show_target.interp.refscope_env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == "refscope: 0x10 is not the address of an object in this heap"
    # Among several addresses, one that is no object gets its line and a warning; the others are shown.
    proc = run_refscope(["show"] + target + ["0x%x" % show_target.truth["objects"]["list"]["address"], "0x10"],
                        env=show_target.interp.refscope_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("list at 0x%x\n" % show_target.truth["objects"]["list"]["address"])
    assert "0x10: no object" in proc.stdout and "0x10 is not the address of an object" in proc.stdout + proc.stderr
    inside = show_target.truth["objects"]["list"]["address"] + 8
    proc = run_refscope(["refs"] + target + ["0x%x" % inside], env=show_target.interp.refscope_env)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("text", ["0xzz", "0x-5", "", "12abc"])
def test_address_that_does_not_parse(text):
    proc = run_refscope(["show", "some.core", text])
    assert proc.returncode == 1 and proc.stdout == ""
    assert "is not an address" in proc.stderr
