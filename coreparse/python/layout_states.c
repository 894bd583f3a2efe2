/* Built-in offsets of the state members that own references (the roots read
 * field by field), per minor version, for interpreters without DWARF.
 *
 * Read from the DWARF of pyenv 3.6.15 to 3.13.0, Debian's 3.11.2 and sid's
 * 3.13.18, 3.14.10 and 3.15.2 (gdb ptype/o); tests/e2e/test_layout.py
 * compares every value with the DWARF of each interpreter available. Where
 * two micro releases of one minor differ, the boundary is the release that
 * carried the change (from CPython's changelog and issues). */
#include <stddef.h>

#include "layout.h"

#define V(minor, micro) (0x03000000u | ((unsigned)(minor) << 16) | ((unsigned)(micro) << 8))
#define NONE (-1)

struct state_row {
	enum rs_layout_field field;
	char owner;     /* 'i' interpreter, 't' thread, 'r' runtime, 's' a struct of its own */
	int32_t at[10]; /* 3.6 to 3.15 */
};

/* clang-format off */
static const struct state_row rows[] = {
	/*                                          3.6   3.7    3.8    3.9   3.10   3.11    3.12    3.13    3.14    3.15 */
	{RS_LF_runtime_signal_handlers,      'r', { NONE, NONE, NONE,  NONE,  NONE,  NONE,    464,   1080,   1256,   1384}},
	{RS_LF_runtime_signal_defaults,      'r', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   1520,   2136,   2312,   2440}},
	{RS_LF_runtime_fatal_error_file,     'r', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   2608,   9920,  10128,  10248}},
	{RS_LF_runtime_watchdog_file,        'r', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   2632,   9944,  10160,  10288}},
	{RS_LF_interp_modules_by_index,      'i', {   24,   48,   64,   864,   864,   896,    952,   7664,   7696,   7600}},
	{RS_LF_interp_importlib,             'i', {   48,   72,   88,   888,   888,   920,    960,   7672,   7704,   7608}},
	{RS_LF_interp_import_func,           'i', {  104,  456,  560,  1392,  1360,  1416,    984,   7696,   7728,   7632}},
	{RS_LF_interp_lazy_imports,          'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE,   NONE,   NONE,   7640}},
	{RS_LF_interp_codecs,                'i', {   56,  104,  120,   912,   912,   936,   1248,   7960,   8000,   7952}},
	{RS_LF_interp_dict,                  'i', { NONE, NONE,  544,  1376,  1344,  1400,   1720,   8448,   8496,   8448}},
	{RS_LF_interp_sysdict_copy,          'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   1728,   8456,   8504,   8456}},
	{RS_LF_interp_builtins_copy,         'i', {   96,  448,  552,  1384,  1352,  1408,   1736,   8464,   8512,   8464}},
	{RS_LF_interp_xi_exceptions,         'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE,  10624,  10672,  10632}},
	{RS_LF_interp_xi_pickle,             'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE,   NONE,   NONE,  10656}},
	{RS_LF_interp_forkers,               'i', { NONE, 2520, 2624,  3456,  3424,  3480,   3872,  10632,  10696,  10672}},
	{RS_LF_interp_pyexitmodule,          'i', { NONE, 2552, 2656,  3488,  NONE,  NONE,   NONE,   NONE,   NONE,   NONE}},
	{RS_LF_interp_warnings,              'i', { NONE, NONE, 2672,  3504,  3456,  3504,   3896,  10656,  10720,  10696}},
	{RS_LF_interp_warnings_context,      'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE,   NONE,  10776,  10752}},
	{RS_LF_interp_atexit_callbacks,      'i', { NONE, NONE, NONE,  NONE,  3488,  3536,   3944,  10712,  10792,  10768}},
	{RS_LF_interp_atexit_ncallbacks,     'i', { NONE, NONE, NONE,  NONE,  3496,  3544,   3952,  10720,   NONE,   NONE}},
	{RS_LF_interp_audit_hooks,           'i', { NONE, NONE, 2704,  3536,  3504,  3552, 267208,  10808,  10912,  10888}},
	{RS_LF_interp_small_ints,            'i', { NONE, NONE, NONE,  3552,  3512,  NONE,   NONE,   NONE,   NONE,   NONE}},
	{RS_LF_interp_bytes_cache,           'i', { NONE, NONE, NONE,  NONE,  5608,  NONE,   NONE,   NONE,   NONE,   NONE}},
	{RS_LF_interp_unicode_cache,         'i', { NONE, NONE, NONE,  NONE,  7664,  NONE,   NONE,   NONE,   NONE,   NONE}},
	{RS_LF_interp_errnomap,              'i', { NONE, NONE, NONE,  NONE, 13312,  7128, 273400,  82640,  79888,  79896}},
	{RS_LF_interp_exception_group,       'i', { NONE, NONE, NONE,  NONE,  NONE,  7152, 273424,  82664,  79912,  79920}},
	{RS_LF_interp_type_cache,            'i', { NONE, NONE, NONE,  NONE, 15216,  9056, 275392,  84656,  81928,  81952}},
	{RS_LF_interp_static_types,          'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 373704, 182968, 180240, 180264}},
	{RS_LF_interp_static_types_count,    'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 373696, 182960, 180232, 180256}},
	{RS_LF_interp_extension_types,       'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE, 192584, 189856, 190024}},
	{RS_LF_interp_extension_types_count, 'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE, 192568, 189840, 190008}},
	{RS_LF_static_type_state_size,       's', { NONE, NONE, NONE,  NONE,  NONE,  NONE,     40,     48,     48,     48}},
	{RS_LF_static_type_state_dict,       's', { NONE, NONE, NONE,  NONE,  NONE,  NONE,     16,     24,     24,     24}},
	{RS_LF_interp_trampoline,            'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 381736,   NONE,   NONE,   NONE}},
	{RS_LF_interp_optimizer,             'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE, 193104,   NONE,   NONE}},
	{RS_LF_interp_monitoring_callables,  'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 381784, 193176, 223280, 223552}},
	{RS_LF_interp_monitoring_tool_names, 'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 382872, 194264, 224496, 224768}},
	{RS_LF_interp_cached_objects,        'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 382936, 194328, 224624, 224896}},
	{RS_LF_cached_objects_size,          's', { NONE, NONE, NONE,  NONE,  NONE,  NONE,    160,    160,    160,     88}},
	{RS_LF_interp_objreduce,             'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 382952, 194344, 224632, 224904}},
	{RS_LF_interp_slots_name,            'i', { NONE, NONE, NONE,  NONE,  NONE,  NONE, 382960, 194352, 224640,   NONE}},
	{RS_LF_interp_ast,                   'i', { NONE, NONE, NONE,  NONE, 13336,  7160, 273432,  82696,  79944,  79952}},
	{RS_LF_ast_state_size,               's', { NONE, NONE, NONE,  NONE,  1880,  1896,   1952,   1952,   1976,   1992}},
	{RS_LF_tstate_trace_objects,         't', {   64,   72,   72,    72,    72,    80,     80,     96,     96,    120}},
	{RS_LF_tstate_curexc,                't', {   80,   88,   88,    88,    88,    96,   NONE,   NONE,   NONE,   NONE}},
	{RS_LF_tstate_current_exception,     't', { NONE, NONE, NONE,  NONE,  NONE,  NONE,     96,    112,    112,    136}},
	{RS_LF_tstate_exc_state,             't', {  104,  112,  112,   112,   112,   320,    256,    256,    256,    288}},
	{RS_LF_tstate_dict,                  't', {  128,  152,  152,   152,   152,   128,    112,    128,    128,    152}},
	{RS_LF_tstate_async_exc,             't', {  144,  168,  168,   168,   168,   144,    128,    144,    144,    168}},
	{RS_LF_tstate_async_gen,             't', { 2256,  240,  224,   224,   224,   208,    192,    192,    192,    216}},
	{RS_LF_tstate_threading_local,       't', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE,    288,    288,    328}},
	{RS_LF_tstate_asyncio_loop,          't', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE,    304,    864,   1024}},
	{RS_LF_tstate_lazy_imports,          't', { NONE, NONE, NONE,  NONE,  NONE,  NONE,   NONE,   NONE,   NONE,   1096}},
};
/* clang-format on */

/* Where micro releases of one minor differ from the table (which holds the
 * micro the tests can check: 3.13.0, 3.14.10). */
static void states_by_micro(struct rs_layout *l)
{
	uint32_t hex = l->hexversion;
	/* 3.13.12 and 3.14.3 added three perf trampoline fields to the runtime's
	 * ceval state (gh-143228), which precedes faulthandler's. */
	if (l->minor == 13 && hex >= V(13, 12)) {
		RS_OFF(l, runtime_fatal_error_file) += 24;
		RS_OFF(l, runtime_watchdog_file) += 24;
	}
	if (l->minor == 14 && hex < V(14, 3)) {
		RS_OFF(l, runtime_fatal_error_file) -= 24;
		RS_OFF(l, runtime_watchdog_file) -= 24;
	}
	/* gh-142183 appended datastack_cached_chunk to PyThreadState in 3.13.13
	 * and, by its date, 3.14.4: what follows it in _PyThreadStateImpl moves. */
	if (l->minor == 13 && hex >= V(13, 13))
		RS_OFF(l, tstate_asyncio_loop) += 8;
	if (l->minor == 14 && hex < V(14, 4))
		RS_OFF(l, tstate_asyncio_loop) -= 8;
	/* 3.14.0-3.14.4: the incremental gc state is 24 bytes smaller, and the
	 * interpreter members after it come earlier. */
	if (l->minor == 14 && hex < V(14, 5))
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			if (rows[i].owner == 'i' && l->field[rows[i].field] >= 0)
				l->field[rows[i].field] -= 24;
}

void rs_layout_builtin_states(struct rs_layout *l)
{
	if (l->minor < 6 || l->minor > 15)
		return;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		l->field[rows[i].field] = rows[i].at[l->minor - 6];
	/* gc.callbacks follows gc.garbage in every version with a gc state
	 * (3.6's are statics, python.c) */
	RS_OFF(l, gc_callbacks) = RS_OFF(l, gc_garbage) >= 0 ? RS_OFF(l, gc_garbage) + 8 : -1;
	states_by_micro(l);
}

void rs_layout_thread_impl(struct rs_layout *l)
{
	int64_t size = RS_OFF(l, tstate_size);
	if (l->minor < 13 || l->minor > 15 || size <= 0)
		return;
	/* _PyThreadStateImpl: PyThreadState, then 3.14 four stack words, 3.15
	 * also the base frame; asyncio_running_loop comes next. */
	static const int64_t loop_after[] = {0, 32, 136};
	RS_OFF(l, tstate_asyncio_loop) = size + loop_after[l->minor - 13];
	RS_OFF(l, tstate_lazy_imports) = l->minor == 15 ? size + 208 : -1;
}
