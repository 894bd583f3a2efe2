"""The py-heap commands in real gdb (batch mode): on a core, on a process
attached with -p, and on a program started under gdb; each subcommand's
--json equals the CLI's on the same target, failures are one gdb error and
leave the session usable, and the process runs on correctly afterwards."""
import json
import os
import re
import subprocess

import pytest

from conftest import INTERPRETERS, PROGRAMS, REFSCOPE as REFSCOPE_BIN, REPO, program_fixture, refscope_json

EXTENSION = os.path.join(REPO, "gdbext", "refscope.py")

if os.environ.get("REFSCOPE_SKIP_GDB"):
    pytest.skip("gdb tests skipped: refscope is %s" % os.environ["REFSCOPE_SKIP_GDB"], allow_module_level=True)
GDB_INTERPRETERS = INTERPRETERS
MARK = "@@@refscope-test@@@"


def gdb(args, commands, interp=None, timeout=120):
    """Runs gdb in batch mode; returns the output of each command (between marks) and stderr.
    The interpreter's refscope options (--debug-dir) go to every py-heap command."""
    argv = ["gdb", "-batch", "-nx", "-ex", "source " + EXTENSION]
    options = " ".join(interp.refscope_args) if interp else ""
    for command in commands:
        if options and command.startswith("py-heap "):
            name, _, rest = command[len("py-heap "):].partition(" ")
            command = "py-heap %s %s %s" % (name, options, rest)
        argv += ["-ex", "echo %s\\n" % MARK, "-ex", command]
    argv += ["-ex", "echo %s\\n" % MARK]
    env = dict(os.environ, **(interp.refscope_env if interp else {}))
    proc = subprocess.run(argv + args, capture_output=True, text=True, timeout=timeout, env=env)
    parts = proc.stdout.split(MARK + "\n")
    return parts[1:len(commands) + 1], proc.stderr, proc


def cli_equivalent(interp, command, target, extra=()):
    name, *options = command.split()
    doc = refscope_json(interp, name, options + list(target), extra)
    doc.pop("target")
    return doc


def gdb_doc(text):
    doc = json.loads(text)
    doc.pop("target")
    return doc


gdb_target = program_fixture("heap_target.py", GDB_INTERPRETERS)


COMMANDS = ["info", "gc", "summary", "cycles", "garbage", "refcheck", "objects --top 20", "top", "suspects",
            "audit --rules " + os.path.join(PROGRAMS, "heap_rules.txt")]
ADDRESS_COMMANDS = ["show", "refs", "referrers", "path", "dominators"]


def test_core_session_equals_cli(gdb_target):
    core = gdb_target.core()
    probe = "0x%x" % gdb_target.truth["probe"]
    commands = ["py-heap %s --json" % c for c in COMMANDS]
    commands += ["py-heap %s --json (void *)%s" % (c, probe) for c in ADDRESS_COMMANDS]
    outputs, stderr, _ = gdb([gdb_target.interp.argv[0], core], commands, gdb_target.interp)
    assert len(outputs) == len(commands), stderr
    for command, output in zip(COMMANDS, outputs):
        assert gdb_doc(output) == cli_equivalent(gdb_target.interp, command, [core]), command
    for command, output in zip(ADDRESS_COMMANDS, outputs[len(COMMANDS):]):
        assert gdb_doc(output) == cli_equivalent(gdb_target.interp, command, [core, probe]), command


def test_attached_session_equals_cli_and_process_runs_on(gdb_target):
    pid = str(gdb_target.pid)
    cli = cli_equivalent(gdb_target.interp, "summary", ["--pid", pid])
    outputs, stderr, _ = gdb(["-p", pid], ["py-heap summary --json", "py-heap summary --json", "detach"],
                             gdb_target.interp)
    assert gdb_doc(outputs[0]) == cli, stderr
    assert outputs[1] == outputs[0], "the second command on the same stop reuses the snapshot"
    gdb_target.assert_runs_on()


def test_errors_are_one_gdb_error_and_the_session_goes_on(gdb_target):
    core = gdb_target.core()
    outputs, stderr, _ = gdb([gdb_target.interp.argv[0], core],
                             ["py-heap show no_such_symbol_here", "py-heap show 0x10", "py-heap refs",
                              "py-heap gc --json"])
    errors = [line for line in stderr.splitlines() if line.startswith(("py-heap:", "refscope:"))]
    assert len(errors) == 3, stderr
    assert "cannot evaluate" in errors[0]
    assert errors[1] == "refscope: 0x10 is not the address of an object in this heap"
    assert json.loads(outputs[3])["interpreters"], "the session still works"


@pytest.mark.parametrize("interp", GDB_INTERPRETERS, ids=str)
def test_program_started_under_gdb(interp):
    if interp.missing:
        pytest.skip(interp.missing)
    with open(interp.argv[0], "rb") as f:
        wrapper = f.read(4) != b"\x7fELF"  # sid's interpreters start through a script and ld.so
    argv = ["gdb", "-batch", "-nx", "-ex", "source " + EXTENSION, "-ex", "run", "-ex", "echo " + MARK + "\\n",
            "-ex", " ".join(["py-heap summary --json"] + interp.refscope_args), "-ex", "echo " + MARK + "\\n",
            "-ex", "continue", "--args"] + (["/bin/sh"] if wrapper else []) + [
            interp.argv[0], os.path.join(PROGRAMS, "trap_target.py")]
    env = dict(os.environ, **interp.refscope_env)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    doc = json.loads(proc.stdout.split(MARK + "\n")[1])
    counts = {r["type"]: r["count"] for r in doc["types"]}
    assert counts["TrapMarker"] == 321
    assert re.search(r"\[Inferior 1 \(process \d+\) exited normally\]", proc.stdout), proc.stdout[-500:]


def test_non_python_inferior_is_one_error():
    outputs, stderr, _ = gdb(["/bin/true"], ["starti", "py-heap info", "kill"])
    errors = [line for line in stderr.splitlines() if line.startswith(("py-heap:", "refscope:"))]
    assert errors and "no Python interpreter found" in errors[0], stderr


def test_installed_extension_finds_installed_library(gdb_target, tmp_path):
    prefix = str(tmp_path / "prefix")
    install = subprocess.run(["make", "-s", "-C", REPO, "install", "PREFIX=" + prefix], capture_output=True,
                             text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    script = os.path.join(prefix, "share", "refscope", "gdb", "refscope.py")
    assert "source " + script in install.stdout
    argv = ["gdb", "-batch", "-nx", "-ex", "source " + script, "-ex", "py-heap gc --json",
            gdb_target.interp.argv[0], gdb_target.core()]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    doc = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert doc["interpreters"][0]["generations"], proc.stderr


def test_ctrl_c_stops_a_long_walk_and_the_session_goes_on(tmp_path):
    import signal

    interp = next(i for i in INTERPRETERS if i.name == "debian-3.11-dbg")
    if interp.missing:
        pytest.skip(interp.missing)
    big = subprocess.Popen(interp.argv + [os.path.join(PROGRAMS, "heap_target.py"), "--ballast", "1500000"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        pid = json.loads(big.stdout.readline())["pid"]
        subprocess.run(["gcore", "-o", str(tmp_path / "core"), str(pid)], capture_output=True, check=True)
    finally:
        big.kill()
        big.wait()
    core = str(tmp_path / ("core.%d" % pid))
    argv = ["gdb", "-batch", "-nx", "-ex", "source " + EXTENSION, "-ex", "py-heap garbage", "-ex",
            "py-heap gc --json", interp.argv[0], core]
    gdb_proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in gdb_proc.stderr:  # progress shows the walk is under way
        if line.startswith("py-heap: ") and "objects read" in line:
            gdb_proc.send_signal(signal.SIGINT)
            break
    stdout, stderr = gdb_proc.communicate(timeout=120)
    assert "refscope: interrupted after" in stderr, stderr
    doc = json.loads(stdout[stdout.index("{"):])
    assert doc["interpreters"][0]["generations"][0]["objects"] > 1500000


def test_remote_target_is_read_through_gdb():
    """A gdbserver remote: refscope cannot open the process itself, so it reads through gdb."""
    import socket

    interp = next(i for i in GDB_INTERPRETERS if i.name.startswith("pyenv-3.12") or i.name == "debian-3.11-dbg")
    if interp.missing:
        pytest.skip(interp.missing)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["gdbserver", "127.0.0.1:%d" % port, interp.argv[0],
                               os.path.join(PROGRAMS, "trap_target.py")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        outputs, stderr, proc = gdb([interp.argv[0]], ["target remote 127.0.0.1:%d" % port, "continue",
                                                      "py-heap summary --json", "py-heap gc --json", "continue"],
                                    interp)
        doc = json.loads(outputs[2])
        assert doc["target"]["kind"] == "debugger"
        counts = {r["type"]: r["count"] for r in doc["types"]}
        assert counts["TrapMarker"] == 321, stderr
        assert json.loads(outputs[3])["interpreters"][0]["generations"]
        assert "exited normally" in outputs[4], outputs[4]
    finally:
        server.kill()
        server.wait()


def test_dot_file_is_written_where_the_cli_would_print_it(gdb_target, tmp_path):
    core = gdb_target.core()
    picture = str(tmp_path / "cycles.dot")
    outputs, stderr, _ = gdb([gdb_target.interp.argv[0], core], ["py-heap cycles --top 2 --dot " + picture],
                             gdb_target.interp)
    assert "picture written to " + picture in outputs[0], stderr
    with open(picture) as f:
        drawn = f.read()
    cli = subprocess.run([REFSCOPE_BIN, "cycles", "--top", "2", "--dot"] + gdb_target.interp.refscope_args + [core],
                         capture_output=True, text=True, env=dict(os.environ, **gdb_target.interp.refscope_env))
    assert drawn == cli.stdout and drawn.startswith("digraph ")


def test_diff_compares_gdbs_target_with_a_core(gdb_target):
    """py-heap diff CORE: gdb's target (here the same core) against CORE, as
    the command line answers it; nothing is new."""
    core = gdb_target.core()
    outputs, stderr, _ = gdb([gdb_target.interp.argv[0], core], ["py-heap diff --json %s" % core], gdb_target.interp)
    doc = gdb_doc(outputs[0])
    assert doc == cli_equivalent(gdb_target.interp, "diff", [core, core]), stderr
    assert doc["new"]["objects"] == 0 and doc["gone"]["objects"] == 0
