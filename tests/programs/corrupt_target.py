"""Objects to corrupt in a core, for refscope's corrupt-heap tests: a dict, a
str, a list and an instance, each held from module globals, whose id() and
contents are reported, next to a known amount of garbage (the collector is
disabled, so it persists). Ground truth of the garbage comes from CPython: a
forked child (same heap, same addresses) runs gc.collect() with
DEBUG_SAVEALL. One JSON line on stdout, then it waits for "quit" on stdin.
CPython 3.8 and later.
"""
import gc
import json
import os
import sys

gc.disable()

N_GARBAGE_PAIRS = 25


class CorruptNode:
    def __init__(self, name):
        self.name = name
        self.peer = None


def make_garbage():
    for i in range(N_GARBAGE_PAIRS):
        a, b = CorruptNode("garbage-a%d" % i), CorruptNode("garbage-b%d" % i)
        a.peer, b.peer = b, a


def garbage_truth():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        gc.set_debug(gc.DEBUG_SAVEALL)
        before = len(gc.garbage)
        gc.collect()
        found = [id(o) for o in gc.garbage[before:]]
        os.write(write, json.dumps(found).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


# A dict with its own (combined, str-keyed) keys object.
VICTIM_DICT = {"alpha": CorruptNode("alpha"), "beta": [1, 2, 3], "gamma": "gamma-value"}
# A str made at run time: not interned, not shared with code constants.
VICTIM_STR = "".join(["refscope-victim-"] + [str(i) for i in range(10)])
STR_HOLDER = [VICTIM_STR]
VICTIM_LIST = [CorruptNode("item0"), CorruptNode("item1"), CorruptNode("item2")]
BYSTANDER = CorruptNode("bystander")
BYSTANDER.items = [VICTIM_DICT, VICTIM_LIST]


def main():
    make_garbage()
    garbage = garbage_truth()
    truth = {
        "pid": os.getpid(),
        "version": "%d.%d.%d" % sys.version_info[:3],
        "dict": id(VICTIM_DICT),
        "dict_values": [id(v) for v in VICTIM_DICT.values()],
        "str": id(VICTIM_STR),
        "str_len": len(VICTIM_STR),
        "str_holder": id(STR_HOLDER),
        "list": id(VICTIM_LIST),
        "list_items": [id(o) for o in VICTIM_LIST],
        "bystander": id(BYSTANDER),
        "bystander_items": id(BYSTANDER.items),
        "garbage": garbage,
    }
    sys.stdout.write(json.dumps(truth) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if line.strip() == "quit":
            break


if __name__ == "__main__":
    main()
