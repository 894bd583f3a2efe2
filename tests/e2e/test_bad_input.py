"""Bad input: each case exits 2 with one clear line on stderr and nothing on
stdout; usage errors exit 1. A live target that cannot be read is never left
stopped or traced."""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import INTERPRETERS, Target, proc_status, require_present, run_refscope

DEBIAN_311 = next(i for i in INTERPRETERS if i.name == "debian-3.11-dbg")


@pytest.fixture(scope="module")
def workdir():
    path = tempfile.mkdtemp(prefix="refscope-bad-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def python_core(workdir):
    """A real core of Debian's python3.11, to cut and to alter."""
    require_present(DEBIAN_311)
    t = Target(DEBIAN_311, tmpdir=workdir)
    try:
        yield t.core()
    finally:
        t.close()


def assert_fails_cleanly(args, expect_in, code=2):
    proc = run_refscope(args)
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 or (code == 1 and lines[-1].startswith("try ")), proc.stderr
    assert lines[0].startswith("refscope: ")
    assert expect_in in lines[0], lines[0]


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_core(python_core, workdir, fraction):
    with open(python_core, "rb") as f:
        data = f.read()
    path = write(os.path.join(workdir, "cut-%d.core" % (fraction * 100)), data[: int(len(data) * fraction)])
    assert_fails_cleanly(["info", path], "the core file is truncated")


def test_random_bytes(workdir):
    path = write(os.path.join(workdir, "random.core"), os.urandom(1 << 16))
    assert_fails_cleanly(["info", path], "not an ELF file")


def test_empty_file(workdir):
    path = write(os.path.join(workdir, "empty.core"), b"")
    assert_fails_cleanly(["summary", path], "empty file")


def test_directory(workdir):
    assert_fails_cleanly(["gc", workdir], "is a directory")


def test_missing_file(workdir):
    assert_fails_cleanly(["info", os.path.join(workdir, "no-such.core")], "No such file")


def test_non_core_elf():
    assert_fails_cleanly(["info", "/bin/true"], "not a core dump")


def test_core_of_another_architecture(python_core, workdir):
    with open(python_core, "rb") as f:
        data = bytearray(f.read())
    struct.pack_into("<H", data, 18, 183)  # e_machine = EM_AARCH64
    path = write(os.path.join(workdir, "aarch64.core"), bytes(data))
    assert_fails_cleanly(["info", path], "another architecture")


def test_core_of_a_program_without_python(workdir):
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        prefix = os.path.join(workdir, "sleep")
        subprocess.run(["gcore", "-o", prefix, str(sleeper.pid)], capture_output=True, check=True, timeout=120)
        assert_fails_cleanly(["info", "%s.%d" % (prefix, sleeper.pid)], "no Python interpreter found")
    finally:
        sleeper.kill()
        sleeper.wait()


def test_pid_that_does_not_exist():
    pid = 4194304 + 17  # above the kernel's largest pid_max
    assert_fails_cleanly(["info", "--pid", str(pid)], "no process with pid %d" % pid)


def test_live_process_without_python_runs_on():
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        time.sleep(0.1)
        assert_fails_cleanly(["info", "--pid", str(sleeper.pid)], "no Python interpreter found")
        status = proc_status(sleeper.pid)
        assert status["TracerPid"] == "0" and status["State"][0] in "RS"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_process_already_traced_names_its_tracer():
    # The child asks to be traced by its parent (this python), then sleeps.
    code = ("import ctypes, os, time\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    ctypes.CDLL(None).ptrace(0, 0, 0, 0)\n"
            "    os.execvp('sleep', ['sleep', '30'])\n"
            "print(pid, flush=True)\n"
            "time.sleep(30)\n")
    tracer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        child = int(tracer.stdout.readline())
        time.sleep(0.3)
        assert_fails_cleanly(["info", "--pid", str(child)], "already traced by pid %d" % tracer.pid)
    finally:
        tracer.kill()
        tracer.wait()


@pytest.mark.parametrize("args, message", [
    ([], "usage"),
    (["info"], "needs a target"),
    (["frobnicate", "x.core"], "unknown command"),
    (["info", "--pid", "abc"], "--pid needs a process id"),
    (["summary", "--top", "-3", "x.core"], "--top needs a count"),
    (["summary", "--sort", "size", "x.core"], "--sort must be count or bytes"),
    (["objects", "--sort", "count", "x.core"], "--sort must be size, retained or refcnt"),
    (["summary", "--sort", "weight", "x.core"], "--sort must be"),
    (["top", "--depth", "0", "x.core"], "--depth needs a count"),
    (["suspects", "--threshold", "150", "x.core"], "a percentage from 0 to 100"),
    (["info", "--layout", "guess", "x.core"], "--layout must be"),
    (["info", "--bogus", "1", "x.core"], "unknown option"),
    (["info", "a.core", "b.core"], "unexpected argument"),
    (["export", "--format", "heapsnapshot", "x.core"], "export needs the FILE to write after the target"),
    (["export", "--format", "csv", "x.core", "x.csv"], "--format must be heapsnapshot"),
    (["show", "x.core", "@-3"], "is not a node id"),
])
def test_usage_errors(args, message):
    proc = run_refscope(args)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert message in proc.stderr


@pytest.mark.parametrize("rules, message", [
    ("heap-size <= 1MiB\n", "rules:1: unknown measure"),
    ("# limits\n\ntotal-bytes <= 3 parsecs\n", "rules:3: the measure needs: MEASURE OP LIMIT"),
    ("total-bytes <= 3parsecs\n", "rules:1: a limit in bytes"),
    ("type-count <= 3\n", "rules:1: the measure needs: MEASURE GLOB OP LIMIT"),
    ("retained-share <= 30MiB\n", "rules:1: a percentage is needed"),
    ("garbage-objects ~ 0\n", "rules:1: unknown comparison"),
    ("# only a comment\n", "holds no rule"),
    (None, "cannot read the rules file"),
])
def test_bad_audit_rules_are_usage_errors(python_core, workdir, rules, message):
    """A rules file audit cannot read exits 1 with one line naming the file
    and line; nothing is measured."""
    path = os.path.join(workdir, "rules")
    if rules is None:
        path += ".missing"
    else:
        write(path, rules.encode())
    assert_fails_cleanly(["audit", "--rules", path, python_core], message, code=1)
    if rules is None:
        assert_fails_cleanly(["audit", python_core], "audit needs --rules FILE", code=1)


@pytest.mark.parametrize("where", ["no-such-directory/heap.heapsnapshot", "read-only/heap.heapsnapshot"])
def test_export_to_an_unwritable_place_leaves_no_file(python_core, workdir, where):
    """A write that cannot happen exits 2 with one line; nothing is left
    under the name asked for, nor beside it."""
    read_only = os.path.join(workdir, "read-only")
    os.makedirs(read_only, exist_ok=True)
    os.chmod(read_only, 0o555)
    path = os.path.join(workdir, where)
    if os.geteuid() == 0 and where.startswith("read-only"):
        path = "/proc/refscope-cannot-write-here.heapsnapshot"  # root writes anywhere else
    assert_fails_cleanly(["export", "--format", "heapsnapshot", python_core, path], "cannot write")
    assert not os.path.exists(path)
    directory = os.path.dirname(path)
    if os.path.isdir(directory):
        assert not [f for f in os.listdir(directory) if f.startswith(os.path.basename(path))]


def test_python36_without_its_symbol_table_says_so(workdir):
    """3.6 is found by the symbols interp_head and generations: a libpython
    stripped of its symbol table (a distribution's build without its debug
    file) gets one line saying what is missing, not "no interpreter"."""
    from conftest import _pyenv_root

    root = _pyenv_root()
    found = sorted(glob.glob(os.path.join(root, "versions", "3.6.*"))) if root else []
    if not found:
        pytest.skip("no pyenv build of Python 3.6 on this machine")
    lib = os.path.join(workdir, "libpython3.6m.so.1.0")
    shutil.copy(os.path.join(found[-1], "lib", "libpython3.6m.so.1.0"), lib)
    subprocess.run(["strip", "--strip-all", lib], check=True)
    proc = subprocess.Popen([os.path.join(found[-1], "bin", "python3.6"), "-c",
                             "import sys; sys.stdout.write('1\\n'); sys.stdout.flush(); sys.stdin.read()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env=dict(os.environ, LD_LIBRARY_PATH=workdir))
    try:
        proc.stdout.readline()
        with open("/proc/%d/maps" % proc.pid) as f:
            assert lib in f.read(), "the stripped copy is the one loaded"
        assert_fails_cleanly(["info", "--pid", str(proc.pid)],
                             "%s is Python 3.6, which refscope reads through its symbol table" % lib)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("version", ["2.7"])
def test_python_older_than_36_is_named(version, workdir):
    """A 2.7 process (no _PyRuntime), and a core of it: refused in one line
    that names the version, not "no Python interpreter found"."""
    from conftest import _pyenv_root

    root = _pyenv_root()
    found = sorted(glob.glob(os.path.join(root, "versions", version + ".*", "bin", "python" + version))) if root else []
    if not found:
        pytest.skip("no pyenv build of Python %s on this machine" % version)
    proc = subprocess.Popen([found[-1], "-c", "import sys; sys.stdout.write('1\\n'); sys.stdout.flush(); sys.stdin.read()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        proc.stdout.readline()
        want = "Python %s is not supported (refscope reads 3.6 to 3.15)" % version
        assert_fails_cleanly(["info", "--pid", str(proc.pid)], want)
        prefix = os.path.join(workdir, "old")
        subprocess.run(["gcore", "-o", prefix, str(proc.pid)], capture_output=True, check=True, timeout=120)
        assert_fails_cleanly(["summary", "%s.%d" % (prefix, proc.pid)], want)
    finally:
        proc.kill()
        proc.wait()
