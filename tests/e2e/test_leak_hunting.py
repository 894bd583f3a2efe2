"""The leak-hunting commands on graph_target's heap (the same program as
test_graph.py, a process and a core of its own so the two files run on two
workers): dominators and retained sizes against a dominator tree computed in
the process, objects against gc.get_objects(), retainers, top, suspects and
summary --retained on a registry of 20,000 instances."""
import collections
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO, addr, live_and_core, program_fixture, refscope_json, run_refscope


graph_target = program_fixture("graph_target.py")


target_args = live_and_core("graph_target")


def test_dominators_and_retained_sizes_equal_the_process(graph_target, target_args):
    """Immediate dominators and retained sizes of a diamond, a cycle, a
    shared subtree, a 200-deep chain and a garbage cycle, with their untracked
    members, equal a plain dominator tree computed in the process over
    gc.get_referents and sys.getsizeof (tests/programs/dominator_truth.py)."""
    rows = graph_target.truth["dominators"]
    doc = refscope_json(graph_target.interp, "dominators", target_args + [addr(r[0]) for r in rows])
    assert len(doc["objects"]) == len(rows)
    for (obj, idom, retained), got in zip(rows, doc["objects"]):
        assert got["target"]["address"] == addr(obj)
        where = "%s (%s)" % (addr(obj), got["target"]["type"])
        if idom == "garbage":
            assert got["dominators"] == [] and got["root"]["kind"] == "garbage", where
        else:
            assert got["dominators"][0]["address"] == addr(idom), where
        assert got["target"]["retained"] == retained, where
    show = refscope_json(graph_target.interp, "show", target_args + [addr(rows[0][0])])
    assert show["dominator"]["address"] == addr(rows[0][1]) and show["retained"] == rows[0][2]
    # The picture: every chain from its root down, one edge per step.
    live = [(obj, got) for (obj, idom, _), got in zip(rows, doc["objects"]) if idom != "garbage"][:3]
    picture = draw(graph_target, ["dominators", "--dot"] + target_args + [addr(obj) for obj, _ in live])
    for obj, got in live:
        chain = [addr(obj)] + [d["address"] for d in got["dominators"]]
        for below, above in zip(chain, chain[1:]):
            assert '"%s" -> "%s";' % (above, below) in picture


def test_objects_of_a_type_are_the_census_of_gc_get_objects(graph_target, target_args):
    truth = graph_target.truth
    garbage = {addr(i) for i in truth["garbage"]}
    names = sorted(truth["census"])
    for spelling in ("%s", "__main__.%s"):
        types = [a for n in names for a in ("--type", spelling % n)]
        doc = refscope_json(graph_target.interp, "objects", target_args + types + ["--retained"])
        retained = [o["retained"] for o in doc["objects"]]
        assert retained == sorted(retained, reverse=True)
        assert all(o["retained"] >= o["size"] > 0 for o in doc["objects"])
        for name in names:
            got = sorted(o["address"] for o in doc["objects"] if o["type"] == name)
            assert got == sorted(addr(i) for i in truth["census"][name]), (spelling % name)
        assert doc["count"] == sum(len(ids) for ids in truth["census"].values())
    # Without --retained: no dominator tree, the same rows by size.
    plain = refscope_json(graph_target.interp, "objects", target_args + types + ["--top", str(10 ** 8)])
    assert plain["sort"] == "size" and all("retained" not in o for o in plain["objects"])
    sizes = [o["size"] for o in plain["objects"]]
    assert sizes == sorted(sizes, reverse=True)
    assert sorted(o["address"] for o in plain["objects"]) == sorted(o["address"] for o in doc["objects"])
    # The fate filter from the garbage analysis (no tree) and from the tree.
    want = sorted(addr(i) for ids in truth["census"].values() for i in ids if addr(i) in garbage)
    for extra in ([], ["--retained"]):
        doc = refscope_json(graph_target.interp, "objects", target_args + types + ["--garbage"] + extra)
        assert sorted(o["address"] for o in doc["objects"]) == want, extra
    doc = refscope_json(graph_target.interp, "objects", target_args + types + ["--reachable"])
    assert not {o["address"] for o in doc["objects"]} & set(want)
    assert doc["count"] + len(want) == plain["count"]
    doc = refscope_json(graph_target.interp, "objects", target_args + ["--type", "Nod", "--min-size", "1"])
    assert doc["count"] == 0 and doc["objects"] == []
    assert any("no type named 'Nod'" in w and "Node" in w for w in doc["warnings"]), doc["warnings"]
    doc = refscope_json(graph_target.interp, "objects", target_args + ["--generation", "untracked", "--sort", "size",
                                                                       "--min-size", "1000", "--top", "5"])
    sizes = [o["size"] for o in doc["objects"]]
    assert sizes == sorted(sizes, reverse=True) and all(s >= 1000 for s in sizes)
    assert all(o["generation"] is None for o in doc["objects"])


def test_retainers_merge_the_paths_of_every_instance(graph_target, target_args):
    """20,000 Handler in the lists of a module-level dict, 50 in a list a
    thread's running function holds: one tree, the instances at its top, one
    branch per way they are held, each with its count and bytes."""
    doc = refscope_json(graph_target.interp, "retainers", target_args + ["--type", "Handler"])
    assert doc["objects"] == 20050
    [top] = doc["retainers"]
    assert (top["type"], top["objects"]) == ("Handler", 20050)
    [lists] = top["children"]
    assert (lists["type"], lists["via"], lists["objects"]) == ("list", "[i]", 20050)
    assert lists["bytes"] == top["bytes"] == doc["bytes"]

    def root_of(node):
        while "root" not in node:
            [node] = node["children"]
        return node["root"], node["objects"]

    branches = {c.get("via"): c for c in lists["children"]}
    for key in ("['web']", "['api']"):
        assert branches[key]["type"] == "dict" and branches[key]["objects"] == 10000
        assert root_of(branches[key]) == ({"kind": "module", "name": "__main__"}, 10000)
    [local] = [c for c in lists["children"] if c.get("via") not in ("['web']", "['api']")]
    root, count = root_of(local)
    assert root["kind"] == "frame" and "worker" in root["name"] and count == 50, local
    picture = draw(graph_target, ["retainers", "--dot", "--type", "Handler"] + target_args)
    assert "Handler\\n20050 objects" in picture and picture.count("label=\"['web']\"") == 1
    lines = picture.splitlines()
    nodes = [line for line in lines if re.match(r"  n\d+ \[", line)]
    assert len([line for line in lines if " -> " in line]) == len(nodes) - 1  # one tree


def draw(target, args):
    """A picture refscope draws, checked by Graphviz itself."""
    proc = run_refscope(args, env=target.interp.refscope_env)
    assert proc.returncode == 0 and proc.stdout.startswith("digraph "), proc.stderr
    svg = subprocess.run(["dot", "-Tsvg"], input=proc.stdout, capture_output=True, text=True)
    assert svg.returncode == 0 and "<svg" in svg.stdout, svg.stderr
    return proc.stdout


def test_suspects_puts_the_largest_accumulation_first(graph_target, target_args):
    """One list of 2,500 Session, each holding 4 KiB, retains more than 30%
    of the heap: at the default threshold it is the first suspect, an
    accumulation point of Session."""
    doc = refscope_json(graph_target.interp, "suspects", target_args)
    first = doc["suspects"][0]
    assert first["address"] == addr(graph_target.truth["sessions"]) and first["percent"] >= 30, first
    assert first["kind"] == "accumulation" and first["accumulates"]["type"] == "Session"
    assert first["accumulates"]["objects"] == 2500 and "2500 Session" in first["explanation"]
    assert first["path"][-1] == {"address": first["address"], "type": "list", "via": "['SESSIONS']"}, first["path"]


def test_top_and_suspects_find_the_registry(graph_target, target_args):
    """The two registry lists, each alone keeping 10,000 Handler alive: top
    shows them under their root with sizes that shrink going down; suspects
    with a threshold just under their share reports both as accumulation
    points of Handler reached from __main__, and none that another one
    dominates; at 100% it reports nothing."""
    registry = {addr(i) for i in graph_target.truth["registry"].values()}
    doc = refscope_json(graph_target.interp, "top", target_args + ["--depth", "8", "--min-percent", "2", "--top", "50"])
    total, found = doc["total"], set()
    stack = [(node, total) for node in doc["roots"]]
    assert [r["retained"] for r in doc["roots"]] == sorted((r["retained"] for r in doc["roots"]), reverse=True)
    while stack:
        node, above = stack.pop()
        assert node["retained"] <= above and node["retained"] >= total * 0.02
        found |= {node.get("address")} & registry
        stack += [(child, node["retained"]) for child in node["children"]]
    assert found == registry
    shown = refscope_json(graph_target.interp, "dominators", target_args + sorted(registry))
    share = min(o["target"]["retained"] for o in shown["objects"]) * 100.0 / total
    doc = refscope_json(graph_target.interp, "suspects", target_args + ["--threshold", "%.4f" % (share * 0.999)])
    by_address = {s["address"]: s for s in doc["suspects"]}
    assert registry <= set(by_address), doc["suspects"]
    for a in registry:
        s = by_address[a]
        assert s["kind"] == "accumulation" and s["accumulates"]["type"] == "Handler"
        assert s["accumulates"]["objects"] == 10000 and s["path"][-1]["address"] == a
        assert {"type": "Handler", "objects": 10000} == {k: v for k, v in next(
            t for t in s["types"] if t["type"] == "Handler").items() if k != "bytes"}
        assert "10000 Handler" in s["explanation"]
    retained = [s["retained"] for s in doc["suspects"]]
    assert retained == sorted(retained, reverse=True)
    chains = refscope_json(graph_target.interp, "dominators", target_args + list(by_address))
    for chain in chains["objects"]:
        assert not {d["address"] for d in chain["dominators"]} & set(by_address), chain["target"]
    assert refscope_json(graph_target.interp, "suspects", target_args + ["--threshold", "100"])["suspects"] == []


def test_summary_retained_is_what_the_instances_keep_alive(graph_target, target_args):
    """MAT's retained heap of a class: no Handler dominates another, so it
    is the sum of their retained sizes; lists hold lists, so theirs is less
    than the sum."""
    summary = refscope_json(graph_target.interp, "summary", target_args + ["--retained"])
    rows = {(t["type"], t["gc_tracked"]): t for t in summary["types"]}
    handlers = refscope_json(graph_target.interp, "objects", target_args + ["--type", "Handler", "--retained"])
    assert rows[("Handler", True)]["retained"] == sum(o["retained"] for o in handlers["objects"])
    lists = refscope_json(graph_target.interp, "objects", target_args + ["--type", "list", "--retained"])
    assert rows[("list", True)]["retained"] < sum(o["retained"] for o in lists["objects"])
    assert all(t["retained"] >= t["bytes"] for t in summary["types"])


def test_audit_rules_hold_or_break_each_on_its_own(graph_target, target_args, tmp_path):
    """Every measure of audit, with a limit at the value the process (or
    the command that measures it on its own) gives: a file of rules that
    hold exits 0, the same rules with limits one step off exit 3 with every
    rule broken and each value unchanged."""
    truth = graph_target.truth
    interp = graph_target.interp
    summary = refscope_json(interp, "summary", target_args)
    garbage = refscope_json(interp, "garbage", target_args)
    refcheck = refscope_json(interp, "refcheck", target_args)
    suspects = refscope_json(interp, "suspects", target_args)
    measured = [
        ("total-bytes", None, summary["bytes"]),
        ("total-objects", None, summary["objects"]),
        ("type-count", "Handler", 20050),
        ("type-count", "__main__.Sess*", 2500),
        ("type-bytes", "Session", 2500 * next(t["bytes"] // t["count"] for t in summary["types"]
                                              if t["type"] == "Session")),
        ("garbage-objects", None, len(truth["garbage"])),
        ("garbage-bytes", None, garbage["bytes"]),
        ("garbage-finalizer-groups", None, sum(g["has_finalizer"] for g in garbage["groups"])),
        ("suspects", None, refcheck["suspects_total"]),
        ("suspects", "Node", len(truth["leaked"])),
    ]
    share = suspects["suspects"][0]["percent"]  # the sessions list, the largest single retainer

    def rules_file(name, off):
        lines = ["# %s" % name] + ["%s %s== %d" % (m, s + " " if s else "", v + off) for m, s, v in measured]
        lines.append("retained-share %s %.3f%%" % (">=" if off == 0 else "<", share * (1 if off == 0 else 0.5)))
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n")
        return str(path)

    holding = refscope_json(interp, "audit", target_args, ["--rules", rules_file("hold.rules", 0)])
    assert holding["broken"] == 0, [r for r in holding["rules"] if not r["holds"]]
    proc = run_refscope(["--json"] + interp.refscope_args + ["audit", "--rules", rules_file("break.rules", 1)]
                        + target_args, env=interp.refscope_env)
    assert proc.returncode == 3, proc.stderr
    breaking = json.loads(proc.stdout)
    assert breaking["broken"] == len(measured) + 1
    for held, broke in zip(holding["rules"], breaking["rules"]):
        assert held["holds"] and not broke["holds"] and held["value"] == broke["value"], (held, broke)
        assert broke["line"] == held["line"] and broke["measure"] == held["measure"]


TOOLKIT = os.path.join(REPO, ".cache", "npm", "heap-snapshot-toolkit", "index.js")
CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "heapsnapshot_check.mjs")


def devtools_read(path):
    """What Chrome DevTools' heap snapshot loader computes for the file."""
    if not shutil.which("node"):
        pytest.skip("no node on this machine to run DevTools' heap snapshot loader")
    if not os.path.exists(TOOLKIT):
        pytest.skip("heap-snapshot-toolkit is not in .cache/npm (tests/fixtures/devtools-toolkit.sh says why)")
    proc = subprocess.run(["node", CHECK, path], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TOOLKIT=TOOLKIT))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_export_heapsnapshot_is_the_graph_devtools_reads(graph_target, tmp_path):
    """The core exported as a V8 heap snapshot and loaded by DevTools' own
    code: node and edge counts and per-type totals are refscope's; for
    every object, the retained size DevTools computes is refscope's, and so
    is the immediate dominator (checked on a sample, named by node id: @ID
    is the object of that node)."""
    interp, core = graph_target.interp, graph_target.core()
    path = str(tmp_path / "heap.heapsnapshot")
    doc = refscope_json(interp, "export", [core, path], ["--format", "heapsnapshot"])
    read = devtools_read(path)
    assert read["node_count"] == doc["nodes"] == doc["objects"] + 8
    assert read["edge_count"] == doc["edges"]
    objects = {row[0]: row for row in read["nodes"] if row[0] % 2}
    assert len(objects) == doc["objects"]
    # Per type, the objects and bytes summary counts; the export has the
    # objects found since as well (by the roots: running frames).
    summary = graph_target.core_json("summary")
    census, counted = collections.Counter(), collections.Counter()
    for t in summary["types"]:
        census[t["type"]] += t["count"]
        counted[t["type"]] += t["bytes"]
    exported, sizes = collections.Counter(), collections.Counter()
    for row in objects.values():
        exported[row[1]] += 1
        sizes[row[1]] += row[2]
    assert sum(census.values()) == summary["objects"]
    assert not census - exported and not counted - sizes
    assert sum((exported - census).values()) == doc["objects"] - summary["objects"]
    rows = graph_target.core_json("objects", ["--top", str(10 ** 8), "--retained"])["objects"]
    retained = {r["node_id"]: r for r in rows}
    assert len(retained) == len(objects)
    wrong = [(i, objects[i][1], objects[i][3], retained[i]["retained"]) for i in objects
             if objects[i][3] != retained[i]["retained"]]
    assert wrong == [], "node id, type, DevTools retained, refscope retained: %s" % wrong[:10]
    names = {row[0]: row[1] for row in read["nodes"]}
    sample = sorted(objects)[:: max(1, len(objects) // 150)]
    chains = refscope_json(interp, "dominators", [core] + ["@%d" % i for i in sample])["objects"]
    by_address = {r["address"]: r["node_id"] for r in rows}
    for node_id, chain in zip(sample, chains):
        assert chain["target"]["address"] == retained[node_id]["address"]
        devtools = objects[node_id][4]
        if chain["dominators"]:
            assert devtools == by_address[chain["dominators"][0]["address"]], (node_id, chain)
        elif chain["root"]["kind"] == "garbage":
            assert names[devtools] == "(garbage)", (node_id, chain)
        else:
            assert devtools % 2 == 0 and names[devtools] != "(garbage)", (node_id, chain, names[devtools])


def test_export_sqlite_is_the_graph_in_sql(graph_target, tmp_path):
    """The core exported to SQLite and read back with Python's sqlite3: the
    objects, references and per-type totals refscope counts, each object's
    retained size and immediate dominator as refscope gives them, and the
    named roots."""
    import sqlite3
    interp, core = graph_target.interp, graph_target.core()
    path = str(tmp_path / "heap.db")
    doc = refscope_json(interp, "export", [core, path], ["--format", "sqlite"])
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM objects").fetchone()[0] == doc["objects"]
    assert db.execute("SELECT count(*) FROM edges").fetchone()[0] == doc["edges"]
    rows = graph_target.core_json("objects", ["--top", str(10 ** 8), "--retained"])["objects"]
    by_address = {int(r["address"], 16): r for r in rows}
    stored = {a: (t, r, d) for a, t, r, d in db.execute(
        "SELECT o.address, t.name, o.retained, o.dominator FROM objects o JOIN types t ON o.type = t.id")}
    assert set(stored) == set(by_address)
    assert all(stored[a][:2] == (r["type"], r["retained"]) for a, r in by_address.items())
    summary = graph_target.core_json("summary")
    census = collections.Counter()
    for t in summary["types"]:
        census[t["type"]] += t["count"]
    exported = collections.Counter(dict(db.execute(
        "SELECT t.name, count(*) FROM objects o JOIN types t ON o.type = t.id GROUP BY t.name")))
    assert not census - exported
    assert sum((exported - census).values()) == doc["objects"] - summary["objects"]
    sample = sorted(by_address)[:: max(1, len(by_address) // 100)]
    chains = refscope_json(interp, "dominators", [core] + ["0x%x" % a for a in sample])["objects"]
    for address, chain in zip(sample, chains):
        expected = int(chain["dominators"][0]["address"], 16) if chain["dominators"] else None
        assert stored[address][2] == expected, (hex(address), chain)
    registry = graph_target.truth["sessions"]
    held = db.execute("SELECT e.via, s.name FROM edges e JOIN objects o ON o.address = e.target "
                      "JOIN objects h ON h.address = e.source JOIN types s ON s.id = h.type "
                      "WHERE e.target = ?", (registry,)).fetchall()
    assert ("['SESSIONS']", "dict") in held, held
    assert db.execute("SELECT count(*) FROM roots WHERE kind = 'module' AND name = '__main__'").fetchone()[0] >= 1
    assert db.execute("SELECT count(*) FROM objects WHERE garbage = 1").fetchone()[0] == len(graph_target.truth["garbage"])
