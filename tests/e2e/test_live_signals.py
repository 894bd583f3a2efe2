"""refscope interrupted while it holds a live target stopped (SIGINT,
SIGTERM, SIGKILL): the target runs on, neither stopped nor traced."""
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import INTERPRETERS, REFSCOPE, Target, proc_status, require_present

INTERP = next(i for i in INTERPRETERS if i.name == "debian-3.11-stripped")


@pytest.fixture(scope="module")
def big_target(tmp_root):
    require_present(INTERP)
    t = Target(INTERP, tmpdir=tempfile.mkdtemp(dir=tmp_root), args=["--ballast", "1500000"])
    yield t
    t.close()


def wait_until_frozen(pid, refscope, timeout=20):
    """Waits until the target is in a ptrace stop, i.e. refscope is reading it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if refscope.poll() is not None:
            pytest.fail("refscope finished before it could be interrupted: %r" % refscope.stderr.read())
        if proc_status(pid)["State"].startswith("t"):
            return
        time.sleep(0.005)
    pytest.fail("the target never stopped")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_interrupted_refscope_lets_the_target_run_on(big_target, sig):
    refscope = subprocess.Popen([REFSCOPE, "summary", "--pid", str(big_target.pid)], env=INTERP.refscope_env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_frozen(big_target.pid, refscope)
    refscope.send_signal(sig)
    assert refscope.wait(timeout=30) == -sig
    assert refscope.stdout.read() == "", "nothing half-written on stdout"
    time.sleep(0.1)
    big_target.assert_runs_on()


def test_fifty_busy_threads_are_frozen_and_let_go():
    import subprocess as sp

    from conftest import PROGRAMS, refscope_json

    proc = sp.Popen(INTERP.argv + [PROGRAMS + "/busy_threads.py"], stdin=sp.PIPE, stdout=sp.PIPE, text=True)
    try:
        pid = int(proc.stdout.readline())
        for _ in range(5):
            doc = refscope_json(INTERP, "info", ["--pid", str(pid)])
            assert doc["interpreters"][0]["threads"] == 51
        status = proc_status(pid)
        assert status["TracerPid"] == "0" and status["State"][0] in "RS"
        proc.stdin.write("progress\n")
        proc.stdin.flush()
        assert int(proc.stdout.readline()) == 50, "every thread computes again"
    finally:
        proc.kill()
        proc.wait()


def test_target_killed_while_being_read_is_one_clear_line(tmp_root):
    target = Target(INTERP, tmpdir=tempfile.mkdtemp(dir=tmp_root), args=["--ballast", "1500000"])
    try:
        refscope = subprocess.Popen([REFSCOPE, "garbage", "--pid", str(target.pid)], env=INTERP.refscope_env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_until_frozen(target.pid, refscope)
        target.proc.kill()
        assert refscope.wait(timeout=60) == 2
        assert refscope.stdout.read() == ""
        lines = refscope.stderr.read().splitlines()
        assert len(lines) == 1 and lines[0].startswith("refscope: "), lines
        # A kill that lands while refscope still waits for the threads to stop
        # comes before any read (seen under the sanitizers' load).
        assert lines[0].endswith(("process %d exited while being read" % target.pid,
                                  "process %d exited before it could be read" % target.pid)), lines
    finally:
        target.proc.kill()
        target.proc.wait()
