/* The CPython interpreter inside a target: where it is, which version, which layout. */
#ifndef RS_PYTHON_PYTHON_H
#define RS_PYTHON_PYTHON_H

#include "../symbols/modules.h"
#include "../target/memory.h"
#include "layout.h"

/* Static objects found by symbol; the order is that of rs_python_symbol_names. */
#define RS_PYTHON_SYMBOLS(X)                                                              \
	X(PyRuntime, "_PyRuntime") X(Py_Version, "Py_Version")                             \
	X(PyType_Type, "PyType_Type") X(PyBaseObject_Type, "PyBaseObject_Type")             \
	X(PyList_Type, "PyList_Type") X(PyTuple_Type, "PyTuple_Type")                       \
	X(PyDict_Type, "PyDict_Type") X(PySet_Type, "PySet_Type")                           \
	X(PyFrozenSet_Type, "PyFrozenSet_Type") X(PyUnicode_Type, "PyUnicode_Type")         \
	X(PyBytes_Type, "PyBytes_Type") X(PyByteArray_Type, "PyByteArray_Type")             \
	X(PyLong_Type, "PyLong_Type") X(PyBool_Type, "PyBool_Type")                         \
	X(PyFloat_Type, "PyFloat_Type") X(PyCMethod_Type, "PyCMethod_Type")                 \
	X(PyCell_Type, "PyCell_Type") X(PyMethod_Type, "PyMethod_Type")                     \
	X(PyInstanceMethod_Type, "PyInstanceMethod_Type")                                   \
	X(PyFunction_Type, "PyFunction_Type") X(PyModule_Type, "PyModule_Type")             \
	X(PyClassMethod_Type, "PyClassMethod_Type")                                         \
	X(PyStaticMethod_Type, "PyStaticMethod_Type") X(PyProperty_Type, "PyProperty_Type") \
	X(PyWeakref_RefType, "_PyWeakref_RefType")                                          \
	X(PyWeakref_ProxyType, "_PyWeakref_ProxyType")                                      \
	X(PyWeakref_CallableProxyType, "_PyWeakref_CallableProxyType")                      \
	X(PyCFunction_Type, "PyCFunction_Type") X(PyCode_Type, "PyCode_Type")               \
	X(PyExc_BaseException, "PyExc_BaseException") X(PySet_Dummy, "_PySet_Dummy")        \
	X(PyMethodDescr_Type, "PyMethodDescr_Type")                                         \
	X(PyClassMethodDescr_Type, "PyClassMethodDescr_Type")                               \
	X(PyGetSetDescr_Type, "PyGetSetDescr_Type")                                         \
	X(PyMemberDescr_Type, "PyMemberDescr_Type")                                         \
	X(PyWrapperDescr_Type, "PyWrapperDescr_Type")                                       \
	X(PyMethodWrapper_Type, "_PyMethodWrapper_Type")                                    \
	X(PyDictProxy_Type, "PyDictProxy_Type") X(PyNone_Struct, "_Py_NoneStruct")          \
	X(PyGen_Type, "PyGen_Type") X(PyCoro_Type, "PyCoro_Type")                         \
	X(PyAsyncGen_Type, "PyAsyncGen_Type") X(PyFrame_Type, "PyFrame_Type")               \
	X(PyODict_Type, "PyODict_Type")                                                     \
	X(PyExc_SyntaxError, "PyExc_SyntaxError") X(PyExc_ImportError, "PyExc_ImportError") \
	X(PyExc_OSError, "PyExc_OSError") X(PyExc_StopIteration, "PyExc_StopIteration")     \
	X(PyExc_SystemExit, "PyExc_SystemExit") X(PyExc_NameError, "PyExc_NameError")       \
	X(PyExc_AttributeError, "PyExc_AttributeError")                                     \
	X(PyExc_UnicodeError, "PyExc_UnicodeError")                                         \
	X(PyExc_BaseExceptionGroup, "PyExc_BaseExceptionGroup")                             \
	X(deque_traverse, "deque_traverse") X(defdict_traverse, "defdict_traverse")         \
	X(partial_traverse, "partial_traverse")                                             \
	X(subtype_traverse, "subtype_traverse")                                             \
	X(refchain, "refchain")

/* Static objects found by symbol (in .dynsym even of stripped builds), and
 * static functions found only in .symtab, when there is one (*_traverse). */
enum rs_python_symbol {
#define RS_SYM_ENUM(id, name) RS_SYM_##id,
	RS_PYTHON_SYMBOLS(RS_SYM_ENUM)
#undef RS_SYM_ENUM
	RS_SYM_COUNT
};

struct rs_python {
	const struct rs_module *module;
	const struct rs_modules *mods;  /* every module of the target */
	const char *module_path;
	uint64_t runtime;              /* &_PyRuntime; 3.6: &interp_head */
	const char *runtime_found_by;
	uint64_t symbols[RS_SYM_COUNT]; /* 0 when absent */
	uint64_t statics_36[6];         /* 3.6: interp_head and the gc statics (python.c) */
	uint32_t hexversion;
	const char *version_source;
	bool has_dwarf;
	bool trace_refs; /* Py_TRACE_REFS before 3.13: _ob_next and _ob_prev before ob_refcnt */
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
