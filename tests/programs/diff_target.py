"""A program that leaks on command (test_diff.py): each "leak N" line puts N
new Leak objects (a __slots__ class: one object each, nothing else) into
the module-level REGISTRY["leaks"] list and answers one JSON line with
their ids and sizes; "churn N" replaces the N entries of REGISTRY["cache"]
with N new ones and answers the ids of both; "leak_in S N T" answers
"sleeping" once the command's own objects are gone, sleeps S seconds,
leaks N, answers, then sleeps T seconds more (so that two snapshots, one in
each sleep, see the program in the same place). Nothing else it does keeps an object: the
command's own strings are dropped before the next read. The collector is
disabled."""
import gc
import json
import os
import sys
import time

gc.disable()


class Leak:
    __slots__ = ("n",)

    def __init__(self):
        self.n = None


REGISTRY = {"leaks": [], "cache": []}


def leak(n):
    made = [Leak() for _ in range(n)]
    REGISTRY["leaks"].extend(made)
    answer = json.dumps({"leaked": [id(o) for o in made], "bytes": sum(sys.getsizeof(o) for o in made)})
    del made
    return answer


def churn(n):
    """A cache turning over: its n entries freed, n new ones made (which
    take the freed addresses, as the allocator hands them out again)."""
    cache = REGISTRY["cache"]
    old = [id(o) for o in cache]
    cache.clear()
    cache.extend(Leak() for _ in range(n))
    answer = json.dumps({"old": old, "new": [id(o) for o in cache]})
    del old, cache
    return answer


def serve():
    leak(0)  # the first call's own allocations happen before any snapshot
    sys.stdout.write(json.dumps({"pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    while True:
        line = sys.stdin.readline()
        words = line.split()
        del line
        if not words or words[0] == "quit":
            return
        if words[0] == "leak_in":
            delay, count, rest = float(words[1]), int(words[2]), float(words[3])
            del words
            sys.stdout.write("sleeping\n")
            sys.stdout.flush()
            time.sleep(delay)
            answer = leak(count)
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
            del answer
            time.sleep(rest)
            continue
        if words[0] == "leak":
            answer = leak(int(words[1]))
        elif words[0] == "churn":
            answer = churn(int(words[1]))
        elif words[0] == "alive":
            answer = "alive %d" % sum(range(1234))
        del words
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
        del answer


serve()
