/* Byte offsets of the CPython structures refscope reads, for one interpreter.
 *
 * Filled from the best source available: DWARF, then _Py_DebugOffsets (3.13+)
 * for what it covers, then the built-in per-version tables. Every field is a
 * byte offset or a size; -1 means the field does not exist in this version. */
#ifndef RS_PYTHON_LAYOUT_H
#define RS_PYTHON_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "../symbols/dwarf_types.h"
#include "refscope.h"

/* X(field, DWARF type, DWARF member path or "sizeof"; alternatives split by '|') */
#define RS_LAYOUT_FIELDS(X)                                                              \
	X(runtime_interpreters_head, "_PyRuntimeState", "interpreters.head")              \
	X(runtime_gc, "_PyRuntimeState", "gc")                                           \
	X(interp_next, "_is", "next")                                                    \
	X(interp_id, "_is", "id")                                                        \
	X(interp_threads_head, "_is", "threads.head|tstate_head")                        \
	X(interp_gc, "_is", "gc")                                                        \
	X(interp_modules, "_is", "imports.modules|modules")                              \
	X(interp_sysdict, "_is", "sysdict")                                              \
	X(interp_builtins, "_is", "builtins")                                            \
	X(interp_refchain, "_is", "object_state.refchain")                               \
	X(hashtable_nentries, "_Py_hashtable_t", "nentries")                             \
	X(hashtable_nbuckets, "_Py_hashtable_t", "nbuckets")                             \
	X(hashtable_buckets, "_Py_hashtable_t", "buckets")                               \
	X(hashtable_entry_next, "_Py_hashtable_entry_t", "_Py_slist_item.next")          \
	X(hashtable_entry_key, "_Py_hashtable_entry_t", "key")                           \
	X(interp_size, "_is", "sizeof")                                                  \
	X(tstate_size, "_ts", "sizeof")                                                  \
	X(tstate_frame, "_ts", "current_frame|frame|cframe")                             \
	X(tstate_next, "_ts", "next")                                                    \
	X(tstate_interp, "_ts", "interp")                                                \
	X(tstate_thread_id, "_ts", "thread_id")                                          \
	X(tstate_native_thread_id, "_ts", "native_thread_id")                            \
	X(gc_enabled, "_gc_runtime_state", "enabled")                                    \
	X(gc_generations, "_gc_runtime_state", "generations|young")                      \
	X(gc_old, "_gc_runtime_state", "old")                                            \
	X(gc_permanent, "_gc_runtime_state", "permanent_generation")                     \
	X(gc_collecting, "_gc_runtime_state", "collecting")                              \
	X(gc_garbage, "_gc_runtime_state", "garbage")                                    \
	X(gc_generation_size, "gc_generation", "sizeof")                                 \
	X(gc_generation_threshold, "gc_generation", "threshold")                         \
	X(gc_generation_count, "gc_generation", "count")                                 \
	X(gc_head_size, "PyGC_Head", "sizeof")                                           \
	X(gc_head_refs, "PyGC_Head", "gc.gc_refs")                                       \
	X(object_refcnt, "_object", "ob_refcnt")                                         \
	X(object_type, "_object", "ob_type")                                             \
	X(varobject_size, "PyVarObject", "ob_size")                                      \
	X(type_name, "_typeobject", "tp_name")                                           \
	X(type_basicsize, "_typeobject", "tp_basicsize")                                 \
	X(type_itemsize, "_typeobject", "tp_itemsize")                                   \
	X(type_flags, "_typeobject", "tp_flags")                                         \
	X(type_base, "_typeobject", "tp_base")                                           \
	X(type_traverse, "_typeobject", "tp_traverse")                                   \
	X(type_members, "_typeobject", "tp_members")                                     \
	X(type_dict, "_typeobject", "tp_dict")                                           \
	X(type_dictoffset, "_typeobject", "tp_dictoffset")                               \
	X(type_bases, "_typeobject", "tp_bases")                                         \
	X(type_mro, "_typeobject", "tp_mro")                                             \
	X(type_cache, "_typeobject", "tp_cache")                                         \
	X(type_del, "_typeobject", "tp_del")                                             \
	X(type_finalize, "_typeobject", "tp_finalize")                                   \
	X(type_weaklistoffset, "_typeobject", "tp_weaklistoffset")                       \
	X(type_weaklist, "_typeobject", "tp_weaklist")                                   \
	X(heaptype_module, "_heaptypeobject", "ht_module")                               \
	X(type_object_size, "_typeobject", "sizeof")                                     \
	X(heaptype_cached_keys, "_heaptypeobject", "ht_cached_keys")                     \
	X(heaptype_size, "_heaptypeobject", "sizeof")                                    \
	X(code_firstlineno, "PyCodeObject", "co_firstlineno")                            \
	X(code_filename, "PyCodeObject", "co_filename")                                  \
	X(code_nlocalsplus, "PyCodeObject", "co_nlocalsplus")                            \
	X(code_name, "PyCodeObject", "co_name")                                          \
	X(code_qualname, "PyCodeObject", "co_qualname")                                  \
	X(code_stacksize, "PyCodeObject", "co_stacksize")                                \
	X(code_nlocals, "PyCodeObject", "co_nlocals")                                    \
	X(code_cellvars, "PyCodeObject", "co_cellvars")                                  \
	X(code_freevars, "PyCodeObject", "co_freevars")                                  \
	X(gen_code, "PyGenObject", "gi_code")                                            \
	X(gen_iframe, "PyGenObject", "gi_iframe")                                        \
	X(frame_code, "PyFrameObject", "f_code")                                         \
	X(frame_iframe, "PyFrameObject", "f_frame")                                      \
	X(iframe_code, "_PyInterpreterFrame", "f_executable|f_code")                     \
	X(frame_lasti, "PyFrameObject", "f_lasti")                                       \
	X(iframe_instr, "_PyInterpreterFrame", "instr_ptr|prev_instr")                   \
	X(code_linetable, "PyCodeObject", "co_linetable|co_lnotab")                      \
	X(code_adaptive, "PyCodeObject", "co_code_adaptive")                             \
	X(bytes_data, "PyBytesObject", "ob_sval")                                        \
	X(float_value, "PyFloatObject", "ob_fval")                                       \
	X(list_allocated, "PyListObject", "allocated")                                   \
	X(list_items, "PyListObject", "ob_item")                                         \
	X(tuple_items, "PyTupleObject", "ob_item")                                       \
	X(dict_keys, "PyDictObject", "ma_keys")                                          \
	X(dict_values, "PyDictObject", "ma_values")                                      \
	X(dictkeys_refcnt, "_dictkeysobject", "dk_refcnt")                               \
	X(dictkeys_size, "_dictkeysobject", "dk_size")                                   \
	X(dictkeys_log2_size, "_dictkeysobject", "dk_log2_size")                         \
	X(dictkeys_log2_index_bytes, "_dictkeysobject", "dk_log2_index_bytes")           \
	X(dictkeys_kind, "_dictkeysobject", "dk_kind")                                   \
	X(dictkeys_usable, "_dictkeysobject", "dk_usable")                               \
	X(dictkeys_nentries, "_dictkeysobject", "dk_nentries")                           \
	X(dictkeys_indices, "_dictkeysobject", "dk_indices")                             \
	X(dictvalues_capacity, "_dictvalues", "capacity")                                \
	X(dictvalues_embedded, "_dictvalues", "embedded")                                \
	X(set_mask, "PySetObject", "mask")                                               \
	X(set_table, "PySetObject", "table")                                             \
	X(set_smalltable, "PySetObject", "smalltable")                                   \
	X(unicode_length, "PyASCIIObject", "length")                                     \
	X(unicode_state, "PyASCIIObject", "state")                                       \
	X(unicode_utf8_length, "PyCompactUnicodeObject", "utf8_length")                  \
	X(unicode_wstr, "PyASCIIObject", "wstr")                                         \
	X(unicode_wstr_length, "PyCompactUnicodeObject", "wstr_length")                  \
	X(unicode_ascii_size, "PyASCIIObject", "sizeof")                                 \
	X(unicode_compact_size, "PyCompactUnicodeObject", "sizeof")                      \
	X(unicode_object_size, "PyUnicodeObject", "sizeof")                              \
	X(unicode_utf8, "PyCompactUnicodeObject", "utf8")                                \
	X(bytearray_alloc, "PyByteArrayObject", "ob_alloc")                              \
	X(long_tag, "_longobject", "long_value.lv_tag")                                  \
	X(long_digits, "_longobject", "long_value.ob_digit|ob_digit")                     \
	RS_LAYOUT_STATE_FIELDS(X)

/* The runtime, interpreter and thread state members that own references
 * (roots, read field by field; see analysis/state_roots.c), and the sizes
 * that bound them. A type may have alternatives too. */
#define RS_LAYOUT_STATE_FIELDS(X)                                                          \
	X(runtime_size, "_PyRuntimeState", "sizeof")                                      \
	X(runtime_signal_handlers, "_PyRuntimeState", "signals.handlers")                 \
	X(runtime_signal_defaults, "_PyRuntimeState", "signals.default_handler")          \
	X(runtime_fatal_error_file, "_PyRuntimeState", "faulthandler.fatal_error.file")   \
	X(runtime_watchdog_file, "_PyRuntimeState", "faulthandler.thread.file")           \
	X(gc_callbacks, "_gc_runtime_state", "callbacks")                                 \
	X(interp_modules_by_index, "_is", "imports.modules_by_index|modules_by_index")    \
	X(interp_importlib, "_is", "imports.importlib|importlib")                         \
	X(interp_import_func, "_is", "imports.import_func|import_func")                   \
	X(interp_lazy_imports, "_is", "imports.lazy_import_func")                         \
	X(interp_codecs, "_is", "codecs.search_path|codec_search_path")                   \
	X(interp_dict, "_is", "dict")                                                     \
	X(interp_sysdict_copy, "_is", "sysdict_copy")                                     \
	X(interp_builtins_copy, "_is", "builtins_copy")                                   \
	X(interp_xi_exceptions, "_is", "xi.exceptions|xi.PyExc_NotShareableError")        \
	X(interp_xi_pickle, "_is", "xi.pickle")                                           \
	X(interp_forkers, "_is", "before_forkers")                                        \
	X(interp_pyexitmodule, "_is", "pyexitmodule")                                     \
	X(interp_warnings, "_is", "warnings.filters")                                     \
	X(interp_warnings_context, "_is", "warnings.context")                             \
	X(interp_atexit_callbacks, "_is", "atexit.callbacks")                             \
	X(interp_atexit_ncallbacks, "_is", "atexit.ncallbacks")                           \
	X(interp_audit_hooks, "_is", "audit_hooks")                                       \
	X(interp_small_ints, "_is", "small_ints")                                         \
	X(interp_bytes_cache, "_is", "bytes.empty_string")                                \
	X(interp_unicode_cache, "_is", "unicode.empty_string")                            \
	X(interp_errnomap, "_is", "exc_state.errnomap")                                   \
	X(interp_exception_group, "_is", "exc_state.PyExc_ExceptionGroup")                \
	X(interp_type_cache, "_is", "types.type_cache|type_cache")                        \
	X(interp_static_types, "_is", "types.builtins.initialized|types.builtins")        \
	X(interp_static_types_count, "_is", "types.builtins.num_initialized|types.num_builtins_initialized") \
	X(interp_extension_types, "_is", "types.for_extensions.initialized")              \
	X(interp_extension_types_count, "_is", "types.for_extensions.num_initialized")    \
	X(static_type_state_size, "managed_static_type_state|static_builtin_state", "sizeof") \
	X(static_type_state_dict, "managed_static_type_state|static_builtin_state", "tp_dict") \
	X(interp_trampoline, "_is", "interpreter_trampoline")                             \
	X(interp_optimizer, "_is", "optimizer")                                           \
	X(interp_monitoring_callables, "_is", "monitoring_callables")                     \
	X(interp_monitoring_tool_names, "_is", "monitoring_tool_names")                   \
	X(interp_cached_objects, "_is", "cached_objects")                                 \
	X(cached_objects_size, "_Py_interp_cached_objects", "sizeof")                     \
	X(interp_objreduce, "_is", "cached_objects.objreduce")                            \
	X(interp_slots_name, "_is", "cached_objects.type_slots_pname")                    \
	X(interp_ast, "_is", "ast")                                                       \
	X(ast_state_size, "ast_state", "sizeof")                                          \
	X(tstate_trace_objects, "_ts", "c_profileobj")                                    \
	X(tstate_curexc, "_ts", "curexc_type")                                            \
	X(tstate_current_exception, "_ts", "current_exception")                           \
	X(tstate_exc_state, "_ts", "exc_state|exc_type")                                         \
	X(tstate_dict, "_ts", "dict")                                                     \
	X(tstate_async_exc, "_ts", "async_exc")                                           \
	X(tstate_async_gen, "_ts", "async_gen_firstiter")                                 \
	X(tstate_threading_local, "_ts", "threading_local_key")                           \
	X(tstate_asyncio_loop, "_PyThreadStateImpl", "asyncio_running_loop")              \
	X(tstate_lazy_imports, "_PyThreadStateImpl", "lazy_imports")

enum rs_layout_field {
#define RS_LAYOUT_ENUM(name, type, path) RS_LF_##name,
	RS_LAYOUT_FIELDS(RS_LAYOUT_ENUM)
#undef RS_LAYOUT_ENUM
	RS_LF_COUNT
};

enum rs_gc_kind { RS_GC_GENERATIONAL, RS_GC_INCREMENTAL };

struct rs_layout {
	int64_t field[RS_LF_COUNT];
	uint8_t field_source[RS_LF_COUNT]; /* enum rs_layout_source of each value */
	enum rs_layout_source source; /* where the runtime offsets came from */
	enum rs_gc_kind gc_kind;
	unsigned minor;
	uint32_t hexversion;
	bool immortal_refcounts;      /* 3.12+ */
	bool managed_preheader;       /* 3.11+: 16 more bytes below the gc head */
	bool dict_embedded_values;    /* 3.13+ */
	/* 3.13 on Debian moves the gc generation heads by 4; the heads are probed. */
	int64_t gc_generations_alt;
};

#define RS_OFF(layout, name) ((layout)->field[RS_LF_##name])

/* Where an object's ob_refcnt lies: 0, or 16 in the Py_TRACE_REFS builds up
 * to 3.12, whose objects start with _ob_next and _ob_prev. The offsets in
 * refscope's own tables count from ob_refcnt: they are added to this. (The
 * offsets from DWARF count from the start and already include it.) */
#define RS_HEAD(layout) ((uint64_t)(layout)->field[RS_LF_object_refcnt])

extern const char *const rs_layout_field_names[RS_LF_COUNT];

/* layout_builtin.c: the tables for 3.6 to 3.15; false for other versions. */
bool rs_layout_builtin(uint32_t hexversion, struct rs_layout *out);

/* layout_states.c: the built-in offsets of RS_LAYOUT_STATE_FIELDS. */
void rs_layout_builtin_states(struct rs_layout *layout);

/* 3.13+: what follows PyThreadState in _PyThreadStateImpl moves with it;
 * sets those fields from tstate_size (a _Py_DebugOffsets value). */
void rs_layout_thread_impl(struct rs_layout *layout);

/* layout_dwarf.c: overwrites every field the DWARF describes; returns how many. */
size_t rs_layout_from_dwarf(Dwarf *dwarf, struct rs_layout *layout);

#endif
