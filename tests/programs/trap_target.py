"""A program that stops itself with SIGTRAP under a debugger once its heap is
built, then checks its own work after it is resumed (exit 0 when right)."""
import gc
import os
import signal
import sys

gc.disable()


class TrapMarker:
    pass


KEEP = [TrapMarker() for _ in range(321)]
os.kill(os.getpid(), signal.SIGTRAP)  # gdb stops here
total = sum(1 for o in KEEP if isinstance(o, TrapMarker))
sys.exit(0 if total == 321 else 1)
