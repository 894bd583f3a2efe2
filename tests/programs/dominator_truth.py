"""Structures whose dominators are known, and their truth computed in the
process: a plain Python dominator tree over gc.get_referents (untracked
referents included), restricted to the objects built here. Every object
built here is reachable only through the one entry object (or, for the
garbage part, only from the garbage itself), so the dominators found over
that part of the graph are those of the whole heap.

Live part: an entry dict holding a diamond, a cycle, a subtree shared by two
branches, and a chain of 200 lists; every level holds fresh untracked
objects (strs, ints, floats, bytes) and dicts of atoms (which CPython
untracks). Garbage part: a cycle with fresh members, dropped with the
collector off: refscope hangs every gc-tracked object of it under the
garbage pseudo-root, so the truth does the same."""
import gc
import sys


class Pair:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left, self.right = left, right


def fresh_str(i):
    return "".join(["dominated-", str(i), "-"] * 3)


def fresh_int(i):
    return 10 ** 30 + i


def build(keep):
    """Builds both parts; keep["dominated"] holds the entry. Returns the
    description the truth needs: ids only (no references kept)."""
    leaf = {"float": float(7 * 3) + 0.25, "bytes": bytes([1, 2, 3]) * 40}
    left = [leaf, fresh_str(1)]
    right = (leaf, fresh_int(2))
    diamond = [left, right]
    cycle_a = []
    cycle_b = [cycle_a, fresh_str(3)]
    cycle_a.append(cycle_b)
    shared = Pair(fresh_str(4), [fresh_int(5), fresh_str(6)])
    chain = head = [fresh_int(100)]
    for i in range(200):
        link = [fresh_int(101 + i)]
        chain.append(link)
        chain = link
    entry = {"diamond": diamond, "cycle": cycle_a, "shared_list": [shared], "shared_dict": {"s": shared},
             "chain": head}
    keep["dominated"] = entry
    members = set()
    collect(entry, members)

    lost_a = []
    lost_b = {"a": lost_a, "s": fresh_str(7)}
    lost_a.append(lost_b)
    lost_c = Pair(lost_a, bytes([9]) * 50)
    lost_a.append(lost_c)
    garbage = set()
    collect(lost_c, garbage)
    tracked = [id(o) for o in (lost_a, lost_b, lost_c) if gc.is_tracked(o)]
    return {"entry": id(entry), "members": members, "garbage": garbage, "garbage_tracked": tracked}


def collect(root, ids):
    """The ids of root and of every object built here that it reaches
    (fresh objects only: types, None and interned names are shared)."""
    stack = [root]
    ids.add(id(root))
    while stack:
        for r in gc.get_referents(stack.pop()):
            if id(r) not in ids and is_built_here(r):
                ids.add(id(r))
                stack.append(r)


def is_built_here(o):
    if isinstance(o, (list, dict, tuple, Pair, float, bytes)):
        return True
    if isinstance(o, str):
        return o.startswith("dominated-")
    return isinstance(o, int) and not isinstance(o, bool) and o > 10 ** 29


def tree(root_children, objects):
    """Immediate dominators and retained sizes of objects ({id: object}),
    from a pseudo-root (key None) holding root_children."""
    succ = {None: list(root_children)}
    for i, o in objects.items():
        succ[i] = [id(r) for r in gc.get_referents(o) if id(r) in objects]
    order, seen, stack = [], {None}, [(None, iter(succ[None]))]
    while stack:  # reverse postorder, iteratively
        node, it = stack[-1]
        for w in it:
            if w not in seen:
                seen.add(w)
                stack.append((w, iter(succ[w])))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    number = {n: k for k, n in enumerate(order)}
    preds = {n: [] for n in order}
    for v in order:
        for w in succ[v]:
            preds[w].append(v)
    idom = {None: None}

    def intersect(a, b):
        while a != b:
            while number[a] > number[b]:
                a = idom[a]
            while number[b] > number[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for n in order[1:]:
            done = [p for p in preds[n] if p in idom]
            new = done[0]
            for p in done[1:]:
                new = intersect(p, new)
            if idom.get(n, "unset") != new:
                idom[n] = new
                changed = True
    retained = {n: sys.getsizeof(objects[n]) for n in order[1:]}
    for n in reversed(order[1:]):
        if idom[n] is not None:
            retained[idom[n]] += retained[n]
    return {n: idom[n] for n in order[1:]}, retained


def truth(built):
    """[[id, immediate dominator id or "garbage", retained], ...] of every
    object built, the entry excepted (what holds it is the heap's business)."""
    wanted = built["members"] | built["garbage"]
    objects = {id(o): o for o in gc.get_objects() if id(o) in wanted}
    stack = list(objects.values())
    while stack:  # the untracked ones, reached through the others
        for r in gc.get_referents(stack.pop()):
            if id(r) in wanted and id(r) not in objects:
                objects[id(r)] = r
                stack.append(r)
    live = {i: o for i, o in objects.items() if i in built["members"]}
    lost = {i: o for i, o in objects.items() if i in built["garbage"]}
    rows = []
    idom, retained = tree([built["entry"]], live)
    rows += [[n, d, retained[n]] for n, d in idom.items() if n != built["entry"]]
    idom, retained = tree(built["garbage_tracked"], lost)
    rows += [[n, "garbage" if d is None else d, retained[n]] for n, d in idom.items()]
    del live, lost
    objects.clear()
    return rows
