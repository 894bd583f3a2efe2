"""Threads doing checksummed work, for refscope's live load and fault tests.

Each worker thread repeats one unit of work whose result is known beforehand
and counts the units that came out right and wrong: a sha256 chain over a
fixed buffer (hashlib drops the GIL for large buffers), a sum of squares in
pure Python, and a list of tuples built and summed (gc-tracked objects that
come and go, so the gc lists change under the collector, which stays
enabled). A wrong result would mean something disturbed the process.

Options:
  --threads N      worker threads (default 8)
  --ballast N      N small lists kept alive (a heap of known size)
  --pause MS       each worker sleeps MS milliseconds after each unit (default 0)
  --churn N        N spawner threads that start short-lived threads in a loop,
                   each doing one unit of work and ending
  --exit-after MS  end the process normally MS milliseconds after the ready
                   line, by --exit-mode: "sys.exit" (main thread calls
                   sys.exit(0)), "return" (main returns, the script ends) or
                   "thread-exit" (a worker calls os._exit(0))

Prints one JSON line once running: {"pid", "tracked"} (tracked is
len(gc.get_objects()) then). Commands on stdin: "report" answers one JSON line
{"ok": [...], "bad": [...], "errors": [...], "spawned", "finished", "error"};
"quit" ends the program.
"""
import gc
import hashlib
import json
import os
import sys
import threading
import time

BUFFER = bytes(range(256)) * 64  # 16 KiB: hashlib releases the GIL
CHAIN = 4
SQUARES = 500


def sha_chain():
    digest = BUFFER
    for _ in range(CHAIN):
        digest = hashlib.sha256(digest + BUFFER).digest()
    return digest


def sum_of_squares():
    total = 0
    for i in range(SQUARES):
        total += i * i
    return total


def tuples_sum():
    items = [(i, [i, str(i)]) for i in range(200)]
    return sum(pair[1][0] for pair in items)


EXPECTED_SHA = sha_chain()
EXPECTED_SQUARES = (SQUARES - 1) * SQUARES * (2 * SQUARES - 1) // 6
EXPECTED_TUPLES = 199 * 200 // 2


def unit_of_work():
    """True when every result is the known one."""
    return (sha_chain() == EXPECTED_SHA and sum_of_squares() == EXPECTED_SQUARES
            and tuples_sum() == EXPECTED_TUPLES)


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


class Counters:
    def __init__(self, n):
        self.ok = [0] * n
        self.bad = [0] * n
        self.errors = [0] * n
        self.spawned = 0
        self.finished = 0
        self.spawn_bad = 0
        self.first_error = None


def worker(i, counters, stop, pause):
    while not stop.is_set():
        if pause:
            time.sleep(pause)
        try:
            if unit_of_work():
                counters.ok[i] += 1
            else:
                counters.bad[i] += 1
        except Exception as e:  # counted, and the first one reported
            counters.errors[i] += 1
            counters.first_error = counters.first_error or repr(e)


def short_lived(counters, lock):
    right = unit_of_work()
    with lock:
        counters.finished += 1
        if not right:
            counters.spawn_bad += 1


def spawner(counters, stop, lock):
    while not stop.is_set():
        try:
            t = threading.Thread(target=short_lived, args=(counters, lock), daemon=True)
            t.start()
            with lock:
                counters.spawned += 1
            t.join()
        except Exception as e:
            with lock:
                counters.first_error = counters.first_error or repr(e)


def main():
    n = int(option("--threads", "8"))
    ballast = [[i] for i in range(int(option("--ballast", "0")))]
    counters = Counters(n)
    stop = threading.Event()
    lock = threading.Lock()
    pause = float(option("--pause", "0")) / 1000
    for i in range(n):
        threading.Thread(target=worker, args=(i, counters, stop, pause), daemon=True).start()
    for _ in range(int(option("--churn", "0"))):
        threading.Thread(target=spawner, args=(counters, stop, lock), daemon=True).start()
    print(json.dumps({"pid": os.getpid(), "tracked": len(gc.get_objects())}), flush=True)

    exit_after = option("--exit-after", None)
    if exit_after is not None:
        mode = option("--exit-mode", "sys.exit")
        if mode == "thread-exit":
            threading.Thread(target=lambda: (time.sleep(int(exit_after) / 1000), os._exit(0)),
                             daemon=True).start()
            time.sleep(3600)
        time.sleep(int(exit_after) / 1000)
        if mode == "sys.exit":
            sys.exit(0)
        return  # "return": the script ends, the interpreter finalizes

    for line in sys.stdin:
        command = line.strip()
        if command == "report":
            print(json.dumps({"ok": list(counters.ok), "bad": list(counters.bad),
                              "errors": list(counters.errors), "spawned": counters.spawned,
                              "finished": counters.finished, "spawn_bad": counters.spawn_bad,
                              "error": counters.first_error}), flush=True)
        elif command == "quit":
            break
    stop.set()
    del ballast


if __name__ == "__main__":
    main()
