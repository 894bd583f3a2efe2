"""What the test programs share: the truth of gc.collect() taken in a forked
child (same heap, same addresses), and handing the truth to the test."""
import gc
import json
import os
import sys


def collected_by_fork(describe=id):
    """describe(o) of every object gc.collect() finds unreachable now, asked
    of CPython in a forked child under DEBUG_SAVEALL (the parent's heap is
    left as it is)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        gc.set_debug(gc.DEBUG_SAVEALL)
        before = len(gc.garbage)
        gc.collect()
        data = json.dumps([describe(o) for o in gc.garbage[before:]]).encode()
        while data:
            data = data[os.write(write, data):]
        os._exit(0)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def serve(truth):
    """One JSON line of truth on stdout, then waits for "quit" on stdin."""
    sys.stdout.write(json.dumps(truth) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if line.strip() == "quit":
            break
