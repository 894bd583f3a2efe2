/* _Py_DebugOffsets: the table CPython 3.13+ keeps at the start of _PyRuntime
 * for out-of-process tools. It gives the interpreter and thread offsets,
 * which vary between builds, but not the gc generation heads (see
 * shared/cpython-internals.md section 4), so it refines the built-in table. */
#include <string.h>

#include "python.h"

#define MAX_STRUCT_SIZE (1u << 20)

/* Where each group starts inside _Py_DebugOffsets, per minor version. */
struct debug_offsets_shape {
	unsigned minor;
	unsigned interp;       /* interpreter_state group */
	bool threads_main;     /* 3.14+: one more field before gc */
	unsigned tstate;       /* thread_state group */
	unsigned thread_id;    /* index of thread_id in it; native_thread_id follows */
	unsigned gc;           /* gc group {size, collecting} */
};

static const struct debug_offsets_shape shapes[] = {
	{13, 48, false, 152, 5, 568},
	{14, 48, true, 176, 5, 648},
	{15, 48, true, 176, 8, 752}, /* 3.15 put base_frame and profiling fields first */
};

uint64_t rs_debug_offsets_version(struct rs_memory *mem, uint64_t runtime, bool *free_threaded)
{
	uint64_t head[3];
	*free_threaded = false;
	rs_error *err = rs_mem_read(mem, runtime, head, sizeof(head));
	if (err) {
		rs_error_free(err);
		return 0;
	}
	if (memcmp(&head[0], "xdebugpy", 8) != 0)
		return 0;
	*free_threaded = head[2] != 0;
	return head[1];
}

static bool offset_valid(uint64_t offset, uint64_t struct_size)
{
	return struct_size > 0 && struct_size <= MAX_STRUCT_SIZE && offset < struct_size;
}

bool rs_debug_offsets_apply(struct rs_memory *mem, uint64_t runtime, struct rs_layout *layout)
{
	const struct debug_offsets_shape *shape = NULL;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (shapes[i].minor == layout->minor)
			shape = &shapes[i];
	uint64_t table[128];
	if (!shape || shape->gc + 16 > sizeof(table))
		return false;
	rs_error *err = rs_mem_read(mem, runtime, table, shape->gc + 16);
	if (err) {
		rs_error_free(err);
		return false;
	}
	if (memcmp(&table[0], "xdebugpy", 8) != 0 || (table[1] >> 16) != (layout->hexversion >> 16))
		return false;
	const uint64_t *rt = &table[3], *is = &table[shape->interp / 8], *ts = &table[shape->tstate / 8];
	const uint64_t *gc = &table[shape->gc / 8];
	unsigned g = shape->threads_main ? 1 : 0, tid = shape->thread_id;
	/* interpreter_state: size, id, next, threads_head, [threads_main], gc, imports_modules, sysdict, builtins */
	if (!offset_valid(rt[2], rt[0]) || !offset_valid(is[1], is[0]) || !offset_valid(is[2], is[0]) ||
	    !offset_valid(is[3], is[0]) || !offset_valid(is[4 + g], is[0]) ||
	    !offset_valid(is[5 + g], is[0]) || !offset_valid(is[6 + g], is[0]) ||
	    !offset_valid(is[7 + g], is[0]) || !offset_valid(ts[2], ts[0]) ||
	    !offset_valid(ts[3], ts[0]) || !offset_valid(ts[tid], ts[0]) || !offset_valid(ts[tid + 1], ts[0]) ||
	    !offset_valid(gc[1], gc[0]))
		return false;
	RS_OFF(layout, runtime_interpreters_head) = (int64_t)rt[2];
	RS_OFF(layout, interp_id) = (int64_t)is[1];
	RS_OFF(layout, interp_next) = (int64_t)is[2];
	RS_OFF(layout, interp_threads_head) = (int64_t)is[3];
	RS_OFF(layout, interp_gc) = (int64_t)is[4 + g];
	RS_OFF(layout, interp_modules) = (int64_t)is[5 + g];
	RS_OFF(layout, interp_sysdict) = (int64_t)is[6 + g];
	RS_OFF(layout, interp_builtins) = (int64_t)is[7 + g];
	/* thread_state: size, prev, next, interp, current_frame, ..., thread_id, native_thread_id */
	RS_OFF(layout, tstate_next) = (int64_t)ts[2];
	RS_OFF(layout, tstate_interp) = (int64_t)ts[3];
	RS_OFF(layout, tstate_thread_id) = (int64_t)ts[tid];
	RS_OFF(layout, tstate_native_thread_id) = (int64_t)ts[tid + 1];
	RS_OFF(layout, gc_collecting) = (int64_t)gc[1];
	RS_OFF(layout, runtime_size) = (int64_t)rt[0];
	RS_OFF(layout, interp_size) = (int64_t)is[0];
	RS_OFF(layout, tstate_size) = (int64_t)ts[0];
	RS_OFF(layout, tstate_frame) = (int64_t)ts[4];
	static const enum rs_layout_field applied[] = {
		RS_LF_runtime_size, RS_LF_interp_size, RS_LF_tstate_size, RS_LF_tstate_frame,
		RS_LF_runtime_interpreters_head, RS_LF_interp_id, RS_LF_interp_next, RS_LF_interp_threads_head,
		RS_LF_interp_gc, RS_LF_interp_modules, RS_LF_interp_sysdict, RS_LF_interp_builtins,
		RS_LF_tstate_next, RS_LF_tstate_interp, RS_LF_tstate_thread_id, RS_LF_tstate_native_thread_id,
		RS_LF_gc_collecting,
	};
	for (size_t i = 0; i < sizeof(applied) / sizeof(applied[0]); i++)
		layout->field_source[applied[i]] = RS_LAYOUT_DEBUG_OFFSETS;
	rs_layout_thread_impl(layout);
	layout->field_source[RS_LF_tstate_asyncio_loop] = RS_LAYOUT_DEBUG_OFFSETS;
	if (RS_OFF(layout, tstate_lazy_imports) >= 0)
		layout->field_source[RS_LF_tstate_lazy_imports] = RS_LAYOUT_DEBUG_OFFSETS;
	/* 3.14.0-3.14.4 kept the incremental collector, whose state is 240 bytes;
	 * the generational one that came back in 3.14.5 is 264. */
	if (layout->minor == 14 && gc[0] == 240) {
		layout->gc_kind = RS_GC_INCREMENTAL;
		RS_OFF(layout, gc_old) = 48;
	} else if (layout->minor == 14) {
		layout->gc_kind = RS_GC_GENERATIONAL;
		RS_OFF(layout, gc_old) = -1;
	}
	layout->source = RS_LAYOUT_DEBUG_OFFSETS;
	return true;
}
