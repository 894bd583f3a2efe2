"""Py_TRACE_REFS builds (--with-trace-refs): CPython 3.11 built from Debian's
source by tests/fixtures/trace-refs-python.sh, whose objects start with
_ob_next and _ob_prev, 16 bytes before ob_refcnt. Read as any other build,
every object field is 16 bytes off and the answers look right but are not;
refscope says so in one line, live and from a core."""
import os
import subprocess
import tempfile

import pytest

from conftest import REPO, Interp, Target, require_present, run_refscope

FIXTURE = os.path.join(REPO, "tests", "fixtures", "trace-refs-python.sh")


def _trace_refs_interp():
    try:
        out = subprocess.run([FIXTURE], capture_output=True, text=True, timeout=900).stdout
    except (OSError, subprocess.SubprocessError) as e:
        out = str(e)
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == "OK":
            return Interp("trace-refs-3.11", [fields[2]], "dwarf", required=True)
    return Interp("trace-refs-3.11", [], "dwarf", required=True,
                  missing=out.strip() or "tests/fixtures/trace-refs-python.sh gave no interpreter")


@pytest.fixture(scope="module")
def trace_refs_target(tmp_root):
    interp = _trace_refs_interp()
    require_present(interp)
    t = Target(interp, program="heap_target.py", tmpdir=tempfile.mkdtemp(dir=tmp_root))
    yield t
    t.close()


@pytest.mark.parametrize("mode", ["live", "core"])
def test_trace_refs_build_is_refused_in_one_line(trace_refs_target, mode):
    t = trace_refs_target
    args = ["--pid", str(t.pid)] if mode == "live" else [t.core()]
    for command in (["info"], ["summary"]):
        proc = run_refscope(command + args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert "is Python 3.11 built with Py_TRACE_REFS (--with-trace-refs)" in lines[0], lines[0]
    t.assert_runs_on()
