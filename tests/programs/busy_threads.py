"""50 threads that never stop computing, and a main thread that reports their
progress on request: a live target that must be frozen whole and let go."""
import os
import sys
import threading

COUNTERS = [0] * 50


def spin(i):
    while True:
        COUNTERS[i] += 1


for i in range(50):
    threading.Thread(target=spin, args=(i,), daemon=True).start()
print(os.getpid(), flush=True)
for line in sys.stdin:
    if line.strip() == "progress":
        # How many threads advance within 10 s (the GIL hands out turns slowly when busy).
        before = list(COUNTERS)
        for _ in range(100):
            if all(b > a for a, b in zip(before, COUNTERS)):
                break
            threading.Event().wait(0.1)
        print(sum(1 for a, b in zip(before, COUNTERS) if b > a), flush=True)
    elif line.strip() == "quit":
        break
