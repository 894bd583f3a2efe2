"""A seeded, service-like heap of about N gc-tracked objects, for `make bench`.

Run by the interpreter under test:  python heap_generator.py N SEED
Prints one JSON line {"pid", "tracked"} when the heap is built, then answers
"analyze" with the fastest analysis Python itself offers, timed in the
process (gc.get_objects, gc.get_referents for each object, an iterative
strongly-connected-components pass, and the unreachable computation gc
does), "collect" with the time of one gc.collect() in a forked child, and
"quit".
"""
import gc
import json
import os
import random
import resource
import sys
import time


class Session:
    def __init__(self, user, rng):
        self.user = user
        self.history = [rng.random() for _ in range(rng.randrange(3))]
        self.tags = {"region": "eu", "tier": rng.randrange(5)}


class Point:
    __slots__ = ("x", "y", "meta")

    def __init__(self, x, y):
        self.x, self.y, self.meta = x, y, None


class Finalized:
    def __del__(self):
        pass


def build(n, seed):
    """About n tracked objects: a step below makes about 5 on average."""
    rng = random.Random(seed)
    keep, cache = [], {}
    for i in range(n // 5):
        kind = i % 7
        if kind == 0:
            s = Session("user%d" % i, rng)  # instance + __dict__ + list + dict
            cache["s%d" % i] = s
        elif kind == 1:
            keep.append([Point(rng.random(), rng.random()) for _ in range(4)])  # list + 4 slotted
        elif kind == 2:
            keep.append({"id": i, "items": [(j, str(j)) for j in range(3)], "flags": {i, i + 1}})
        elif kind == 3:
            a, b = Session("a%d" % i, rng), Session("b%d" % i, rng)  # a reachable cycle
            a.peer, b.peer = b, a
            keep.append(a)
        elif kind == 4:
            a, b = Session("g%d" % i, rng), Session("h%d" % i, rng)  # an unreachable cycle
            a.peer, b.peer = b, a
        elif kind == 5:
            keep.append(([i], {"k": [i]}, frozenset({(i,)})))
        elif i % 70 == 6:
            f = Finalized()
            f.me = f  # garbage with a finalizer
        else:
            keep.append({"nested": [{"v": [i]}, {"w": (i, [i])}]})
    return keep, cache


def analyze():
    """What a careful in-process tool can do: referents of every object,
    Tarjan's SCCs (iteratively), and gc's unreachable computation."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    objects = gc.get_objects()
    index = {id(o): i for i, o in enumerate(objects)}
    edges = [[index[id(r)] for r in gc.get_referents(o) if id(r) in index] for o in objects]
    n = len(objects)
    # Iterative Tarjan.
    order, low, on_stack, stack, counter, sccs = [-1] * n, [0] * n, [False] * n, [], 0, 0
    for root in range(n):
        if order[root] >= 0:
            continue
        work = [(root, 0)]
        order[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, k = work[-1]
            if k < len(edges[v]):
                work[-1] = (v, k + 1)
                w = edges[v][k]
                if order[w] < 0:
                    order[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, 0))
                elif on_stack[w] and order[w] < low[v]:
                    low[v] = order[w]
                continue
            work.pop()
            if work and low[v] < low[work[-1][0]]:
                low[work[-1][0]] = low[v]
            if low[v] == order[v]:
                size = 0
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    size += 1
                    if w == v:
                        break
                sccs += size > 1
    # gc's unreachable computation: refcounts minus internal references.
    gc_refs = [sys.getrefcount(o) - 3 for o in objects]
    for targets in edges:
        for w in targets:
            gc_refs[w] -= 1
    alive = [r > 0 for r in gc_refs]
    work = [i for i in range(n) if alive[i]]
    while work:
        for w in edges[work.pop()]:
            if not alive[w]:
                alive[w] = True
                work.append(w)
    unreachable = n - sum(alive)
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "objects": n, "sccs": sccs, "unreachable": unreachable,
            "extra_rss_kb": rss_after - rss_before}


def collect_in_child():
    """CPython's own collector over the same heap: one gc.collect() timed in
    a forked child (which frees what it finds and exits), the parent's heap
    left as it is."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        t0 = time.perf_counter()
        freed = gc.collect()
        os.write(write, json.dumps({"seconds": time.perf_counter() - t0, "freed": freed}).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while True:
        chunk = os.read(read, 4096)
        if not chunk:
            break
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(data)


def main():
    gc.disable()
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    heap = build(n, seed)
    sys.stdout.write(json.dumps({"pid": os.getpid(), "tracked": len(gc.get_objects())}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if line.strip() == "analyze":
            sys.stdout.write(json.dumps(analyze()) + "\n")
            sys.stdout.flush()
        elif line.strip() == "collect":
            sys.stdout.write(json.dumps(collect_in_child()) + "\n")
            sys.stdout.flush()
        elif line.strip() == "quit":
            break
    del heap


if __name__ == "__main__":
    main()
