"""A cycle through an instance, a dict and a bound method, dropped while the
collector is off: `refscope garbage --dot` draws it (docs/garbage.svg)."""
import gc
import os
import sys


class Session:
    def __init__(self, user):
        self.user = user
        self.handlers = {}

    def on_close(self):
        pass


gc.disable()
session = Session("alice")
session.handlers["close"] = session.on_close  # dict -> bound method -> session -> dict
del session
print(os.getpid(), flush=True)
sys.stdin.read()
