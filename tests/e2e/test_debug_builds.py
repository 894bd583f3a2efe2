"""Debug builds (--with-pydebug): Debian's python3.11d and sid's python3.13d
to python3.15d. The tests of test_heap.py (info, gc, summary), test_graph.py
(garbage, refs, referrers, cycles, refcheck, path) and test_leak_hunting.py
(dominators, objects, retainers, suspects, top, audit, the SQLite export)
run here again on them, live and from cores, against the same ground
truth: one heap_target and one graph_target process per interpreter. Left
out, for the suite's time: the Graphviz pictures and the DevTools export,
which draw and write what the tests here check.

None of these builds has Py_TRACE_REFS (sys.getobjects is absent in each):
the refchain walk of such builds is not tested here (README, "Debug
builds")."""
from conftest import DEBUG_INTERPRETERS, live_and_core, program_fixture
from test_graph import (test_garbage_is_exactly_what_gc_collects,
                        test_kept_cycles_are_sccs_with_exactly_their_members, test_path_steps_are_real_references,
                        test_referrers_include_gc_get_referrers, test_refcheck_finds_leaked_references_not_their_twins,
                        test_refs_equal_gc_get_referents)
from test_heap import (mode, test_gc_generations_match_the_collector,
                       test_info_reports_exact_version_and_layout, test_summary_counts_and_sizes_of_own_classes,
                       test_summary_totals_agree_with_gc)
from test_leak_hunting import (test_audit_rules_hold_or_break_each_on_its_own,
                               test_dominators_and_retained_sizes_equal_the_process,
                               test_export_sqlite_is_the_graph_in_sql,
                               test_objects_of_a_type_are_the_census_of_gc_get_objects,
                               test_retainers_merge_the_paths_of_every_instance,
                               test_suspects_puts_the_largest_accumulation_first,
                               test_summary_retained_is_what_the_instances_keep_alive,
                               test_top_and_suspects_find_the_registry)

# Collected here, with the fixtures below in place of their modules' own.
__all__ = [
    "test_garbage_is_exactly_what_gc_collects",
    "test_kept_cycles_are_sccs_with_exactly_their_members", "test_path_steps_are_real_references",
    "test_referrers_include_gc_get_referrers", "test_refcheck_finds_leaked_references_not_their_twins",
    "test_refs_equal_gc_get_referents", "mode", "test_gc_generations_match_the_collector",
    "test_info_reports_exact_version_and_layout", "test_summary_counts_and_sizes_of_own_classes",
    "test_summary_totals_agree_with_gc", "test_audit_rules_hold_or_break_each_on_its_own",
    "test_dominators_and_retained_sizes_equal_the_process",
    "test_export_sqlite_is_the_graph_in_sql", "test_objects_of_a_type_are_the_census_of_gc_get_objects",
    "test_retainers_merge_the_paths_of_every_instance", "test_suspects_puts_the_largest_accumulation_first",
    "test_summary_retained_is_what_the_instances_keep_alive", "test_top_and_suspects_find_the_registry"
]

target = program_fixture("heap_target.py", DEBUG_INTERPRETERS)
graph_target = program_fixture("graph_target.py", DEBUG_INTERPRETERS)
target_args = live_and_core("graph_target")
