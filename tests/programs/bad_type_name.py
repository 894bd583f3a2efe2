"""A class whose tp_name is made to point at bytes that are not UTF-8 (as a
freed or corrupt type object's would), with instances of it; prints
{"pid", "type", "count"} and waits for "quit" on stdin. CPython 3.8+."""
import ctypes
import gc
import json
import os
import sys

N = 37
NAME = ctypes.create_string_buffer(b"Bad\xc0\x8aName\x01")  # overlong, control byte


class RefscopeBadName:
    pass


KEEP = [RefscopeBadName() for _ in range(N)]
# tp_name follows ob_refcnt, ob_type and ob_size in every PyTypeObject.
ctypes.c_void_p.from_address(id(RefscopeBadName) + 3 * ctypes.sizeof(ctypes.c_void_p)).value = \
    ctypes.addressof(NAME)
gc.disable()
print(json.dumps({"pid": os.getpid(), "type": id(RefscopeBadName), "count": N}), flush=True)
for line in sys.stdin:
    if line.strip() == "quit":
        break
