"""Live targets under load and at their end: many consecutive runs against a
process doing checksummed work, proof that a live run writes nothing into the
target, and targets whose threads or whole process end while refscope reads.

All on Debian's stripped 3.11 (the builtin layout), like test_live_signals.
With REFSCOPE_BIN pointing at the sanitizer build (`make check SANITIZE=1`)
every run here is also a LeakSanitizer run: a leak makes refscope exit
non-zero with a report, which the exit-status checks below catch.
"""
import json
import mmap
import os
import random
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import INTERPRETERS, PROGRAMS, REFSCOPE, Target, quit_process, refscope_json, require_present

INTERP = next(i for i in INTERPRETERS if i.name == "debian-3.11-stripped")
PAGE = 4096
RUN_TIMEOUT = 60


def refscope_env():
    env = dict(os.environ)
    env.update(INTERP.refscope_env)
    return env


# A subprocess starts with its parent's peak RSS as its own (vfork and exec
# keep the parent's high-water mark; fork copies the pages), so wait4 on a
# child of pytest reports pytest's size. refscope is run as the grandchild of
# this small program instead, which reports the exit status and ru_maxrss.
MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def launch(args, timeout=RUN_TIMEOUT):
    """Runs refscope directly (as soon as possible: no measuring wrapper);
    returns (returncode, stdout, stderr). A hang fails the test."""
    try:
        proc = subprocess.run([REFSCOPE] + args, capture_output=True, env=refscope_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("refscope %s hung (killed after %d s)" % (" ".join(args), timeout))
    return proc.returncode, utf8(proc.stdout, "stdout"), utf8(proc.stderr, "stderr")


def utf8(data, what):
    """JSON and messages are UTF-8 text, whatever bytes the target holds."""
    try:
        return data.decode()
    except UnicodeDecodeError as e:
        pytest.fail("refscope's %s is not UTF-8 at byte %d: %r" % (what, e.start, data[max(0, e.start - 400):
                                                                                     e.start + 100]))


def run_measured(args, timeout=RUN_TIMEOUT, program=REFSCOPE):
    """Runs refscope; returns (returncode, stdout, stderr, peak RSS in KiB).
    A run past the timeout is killed and fails the test: refscope must never
    hang."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as result:
        proc = subprocess.Popen([sys.executable, "-S", "-I", "-c", MEASURE, result.name, program] + args,
                                stdout=out, stderr=err, env=refscope_env(), start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail("refscope %s hung (killed after %d s)" % (" ".join(args), timeout))
        assert proc.returncode == 0, "the measuring wrapper failed: %s" % err.read()
        code, maxrss = (int(x) for x in result.read().split())
        out.seek(0)
        err.seek(0)
        return code, utf8(out.read(), "stdout"), utf8(err.read(), "stderr"), maxrss


def assert_not_stopped(pid):
    """No thread of the process is in a stop or traced. Threads that end
    meanwhile are skipped; returns False when the process itself is gone."""
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return False
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        except (FileNotFoundError, ProcessLookupError):
            continue
        state = fields["State"]
        assert state[0] not in "tT", "thread %s of %d left stopped: %s" % (tid, pid, state)
        assert fields["TracerPid"] == "0", "thread %s of %d left traced by %s" % (tid, pid, fields["TracerPid"])
    return True


def tracked_count(command, doc):
    """The number of gc-tracked objects a document reports."""
    if command == "summary":
        assert doc["objects"] >= doc["gc_tracked_objects"]
        return doc["gc_tracked_objects"]
    interp = doc["interpreters"][0]
    if command == "gc":
        return sum(g["objects"] for g in interp["generations"]) + interp["permanent"]["objects"]
    return interp["gc"]["objects"]


class Checksums:
    """tests/programs/checksum_threads.py, and its report."""

    def __init__(self, *args, wait_ready=True):
        self.proc = subprocess.Popen(INTERP.argv + [os.path.join(PROGRAMS, "checksum_threads.py")] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid
        if wait_ready:
            ready = self.proc.stdout.readline()
            assert ready, "checksum_threads.py did not start"
            self.ready = json.loads(ready)

    def report(self):
        self.proc.stdin.write("report\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def report_after_progress(self, before, key, timeout=20):
        """The first report in which every counter under key passed before's."""
        deadline = time.monotonic() + timeout
        while True:
            now = self.report()
            mine, theirs = now[key], before[key]
            if isinstance(mine, int):
                mine, theirs = [mine], [theirs]
            if all(b > a for a, b in zip(theirs, mine)) or time.monotonic() > deadline:
                return now
            time.sleep(0.05)

    def close(self):
        quit_process(self.proc)


@pytest.fixture
def checksums():
    require_present(INTERP)
    made = []

    def start(*args, **kwargs):
        made.append(Checksums(*args, **kwargs))
        return made[-1]

    yield start
    for c in made:
        c.close()


def assert_work_right(report):
    assert report["bad"] == [0] * len(report["bad"]), "wrong results: %s" % report
    assert report["errors"] == [0] * len(report["errors"]), "errors: %s" % report
    assert report["spawn_bad"] == 0 and report["error"] is None, report


# -- 1. load ---------------------------------------------------------------------------------

LOAD_RUNS = 200
LOAD_COMMANDS = ["summary", "gc", "info"]
RSS_WINDOW = 10  # runs per command compared at the start and at the end


def test_two_hundred_live_runs_keep_the_work_right_and_refscope_lean(checksums):
    """200 consecutive --pid runs against 8 threads doing checksummed work:
    after each run no thread is stopped or traced and the answer is sane; at
    the end no unit of work came out wrong, every thread went on working, and
    refscope's peak RSS at the last runs is that of the first runs."""
    target = checksums("--threads", "8", "--ballast", "10000", "--pause", "10")
    base = target.ready["tracked"]
    before = target.report()
    floor = run_measured([], program="/bin/true")[3]  # what the measuring adds
    rss = {c: [] for c in LOAD_COMMANDS}
    started = time.monotonic()
    for run in range(LOAD_RUNS):
        command = LOAD_COMMANDS[run % len(LOAD_COMMANDS)]
        code, out, err, maxrss = run_measured(["--json"] + INTERP.refscope_args + [command, "--pid", str(target.pid)])
        assert assert_not_stopped(target.pid), "the target died at run %d" % run
        assert code == 0, "run %d (%s) exited %d: %s" % (run, command, code, err[-3000:])
        doc = json.loads(out)
        assert doc["target"]["kind"] == "live"
        # The heap is the ballast and the interpreter's own objects, plus what
        # the 8 workers hold at the moment (each unit builds 400 tracked objects).
        n = tracked_count(command, doc)
        assert base * 0.95 <= n <= base + 8 * 450 + 1000, "run %d (%s): %d tracked objects, %d at start" % (
            run, command, n, base)
        rss[command].append(maxrss)
    elapsed = time.monotonic() - started
    during = target.report()
    after = target.report_after_progress(during, "ok")
    print("%d runs in %.1f s; peak RSS KiB (floor %d) per command, first/last %d: %s" % (
        LOAD_RUNS, elapsed, floor, RSS_WINDOW,
        {c: (r[:RSS_WINDOW], r[-RSS_WINDOW:]) for c, r in rss.items()}))
    print("units of work per thread: before %s, during %s, after %s" % (before["ok"], during["ok"], after["ok"]))
    assert_work_right(after)
    assert all(b > a for a, b in zip(before["ok"], during["ok"])), "a thread stalled during the runs"
    assert all(b > a for a, b in zip(during["ok"], after["ok"])), "a thread stalled after the last run"
    for command, values in rss.items():
        first, last = values[:RSS_WINDOW], values[-RSS_WINDOW:]
        assert min(values) > floor, "the peak RSS measured is the wrapper's, not refscope's"
        # Same heap each time: the last runs may not need more than the first
        # beyond noise (5% and 1 MiB).
        limit = max(first) * 1.05 + 1024
        assert statistics.median(last) <= statistics.median(first) * 1.05 + 1024, (command, first, last)
        assert max(last) <= limit, (command, first, last)


# -- 2. never write to the target --------------------------------------------------------------

def core_segments(path):
    """PT_LOAD segments of an ELF64 core with bytes in the file: {vaddr: (offset, filesz)}."""
    with open(path, "rb") as f:
        ident = f.read(64)
        assert ident[:4] == b"\x7fELF" and ident[4] == 2 and ident[5] == 1, "not a little-endian ELF64 file"
        phoff, = struct.unpack_from("<Q", ident, 32)
        phentsize, phnum = struct.unpack_from("<HH", ident, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    segments = {}
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from("<IIQQQQQQ", table, i * phentsize)
        if p_type == 1 and p_filesz:
            segments[p_vaddr] = (p_offset, p_filesz)
    return segments


def core_pages(path):
    """{page address: (mmap, offset)} for every whole page the core holds."""
    f = open(path, "rb")
    data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    f.close()
    pages = {}
    for vaddr, (offset, filesz) in core_segments(path).items():
        for delta in range(0, filesz - filesz % PAGE, PAGE):
            pages[vaddr + delta] = (data, offset + delta)
    return pages


def page_bytes(where):
    data, offset = where
    return data[offset:offset + PAGE]


def changed_pages(a, b):
    """Pages present in only one of two cores, or with different bytes."""
    changed = set(a.keys() ^ b.keys())
    changed.update(p for p in a.keys() & b.keys() if page_bytes(a[p]) != page_bytes(b[p]))
    return changed


def words_changed(a, b):
    """The 8-byte words two pages differ in: offset in the page, before, after (the first 8)."""
    a, b = page_bytes(a), page_bytes(b)
    return [(hex(a_off), a[a_off:a_off + 8].hex(), b[a_off:a_off + 8].hex())
            for a_off in range(0, PAGE, 8) if a[a_off:a_off + 8] != b[a_off:a_off + 8]][:8]


def mapping_of(maps, address):
    for line in maps:
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        if lo <= address < hi:
            return line
    return "?"


def test_a_live_run_writes_nothing_into_the_target(tmp_root):
    """An idle target (main thread blocked on stdin, its other threads on an
    event) is dumped with gcore twice, read live with every graph command,
    and dumped again. Every page the two first dumps agree on (the pages
    gcore's own attach does not change) must be byte-identical in the third:
    refscope wrote nothing, not even through the kernel's restart of the
    system calls its interrupt cut short. The pages compared must hold the
    Python heap: nearly all of the dump."""
    require_present(INTERP)
    tmpdir = tempfile.mkdtemp(dir=tmp_root)
    # The kernel itself writes into an idle process: the CPU number in each
    # thread's rseq area (glibc's thread descriptor, atop its stack), whenever
    # the thread resumes on another CPU -- as it does after any ptrace stop,
    # gcore's or refscope's. A target born on one CPU keeps the same number.
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(affinity)})
    try:
        target = Target(INTERP, tmpdir=tmpdir, args=["--ballast", "100000"])
    finally:
        os.sched_setaffinity(0, affinity)
    try:
        def gcore(label):
            # Target.core() takes the core; one directory per core keeps them apart.
            target.tmpdir = os.path.join(tmpdir, label)
            os.mkdir(target.tmpdir)
            target._core = None
            return target.core()

        with open("/proc/%d/maps" % target.pid) as f:
            maps = f.read().splitlines()
        first = core_pages(gcore("first"))
        second = core_pages(gcore("second"))
        heap_bytes = 0
        for command in ["summary", "gc", "garbage", "cycles", "refcheck"]:
            doc = refscope_json(INTERP, command, ["--pid", str(target.pid)])
            if command == "summary":
                heap_bytes = doc["bytes"]  # every object found, tracked or not
        third = core_pages(gcore("third"))
        target.assert_runs_on()

        unstable = changed_pages(first, second)
        compared = (second.keys() & third.keys()) - unstable
        differ = sorted(p for p in compared if page_bytes(second[p]) != page_bytes(third[p]))
        print("%d pages in the dump; %d change by themselves between two gcores (%s); %d compared, %d differ" % (
            len(second), len(unstable), sorted({mapping_of(maps, p) for p in unstable}), len(compared),
            len(differ)))
        assert second.keys() == third.keys(), "the mappings changed: %s" % sorted(
            mapping_of(maps, p) for p in second.keys() ^ third.keys())
        assert not differ, "refscope changed %d pages of the target: %s" % (len(differ), [
            (mapping_of(maps, p), words_changed(second[p], third[p])) for p in differ[:10]])
        # The compared pages are the heap: the probes' pages, at least as many
        # bytes as the objects take, and all but a sliver of the dump.
        for probe in (target.truth["probe"], target.truth["probe_list"]):
            assert probe - probe % PAGE in compared, "object 0x%x not compared" % probe
        assert len(compared) * PAGE >= heap_bytes > 0
        assert len(unstable) <= 0.01 * len(second), "%d of %d pages unstable" % (len(unstable), len(second))
    finally:
        target.close()


# -- 3. targets that end while being read --------------------------------------------------------

EXIT_TRIALS = 30
EXIT_MODES = ["sys.exit", "return", "thread-exit"]


def process_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return "gone"


def assert_clean_outcome(code, out, err, what):
    """Exit 0 with a JSON document, or exit 2 with one line 'refscope: ...'."""
    assert code >= 0, "%s: refscope died of signal %d: %s" % (what, -code, err[-3000:])
    if code == 0:
        doc = json.loads(out)
        assert doc["target"]["kind"] == "live", what
        return "ok"
    assert code == 2, "%s: exit %d: %s" % (what, code, err[-3000:])
    assert out == "", "%s: exit 2 left output: %r" % (what, out[:500])
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("refscope: "), "%s: %r" % (what, err[-3000:])
    assert "ptrace refused" not in lines[0], "%s: an ending process is not a permission problem: %s" % (
        what, lines[0])
    return lines[0]


def test_target_exiting_normally_at_a_random_moment(checksums):
    """A process whose threads are all stopped cannot exit: exiting is code
    the process runs (sys.exit, returning from main, os._exit all end in the
    exit_group system call), and a thread in a ptrace stop runs none; only
    SIGKILL ends it then, which test_live_signals covers. So "exits while
    frozen" cannot happen. The nearest real cases are the ones tested here:
    the process ends just before refscope opens it (a zombie its parent has
    not reaped yet), while refscope is stopping its threads one by one (a
    thread not stopped yet calls exit_group and takes the stopped ones with
    it, so the memory vanishes mid-read), during interpreter finalization
    (the heap being torn down), and just after refscope lets it go; and, at
    the other end, while the interpreter is still starting. Each of 30
    targets, with 4 worker threads, ends by sys.exit, by returning from main,
    or by os._exit from a worker thread, 0-100 ms after its start-up (once
    its threads run), while refscope is started against it from its first
    moment, again and again until it has ended. Every run succeeds
    (exit 0, JSON) or exits 2 with one line "refscope: ..."; never a crash,
    a hang or a multi-line report; the target is never left stopped or
    traced, and it exits with status 0: it ended as it meant to."""
    rng = random.Random(5)
    outcomes = {}
    for trial in range(EXIT_TRIALS):
        mode = EXIT_MODES[trial % len(EXIT_MODES)]
        delay = rng.randint(0, 100)
        # refscope is launched at once, while the interpreter starts, and
        # again and again until the process has ended.
        target = checksums("--threads", "4", "--exit-after", str(delay), "--exit-mode", mode, wait_ready=False)
        what = "trial %d (%s %d ms after start-up)" % (trial, mode, delay)
        runs = 0
        # Until the process is a zombie (not reaped: the pid stays its own
        # until wait() below).
        while runs < 50:
            state = process_state(target.pid)
            command = LOAD_COMMANDS[runs % len(LOAD_COMMANDS)]
            code, out, err = launch(["--json"] + INTERP.refscope_args + [command, "--pid", str(target.pid)])
            outcome = assert_clean_outcome(code, out, err, "%s, run %d (%s)" % (what, runs, command))
            outcome = outcome.replace(str(target.pid), "PID")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            runs += 1
            if not assert_not_stopped(target.pid) or state == "Z":
                break  # one run against the zombie, then no more
        assert target.proc.wait(timeout=30) == 0, "%s: the target did not end as it meant to" % what
    # Which ones occur depends on the machine's speed and load: not asserted.
    print("outcomes over %d trials: %s" % (EXIT_TRIALS, outcomes))


def test_exited_unreaped_target_is_named_exited(checksums):
    """A process that has exited but that its parent has not reaped yet (a
    zombie) is reported as exited, not as a ptrace permission problem
    (ptrace refuses a zombie with EPERM, as it refuses a forbidden process)."""
    target = checksums("--threads", "2", "--exit-after", "0", "--exit-mode", "thread-exit")
    deadline = time.monotonic() + 20
    while process_state(target.pid) != "Z":
        assert time.monotonic() < deadline, "the target did not exit"
        time.sleep(0.01)
    code, out, err = launch(["--json", "gc", "--pid", str(target.pid)])
    assert (code, out, err) == (2, "", "refscope: process %d exited before it could be read\n" % target.pid)
    assert target.proc.wait(timeout=10) == 0


def test_a_type_name_that_is_not_text_keeps_the_json_text(tmp_root):
    """Frozen mid-operation, a live heap shows freed objects whose ob_type
    looks like a type and whose tp_name points at arbitrary bytes (the random
    exit test met names like b"\\xc0\\x8a\\x97"). Those bytes must not reach
    the JSON document, which is UTF-8: the type is reported unreadable, with
    a warning naming it, and its objects are still counted."""
    require_present(INTERP)
    proc = subprocess.Popen(INTERP.argv + [os.path.join(PROGRAMS, "bad_type_name.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        truth = json.loads(proc.stdout.readline())
        code, out, err = launch(["--json", "summary", "--pid", str(truth["pid"])])
        assert code == 0, err
        doc = json.loads(out)
        rows = [t for t in doc["types"] if t["type_address"] == hex(truth["type"])]
        assert [(r["type"], r["count"]) for r in rows] == [("<unreadable type at 0x%x>" % truth["type"],
                                                             truth["count"])]
        assert any(w.startswith("type object at 0x%x: its name at 0x" % truth["type"]) and w.endswith("is not text")
                   for w in doc["warnings"]), doc["warnings"][:5]
        assert_not_stopped(truth["pid"])
    finally:
        proc.kill()
        proc.wait()


CHURN_RUNS = 30


def test_threads_starting_and_ending_while_read(checksums):
    """3 threads start short-lived threads in a loop (each does one unit of
    checksummed work and ends) next to 2 workers: threads appear and vanish
    while refscope lists and stops them. Every run succeeds, and the target
    runs on: nothing stopped or traced, threads still start and end, every
    unit of work right."""
    target = checksums("--threads", "2", "--churn", "3", "--pause", "2", "--ballast", "5000")
    before = target.report()
    for run in range(CHURN_RUNS):
        command = LOAD_COMMANDS[run % len(LOAD_COMMANDS)]
        code, out, err = launch(["--json"] + INTERP.refscope_args + [command, "--pid", str(target.pid)])
        assert assert_not_stopped(target.pid), "the target died at run %d" % run
        assert code == 0, "run %d (%s) exited %d: %s" % (run, command, code, err[-3000:])
        doc = json.loads(out)
        if command == "info":
            # The main thread, 2 workers, 3 spawners, and 0 to 3 short-lived threads.
            assert 6 <= doc["interpreters"][0]["threads"] <= 9, doc["interpreters"][0]["thread_list"]
    during = target.report()
    after = target.report_after_progress(during, "finished")
    after = target.report_after_progress(after, "ok")
    print("threads started/ended: before %d/%d, during %d/%d, after %d/%d" % (
        before["spawned"], before["finished"], during["spawned"], during["finished"], after["spawned"],
        after["finished"]))
    assert_work_right(after)
    assert during["finished"] > before["finished"] + CHURN_RUNS, "threads hardly came and went during the runs"
    assert after["finished"] > during["finished"], "threads stopped coming and going"
    assert all(b > a for a, b in zip(during["ok"], after["ok"])), "a worker stalled"
