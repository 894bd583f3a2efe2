/* Built-in layout tables, for interpreters without debug info.
 *
 * Values were read from the DWARF of the builds named in
 * shared/cpython-internals.md; tests/e2e/test_layout.py compares every one of
 * them with the DWARF of each interpreter available, so none can drift. */
#include <string.h>

#include "layout.h"

#define V(minor, micro) (0x03000000u | ((unsigned)(minor) << 16) | ((unsigned)(micro) << 8))

/* What no version from 3.8 to 3.15 changed (3.7 changes some of it). */
static void layout_common(struct rs_layout *l)
{
	for (size_t i = 0; i < RS_LF_COUNT; i++)
		l->field[i] = -1;
	RS_OFF(l, interp_next) = 0;
	RS_OFF(l, tstate_next) = 8;
	RS_OFF(l, tstate_interp) = 16;
	RS_OFF(l, gc_enabled) = 12;
	RS_OFF(l, gc_generations) = 24;
	RS_OFF(l, gc_permanent) = 104;
	RS_OFF(l, gc_collecting) = 200;
	RS_OFF(l, gc_garbage) = 208;
	RS_OFF(l, gc_generation_size) = 24;
	RS_OFF(l, gc_generation_threshold) = 16;
	RS_OFF(l, gc_generation_count) = 20;
	RS_OFF(l, gc_head_size) = 16;
	RS_OFF(l, object_refcnt) = 0;
	RS_OFF(l, object_type) = 8;
	RS_OFF(l, varobject_size) = 16;
	RS_OFF(l, type_name) = 24;
	RS_OFF(l, type_basicsize) = 32;
	RS_OFF(l, type_itemsize) = 40;
	RS_OFF(l, type_flags) = 168;
	RS_OFF(l, type_base) = 256;
	RS_OFF(l, type_traverse) = 184;
	RS_OFF(l, type_members) = 240;
	RS_OFF(l, type_dict) = 264;
	RS_OFF(l, type_dictoffset) = 288;
	RS_OFF(l, type_bases) = 336;
	RS_OFF(l, type_mro) = 344;
	RS_OFF(l, type_cache) = 352;
	RS_OFF(l, type_del) = 376;
	RS_OFF(l, type_finalize) = 392;
	RS_OFF(l, type_weaklistoffset) = 208;
	RS_OFF(l, type_weaklist) = 368;
	RS_OFF(l, list_items) = 24;
	RS_OFF(l, float_value) = 16;
	RS_OFF(l, code_firstlineno) = 40;
	RS_OFF(l, code_filename) = 104;
	RS_OFF(l, code_name) = 112;
	RS_OFF(l, tuple_items) = 24;
	RS_OFF(l, list_allocated) = 32;
	RS_OFF(l, dict_keys) = 32;
	RS_OFF(l, dict_values) = 40;
	RS_OFF(l, dictkeys_refcnt) = 0;
	RS_OFF(l, set_mask) = 32;
	RS_OFF(l, set_table) = 40;
	RS_OFF(l, set_smalltable) = 64;
	RS_OFF(l, unicode_length) = 16;
	RS_OFF(l, unicode_state) = 32;
	RS_OFF(l, bytearray_alloc) = 24;
	RS_OFF(l, long_digits) = 24;
	RS_OFF(l, bytes_data) = 32;
	RS_OFF(l, hashtable_buckets) = 16;
	RS_OFF(l, hashtable_entry_next) = 0;
}

/* _Py_hashtable_t as 3.9 rewrote it (3.6-3.8 name its counts num_buckets
 * and entries, and store keys inline). Read only for 3.13+ Py_TRACE_REFS. */
static void layout_hashtable_since_39(struct rs_layout *l)
{
	RS_OFF(l, hashtable_nentries) = 0;
	RS_OFF(l, hashtable_nbuckets) = 8;
	RS_OFF(l, hashtable_entry_key) = 16;
}

static void layout_dict_before_311(struct rs_layout *l)
{
	RS_OFF(l, dictkeys_size) = 8;
	RS_OFF(l, dictkeys_usable) = 24;
	RS_OFF(l, dictkeys_nentries) = 32;
	RS_OFF(l, dictkeys_indices) = 40;
}

static void layout_dict_since_311(struct rs_layout *l)
{
	RS_OFF(l, dictkeys_log2_size) = 8;
	RS_OFF(l, dictkeys_log2_index_bytes) = 9;
	RS_OFF(l, dictkeys_kind) = 10;
	RS_OFF(l, dictkeys_usable) = 16;
	RS_OFF(l, dictkeys_nentries) = 24;
	RS_OFF(l, dictkeys_indices) = 32;
}

static void layout_unicode_before_312(struct rs_layout *l)
{
	RS_OFF(l, unicode_wstr) = 40;
	RS_OFF(l, unicode_utf8_length) = 48;
	RS_OFF(l, unicode_utf8) = 56;
	RS_OFF(l, unicode_wstr_length) = 64;
	RS_OFF(l, unicode_ascii_size) = 48;
	RS_OFF(l, unicode_compact_size) = 72;
	RS_OFF(l, unicode_object_size) = 80;
}

static void layout_unicode_since_312(struct rs_layout *l)
{
	RS_OFF(l, unicode_utf8_length) = 40;
	RS_OFF(l, unicode_utf8) = 48;
	RS_OFF(l, unicode_ascii_size) = 40;
	RS_OFF(l, unicode_compact_size) = 56;
	RS_OFF(l, unicode_object_size) = 64;
}

static void layout_interp(struct rs_layout *l, int64_t head, int64_t id, int64_t threads, int64_t gc,
			  int64_t modules, int64_t sysdict)
{
	RS_OFF(l, runtime_interpreters_head) = head;
	RS_OFF(l, interp_id) = id;
	RS_OFF(l, interp_threads_head) = threads;
	RS_OFF(l, interp_gc) = gc;
	RS_OFF(l, interp_modules) = modules;
	RS_OFF(l, interp_sysdict) = sysdict;
	RS_OFF(l, interp_builtins) = sysdict + 8;
}

static void layout_types(struct rs_layout *l, int64_t type_size, int64_t cached_keys, int64_t heap_size)
{
	RS_OFF(l, type_object_size) = type_size;
	RS_OFF(l, heaptype_cached_keys) = cached_keys;
	if (l->minor >= 9) /* ht_module follows ht_cached_keys */
		RS_OFF(l, heaptype_module) = cached_keys + 8;
	RS_OFF(l, heaptype_size) = heap_size;
}

static void layout_sizes(struct rs_layout *l, int64_t interp, int64_t tstate)
{
	RS_OFF(l, interp_size) = interp;
	RS_OFF(l, tstate_size) = tstate;
}

static void layout_threads(struct rs_layout *l, int64_t thread_id, int64_t native_thread_id)
{
	/* tstate->frame up to 3.10, ->cframe in 3.11-3.12, ->current_frame from 3.13 */
	RS_OFF(l, tstate_frame) = l->minor <= 10 ? 24 : l->minor <= 12 ? 56 : 72;
	RS_OFF(l, tstate_thread_id) = thread_id;
	RS_OFF(l, tstate_native_thread_id) = native_thread_id;
}

/* What sizes generators and frames: up to 3.10 a frame object holds its
 * slots and points at its code, a generator points at its frame. */
static void layout_frames_before_311(struct rs_layout *l, unsigned minor)
{
	RS_OFF(l, code_nlocals) = 28;
	RS_OFF(l, code_stacksize) = 32;
	RS_OFF(l, code_freevars) = 80;
	RS_OFF(l, code_cellvars) = 88;
	RS_OFF(l, gen_code) = minor == 10 ? 24 : 32;
	RS_OFF(l, frame_code) = 32;
	/* Where the frame is: f_lasti, in bytes up to 3.9, in code units in 3.10;
	 * co_lnotab (3.8-3.9) and co_linetable (3.10) hold the same place. */
	RS_OFF(l, frame_lasti) = minor == 10 ? 96 : 104;
	RS_OFF(l, code_linetable) = 120;
}

/* 3.7: a 32-byte PyGC_Head whose third word, gc_refs, says whether the
 * object is tracked and finalized; gc generations of 48 bytes in the
 * runtime's gc state; code objects without co_posonlyargcount. */
static void layout_37(struct rs_layout *l)
{
	layout_frames_before_311(l, 7);
	layout_dict_before_311(l);
	layout_unicode_before_312(l);
	layout_threads(l, 176, -1);
	layout_sizes(l, 2568, 280);
	layout_interp(l, 24, 16, 8, -1, 40, 56);
	layout_types(l, 400, 856, 864);
	RS_OFF(l, runtime_gc) = 320;
	RS_OFF(l, gc_generations) = 32;
	RS_OFF(l, gc_generation_size) = 48;
	RS_OFF(l, gc_generation_threshold) = 32;
	RS_OFF(l, gc_generation_count) = 36;
	RS_OFF(l, gc_permanent) = 192;
	RS_OFF(l, gc_collecting) = 312;
	RS_OFF(l, gc_garbage) = 320;
	RS_OFF(l, gc_head_size) = 32;
	RS_OFF(l, gc_head_refs) = 16;
	RS_OFF(l, code_firstlineno) = 36;
	RS_OFF(l, code_nlocals) = 24;
	RS_OFF(l, code_stacksize) = 28;
	RS_OFF(l, code_freevars) = 72;
	RS_OFF(l, code_cellvars) = 80;
	RS_OFF(l, code_filename) = 96;
	RS_OFF(l, code_name) = 104;
	RS_OFF(l, code_linetable) = 112;
}

/* 3.6: as 3.7 but for where things are found: no _PyRuntime (the
 * "runtime" is interp_head; the gc statics come from the symbol table,
 * python.c), no interpreter ids, no permanent generation, the exception
 * being handled in the thread state and the frame themselves. */
static void layout_36(struct rs_layout *l)
{
	layout_37(l);
	layout_sizes(l, 120, 2272);
	layout_interp(l, 0, -1, 8, -1, 16, 32);
	layout_threads(l, 152, -1);
	layout_types(l, 400, 856, 864);
	RS_OFF(l, runtime_gc) = -1;
	RS_OFF(l, gc_generations) = -1;
	RS_OFF(l, gc_permanent) = -1;
	RS_OFF(l, gc_collecting) = -1;
	RS_OFF(l, gc_garbage) = -1;
	RS_OFF(l, gc_enabled) = -1;
	RS_OFF(l, frame_lasti) = 120;
}

static void layout_38_to_310(struct rs_layout *l, unsigned minor)
{
	layout_frames_before_311(l, minor);
	layout_dict_before_311(l);
	layout_unicode_before_312(l);
	layout_threads(l, 176, -1);
	layout_sizes(l, minor == 8 ? 2720 : minor == 9 ? 5656 : 113528, minor == 10 ? 280 : 264);
	if (minor == 8) {
		layout_interp(l, 32, 16, 8, -1, 56, 72);
		RS_OFF(l, runtime_gc) = 344;
		layout_types(l, 416, 872, 880);
	} else {
		layout_interp(l, 32, 24, 8, 616, 856, 872);
		layout_types(l, 408, minor == 9 ? 864 : 872, minor == 9 ? 880 : 888);
	}
}

static void layout_code_since_311(struct rs_layout *l)
{
	RS_OFF(l, code_firstlineno) = l->minor == 11 ? 72 : 68;
	RS_OFF(l, code_nlocalsplus) = l->minor == 11 ? 76 : 72;
	RS_OFF(l, code_filename) = 112;
	RS_OFF(l, code_name) = 120;
	RS_OFF(l, code_qualname) = 128;
	/* From 3.11 generators embed their interpreter frame, and frame objects
	 * point at one; the frame points at the code (3.11: the generator too). */
	RS_OFF(l, code_stacksize) = l->minor == 11 ? 68 : 64;
	RS_OFF(l, code_nlocals) = 80;
	RS_OFF(l, gen_code) = l->minor == 11 ? 16 : -1;
	RS_OFF(l, gen_iframe) = l->minor == 11 ? 80 : 72;
	RS_OFF(l, frame_iframe) = 24;
	RS_OFF(l, iframe_code) = l->minor == 11 ? 32 : 0;
	/* Where the frame is: prev_instr (3.11-3.12) or instr_ptr (3.13+) into
	 * the bytecode inline in the code object, co_code_adaptive. */
	RS_OFF(l, iframe_instr) = 56;
	RS_OFF(l, code_linetable) = 136;
	RS_OFF(l, code_adaptive) = l->minor == 11 ? 184 : l->minor == 12 ? 192 : l->minor == 13 ? 200 : 208;
}

static void layout_311_to_313(struct rs_layout *l, unsigned minor)
{
	layout_code_since_311(l);
	layout_dict_since_311(l);
	if (minor == 11) {
		layout_unicode_before_312(l);
		layout_interp(l, 40, 48, 16, 648, 888, 904);
		layout_threads(l, 152, 160);
		layout_sizes(l, 107752, 360);
		layout_types(l, 408, 872, 904);
		return;
	}
	layout_unicode_since_312(l);
	RS_OFF(l, long_tag) = 16;
	if (minor == 12) {
		layout_interp(l, 40, 8, 72, 112, 944, 352);
		layout_threads(l, 136, 144);
		layout_sizes(l, 383552, 288);
		layout_types(l, 416, 880, 920);
		return;
	}
	layout_interp(l, 632, 7272, 7344, 7400, 7656, 7640);
	RS_OFF(l, interp_next) = 7264;
	layout_threads(l, 152, 160);
	layout_types(l, 416, 880, 928);
	RS_OFF(l, dictvalues_capacity) = 0;
	RS_OFF(l, dictvalues_embedded) = 2;
	/* Debian's gchead-alignment.diff aligns PyGC_Head to 4: heads at +20. */
	l->gc_generations_alt = 20;
}

static void layout_314_315(struct rs_layout *l, uint32_t hexversion)
{
	RS_OFF(l, tuple_items) = 32; /* ob_hash came before the items */
	layout_code_since_311(l);
	layout_dict_since_311(l);
	layout_unicode_since_312(l);
	RS_OFF(l, long_tag) = 16;
	RS_OFF(l, dictvalues_capacity) = 0;
	RS_OFF(l, dictvalues_embedded) = 2;
	if (l->minor == 15) {
		layout_interp(l, 936, 7272, 7336, 7400, 7592, 7576);
		RS_OFF(l, interp_next) = 7264;
		layout_threads(l, 176, 184);
		layout_types(l, 424, 888, 944);
		RS_OFF(l, gc_enabled) = 0;
		RS_OFF(l, gc_generations) = 8;
		RS_OFF(l, gc_permanent) = 80;
		RS_OFF(l, gc_collecting) = 112;
		RS_OFF(l, gc_garbage) = 128;
		return;
	}
	layout_interp(l, 808, 7280, 7344, 7408, 7688, 7672);
	RS_OFF(l, interp_next) = 7272;
	layout_threads(l, 152, 160);
	layout_types(l, 416, 880, 936);
	RS_OFF(l, gc_permanent) = 96;
	RS_OFF(l, gc_collecting) = 192;
	RS_OFF(l, gc_garbage) = 200;
	if (hexversion < V(14, 5)) {
		/* The incremental collector: young, old[0], old[1]; the gc state is
		 * 24 bytes smaller, so what follows it in the interpreter moves. */
		l->gc_kind = RS_GC_INCREMENTAL;
		RS_OFF(l, gc_old) = 48;
		RS_OFF(l, interp_modules) -= 24;
		RS_OFF(l, interp_sysdict) -= 24;
		RS_OFF(l, interp_builtins) -= 24;
	}
}

bool rs_layout_builtin(uint32_t hexversion, struct rs_layout *l)
{
	unsigned major = hexversion >> 24, minor = (hexversion >> 16) & 0xff;
	if (major != 3 || minor < 6 || minor > 15)
		return false;
	memset(l, 0, sizeof(*l));
	layout_common(l);
	l->minor = minor;
	l->hexversion = hexversion;
	l->source = RS_LAYOUT_BUILTIN;
	l->gc_kind = RS_GC_GENERATIONAL;
	l->gc_generations_alt = -1;
	l->immortal_refcounts = minor >= 12;
	l->managed_preheader = minor >= 11;
	l->dict_embedded_values = minor >= 13;
	for (size_t i = 0; i < RS_LF_COUNT; i++)
		l->field_source[i] = RS_LAYOUT_BUILTIN;
	if (minor == 6)
		layout_36(l);
	else if (minor == 7)
		layout_37(l);
	else if (minor <= 10)
		layout_38_to_310(l, minor);
	else if (minor <= 13)
		layout_311_to_313(l, minor);
	else
		layout_314_315(l, hexversion);
	if (minor >= 9)
		layout_hashtable_since_39(l);
	rs_layout_builtin_states(l);
	return true;
}
