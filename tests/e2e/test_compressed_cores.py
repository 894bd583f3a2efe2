"""Cores compressed as systemd-coredump stores them (zstd; lz4 and xz on
older systems), by the real tools: read from the magic number, whatever the
name, with the same answers as the plain core; a truncated stream is one
line and exit 2; --coredump finds the newest matching core in
systemd-coredump's storage, named as it names them, and says which. A
free-threaded build is refused by name."""
import json
import os
import shutil
import struct
import subprocess

import pytest

from conftest import INTERPRETERS, core_file_offset, program_fixture, refscope_json, run_refscope

SOME = [i for i in INTERPRETERS if i.name in ("debian-3.11-dbg", "sid-3.14-dwarf")]
heap_target = program_fixture("heap_target.py", SOME)
TOOLS = {"zstd": ["zstd", "-q", "-c"], "lz4": ["lz4", "-q", "-c"], "xz": ["xz", "-1", "-T2", "-c"]}


def compressed(core, tool, directory):
    if not shutil.which(tool):
        pytest.skip("no %s on this machine" % tool)
    path = os.path.join(directory, "core-of-some-kind.%s" % tool)  # the name says nothing true
    with open(path, "wb") as out:
        subprocess.run(TOOLS[tool] + [core], stdout=out, check=True, timeout=300)
    return path


def answers(interp, target):
    docs = [refscope_json(interp, command, [target]) for command in ("summary", "garbage")]
    for doc in docs:
        doc.pop("target")
    return docs


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_a_compressed_core_reads_as_the_plain_one(heap_target, tool, tmp_path):
    core = heap_target.core()
    path = compressed(core, tool, str(tmp_path))
    assert answers(heap_target.interp, path) == answers(heap_target.interp, core)
    with open(path, "rb") as f:
        data = f.read()
    cut = str(tmp_path / ("cut." + tool))
    with open(cut, "wb") as f:
        f.write(data[: len(data) // 2])
    proc = run_refscope(heap_target.interp.refscope_args + ["info", cut], env=heap_target.interp.refscope_env)
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    assert "%s-compressed core that does not decode" % tool in proc.stderr


def test_coredump_takes_the_newest_matching_core(heap_target, tmp_path):
    core = heap_target.core()
    storage = tmp_path / "coredump"
    storage.mkdir()
    boot = "0123456789abcdef0123456789abcdef"
    comm = os.path.basename(heap_target.interp.argv[0]).replace(".", "\\x2e")
    newest = storage / ("core.%s.0.%s.%d.1765000000000000.zst" % (comm, boot, heap_target.pid))
    shutil.copy(compressed(core, "zstd", str(tmp_path)), newest)
    (storage / ("core.%s.0.%s.%d.1764000000000000.zst" % (comm, boot, heap_target.pid))).write_bytes(b"old")
    (storage / ("core.bash.0.%s.1.1766000000000000.zst" % boot)).write_bytes(b"another program")
    env = dict(heap_target.interp.refscope_env, REFSCOPE_COREDUMP_DIR=str(storage))
    for match in (str(heap_target.pid), os.path.basename(heap_target.interp.argv[0])):
        proc = run_refscope(["--json"] + heap_target.interp.refscope_args + ["summary", "--coredump", match], env=env)
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)
        notes = [w for w in doc.pop("warnings") if w.startswith("--coredump")]
        assert notes == ["--coredump %s: %s (%s, pid %d), the newest of 2 matching" % (
            match, newest, os.path.basename(heap_target.interp.argv[0]), heap_target.pid)], notes
        doc.pop("target")
        plain = refscope_json(heap_target.interp, "summary", [core])
        plain.pop("target")
        plain.pop("warnings")
        assert doc == plain
    proc = run_refscope(heap_target.interp.refscope_args + ["info", "--coredump", "no-such-program"], env=env)
    assert proc.returncode == 2 and "systemd-coredump has no core" in proc.stderr


def test_a_free_threaded_build_is_refused_by_name(heap_target, tmp_path):
    """No free-threaded build can be installed here: the core of a default
    build, with the free_threaded word of its _Py_DebugOffsets (the third
    word of _PyRuntime) set as such a build sets it, is refused in one line."""
    if heap_target.truth["hexversion"] < 0x030D0000:
        pytest.skip("%s: _Py_DebugOffsets, where the build says it is free-threaded, exists from 3.13 on"
                    % heap_target.interp)
    core = heap_target.core()
    runtime = int(refscope_json(heap_target.interp, "info", [core])["python"]["runtime"], 16)
    patched = str(tmp_path / "free-threaded.core")
    shutil.copyfile(core, patched)
    with open(patched, "r+b") as f:
        f.seek(core_file_offset(core, runtime + 16))
        assert struct.unpack("<Q", f.read(8)) == (0,)
        f.seek(-8, os.SEEK_CUR)
        f.write(struct.pack("<Q", 1))
    proc = run_refscope(heap_target.interp.refscope_args + ["summary", patched], env=heap_target.interp.refscope_env)
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    version = "%d.%d" % (heap_target.truth["hexversion"] >> 24, heap_target.truth["hexversion"] >> 16 & 0xFF)
    assert proc.stderr.startswith("refscope: free-threaded builds are not supported yet: this is Python %st" % version)
