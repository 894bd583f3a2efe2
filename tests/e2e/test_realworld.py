"""A heap like real programs leave (tests/programs/realworld_target.py: a
unittest run with a failing test, asyncio tasks that raised, open files,
regex matches, ElementTree trees, lru caches, contextvars, itertools,
json/email/decimal work, sockets, __del__ cycles): garbage is exactly the
set gc.collect() frees under DEBUG_SAVEALL (truth by fork), recall and
precision 1.0, with each finalizer named for what it is; live and from a
core, on every interpreter."""
import collections
import json


from conftest import INTERPRETERS, TRACE_REFS, live_and_core, program_fixture, refscope_json, run_refscope

# and the Py_TRACE_REFS build: real workloads over objects with two more header words
realworld_target = program_fixture("realworld_target.py", INTERPRETERS + [TRACE_REFS])


target_args = live_and_core("realworld_target")


def test_garbage_is_exactly_what_gc_collects(realworld_target, target_args):
    truth = {"0x%x" % address: name for address, name in realworld_target.truth["garbage"]}
    doc = refscope_json(realworld_target.interp, "garbage", target_args)
    found = {o["address"]: o for group in doc["groups"] for o in group["objects"]}
    missing = collections.Counter(name for address, name in truth.items() if address not in found)
    extra = collections.Counter(o["type"] for address, o in found.items() if address not in truth)
    assert not missing and not extra, "missing %s, extra %s" % (missing.most_common(), extra.most_common())
    assert doc["objects"] == len(truth)
    finalizers = collections.Counter((o["type"], o["finalizer"]) for o in found.values() if o["finalizer"])
    # socket.socket's finalizer is _socket.socket's C tp_finalize, inherited.
    assert finalizers[("PeerSocket", "tp_finalize")] == 2, finalizers
    assert finalizers[("Finalized", "__del__")] == 2, finalizers
    assert not any(f == "__del__" for (t, f) in finalizers if t.startswith("_asyncio.") or t.startswith("_io."))
    # Every object with a finalizer that will run is counted, and what it reaches.
    will_run = sum(1 for o in found.values() if o["finalizer"] in ("__del__", "tp_finalize", "tp_del"))
    assert will_run <= doc["finalizer_reachable"] <= doc["objects"]
    assert doc["objects_certain"] <= doc["objects"]


def test_refs_of_a_traceback_are_exact(realworld_target, target_args):
    """The frames of the failed test hang from tracebacks: tb_next and tb_frame, never a conservative edge."""
    truth = realworld_target.truth["garbage"]
    tracebacks = ["0x%x" % a for a, name in truth if name == "traceback"]
    assert tracebacks
    doc = refscope_json(realworld_target.interp, "refs", target_args + tracebacks[:20])
    for obj in doc["objects"]:
        vias = sorted(r["via"] for r in obj["referents"])
        assert vias in ([".tb_frame"], [".tb_frame", ".tb_next"]), obj
        assert not any(r.get("conservative") for r in obj["referents"])


def test_suspects_on_a_heap_without_a_dominant_structure_is_empty(realworld_target, target_args):
    """No object of this heap keeps 10% of it alive on its own: the leak
    suspects report at its default threshold has nothing to say."""
    doc = refscope_json(realworld_target.interp, "suspects", target_args)
    assert doc["threshold"] == 10 and doc["total"] > 0
    assert doc["suspects"] == [], [(s["type"], s["percent"]) for s in doc["suspects"]]


def test_the_graph_is_the_same_built_by_one_thread_or_two(realworld_target, tmp_path):
    """The build's second thread traverses objects ahead of it (a core's
    memory only): the whole graph, every node and edge in the DevTools
    export, is byte for byte the one the build makes alone, and so are the
    garbage and the warnings."""
    interp, core = realworld_target.interp, realworld_target.core()
    answers = []
    for threads in ("1", "2"):
        env = dict(interp.refscope_env, REFSCOPE_THREADS=threads)
        out = str(tmp_path / ("graph-%s.heapsnapshot" % threads))
        garbage = run_refscope(["--json"] + interp.refscope_args + ["garbage", core], env=env)
        export = run_refscope(interp.refscope_args + ["export", "--format", "heapsnapshot", core, out], env=env)
        assert garbage.returncode == 0 and export.returncode == 0, garbage.stderr + export.stderr
        with open(out, "rb") as f:
            answers.append((garbage.stdout, f.read()))
    assert len(answers[0][1]) > 100000 and json.loads(answers[0][0])["objects"] > 0
    assert answers[0] == answers[1]
