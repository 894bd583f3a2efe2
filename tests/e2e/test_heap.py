"""info, gc and summary against ground truth taken inside real interpreters,
live (--pid) and from a core taken with gcore."""
import pytest

from conftest import refscope_json

# heap_target.py disables the collector, so nothing moves between generations
# after it measured them; generation 0 still changes by what the program
# allocates after measuring and keeps: the two lists it stores into its truth
# dict, plus objects the interpreter's own stdin reading and threads create
# while waiting. That is a handful; 25 leaves room and would still catch a
# walk that loses or invents objects.
GEN0_SLACK = 25
# The collector's generation-0 counter counts allocations of containers minus
# their deallocations (floored at zero), so it also moves with what json.dumps
# and the stdin reader allocate after it was read: about 25 on 3.10.
COUNT_SLACK = 64


@pytest.fixture(params=["live", "core"])
def mode(request):
    return request.param


def target_args(target, mode):
    return ["--pid", str(target.pid)] if mode == "live" else [target.core()]


def snapshot(target, mode, command, *extra):
    doc = refscope_json(target.interp, command, target_args(target, mode), extra)
    if mode == "live":
        target.assert_runs_on()
    return doc


def main_interpreter(doc):
    return next(i for i in doc["interpreters"] if i["id"] == 0)


def test_info_reports_exact_version_and_layout(target, mode):
    doc = snapshot(target, mode, "info")
    truth = target.truth
    assert doc["python"]["version"] == truth["version"]
    assert doc["python"]["hexversion"] == truth["hexversion"]
    assert doc["layout"] == target.interp.layout
    assert doc["target"]["kind"] == mode
    main = main_interpreter(doc)
    assert main["threads"] == 3
    if truth["native_thread_ids"] and truth["hexversion"] >= 0x030B0000:
        native = sorted(t["native_thread_id"] for t in main["thread_list"])
        assert native == sorted(truth["native_thread_ids"])
    assert main["gc"]["enabled"] is truth["enabled"]
    assert main["gc"]["permanent"]["objects"] == truth["freeze_count"]
    assert doc["warnings"] == [] or all("alignment patch" in w for w in doc["warnings"])


def test_gc_generations_match_the_collector(target, mode):
    doc = snapshot(target, mode, "gc")
    truth = target.truth
    main = main_interpreter(doc)
    assert main["enabled"] is False and main["collecting"] is False
    gens = main["generations"]
    assert [g["name"] for g in gens] == ["0", "1", "2"]
    assert [g["threshold"] for g in gens] == truth["threshold"]
    assert [g["objects"] for g in gens[1:]] == truth["generations"][1:]
    assert abs(gens[0]["objects"] - truth["generations"][0]) <= GEN0_SLACK
    assert [g["count"] for g in gens[1:]] == truth["count"][1:]
    assert abs(gens[0]["count"] - truth["count"][0]) <= COUNT_SLACK
    assert main["permanent"]["objects"] == truth["freeze_count"]
    assert all(g["bytes"] > 0 for g in gens if g["objects"])
    assert not [g for g in gens + [main["permanent"]] if g.get("broken")], doc.get("warnings")


def test_summary_counts_and_sizes_of_own_classes(target, mode):
    doc = snapshot(target, mode, "summary")
    truth = target.truth
    rows = {}
    for row in doc["types"]:
        if row["type"].startswith("Refscope"):
            assert row["gc_tracked"] is True
            assert row["type"] not in rows, "one type object per class"
            rows[row["type"]] = row
    assert {name: r["count"] for name, r in rows.items()} == truth["type_counts"]
    assert {name: r["bytes"] for name, r in rows.items()} == truth["type_bytes"]
    assert doc["objects"] == sum(r["count"] for r in doc["types"])
    assert doc["bytes"] == sum(r["bytes"] for r in doc["types"])
    # Untracked objects the tracked ones reach are counted too: every
    # RefscopeDictInstance has its own name string.
    untracked = {r["type"]: r["count"] for r in doc["types"] if not r["gc_tracked"]}
    assert untracked["str"] >= truth["type_counts"]["RefscopeDictInstance"]
    assert untracked["int"] > 0


def test_summary_totals_agree_with_gc(target, mode):
    gc_doc = snapshot(target, mode, "gc")
    summary = snapshot(target, mode, "summary", "--top", "3")
    main = main_interpreter(gc_doc)
    walked = sum(g["objects"] for g in main["generations"]) + main["permanent"]["objects"]
    assert summary["gc_tracked_objects"] == walked
    assert sum(r["count"] for r in summary["types"]) <= summary["objects"]
    assert len(summary["types"]) == 3
    assert summary["types"][0]["bytes"] >= summary["types"][1]["bytes"] >= summary["types"][2]["bytes"]
    by_count = snapshot(target, mode, "summary", "--sort", "count", "--top", "2")
    assert by_count["types"][0]["count"] >= by_count["types"][1]["count"]
