"""Cores written by the kernel, which leaves out file-backed read-only
mappings (.text, .rodata: where built-in type names live), so refscope must
read those from the files named in the NT_FILE note, after checking their
build-ids; and --exe, for a core whose recorded executable moved."""
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import INTERPRETERS, PROGRAMS, refscope_json, require_present, run_refscope

KERNEL_CORE_INTERPRETERS = [i for i in INTERPRETERS
                            if i.name.startswith(("pyenv-3.8", "pyenv-3.12", "debian-3.11-dbg", "sid-3.14-dwarf",
                                                  "sid-3.15-debug-offsets"))]


def core_pattern():
    with open("/proc/sys/kernel/core_pattern") as f:
        return f.read().strip()


def kernel_core_of(argv, cwd):
    """Starts heap_target.py, reads its truth, kills it with SIGABRT, and
    returns (truth, core path) for the core the kernel wrote into cwd."""
    pattern = core_pattern()
    if pattern.startswith("|") or "/" in pattern:
        pytest.skip("kernel cores go to %r here, not to the process's directory" % pattern)

    def allow_core():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    proc = subprocess.Popen(argv + [os.path.join(PROGRAMS, "heap_target.py")], cwd=cwd, preexec_fn=allow_core,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    truth = json.loads(proc.stdout.readline())
    proc.send_signal(signal.SIGABRT)
    proc.wait(timeout=60)
    cores = [os.path.join(cwd, n) for n in os.listdir(cwd) if n.startswith("core")]
    if proc.returncode != -signal.SIGABRT or len(cores) != 1:
        pytest.skip("the kernel wrote no core here (pattern %r, exit %s)" % (pattern, proc.returncode))
    return truth, cores[0]


@pytest.fixture(scope="module", params=KERNEL_CORE_INTERPRETERS, ids=str)
def kernel_core(request, tmp_root):
    interp = request.param
    require_present(interp)
    cwd = tempfile.mkdtemp(dir=tmp_root)
    truth, core = kernel_core_of(interp.argv, cwd)
    return interp, truth, core


def test_kernel_core_reads_like_a_live_process(kernel_core):
    interp, truth, core = kernel_core
    info = refscope_json(interp, "info", [core])
    assert info["python"]["version"] == truth["version"]
    assert info["layout"] == interp.layout
    main = info["interpreters"][0]
    assert main["gc"]["permanent"]["objects"] == truth["freeze_count"]
    summary = refscope_json(interp, "summary", [core])
    counts = {r["type"]: r["count"] for r in summary["types"] if r["type"].startswith("Refscope")}
    assert counts == truth["type_counts"]
    # Built-in type names live in .rodata, which the kernel left out.
    names = {r["type"] for r in summary["types"]}
    assert {"dict", "list", "function", "type"} <= names
    assert not any(n.startswith("<unreadable") for n in names)


@pytest.fixture(scope="module")
def moved_executable_core(tmp_root):
    """A kernel core of a copy of Debian's static python3.11 that was then
    deleted: the path the core records no longer exists."""
    interp = next(i for i in INTERPRETERS if i.name == "debian-3.11-stripped")
    require_present(interp)
    cwd = tempfile.mkdtemp(dir=tmp_root)
    copy = os.path.join(cwd, "python3.11-moved")
    shutil.copy2("/usr/bin/python3.11", copy)
    truth, core = kernel_core_of([copy], cwd)
    os.unlink(copy)
    return interp, truth, core


def test_missing_executable_is_a_clear_error(moved_executable_core):
    interp, _, core = moved_executable_core
    proc = run_refscope(["info", core], env=interp.refscope_env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("refscope: no Python interpreter found")


def test_exe_option_points_at_the_moved_executable(moved_executable_core):
    interp, truth, core = moved_executable_core
    summary = refscope_json(interp, "summary", [core], ["--exe", "/usr/bin/python3.11"])
    counts = {r["type"]: r["count"] for r in summary["types"] if r["type"].startswith("Refscope")}
    assert counts == truth["type_counts"]
    assert summary["python"]["version"] == truth["version"]


def test_exe_with_another_build_id_is_refused(moved_executable_core):
    interp, _, core = moved_executable_core
    proc = run_refscope(["info", "--exe", "/bin/true", core], env=interp.refscope_env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1
