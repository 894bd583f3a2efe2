"""Names and text that are not UTF-8 where refscope reads C strings or str
data: a class whose tp_name points at bytes that are not UTF-8, a __slots__
member whose PyMemberDef name does, and a str marked ASCII that holds a byte
past 0x7f. Each is patched in the target itself with ctypes, and each is met
by every command: instances of the bad classes hold each other, in reachable
cycles and in unreachable ones (gc is disabled). Prints the addresses as
JSON and waits for "quit" on stdin. CPython 3.8+."""
import ctypes
import gc
import json
import os
import sys

P = ctypes.sizeof(ctypes.c_void_p)
N = 7
TYPE_NAME = ctypes.create_string_buffer(b"Bad\xc0\x8aName\x01")  # overlong, control byte
SLOT_NAME = ctypes.create_string_buffer(b"slot\xff\xfe")  # never UTF-8


class RefscopeBadName:
    def __init__(self):
        self.peer = None


class RefscopeBadSlot:
    __slots__ = ("good", "refscope_bad_slot")


# tp_name follows ob_refcnt, ob_type and ob_size in every PyTypeObject.
ctypes.c_void_p.from_address(id(RefscopeBadName) + 3 * P).value = ctypes.addressof(TYPE_NAME)
# A member descriptor: PyObject_HEAD, d_type, d_name, d_qualname, then d_member,
# the PyMemberDef (in the class's own members) whose first field is the C name.
member_def = ctypes.c_void_p.from_address(id(RefscopeBadSlot.__dict__["refscope_bad_slot"]) + 5 * P).value
ctypes.c_void_p.from_address(member_def).value = ctypes.addressof(SLOT_NAME)

# An ASCII str, built at run time (not shared, not interned), whose data
# (right after the PyASCIIObject, as sizeof("") - 1 says) gets a byte 0xe9.
BAD_STR = "".join(["refscope", "_ascii_", "probe"])
ctypes.memset(id(BAD_STR) + sys.getsizeof("") - 1 + 3, 0xe9, 1)

# A key too long for a label: cut at a byte count, it must lose the whole
# character cut in half ("a" + two-byte characters cuts one at an odd count).
LONG_KEY = {"a" + "\u00e9" * 100: 1}

gc.disable()
held = RefscopeBadSlot()
held.good = [BAD_STR]
GOOD = id(held.good)
held.refscope_bad_slot = ["held by the bad slot"]
names = [RefscopeBadName() for _ in range(N)]
for a, b in zip(names, names[1:] + names[:1]):
    a.peer = b  # a ring, cut short by slotted below
slotted = RefscopeBadSlot()
slotted.good = BAD_STR
slotted.refscope_bad_slot = names[0]
names[1].peer = slotted
pair = [RefscopeBadSlot(), RefscopeBadSlot()]  # a reachable cycle through the bad slot
for a, b in zip(pair, pair[::-1]):
    a.good = None
    a.refscope_bad_slot = b


def garbage():
    """An unreachable cycle through the bad slot, one end holding the bad str,
    and one of the badly named class."""
    s, t = RefscopeBadSlot(), RefscopeBadSlot()
    s.good, t.good = BAD_STR, None
    s.refscope_bad_slot, t.refscope_bad_slot = t, s
    n, m = RefscopeBadName(), RefscopeBadName()
    n.peer, m.peer = m, n
    return [id(s), id(t)], [id(n), id(m)]


GARBAGE, GARBAGE_NAMES = garbage()
print(json.dumps({
    "pid": os.getpid(),
    "bad_name_type": id(RefscopeBadName), "type_name_at": ctypes.addressof(TYPE_NAME),
    "bad_slot_type": id(RefscopeBadSlot), "slot_name_at": ctypes.addressof(SLOT_NAME),
    "bad_str": id(BAD_STR), "names": [id(n) for n in names], "count": N + 2,
    "held": id(held), "held_good": GOOD, "held_list": id(held.refscope_bad_slot),
    "slotted": id(slotted), "pair": [id(p) for p in pair],
    "slot_count": sum(type(o) is RefscopeBadSlot for o in gc.get_objects()),
    "long_key": id(LONG_KEY),
    "garbage": GARBAGE, "garbage_names": GARBAGE_NAMES,
}), flush=True)
for line in sys.stdin:
    if line.strip() == "quit":
        break
