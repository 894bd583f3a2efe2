"""The --dot paths leave nothing behind but the picture asked for: the CLI
(which prints DOT on stdout and opens no file) and the gdb extension (whose
--dot FILE writes FILE, relative to gdb's directory), on a core and on a
process attached with -p, each run in a fresh, empty working directory that
must hold exactly the intended files afterwards, with the right content.

A stray empty file with a garbage name once appeared in tests/e2e after a
test run; this pins down that none of these paths creates one."""
import os
import subprocess

import pytest

from conftest import INTERPRETERS, REFSCOPE, REPO, proc_status, program_fixture

EXTENSION = os.path.join(REPO, "gdbext", "refscope.py")
# One interpreter with DWARF from each family is enough: the paths under test
# do not depend on the Python version.
STRAY_INTERPRETERS = [i for i in INTERPRETERS if i.name.startswith("pyenv-3.12") or i.name == "debian-3.11-dbg"]

graph_target = program_fixture("graph_target.py", STRAY_INTERPRETERS or INTERPRETERS[:1])


def run_in(cwd, argv, env_extra=None, **kwargs):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, **kwargs)


def cli_dot(target, cwd, command, target_args, extra=()):
    proc = run_in(cwd, [REFSCOPE, command, "--dot"] + target.interp.refscope_args + target_args + list(extra),
                  target.interp.refscope_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("digraph "), proc.stdout[:200]
    return proc.stdout


def assert_runs_on(target):
    """graph_target.py answers nothing but "quit": check it is neither stopped nor traced."""
    status = proc_status(target.pid)
    assert status["TracerPid"] == "0" and status["State"][0] in "RS", status


def listing(cwd):
    return sorted(os.listdir(cwd))


@pytest.fixture
def empty_cwd(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return str(cwd)


def test_cli_dot_creates_no_file(graph_target, empty_cwd):
    core = graph_target.core()
    garbage = "0x%x" % graph_target.truth["gc_garbage"][0] if graph_target.truth["gc_garbage"] else None
    kept = "0x%x" % graph_target.truth["kept"]["ring"]
    for target_args in ([core], ["--pid", str(graph_target.pid)]):
        cli_dot(graph_target, empty_cwd, "cycles", target_args, ["--top", "3"])
        cli_dot(graph_target, empty_cwd, "garbage", target_args)
        cli_dot(graph_target, empty_cwd, "path", target_args + [kept])
        if garbage:
            cli_dot(graph_target, empty_cwd, "path", target_args + [garbage])
    assert listing(empty_cwd) == []
    assert_runs_on(graph_target)


def gdb_session(target, cwd, args, commands):
    argv = ["gdb", "-batch", "-nx", "-ex", "source " + EXTENSION]
    options = " ".join(target.interp.refscope_args)
    for command in commands:
        if command.startswith("py-heap "):
            name, _, rest = command[len("py-heap "):].partition(" ")
            command = "py-heap %s %s %s" % (name, options, rest)
        argv += ["-ex", command]
    proc = run_in(cwd, argv + args, target.interp.refscope_env)
    assert "Traceback" not in proc.stderr and "py-heap:" not in proc.stderr.replace("objects read", ""), \
        proc.stderr
    return proc


@pytest.mark.skipif(bool(os.environ.get("REFSCOPE_SKIP_GDB")), reason="gdb tests skipped (sanitizer build)")
@pytest.mark.parametrize("how", ["core", "attached"])
def test_gdb_dot_writes_only_the_files_asked_for(graph_target, empty_cwd, tmp_path, how):
    kept = "0x%x" % graph_target.truth["kept"]["ring"]
    elsewhere = str(tmp_path / "elsewhere.dot")
    commands = ["py-heap cycles --top 3 --dot cycles.dot",      # relative: gdb's directory
                "py-heap garbage --dot garbage.dot",
                "py-heap path --dot 'path with space.dot' (void *)%s" % kept,
                "py-heap garbage --dot " + elsewhere,           # absolute: not in the directory
                "py-heap summary --top 3"]
    if how == "core":
        core = graph_target.core()
        args, cli_target = [graph_target.interp.argv[0], core], [core]
        proc = gdb_session(graph_target, empty_cwd, args, commands)
    else:
        cli_target = ["--pid", str(graph_target.pid)]
        proc = gdb_session(graph_target, empty_cwd, ["-p", str(graph_target.pid)], commands + ["detach"])
        assert_runs_on(graph_target)
    assert listing(empty_cwd) == ["cycles.dot", "garbage.dot", "path with space.dot"], proc.stderr
    assert os.path.exists(elsewhere)
    for name, command, target_args, extra in (("cycles.dot", "cycles", cli_target, ["--top", "3"]),
                                              ("garbage.dot", "garbage", cli_target, []),
                                              ("path with space.dot", "path", cli_target + [kept], [])):
        with open(os.path.join(empty_cwd, name)) as f:
            drawn = f.read()
        assert drawn.startswith("digraph "), name
        if how == "core":  # a live process may have moved on between the two reads
            assert drawn == cli_dot(graph_target, str(tmp_path), command, target_args, extra), name
    with open(elsewhere) as f:
        assert f.read().startswith("digraph ")
    assert listing(empty_cwd) == ["cycles.dot", "garbage.dot", "path with space.dot"]
