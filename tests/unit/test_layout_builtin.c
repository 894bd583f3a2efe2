/* Unit tests: the built-in layout tables (python/layout_builtin.c).
 *
 * The values themselves are compared with real DWARF by the end-to-end tests;
 * here: which versions are covered, and invariants every table must keep for
 * the gc walk to work (fields present, distinct, in a sane order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "python/layout.h"

#define HEX(major, minor, micro, level, serial)                                            \
	((uint32_t)(major) << 24 | (uint32_t)(minor) << 16 | (uint32_t)(micro) << 8 |       \
	 (uint32_t)(level) << 4 | (uint32_t)(serial))
#define FINAL 0xf

/* Versions to check: for every minor, its first alpha, .0 final and a late micro. */
static const uint32_t VERSIONS[] = {
	HEX(3, 7, 0, FINAL, 0),   HEX(3, 7, 17, FINAL, 0),
	HEX(3, 8, 0, FINAL, 0),   HEX(3, 8, 20, FINAL, 0),  HEX(3, 9, 0, FINAL, 0),
	HEX(3, 9, 25, FINAL, 0),  HEX(3, 10, 0, 0xa, 1),    HEX(3, 10, 0, FINAL, 0),
	HEX(3, 10, 19, FINAL, 0), HEX(3, 11, 0, FINAL, 0),  HEX(3, 11, 14, FINAL, 0),
	HEX(3, 12, 0, FINAL, 0),  HEX(3, 12, 12, FINAL, 0), HEX(3, 13, 0, 0xb, 2),
	HEX(3, 13, 0, FINAL, 0),  HEX(3, 13, 9, FINAL, 0),  HEX(3, 14, 0, 0xa, 1),
	HEX(3, 14, 0, FINAL, 0),  HEX(3, 14, 3, FINAL, 0),  HEX(3, 14, 4, FINAL, 0),
	HEX(3, 14, 5, 0xa, 1),    HEX(3, 14, 5, FINAL, 0),  HEX(3, 14, 9, FINAL, 0),
	HEX(3, 15, 0, 0xa, 1),    HEX(3, 15, 0, FINAL, 0),
};
#define N_VERSIONS (sizeof(VERSIONS) / sizeof(VERSIONS[0]))

static struct rs_layout layout_of(uint32_t hexversion)
{
	struct rs_layout l;
	if (!rs_layout_builtin(hexversion, &l))
		fail_msg("no built-in layout for 0x%08x", hexversion);
	return l;
}

#define F(l, name) RS_OFF(&(l), name)

static void test_supported_versions(void **state)
{
	struct rs_layout l;
	memset(&l, 0x5a, sizeof(l));
	assert_false(rs_layout_builtin(HEX(2, 7, 18, FINAL, 0), &l));
	assert_false(rs_layout_builtin(HEX(3, 5, 10, FINAL, 0), &l));
	assert_false(rs_layout_builtin(HEX(3, 5, 0, FINAL, 0), &l));
	assert_false(rs_layout_builtin(HEX(3, 16, 0, 0xa, 1), &l));
	assert_false(rs_layout_builtin(HEX(3, 16, 0, FINAL, 0), &l));
	assert_false(rs_layout_builtin(HEX(4, 8, 0, FINAL, 0), &l));
	assert_false(rs_layout_builtin(HEX(3, 0, 0, FINAL, 0), &l));
	assert_false(rs_layout_builtin(0, &l));
	assert_false(rs_layout_builtin(0xffffffffu, &l));

	for (unsigned minor = 6; minor <= 15; minor++) {
		uint32_t hex = HEX(3, minor, 1, FINAL, 0);
		memset(&l, 0x5a, sizeof(l));
		assert_true(rs_layout_builtin(hex, &l));
		assert_int_equal(l.minor, minor);
		assert_int_equal(l.hexversion, hex);
		assert_int_equal(l.source, RS_LAYOUT_BUILTIN);
		for (size_t i = 0; i < RS_LF_COUNT; i++)
			assert_int_equal(l.field_source[i], RS_LAYOUT_BUILTIN);
	}
}

/* Everything the gc walk needs, for every version. */
static void test_gc_walk_fields_present(void **state)
{
	for (size_t v = 0; v < N_VERSIONS; v++) {
		struct rs_layout l = layout_of(VERSIONS[v]);
		const int64_t needed[] = {
			F(l, runtime_interpreters_head), F(l, interp_next), F(l, interp_id),
			F(l, interp_threads_head), F(l, interp_sysdict), F(l, tstate_next),
			F(l, tstate_interp), F(l, gc_generations), F(l, gc_permanent),
			F(l, gc_collecting), F(l, gc_generation_size), F(l, gc_head_size),
			F(l, type_name), F(l, type_flags), F(l, object_type),
			F(l, gc_generation_threshold), F(l, gc_generation_count), F(l, gc_enabled),
			F(l, type_basicsize), F(l, type_itemsize),
		};
		for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
			if (needed[i] < 0)
				fail_msg("0x%08x: needed field %zu is missing", VERSIONS[v], i);
		/* The gc state lives in the runtime (3.7, 3.8) or in each interpreter. */
		bool in_runtime = F(l, runtime_gc) >= 0, in_interp = F(l, interp_gc) >= 0;
		if (in_runtime == in_interp)
			fail_msg("0x%08x: runtime_gc %lld, interp_gc %lld: want exactly one", VERSIONS[v],
				 (long long)F(l, runtime_gc), (long long)F(l, interp_gc));
		assert_int_equal(in_runtime, l.minor <= 8);
	}
}

static void test_gc_kind(void **state)
{
	for (size_t v = 0; v < N_VERSIONS; v++) {
		uint32_t hex = VERSIONS[v];
		struct rs_layout l = layout_of(hex);
		bool incremental = hex >= HEX(3, 14, 0, 0, 0) && hex <= HEX(3, 14, 4, FINAL, 0);
		if (incremental) {
			assert_int_equal(l.gc_kind, RS_GC_INCREMENTAL);
			assert_true(F(l, gc_old) >= 0);
			/* young, then old[0] and old[1], then the permanent generation */
			assert_true(F(l, gc_old) >= F(l, gc_generations) + F(l, gc_generation_size));
			assert_true(F(l, gc_permanent) >= F(l, gc_old) + 2 * F(l, gc_generation_size));
		} else {
			if (l.gc_kind != RS_GC_GENERATIONAL)
				fail_msg("0x%08x: not generational", hex);
			assert_int_equal(F(l, gc_old), -1);
			/* generations[3], then the permanent generation */
			assert_true(F(l, gc_permanent) >= F(l, gc_generations) + 3 * F(l, gc_generation_size));
		}
		assert_true(F(l, gc_collecting) >= F(l, gc_permanent) + F(l, gc_generation_size));
	}
	/* The boundary, exactly. */
	assert_int_equal(layout_of(HEX(3, 14, 4, FINAL, 0)).gc_kind, RS_GC_INCREMENTAL);
	assert_int_equal(layout_of(0x030e04f0).gc_kind, RS_GC_INCREMENTAL);
	assert_int_equal(layout_of(HEX(3, 14, 5, 0xa, 0)).gc_kind, RS_GC_GENERATIONAL);
	assert_int_equal(layout_of(HEX(3, 14, 0, 0xa, 1)).gc_kind, RS_GC_INCREMENTAL);
	assert_int_equal(layout_of(HEX(3, 13, 9, FINAL, 0)).gc_kind, RS_GC_GENERATIONAL);
	assert_int_equal(layout_of(HEX(3, 15, 0, FINAL, 0)).gc_kind, RS_GC_GENERATIONAL);

	/* The incremental gc state is smaller: what follows it in the
	 * interpreter comes earlier than in the generational 3.14 micros. */
	struct rs_layout inc = layout_of(HEX(3, 14, 4, FINAL, 0));
	struct rs_layout gen = layout_of(HEX(3, 14, 5, FINAL, 0));
	assert_int_equal(F(inc, interp_gc), F(gen, interp_gc));
	assert_true(F(inc, interp_sysdict) < F(gen, interp_sysdict));
	assert_int_equal(F(gen, interp_sysdict) - F(inc, interp_sysdict),
			 F(gen, interp_builtins) - F(inc, interp_builtins));
}

/* Offsets within one struct must not collide, and must fit their sizes. */
static void assert_distinct(uint32_t hex, const char *what, const int64_t *off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (off[i] >= 0 && off[i] == off[j])
				fail_msg("0x%08x: %s: fields %zu and %zu both at %lld", hex, what, i, j,
					 (long long)off[i]);
}

static void test_struct_sanity(void **state)
{
	for (size_t v = 0; v < N_VERSIONS; v++) {
		uint32_t hex = VERSIONS[v];
		struct rs_layout l = layout_of(hex);
		const int64_t interp[] = {F(l, interp_next), F(l, interp_id), F(l, interp_threads_head),
					  F(l, interp_gc), F(l, interp_modules), F(l, interp_sysdict),
					  F(l, interp_builtins)};
		assert_distinct(hex, "interpreter", interp, sizeof(interp) / sizeof(interp[0]));
		const int64_t tstate[] = {F(l, tstate_next), F(l, tstate_interp), F(l, tstate_thread_id),
					  F(l, tstate_native_thread_id)};
		assert_distinct(hex, "thread state", tstate, sizeof(tstate) / sizeof(tstate[0]));
		const int64_t gc[] = {F(l, gc_enabled), F(l, gc_generations), F(l, gc_old),
				      F(l, gc_permanent), F(l, gc_collecting)};
		assert_distinct(hex, "gc state", gc, sizeof(gc) / sizeof(gc[0]));
		const int64_t type[] = {F(l, object_type), F(l, type_name), F(l, type_basicsize),
					F(l, type_itemsize), F(l, type_flags), F(l, type_base)};
		assert_distinct(hex, "type", type, sizeof(type) / sizeof(type[0]));

		/* Pointers and Py_ssize_t members are 8-aligned. */
		const int64_t aligned[] = {F(l, runtime_interpreters_head), F(l, interp_next),
					   F(l, interp_threads_head), F(l, interp_sysdict),
					   F(l, tstate_next), F(l, tstate_interp), F(l, object_type),
					   F(l, type_name), F(l, type_flags), F(l, type_base),
					   F(l, gc_generations), F(l, gc_permanent)};
		for (size_t i = 0; i < sizeof(aligned) / sizeof(aligned[0]); i++)
			if (aligned[i] % 8 != 0)
				fail_msg("0x%08x: aligned field %zu at %lld", hex, i, (long long)aligned[i]);

		/* A gc_generation is a list head (two pointers) and two ints. */
		assert_true(F(l, gc_generation_size) >= 2 * 8 + 2 * 4);
		assert_true(F(l, gc_generation_threshold) + 4 <= F(l, gc_generation_size));
		assert_true(F(l, gc_generation_count) + 4 <= F(l, gc_generation_size));
		assert_int_not_equal(F(l, gc_generation_threshold), F(l, gc_generation_count));
		assert_true(F(l, gc_head_size) >= 16);
		assert_true(F(l, gc_head_size) % 8 == 0);

		/* Type object members come after the object header and fit in it. */
		assert_true(F(l, type_name) > F(l, object_type));
		assert_true(F(l, type_flags) > F(l, type_name));
		assert_true(F(l, type_object_size) > F(l, type_base));
		assert_true(F(l, heaptype_size) > F(l, type_object_size));
		assert_true(F(l, heaptype_cached_keys) >= F(l, type_object_size));
		assert_true(F(l, heaptype_cached_keys) < F(l, heaptype_size));
	}
}

static void test_version_features(void **state)
{
	for (size_t v = 0; v < N_VERSIONS; v++) {
		struct rs_layout l = layout_of(VERSIONS[v]);
		unsigned minor = l.minor;
		assert_int_equal(l.immortal_refcounts, minor >= 12);
		assert_int_equal(l.managed_preheader, minor >= 11);
		assert_int_equal(l.dict_embedded_values, minor >= 13);
		/* Only the 3.13 tables probe a second gc head position. */
		if (minor == 13)
			assert_true(l.gc_generations_alt >= 0 && l.gc_generations_alt != F(l, gc_generations));
		else
			assert_int_equal(l.gc_generations_alt, -1);
		/* native_thread_id arrived in 3.11. */
		assert_int_equal(F(l, tstate_native_thread_id) >= 0, minor >= 11);
		assert_true(F(l, tstate_thread_id) >= 0);
		/* The compact long tag replaced ob_size in 3.12. */
		assert_int_equal(F(l, long_tag) >= 0, minor >= 12);
		assert_true(F(l, long_digits) >= 0);
		/* wstr went away in 3.12. */
		assert_int_equal(F(l, unicode_wstr) >= 0, minor < 12);
		assert_int_equal(F(l, unicode_wstr_length) >= 0, minor < 12);
		assert_true(F(l, unicode_ascii_size) < F(l, unicode_compact_size));
		assert_true(F(l, unicode_compact_size) < F(l, unicode_object_size));
		/* Dict keys: dk_size until 3.10, log2 sizes since 3.11. */
		assert_int_equal(F(l, dictkeys_size) >= 0, minor <= 10);
		assert_int_equal(F(l, dictkeys_log2_size) >= 0, minor >= 11);
		assert_int_equal(F(l, dictkeys_kind) >= 0, minor >= 11);
		assert_true(F(l, dictkeys_nentries) > F(l, dictkeys_usable));
		assert_true(F(l, dictkeys_indices) > F(l, dictkeys_nentries));
		/* Embedded dict values since 3.13. */
		assert_int_equal(F(l, dictvalues_embedded) >= 0, minor >= 13);
		/* Where a frame is: f_lasti up to 3.10, then the interpreter frame's
		 * instruction pointer into co_code_adaptive; a line table always. */
		assert_int_equal(F(l, frame_lasti) >= 0, minor <= 10);
		assert_int_equal(F(l, iframe_instr) >= 0, minor >= 11);
		assert_int_equal(F(l, code_adaptive) >= 0, minor >= 11);
		assert_true(F(l, code_linetable) > F(l, code_firstlineno));
		assert_true(F(l, code_linetable) % 8 == 0);
		if (minor >= 11)
			assert_true(F(l, code_adaptive) > F(l, code_linetable));
		assert_true(F(l, bytes_data) > F(l, varobject_size));
	}
}

/* The state members read as roots: present where they exist, distinct,
 * pointer-aligned, and moved with the gc state in 3.14.0-3.14.4. */
static void test_state_fields(void **state)
{
	for (size_t v = 0; v < N_VERSIONS; v++) {
		uint32_t hex = VERSIONS[v];
		struct rs_layout l = layout_of(hex);
		unsigned minor = l.minor;
		const int64_t interp[] = {
			F(l, interp_modules), F(l, interp_sysdict), F(l, interp_builtins),
			F(l, interp_modules_by_index), F(l, interp_importlib), F(l, interp_import_func),
			F(l, interp_codecs), F(l, interp_builtins_copy), F(l, interp_forkers),
			/* new in 3.8: the interpreter's dict, warnings, audit hooks */
			F(l, interp_dict), F(l, interp_warnings), F(l, interp_audit_hooks),
		};
		size_t since_38 = sizeof(interp) / sizeof(interp[0]) - 3;
		for (size_t i = 0; i < sizeof(interp) / sizeof(interp[0]); i++)
			if (minor == 7 && i >= since_38)
				assert_int_equal(interp[i], -1);
			else if (interp[i] < 0 || interp[i] % 8 != 0)
				fail_msg("0x%08x: interpreter member %zu at %lld", hex, i, (long long)interp[i]);
		assert_distinct(hex, "interpreter members", interp,
				minor == 7 ? since_38 : sizeof(interp) / sizeof(interp[0]));
		const int64_t thread[] = {
			F(l, tstate_trace_objects), F(l, tstate_exc_state), F(l, tstate_dict),
			F(l, tstate_async_exc), F(l, tstate_async_gen), F(l, tstate_next), F(l, tstate_interp),
		};
		for (size_t i = 0; i < sizeof(thread) / sizeof(thread[0]); i++)
			if (thread[i] < 0 || thread[i] % 8 != 0)
				fail_msg("0x%08x: thread member %zu at %lld", hex, i, (long long)thread[i]);
		assert_distinct(hex, "thread members", thread, sizeof(thread) / sizeof(thread[0]));
		/* curexc_* became current_exception in 3.12 */
		assert_int_equal(F(l, tstate_curexc) >= 0, minor <= 11);
		assert_int_equal(F(l, tstate_current_exception) >= 0, minor >= 12);
		assert_int_equal(F(l, interp_pyexitmodule) >= 0, minor <= 9);
		assert_int_equal(F(l, interp_ast) >= 0 && F(l, ast_state_size) > 0, minor >= 10);
		assert_int_equal(F(l, interp_type_cache) >= 0, minor >= 10);
		assert_int_equal(F(l, interp_static_types) >= 0 && F(l, interp_static_types_count) >= 0, minor >= 12);
		assert_int_equal(F(l, interp_extension_types) >= 0, minor >= 13);
		assert_int_equal(F(l, tstate_asyncio_loop) >= 0, minor >= 13);
		assert_int_equal(F(l, runtime_signal_handlers) >= 0, minor >= 12);
		if (minor >= 12) {
			assert_true(F(l, static_type_state_dict) + 16 <= F(l, static_type_state_size));
			assert_true(F(l, interp_monitoring_callables) < F(l, interp_monitoring_tool_names));
			assert_true(F(l, interp_objreduce) > F(l, interp_cached_objects));
			assert_true(F(l, interp_objreduce) < F(l, interp_cached_objects) + F(l, cached_objects_size));
			/* the count comes right before the array it counts */
			assert_true(F(l, interp_static_types_count) < F(l, interp_static_types));
		}
		/* gc.callbacks follows gc.garbage */
		assert_int_equal(F(l, gc_callbacks), F(l, gc_garbage) + 8);
		assert_int_equal(F(l, type_weaklist), 368);
	}
	struct rs_layout inc = layout_of(HEX(3, 14, 4, FINAL, 0));
	struct rs_layout gen = layout_of(HEX(3, 14, 5, FINAL, 0));
	assert_int_equal(F(gen, interp_dict) - F(inc, interp_dict), 24);
	assert_int_equal(F(gen, interp_ast) - F(inc, interp_ast), 24);
	assert_int_equal(F(gen, tstate_dict), F(inc, tstate_dict));
	/* Micro releases that moved members: 3.13.12 (faulthandler), 3.13.13 (thread state) */
	struct rs_layout m11 = layout_of(HEX(3, 13, 11, FINAL, 0)), m12 = layout_of(HEX(3, 13, 12, FINAL, 0));
	struct rs_layout m13 = layout_of(HEX(3, 13, 13, FINAL, 0));
	assert_int_equal(F(m12, runtime_fatal_error_file) - F(m11, runtime_fatal_error_file), 24);
	assert_int_equal(F(m13, tstate_asyncio_loop) - F(m12, tstate_asyncio_loop), 8);
}

static void test_field_names(void **state)
{
	/* One name per field, unique, non-empty: they are the public names. */
	for (size_t i = 0; i < RS_LF_COUNT; i++) {
		assert_non_null(rs_layout_field_names[i]);
		assert_true(strlen(rs_layout_field_names[i]) > 0);
		for (size_t j = i + 1; j < RS_LF_COUNT; j++)
			assert_string_not_equal(rs_layout_field_names[i], rs_layout_field_names[j]);
	}
	assert_int_equal(rs_layout_field_count(), RS_LF_COUNT);
	assert_string_equal(rs_layout_field_name(RS_LF_gc_old), "gc_old");
	assert_string_equal(rs_layout_field_name(RS_LF_type_name), "type_name");
	assert_null(rs_layout_field_name(RS_LF_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supported_versions),
		cmocka_unit_test(test_gc_walk_fields_present),
		cmocka_unit_test(test_gc_kind),
		cmocka_unit_test(test_struct_sanity),
		cmocka_unit_test(test_version_features),
		cmocka_unit_test(test_state_fields),
		cmocka_unit_test(test_field_names),
	};
	return cmocka_run_group_tests_name("layout_builtin", tests, NULL, NULL);
}
