"""The graph build's helper threads under ThreadSanitizer (`make tsan`).

Takes a core of a real-world heap (tests/programs/realworld_target.py under
Debian's python3.11) and of a generated heap of 300K objects
(bench/heap_generator.py), then runs refscope built with -fsanitize=thread
on each, with the decoder thread forced on (REFSCOPE_THREADS=2): any data
race TSan sees fails the run.

Usage: tsan_check.py REFSCOPE_TSAN_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3.11"
COMMANDS = [["summary"], ["garbage"], ["cycles"], ["top"]]


def core_of(argv, workdir, name):
    """A gcore of the program, once it printed its first line."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        json.loads(proc.stdout.readline())
        prefix = os.path.join(workdir, name)
        subprocess.run(["gcore", "-o", prefix, str(proc.pid)], capture_output=True, check=True, timeout=300)
        return "%s.%d" % (prefix, proc.pid)
    finally:
        proc.kill()
        proc.wait()


def main():
    binary = sys.argv[1]
    if not os.access(PYTHON, os.X_OK):
        sys.exit("tsan: %s is missing (make test-deps installs it)" % PYTHON)
    env = dict(os.environ, REFSCOPE_THREADS="2", TSAN_OPTIONS="halt_on_error=1 exitcode=66")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="refscope-tsan-") as workdir:
        cores = [core_of([PYTHON, os.path.join(REPO, "tests", "programs", "realworld_target.py")], workdir,
                         "realworld"),
                 core_of([PYTHON, os.path.join(REPO, "bench", "heap_generator.py"), "300000", "42"], workdir,
                         "generated")]
        for core in cores:
            for command in COMMANDS:
                proc = subprocess.run([binary, "--json"] + command + [core], capture_output=True, text=True,
                                      env=env, timeout=600)
                race = "ThreadSanitizer" in proc.stderr
                print("tsan: %-8s %s: %s" % (command[0], os.path.basename(core),
                                             "RACE" if race else "exit %d" % proc.returncode))
                if race or proc.returncode != 0:
                    failed += 1
                    sys.stderr.write(proc.stderr[-6000:])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
