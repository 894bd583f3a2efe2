"""A process in a container: its own mount namespace whose root is Debian
unstable's tree (pivot_root), so /proc/PID/maps names /usr/bin/python3.13
and /usr/lib/x86_64-linux-gnu/libc.so.6, paths that on this machine are
missing or hold other builds. Live, refscope reads the files through
/proc/PID/root; from a core, --sysroot DIR gives them, and without it a file
of another build is refused with a warning naming both build-ids, never used.
And a process whose interpreter was deleted since it started (an upgrade) is
read through /proc/PID/map_files. The truth is taken in the process:
gc.get_objects()."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import REPO, run_refscope

SID_ROOT = os.path.join(REPO, ".cache", "sid", "root")
VERSION = "3.13"

PROGRAM = """
import gc, json, sys
class Leaf:
    pass
keep = [Leaf() for _ in range(5000)]
gc.collect()
truth = {"tracked": 0, "leaves": 0}
objects = gc.get_objects()
truth["leaves"] = sum(type(o) is Leaf for o in objects)
truth["tracked"] = len(objects)
del objects
sys.stdout.write(json.dumps(truth) + "\\n")
sys.stdout.flush()
sys.stdin.read()
"""

# The container: the tree bind-mounted on a directory of its own, made the
# root of a new mount namespace; the old root stays mounted under it, out of
# the way (the tree has no umount).
ENTER = """
set -e
mount --bind "$1" "$2"
cd "$2"
mkdir -p .oldroot
pivot_root . .oldroot
exec /usr/bin/python%s -c "$3"
""" % VERSION


def _why_not():
    if os.geteuid() != 0:
        return "containers need root (mount namespaces, pivot_root)"
    if not os.path.exists(os.path.join(SID_ROOT, "usr", "bin", "python" + VERSION)):
        return "Debian unstable's python%s is not unpacked in %s" % (VERSION, SID_ROOT)
    for tool in ("unshare", "mount", "pivot_root", "gcore"):
        if not shutil.which(tool):
            return "%s is not installed" % tool
    return None


@pytest.fixture(scope="module")
def container(tmp_root):
    why = _why_not()
    if why:
        pytest.skip(why)
    mountpoint = tempfile.mkdtemp(dir=tmp_root)
    script = os.path.join(tmp_root, "enter-container.sh")
    with open(script, "w") as f:
        f.write(ENTER)
    proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "bash", script, SID_ROOT,
                             mountpoint, PROGRAM], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        pytest.skip("cannot start a container here: %s" % proc.stderr.read().strip()[-300:])
    truth = json.loads(line)
    with open("/proc/%d/maps" % proc.pid) as f:
        maps = f.read()
    assert " /usr/bin/python%s\n" % VERSION in maps, "not in its own mount namespace: %s" % maps[:300]
    prefix = os.path.join(tmp_root, "container-core")
    subprocess.run(["gcore", "-o", prefix, str(proc.pid)], capture_output=True, timeout=300, check=True)
    yield proc, truth, "%s.%d" % (prefix, proc.pid)
    proc.stdin.close()
    proc.wait(timeout=30)


def summary(args):
    proc = run_refscope(["--json", "summary"] + args)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    leaves = next(t["count"] for t in doc["types"] if t["type"] == "Leaf")
    return doc, leaves


def info(args):
    proc = run_refscope(["--json", "info"] + args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_live_process_is_read_through_its_root(container):
    proc, truth, _ = container
    doc = info(["--pid", str(proc.pid)])
    assert doc["python"]["module"] == "/proc/%d/root/usr/bin/python%s" % (proc.pid, VERSION)
    assert doc["layout"] == "dwarf"  # the debug file is the container's own
    doc, leaves = summary(["--pid", str(proc.pid)])
    assert leaves == truth["leaves"] == 5000
    # Counted before the truth was written out and stdin read (a list of chunks): one object more.
    assert 0 <= doc["gc_tracked_objects"] - truth["tracked"] <= 2
    assert not doc.get("warnings"), doc["warnings"]


def test_core_with_sysroot_equals_the_process(container):
    _, truth, core = container
    doc = info(["--sysroot", SID_ROOT, core])
    assert doc["python"]["module"] == os.path.join(SID_ROOT, "usr", "bin", "python" + VERSION)
    assert doc["layout"] == "dwarf"
    doc, leaves = summary(["--sysroot", SID_ROOT, core])
    live, _ = summary(["--pid", str(container[0].pid)])
    assert leaves == truth["leaves"] and doc["gc_tracked_objects"] == live["gc_tracked_objects"]
    assert not any("another build" in w for w in doc.get("warnings", []))


def test_core_without_sysroot_refuses_other_builds(container):
    _, truth, core = container
    proc = run_refscope(["info", core])
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("refscope: no Python interpreter found")
    # The interpreter given, this machine's libc (another build) is named and left out.
    exe = os.path.join(SID_ROOT, "usr", "bin", "python" + VERSION)
    doc, leaves = summary(["--exe", exe, core])
    assert leaves == truth["leaves"]
    libc = [w for w in doc["warnings"] if w.startswith("/usr/lib/x86_64-linux-gnu/libc.so.6: another build")]
    assert len(libc) == 1 and "--sysroot" in libc[0], doc["warnings"]
    here = subprocess.run(["readelf", "-n", "/usr/lib/x86_64-linux-gnu/libc.so.6"], capture_output=True,
                          text=True).stdout.split("Build ID: ")[1].split()[0]
    assert "build-id %s," % here in libc[0]


def test_sysroot_is_for_cores(container):
    proc, _, _ = container
    out = run_refscope(["info", "--sysroot", SID_ROOT, "--pid", str(proc.pid)])
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "--sysroot is for cores" in out.stderr
    out = run_refscope(["info", "--sysroot", "/nonexistent-root", container[2]])
    assert out.returncode == 2 and out.stderr.startswith("refscope: --sysroot /nonexistent-root")


def test_interpreter_deleted_since_it_started(tmp_path):
    """A package upgraded under a running service: the process maps
    "/.../python3.11 (deleted)". The kernel still holds the file, and
    refscope reads it through /proc/PID/map_files (symbols, build-id, and so
    the debug file), not from memory alone."""
    if os.geteuid() != 0:
        pytest.skip("/proc/PID/map_files needs root")
    if not os.path.exists("/usr/bin/python3.11"):
        pytest.skip("Debian's python3.11 is not installed")
    exe = str(tmp_path / "python3.11")
    shutil.copy("/usr/bin/python3.11", exe)
    proc = subprocess.Popen([exe, "-c", PROGRAM], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        truth = json.loads(proc.stdout.readline())
        os.unlink(exe)
        with open("/proc/%d/maps" % proc.pid) as f:
            assert "%s (deleted)\n" % exe in f.read()
        doc = info(["--pid", str(proc.pid)])
        assert doc["python"]["module"].startswith("/proc/%d/map_files/" % proc.pid)
        # The whole file, so its build-id: Debian's debug file (python3.11-dbg, which make check installs).
        assert doc["layout"] == "dwarf" and doc["python"]["debuginfo"] is True
        doc, leaves = summary(["--pid", str(proc.pid)])
        assert leaves == truth["leaves"] == 5000
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
