"""The reference graph against CPython's own answers: garbage equals what
gc.collect() frees (asked of a forked copy of the process), refs equal
gc.get_referents, referrers include gc.get_referrers, and kept cycles come
out as strongly connected components with exactly their members; live and
from a core, on every interpreter."""
import collections

from conftest import addr, live_and_core, program_fixture, refscope_json


graph_target = program_fixture("graph_target.py")


target_args = live_and_core("graph_target")


def test_garbage_is_exactly_what_gc_collects(graph_target, target_args):
    truth = graph_target.truth
    doc = refscope_json(graph_target.interp, "garbage", target_args)
    found = [o for g in doc["groups"] for o in g["objects"]]
    assert sorted(o["address"] for o in found) == sorted(addr(i) for i in truth["garbage"])
    assert doc["objects"] == len(truth["garbage"])
    finalizers = collections.Counter(o["finalizer"] for o in found if o["type"] == "Finalized")
    assert finalizers == {"__del__": 2}
    watched = next(o for o in found if o["address"] == addr(truth["watched_finalizer"]))
    assert watched["finalizer"] == "weakref_callback"
    assert all(o["finalizer"] is None for o in found if o["type"] in ("list", "dict", "cell"))
    assert [o["address"] for o in doc["gc_garbage"]] == [addr(i) for i in truth["gc_garbage"]]
    biggest = doc["groups"][0]
    assert biggest["size"] >= 100 and not biggest["has_finalizer"]
    assert sum(g["size"] for g in doc["groups"]) == len(found)


def test_refs_equal_gc_get_referents(graph_target, target_args):
    truth = graph_target.truth
    names = sorted(truth["samples"])
    doc = refscope_json(graph_target.interp, "refs", target_args + [addr(truth["samples"][n]) for n in names])
    assert len(doc["objects"]) == len(names)
    for name, obj in zip(names, doc["objects"]):
        assert obj["address"] == addr(truth["samples"][name])
        got = collections.Counter(r["address"] for r in obj["referents"])
        want = collections.Counter(addr(i) for i in truth["referents"][name])
        assert got == want, "%s: refscope %s, gc.get_referents %s" % (name, obj["referents"], want)
        assert all(r["via"] for r in obj["referents"])


def test_referrers_include_gc_get_referrers(graph_target, target_args):
    truth = graph_target.truth
    for name, want in truth["referrers"].items():
        doc = refscope_json(graph_target.interp, "referrers", target_args + [addr(truth["samples"][name])])
        got = {r["address"] for r in doc["referrers"]}
        missing = {addr(i) for i in want} - got
        assert not missing, "%s: gc.get_referrers has %s that refscope lacks" % (name, missing)


def test_kept_cycles_are_sccs_with_exactly_their_members(graph_target, target_args):
    truth = graph_target.truth
    doc = refscope_json(graph_target.interp, "cycles", target_args)
    by_member = {o["address"]: c for c in doc["cycles"] for o in c["objects"]}
    for name, members in truth["kept_cycles"].items():
        cycle = by_member[addr(truth["kept"][name])]
        assert sorted(o["address"] for o in cycle["objects"]) == sorted(addr(i) for i in members), name
        assert cycle["reachable"] is True
    garbage = {addr(i) for i in truth["garbage"]}
    for cycle in doc["cycles"]:
        assert cycle["reachable"] is not any(o["address"] in garbage for o in cycle["objects"])


def test_dot_pictures_render(graph_target, target_args, tmp_path):
    import subprocess
    from conftest import run_refscope

    for command in ("cycles", "garbage"):
        proc = run_refscope([command, "--dot", "--top", "3"] + target_args, env=graph_target.interp.refscope_env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("digraph ")
        if "--pid" in target_args:
            continue  # the same picture as the core's, but for addresses: Graphviz reads that one
        if command == "cycles":
            # Its picture, the three largest cycles, has hundreds of nodes:
            # Graphviz's layout of it takes 3 s, its parser (gc) 10 ms.
            read = subprocess.run(["gc", "-n"], input=proc.stdout, capture_output=True, text=True)
            assert read.returncode == 0 and read.stderr == "" and int(read.stdout.split()[0]) > 0, read
            continue
        svg = subprocess.run(["dot", "-Tsvg"], input=proc.stdout, capture_output=True, text=True)
        assert svg.returncode == 0 and "<svg" in svg.stdout, svg.stderr
    picture = run_refscope(["garbage", "--dot"] + target_args, env=graph_target.interp.refscope_env).stdout
    # The long ring's links: an attribute, or (before 3.11) an item of the instance __dict__.
    assert picture.count('label=".peer"') + picture.count("label=\"['peer']\"") >= 100


def test_refcheck_finds_leaked_references_not_their_twins(graph_target, target_args):
    truth = graph_target.truth
    doc = refscope_json(graph_target.interp, "refcheck", target_args)
    external = {s["address"]: s["external"] for s in doc["suspects"]}
    for obj in truth["leaked"]:
        assert external.get(addr(obj)) == 1, "leaked 0x%x not found: %s" % (obj, doc["suspects"][:10])
    for obj in truth["twins"]:
        assert addr(obj) not in external
    node = next(t for t in doc["types"] if t["type"] == "Node")
    assert node["objects"] == len(truth["leaked"]) and node["external"] == len(truth["leaked"])
    # The rest is held by C code refscope cannot see (the C stack of the
    # running call, caches in malloc'd runtime structures): a few dozen here.
    assert doc["suspects_total"] <= len(truth["leaked"]) + 80, doc["suspects"]


def test_path_steps_are_real_references(graph_target, target_args):
    truth = graph_target.truth
    for name in ("ring", "pair"):
        target = addr(truth["kept"][name])
        doc = refscope_json(graph_target.interp, "path", target_args + [target])
        assert doc["target"]["address"] == target
        assert doc["root"] == {"kind": "module", "name": "__main__"}, doc["root"]
        steps = doc["path"]
        assert steps[0]["type"] == "module" and steps[-1]["address"] == target
        refs = refscope_json(graph_target.interp, "refs", target_args + [s["address"] for s in steps[:-1]] + ["0x10"])
        for here, there, held in zip(steps, steps[1:], refs["objects"]):
            assert held["address"] == here["address"]
            assert there["address"] in {r["address"] for r in held["referents"]}
            assert there["via"] in {r["via"] for r in held["referents"] if r["address"] == there["address"]}
    garbage = refscope_json(graph_target.interp, "path", target_args + [addr(truth["garbage"][0])])
    assert garbage["root"] == {"kind": "garbage", "name": "unreachable: gc.collect() would free it"}
    assert [s["address"] for s in garbage["path"]] == [addr(truth["garbage"][0])]

