/* The CPython interpreter inside a target: where it is, which version, which layout. */
#ifndef RS_PYTHON_PYTHON_H
#define RS_PYTHON_PYTHON_H

#include "../symbols/modules.h"
#include "../target/memory.h"
#include "layout.h"

/* Static objects found by symbol; the order is that of rs_python_symbol_names. */
enum rs_python_symbol {
	RS_SYM_PyRuntime,
	RS_SYM_Py_Version,
	RS_SYM_PyType_Type,
	RS_SYM_PyBaseObject_Type,
	RS_SYM_PyList_Type,
	RS_SYM_PyTuple_Type,
	RS_SYM_PyDict_Type,
	RS_SYM_PySet_Type,
	RS_SYM_PyFrozenSet_Type,
	RS_SYM_PyUnicode_Type,
	RS_SYM_PyBytes_Type,
	RS_SYM_PyByteArray_Type,
	RS_SYM_PyLong_Type,
	RS_SYM_PyBool_Type,
	RS_SYM_PyFloat_Type,
	RS_SYM_PyCMethod_Type,
	RS_SYM_COUNT
};

struct rs_python {
	const struct rs_module *module;
	const char *module_path;
	uint64_t runtime;              /* &_PyRuntime */
	const char *runtime_found_by;
	uint64_t symbols[RS_SYM_COUNT]; /* 0 when absent */
	uint32_t hexversion;
	const char *version_source;
	bool has_dwarf;
	struct rs_layout layout;
};

rs_error *rs_python_find(struct rs_memory *mem, struct rs_modules *mods, enum rs_layout_source forced,
			 struct rs_python *out);

/* debug_offsets.c: applies what _Py_DebugOffsets (3.13+) says; false when absent or invalid. */
bool rs_debug_offsets_apply(struct rs_memory *mem, uint64_t runtime, struct rs_layout *layout);
/* Reads the cookie and version only; 0 when there is no valid cookie. */
uint64_t rs_debug_offsets_version(struct rs_memory *mem, uint64_t runtime, bool *free_threaded);

/* gc_heads.c */
bool rs_gc_list_head_sound(struct rs_memory *mem, uint64_t head);
void rs_gc_heads_probe(struct rs_memory *mem, uint64_t runtime, struct rs_layout *layout, struct rs_diag *diag);

/* sys_version.c: sys.hexversion read from the interpreter's sys dict (3.8-3.10). */
rs_error *rs_sys_hexversion(struct rs_memory *mem, const struct rs_layout *layout, uint64_t runtime,
			    uint32_t *hexversion);

#endif
