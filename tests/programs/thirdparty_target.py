"""Instances of a third-party-like C type (tests/programs/thirdparty/holder.c,
built for this interpreter into the directory given as argv[1]) in cycles
that become garbage, some through the separately allocated array the type
keeps its references in, and live ones holding untracked objects nothing
else holds. The collector is disabled, so the garbage stays.

Truth: a forked child runs gc.collect() under DEBUG_SAVEALL. One JSON line
on stdout, then it waits for "quit" on stdin."""
import gc
import struct
import sys

gc.disable()
sys.path.insert(0, sys.argv[1])
import thirdparty  # noqa: E402
from program_truth import collected_by_fork, serve  # noqa: E402

KEEP = {}


def make_garbage():
    a, b = thirdparty.Holder(4), thirdparty.Holder(4)
    a.put(-1, b)
    b.put(2, a)  # b holds a only in its item array
    a.put(0, [a, "x"])
    lonely = thirdparty.Holder(3)
    lonely.put(1, [lonely])  # a cycle only through the item array
    pair = thirdparty.Holder(1), thirdparty.Holder(1)
    pair[0].put(0, {"peer": pair[1]})
    pair[1].put(-2, pair[0])


def make_live():
    held = [("held-%d-" % i) * 3 for i in range(6)] + [10 ** 30 + i for i in range(6)]
    keeper = thirdparty.Holder(len(held))
    for i, obj in enumerate(held):
        keeper.put(i, obj)
    keeper.put(-1, [keeper])  # a cycle, reachable from this module
    tagged = 2 ** 70 + 5  # held only as a tagged word, its address plus one
    keeper.put_tagged(tagged)
    KEEP["keeper"] = keeper
    KEEP["held"] = [id(o) for o in held]
    KEEP["tagged"] = id(tagged)
    KEEP["held_ints"] = sum(isinstance(o, int) for o in held) + 1
    del held, tagged
    # str subclasses whose character buffers begin like a float object (a
    # reference count of 1, then float's type): words a scan of the str
    # part would take for a float nothing holds.
    fake = struct.pack("<QQ", 1, id(float)).decode("latin-1") + "-text"
    owner = ["owner"]
    KEEP["texts"] = [thirdparty.Text(fake, owner) for _ in range(4)]
    KEEP["owner"] = owner


def main():
    make_garbage()
    make_live()
    serve({"garbage": collected_by_fork(), "keeper": id(KEEP["keeper"]), "held": KEEP["held"],
           "tagged": KEEP["tagged"], "held_ints": KEEP["held_ints"],
           "texts": [id(t) for t in KEEP["texts"]], "owner": id(KEEP["owner"]),
           "buffers": [t.buffer() for t in KEEP["texts"]]})


if __name__ == "__main__":
    main()
