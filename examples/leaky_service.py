"""A small service that leaks: a session cache that only grows, and request
objects caught in reference cycles. Used by refscope's demo (`make demo`).

It serves 20,000 requests, prints its pid, then serves a burst of N more
for each line "burst N" on stdin (answering "served N"), until EOF."""
import gc
import os
import sys
import threading
import time


class Session:
    def __init__(self, user):
        self.user = user
        self.history = []


class Request:
    def __init__(self, session, path):
        self.session = session
        self.path = path
        self.handler = None


class Handler:
    def __init__(self, request):
        self.request = request  # request.handler -> handler -> request: a cycle


SESSIONS = {}


def serve(n):
    for i in range(n):
        session = SESSIONS.setdefault("user%d" % (i % 500), Session("user%d" % (i % 500)))
        request = Request(session, "/item/%d" % i)
        request.handler = Handler(request)
        session.history.append(request.path)


def main():
    gc.disable()  # like a service that turned the collector off "for speed"
    serve(20000)
    worker = threading.Thread(target=time.sleep, args=(3600,), daemon=True)
    worker.start()
    print(os.getpid(), flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "burst":
            serve(int(words[1]))
            print("served", words[1], flush=True)


if __name__ == "__main__":
    main()
