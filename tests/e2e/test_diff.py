"""diff on a program that leaks on command (tests/programs/diff_target.py):
cores taken before and after 10,000 leaks, and --interval on the live
process, find exactly the leaked objects as new, under the path that holds
them, with their counts and bytes; a core diffed with itself shows nothing
new; two processes of one program are compared with a warning, two
Pythons refused."""
import json
import os
import subprocess
import tempfile

import pytest

from conftest import INTERPRETERS, REFSCOPE, Target, program_fixture, refscope_json, run_refscope

diff_target = program_fixture("diff_target.py")


def command(target, line):
    target.proc.stdin.write(line + "\n")
    target.proc.stdin.flush()
    return target.proc.stdout.readline()


def gcore(target, name):
    prefix = "%s/%s" % (target.tmpdir, name)
    subprocess.run(["gcore", "-o", prefix, str(target.pid)], capture_output=True, timeout=300, check=True)
    return "%s.%d" % (prefix, target.pid)


def leak_chain(group):
    """The vias from the leaked objects up to their root, and the root."""
    vias, node = [], group
    while True:
        [node] = node["children"]
        if "root" in node:
            return vias, node["root"]
        vias.append((node["via"], node["type"]))


def assert_leak_found(doc, leaked, n):
    new = doc["new"]
    assert new["objects"] == n and [t["type"] for t in new["types"]] == ["Leak"], new["types"]
    assert new["bytes"] == leaked["bytes"] == new["types"][0]["bytes"]
    [group] = new["groups"]
    assert (group["type"], group["objects"], group["bytes"]) == ("Leak", n, leaked["bytes"])
    vias, root = leak_chain(group)
    assert vias == [("[i]", "list"), ("['leaks']", "dict"), ("['REGISTRY']", "dict"), (".__dict__", "module")]
    assert root == {"kind": "module", "name": "__main__"}
    row = next(t for t in doc["types"] if t["type"] == "Leak")
    assert row["delta"]["count"] == n and row["delta"]["bytes"] == leaked["bytes"]
    assert doc["gone"]["objects"] == 0


def test_new_objects_are_the_leaked_ones(diff_target):
    before = gcore(diff_target, "before")
    leaked = json.loads(command(diff_target, "leak 10000"))
    after = gcore(diff_target, "after")
    doc = refscope_json(diff_target.interp, "diff", [before, after])
    assert_leak_found(doc, leaked, 10000)
    assert doc["types"][0]["type"] == "Leak" and doc["types"][0]["status"] == "new"
    same = refscope_json(diff_target.interp, "diff", [after, after])
    assert same["new"]["objects"] == 0 and same["gone"]["objects"] == 0
    assert all(t["delta"] == {"count": 0, "bytes": 0, "retained": 0} for t in same["types"])
    text = run_refscope(diff_target.interp.refscope_args + ["diff", before, after], env=diff_target.interp.refscope_env)
    assert "+10000 Leak" in text.stdout and "under module __main__ .__dict__['REGISTRY']['leaks'][i]" in text.stdout


INTERVAL_INTERPRETERS = ("pyenv-3.6.", "pyenv-3.12.", "debian-3.11-stripped", "sid-3.15-debug-offsets")


def test_interval_on_the_live_process_is_two_snapshots(diff_target):
    """Once the process sleeps (its command read and dropped), refscope
    reads it, lets it run 2 s (it leaks 3,000 objects 1.5 s in, and sleeps
    on), reads it again: the answer two cores would give. It waits 3.5 s per
    interpreter and nothing in it depends on the version beyond what the
    core diffs test: it runs on the oldest and a recent pyenv build, a
    stripped one and one read through _Py_DebugOffsets."""
    if not diff_target.interp.name.startswith(INTERVAL_INTERPRETERS):
        pytest.skip("--interval runs on %s only (the version-dependent reading is the core diffs')"
                    % ", ".join(INTERVAL_INTERPRETERS))
    assert command(diff_target, "leak_in 1.5 3000 3") == "sleeping\n"
    env = dict(os.environ, **diff_target.interp.refscope_env)
    refscope = subprocess.Popen([REFSCOPE, "--json"] + diff_target.interp.refscope_args +
                                ["diff", "--pid", str(diff_target.pid), "--interval", "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    leaked = json.loads(diff_target.proc.stdout.readline())
    out, err = refscope.communicate(timeout=120)
    assert refscope.returncode == 0, err
    assert_leak_found(json.loads(out), leaked, 3000)
    diff_target.assert_runs_on()


def test_address_reuse_hides_what_a_cache_turned_over(diff_target):
    """A cache of 5,000 entries replaced by 5,000 new ones: the allocator
    gives most new entries the addresses of old ones, and diff counts an
    object at an old address with the old type as surviving. New and gone
    are exactly the entries whose address was not reused (the process
    says which), and the share reused is what the README quotes."""
    command(diff_target, "churn 5000")
    before = gcore(diff_target, "cache-before")
    turned = json.loads(command(diff_target, "churn 5000"))
    after = gcore(diff_target, "cache-after")
    reused = len(set(turned["old"]) & set(turned["new"]))
    doc = refscope_json(diff_target.interp, "diff", [before, after])
    leak = next((t for t in doc["new"]["types"] if t["type"] == "Leak"), {"objects": 0})
    assert leak["objects"] == 5000 - reused
    assert doc["gone"]["objects"] == 5000 - reused
    print("address reuse on %s: %d of 5000 new entries took an old entry's address" % (diff_target.interp, reused))


def test_two_processes_warn_and_two_pythons_are_refused(tmp_root):
    """Two processes of one program: an answer, with a warning that the
    addresses are of two heaps. Two Pythons: exit 2, one line saying which."""
    present = [i for i in INTERPRETERS if not i.missing][:2]
    if len(present) < 2:
        pytest.skip("two interpreters are needed, %d found" % len(present))
    targets = [Target(present[0], program="diff_target.py", tmpdir=tempfile.mkdtemp(dir=tmp_root)),
               Target(present[0], program="diff_target.py", tmpdir=tempfile.mkdtemp(dir=tmp_root)),
               Target(present[1], program="diff_target.py", tmpdir=tempfile.mkdtemp(dir=tmp_root))]
    try:
        cores = [t.core() for t in targets]
        env = dict(present[0].refscope_env, **present[1].refscope_env)
        doc = json.loads(run_refscope(["--json"] + present[0].refscope_args + ["diff", cores[0], cores[1]],
                                      env=present[0].refscope_env).stdout)
        assert any("two processes of" in w for w in doc["warnings"]), doc["warnings"]
        proc = run_refscope(present[0].refscope_args + present[1].refscope_args + ["diff", cores[0], cores[2]],
                            env=env)
        assert proc.returncode == 2 and proc.stdout == "", proc.stderr
        assert proc.stderr.startswith("refscope: the snapshots are of two Pythons") and proc.stderr.count("\n") == 1
    finally:
        for t in targets:
            t.close()
