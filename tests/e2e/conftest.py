"""End-to-end test harness: real interpreters, real processes, real cores.

Every interpreter this machine has is a target: pyenv builds from 3.6 (shared
libpython with DWARF), Debian's /usr/bin/python3.11 (static, stripped) with
its -dbg debug info and without it, and Debian unstable's 3.13, 3.14 and 3.15
(from tests/fixtures/sid-python.sh) with and without their debug info. A
target that is missing is skipped with its reason, except the Debian and sid
ones, which `make check` installs itself: those fail when missing, unless
REFSCOPE_ALLOW_MISSING=1.
"""
import atexit
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REFSCOPE = os.environ.get("REFSCOPE_BIN") or os.path.join(REPO, "build", "refscope")

# Each test session (each xdist worker) starts with an empty layout cache of
# its own: its first run of each interpreter reads the DWARF, the later ones
# take the cached offsets, and nothing depends on the user's ~/.cache.
_LAYOUT_CACHE = tempfile.mkdtemp(prefix="refscope-cache-")
os.environ["REFSCOPE_CACHE_DIR"] = _LAYOUT_CACHE
atexit.register(shutil.rmtree, _LAYOUT_CACHE, True)
PROGRAMS = os.path.join(REPO, "tests", "programs")
SID_FIXTURE = os.path.join(REPO, "tests", "fixtures", "sid-python.sh")
SID_DEBUG = os.path.join(REPO, ".cache", "sid", "root", "usr", "lib", "debug")
NO_DEBUG = "/nonexistent-refscope-debug-root"


@dataclass
class Interp:
    name: str
    argv: list
    layout: str  # the layout source refscope must choose
    required: bool = False
    missing: str = ""  # why it is absent, when it is
    refscope_args: list = field(default_factory=list)
    refscope_env: dict = field(default_factory=dict)
    # Called once, by require_present, for an interpreter that is made
    # while the tests run: sets argv, or missing.
    resolve: object = None

    def __str__(self):
        return self.name


def _pyenv_root():
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    return root if os.path.isdir(os.path.join(root, "versions")) else None


def _pyenv_interpreters():
    root = _pyenv_root()
    if not root:
        return [Interp("pyenv", [], "dwarf", missing="no pyenv on this machine")]
    found = []
    for version in sorted(os.listdir(os.path.join(root, "versions"))):
        parts = version.split(".")
        if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
            continue
        if (int(parts[0]), int(parts[1])) < (3, 6):
            continue
        exe = os.path.join(root, "versions", version, "bin", "python3")
        if os.access(exe, os.X_OK):
            found.append(Interp("pyenv-" + version, [exe], "dwarf"))
    return found


def _debian_interpreters():
    exe = "/usr/bin/python3.11"
    have = os.access(exe, os.X_OK)
    have_dbg = os.path.isdir("/usr/share/doc/python3.11-dbg")
    return [
        Interp("debian-3.11-dbg", [exe], "dwarf", required=True,
               missing="" if have and have_dbg else "python3.11 or python3.11-dbg not installed"),
        Interp("debian-3.11-stripped", [exe], "builtin", required=True,
               missing="" if have else "python3.11 not installed",
               refscope_env={"REFSCOPE_SYSTEM_DEBUG_DIR": NO_DEBUG}),
    ]


def _sid_wrappers():
    """The sid fixture's working wrappers, and why one may be missing."""
    try:
        out = subprocess.run([SID_FIXTURE, "--list"], capture_output=True, text=True,
                             timeout=600).stdout.split()
    except (OSError, subprocess.SubprocessError) as e:
        return [], str(e)
    return out, "not provided by tests/fixtures/sid-python.sh (run it to see why)"


def _sid_interpreters():
    wanted = ["3.13", "3.14", "3.15"]
    out, why = _sid_wrappers()
    found = []
    for v in wanted:
        wrapper = next((w for w in out if w.endswith("python" + v)), None)
        missing = "" if wrapper else why
        found.append(Interp("sid-%s-dwarf" % v, [wrapper], "dwarf", True, missing,
                            refscope_args=["--debug-dir", SID_DEBUG]))
        found.append(Interp("sid-%s-debug-offsets" % v, [wrapper], "debug_offsets", True, missing))
    return found


TRACE_REFS_FIXTURE = os.path.join(REPO, "tests", "fixtures", "trace-refs-python.sh")


def _trace_refs_resolver(version):
    """CPython built --with-pydebug --with-trace-refs from Debian's source by
    tests/fixtures/trace-refs-python.sh (3.11, whose objects start with two
    links, and 3.13, whose refchain is a hash table): make e2e starts it in
    the background, and the first test that needs it waits for it (the
    fixture's lock), not the collection of every test."""
    def resolve(interp):
        try:
            out = subprocess.run([TRACE_REFS_FIXTURE, version], capture_output=True, text=True,
                                 timeout=900).stdout
        except (OSError, subprocess.SubprocessError) as e:
            out = str(e)
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[1] == "OK":
                interp.argv = [fields[2]]
                return
        interp.missing = out.strip() or "tests/fixtures/trace-refs-python.sh %s gave no interpreter" % version
    return resolve


TRACE_REFS = Interp("trace-refs-3.11", [], "dwarf", required=True, resolve=_trace_refs_resolver("3.11"))
TRACE_REFS_313 = Interp("trace-refs-3.13", [], "dwarf", required=True, resolve=_trace_refs_resolver("3.13"))


def _debug_interpreters():
    """The --with-pydebug builds: Debian's python3.11d (python3.11-dbg),
    sid's python3.13d to python3.15d (python3.X-dbg, through the sid
    fixture's wrappers), and a 3.11 with Py_TRACE_REFS too. Their DWARF is
    in the binaries."""
    exe = "/usr/bin/python3.11d"
    found = [Interp("debian-3.11d", [exe], "dwarf", required=True,
                    missing="" if os.access(exe, os.X_OK) else "python3.11-dbg not installed")]
    out, why = _sid_wrappers()
    for v in ["3.13", "3.14", "3.15"]:
        wrapper = next((w for w in out if w.endswith("python%sd" % v)), None)
        found.append(Interp("sid-%sd" % v, [wrapper], "dwarf", True, "" if wrapper else why))
    return found + [TRACE_REFS]




def _subset(interps):
    """REFSCOPE_INTERPRETERS="pyenv-3.8,sid-3.15-dwarf,...": only the
    interpreters whose names start with one of these run; the others are
    skipped with that reason (the sanitizer run uses a subset)."""
    wanted = [w for w in os.environ.get("REFSCOPE_INTERPRETERS", "").split(",") if w]
    if not wanted:
        return interps
    for interp in interps:
        if not any(interp.name.startswith(w) for w in wanted):
            interp.required = False
            interp.missing = "not in this run's interpreters (REFSCOPE_INTERPRETERS=%s)" % ",".join(wanted)
    return interps


def all_interpreters():
    return _subset(_pyenv_interpreters() + _debian_interpreters() + _sid_interpreters())


INTERPRETERS = all_interpreters()
# Not in every test's matrix (the suite's time): test_debug_builds.py runs
# the heap, graph and leak-hunting tests on them.
DEBUG_INTERPRETERS = _subset(_debug_interpreters())


def require_present(interp):
    if interp.resolve and not interp.missing:
        interp.resolve, resolve = None, interp.resolve
        resolve(interp)
    if not interp.missing:
        return
    if interp.required and os.environ.get("REFSCOPE_ALLOW_MISSING") != "1":
        pytest.fail("%s is required but missing: %s" % (interp.name, interp.missing))
    pytest.skip("%s: %s" % (interp.name, interp.missing))


def run_refscope(args, env=None, timeout=120):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([REFSCOPE] + args, capture_output=True, text=True, env=full_env,
                          timeout=timeout)


def refscope_json(interp, command, target_args, extra=()):
    proc = run_refscope(["--json"] + interp.refscope_args + [command] + list(extra) + target_args,
                        env=interp.refscope_env)
    assert proc.returncode == 0, "refscope %s failed (%d): %s" % (command, proc.returncode, proc.stderr)
    return json.loads(proc.stdout)


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


class Target:
    """A running Python program with a known heap, and its ground truth."""

    def __init__(self, interp, program="heap_target.py", tmpdir=None, args=()):
        self.interp = interp
        self.proc = subprocess.Popen(interp.argv + [os.path.join(PROGRAMS, program)] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            raise RuntimeError("%s did not start: %s" % (interp.name, err))
        self.truth = json.loads(line)
        self.pid = self.proc.pid
        wait_reading_stdin(self.pid)
        self.tmpdir = tmpdir
        self._core = None
        self._core_answers = {}

    def core(self):
        """A core taken with gdb's gcore (the process runs on afterwards)."""
        if self._core is None:
            prefix = os.path.join(self.tmpdir, "core")
            subprocess.run(["gcore", "-o", prefix, str(self.pid)], capture_output=True, timeout=300,
                           check=True)
            self._core = "%s.%d" % (prefix, self.pid)
        return self._core

    def core_json(self, command, extra=()):
        """refscope's JSON answer for the core: the core never changes, so
        tests that need the same answer share one run."""
        key = (command,) + tuple(extra)
        if key not in self._core_answers:
            self._core_answers[key] = refscope_json(self.interp, command, [self.core()], extra)
        return self._core_answers[key]

    def assert_runs_on(self):
        """The process is neither stopped nor traced, and still computes right."""
        status = proc_status(self.pid)
        assert status["TracerPid"] == "0", "left traced: %s" % status
        assert status["State"][0] in "RSD", "left stopped: %s" % status["State"]
        self.proc.stdin.write("alive\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().split()
        n = 1234
        assert reply == ["alive", str(n * (n - 1) // 2)]
        wait_reading_stdin(self.pid)

    def close(self):
        quit_process(self.proc)


def wait_reading_stdin(pid, seconds=2.0):
    """Until the process's main thread is back in read() on its stdin pipe.
    A target replies (its truth, "alive") before it gets there, and a live
    snapshot taken in between sees what it still does: 2 more tracked
    objects on 3.14 as its loop went on, and on 3.13 the stdout
    TextIOWrapper and two method descriptors held by a write() still
    running (refcheck suspects), once each in CI runs. Gives up quietly
    after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/wchan" % pid) as f:
                if f.read().endswith("pipe_read"):
                    return
        except OSError:
            return
        time.sleep(0.001)


@pytest.fixture(scope="session")
def tmp_root():
    path = tempfile.mkdtemp(prefix="refscope-e2e-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module", params=INTERPRETERS, ids=str)
def target(request, tmp_root):
    interp = request.param
    require_present(interp)
    tmpdir = tempfile.mkdtemp(dir=tmp_root)
    t = Target(interp, tmpdir=tmpdir)
    yield t
    t.close()


def quit_process(proc):
    """Ask a test program to quit; kill it if it does not within 10 s."""
    if proc.poll() is None:
        try:
            proc.stdin.write("quit\n")
            proc.stdin.flush()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


def core_file_offset(core, address):
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


def addr(i):
    return "0x%x" % i


def live_and_core(program_fixture_name):
    """A fixture giving refscope's target arguments for the program fixture
    of that name: once its live pid, once its core."""

    @pytest.fixture(params=["live", "core"])
    def target_args(request):
        target = request.getfixturevalue(program_fixture_name)
        return ["--pid", str(target.pid)] if request.param == "live" else [target.core()]

    return target_args


def program_fixture(program, interpreters=None, args=()):
    """A module-scoped fixture running `program` under each interpreter."""

    @pytest.fixture(scope="module", params=interpreters or INTERPRETERS, ids=str)
    def fixture(request, tmp_root):
        require_present(request.param)
        t = Target(request.param, program=program, tmpdir=tempfile.mkdtemp(dir=tmp_root), args=args)
        yield t
        t.close()

    return fixture
