"""Untracked objects leaked the way a buggy C extension leaks them (Py_IncRef
with no reference stored), for refcheck on Py_TRACE_REFS builds: strs,
floats and large ints made at run time, no reference to them left in the
heap. An untouched twin of each is held by a list. One JSON line on stdout
(the addresses), then it waits for "quit" on stdin."""
import ctypes
import sys

from program_truth import serve

N = 100


def leak(obj):
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    return id(obj)


def made(i):
    return ["refscope-leaked-%d" % i, float(i) + 0.5, 10 ** 30 + i]


leaked = [leak(o) for i in range(N) for o in made(i)]
held = [o for i in range(N) for o in made(i)]
serve({"pid": __import__("os").getpid(), "version": sys.version.split()[0],
       "leaked": leaked, "held": [id(o) for o in held]})
