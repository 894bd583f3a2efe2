"""Objects of many kinds for `refscope show`, with their truth: type, size
(sys.getsizeof), tracking, and repr() for atomic values. Waits for "quit"."""
import gc
import json
import os
import sys


class Point:
    def __init__(self):
        self.x = 1
        self.label = "p"


def function(a):
    return a


OBJECTS = {
    "ascii": "hello world",
    "latin1": "caf\u00e9",
    "ucs2": "n\u00e9\u4e16",
    "ucs4": "\U0001F600x",
    "small_int": 42,
    "big_int": -(2 ** 100) + 7,
    "float": 0.1,
    "float_big": -2.5e300,
    "bytes": b"abc",
    "true": True,
    "none": None,
    "list": [1, 2, 3],
    "tuple": (1, "a"),
    "dict": {"k": 1},
    "set": {1, 2},
    "instance": Point(),
    "function": function,
    "class": Point,
    "module": json,
}
ATOMIC = ("ascii", "latin1", "ucs2", "ucs4", "small_int", "big_int", "float", "float_big", "bytes", "true", "none")

truth = {
    "pid": os.getpid(),
    "objects": {name: {"address": id(o), "type": type(o).__name__, "size": sys.getsizeof(o),
                       "tracked": gc.is_tracked(o), "repr": repr(o) if name in ATOMIC else None}
                for name, o in OBJECTS.items()},
}
sys.stdout.write(json.dumps(truth) + "\n")
sys.stdout.flush()
for line in sys.stdin:
    if line.strip() == "quit":
        break
