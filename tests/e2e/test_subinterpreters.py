"""Every interpreter of the runtime is found, sub-interpreters included, and
the objects a sub-interpreter made are counted."""
import tempfile

import pytest

from conftest import INTERPRETERS, Target, refscope_json, require_present

# One build per minor version is enough here.
SUB_INTERPRETERS = [i for i in INTERPRETERS if i.name.startswith("pyenv-") or i.name.endswith("-debug-offsets")
                    or i.name == "debian-3.11-stripped"]


@pytest.fixture(scope="module", params=SUB_INTERPRETERS, ids=str)
def sub_target(request, tmp_root):
    require_present(request.param)
    if request.param.name.startswith(("pyenv-3.6.", "pyenv-3.7.")):
        pytest.skip("Python 3.6 and 3.7 cannot start a subinterpreter from Python code "
                    "(_xxsubinterpreters is new in 3.8)")
    t = Target(request.param, tmpdir=tempfile.mkdtemp(dir=tmp_root), args=["--subinterpreter"])
    yield t
    t.close()


@pytest.mark.parametrize("mode", ["live", "core"])
def test_subinterpreters_are_listed_and_walked(sub_target, mode):
    args = ["--pid", str(sub_target.pid)] if mode == "live" else [sub_target.core()]
    info = refscope_json(sub_target.interp, "info", args)
    assert sorted(i["id"] for i in info["interpreters"]) == sub_target.truth["interpreter_ids"]
    assert info["interpreters"][0]["id"] == 0, "the main interpreter comes first"
    summary = refscope_json(sub_target.interp, "summary", args)
    counts = {r["type"]: r["count"] for r in summary["types"]}
    assert counts.get("RefscopeSubObject") == sub_target.truth["sub_objects"]
    assert counts["RefscopeDictInstance"] == sub_target.truth["type_counts"]["RefscopeDictInstance"]
    if mode == "live":
        sub_target.assert_runs_on()
