/* Types whose tp_traverse visits a fixed list of fields, heap type objects,
 * builtin functions, and the dispatch to the base part of any object.
 *
 * A static type is recognised by its tp_traverse function: the function of
 * a known type (read from the type object found by symbol) visits the same
 * fields in every type that shares it, e.g. BaseException_traverse in
 * ValueError, descr_traverse in every descriptor type. */
#include <inttypes.h>
#include <string.h>

#include "named_types.h"
#include "traverse_parts.h"

struct field {
	uint16_t offset;
	const char *name;
};

enum field_list {
	FL_CELL = 1,
	FL_METHOD,
	FL_INSTANCEMETHOD,
	FL_CLASSMETHOD,
	FL_PROPERTY,
	FL_WEAKREF,
	FL_EXCEPTION,
	FL_FUNCTION,
	FL_DESCRIPTOR,
	FL_METHOD_WRAPPER,
	FL_MAPPINGPROXY,
};

#define END {0, NULL}
static const struct field cell[] = {{16, "cell_contents"}, END};
static const struct field method[] = {{16, "__func__"}, {24, "__self__"}, END};
static const struct field instancemethod[] = {{16, "__func__"}, END};
static const struct field classmethod[] = {{16, "__func__"}, {24, "__dict__"}, END};
static const struct field property_39[] = {{16, "fget"}, {24, "fset"}, {32, "fdel"}, {40, "__doc__"}, END};
static const struct field property_310[] = {{16, "fget"}, {24, "fset"}, {32, "fdel"}, {40, "__doc__"},
					    {48, "__name__"}, END};
static const struct field weakref[] = {{24, "__callback__"}, END};
static const struct field exception_310[] = {{16, "__dict__"}, {24, "args"}, {32, "__traceback__"},
					     {40, "__context__"}, {48, "__cause__"}, END};
static const struct field exception_311[] = {{16, "__dict__"}, {24, "args"}, {32, "__notes__"},
					     {40, "__traceback__"}, {48, "__context__"}, {56, "__cause__"}, END};
static const struct field function_39[] = {
	{16, "__code__"}, {24, "__globals__"}, {32, "__defaults__"}, {40, "__kwdefaults__"},
	{48, "__closure__"}, {56, "__doc__"}, {64, "__name__"}, {72, "__dict__"}, {88, "__module__"},
	{96, "__annotations__"}, {104, "__qualname__"}, END};
static const struct field function_310[] = {
	{16, "__globals__"}, {24, "__builtins__"}, {32, "__name__"}, {40, "__qualname__"}, {48, "__code__"},
	{56, "__defaults__"}, {64, "__kwdefaults__"}, {72, "__closure__"}, {80, "__doc__"}, {88, "__dict__"},
	{104, "__module__"}, {112, "__annotations__"}, END};
static const struct field function_312[] = {
	{16, "__globals__"}, {24, "__builtins__"}, {32, "__name__"}, {40, "__qualname__"}, {48, "__code__"},
	{56, "__defaults__"}, {64, "__kwdefaults__"}, {72, "__closure__"}, {80, "__doc__"}, {88, "__dict__"},
	{104, "__module__"}, {112, "__annotations__"}, {120, "__type_params__"}, END};
static const struct field function_314[] = {
	{16, "__globals__"}, {24, "__builtins__"}, {32, "__name__"}, {40, "__qualname__"}, {48, "__code__"},
	{56, "__defaults__"}, {64, "__kwdefaults__"}, {72, "__closure__"}, {80, "__doc__"}, {88, "__dict__"},
	{104, "__module__"}, {112, "__annotations__"}, {120, "__annotate__"}, {128, "__type_params__"}, END};
static const struct field descriptor[] = {{16, "__objclass__"}, END};
static const struct field method_wrapper[] = {{16, "descriptor"}, {24, "__self__"}, END};
static const struct field mappingproxy[] = {{16, "mapping"}, END};

static const struct field *field_list_get(const struct rs_objmodel *m, uint8_t list)
{
	unsigned minor = m->py->layout.minor;
	switch (list) {
	case FL_CELL:
		return cell;
	case FL_METHOD:
		return method;
	case FL_INSTANCEMETHOD:
		return instancemethod;
	case FL_CLASSMETHOD:
		return classmethod;
	case FL_PROPERTY:
		return minor >= 10 ? property_310 : property_39;
	case FL_WEAKREF:
		return weakref;
	case FL_EXCEPTION:
		return minor >= 11 ? exception_311 : exception_310;
	case FL_FUNCTION:
		return minor >= 14 ? function_314 : minor >= 12 ? function_312 : minor >= 10 ? function_310 : function_39;
	case FL_DESCRIPTOR:
		return descriptor;
	case FL_METHOD_WRAPPER:
		return method_wrapper;
	case FL_MAPPINGPROXY:
		return mappingproxy;
	default:
		return NULL;
	}
}

/* How a known type is recognised: the type at a symbol (or the type a
 * pointer variable holds), or a traverse function found by symbol. */
enum known_by { BY_TYPE, BY_POINTER, BY_FUNCTION };

_Static_assert(FL_EXCEPTION == RS_FIELDS_EXCEPTION, "traverse_stdlib.c names BaseException's field list");

struct known_type {
	enum rs_python_symbol symbol;
	enum known_by by;
	enum rs_trav_kind kind;
	uint8_t fields;
	const char *tp_name; /* BY_FUNCTION without .symtab: the standard library type's name */
};

static const struct known_type known_types[] = {
	{RS_SYM_PyList_Type, BY_TYPE, RS_TRAV_LIST, 0, NULL},
	{RS_SYM_PyTuple_Type, BY_TYPE, RS_TRAV_TUPLE, 0, NULL},
	{RS_SYM_PyDict_Type, BY_TYPE, RS_TRAV_DICT, 0, NULL},
	{RS_SYM_PySet_Type, BY_TYPE, RS_TRAV_SET, 0, NULL},
	{RS_SYM_PyFrozenSet_Type, BY_TYPE, RS_TRAV_SET, 0, NULL},
	{RS_SYM_PyType_Type, BY_TYPE, RS_TRAV_TYPE, 0, NULL},
	{RS_SYM_PyCFunction_Type, BY_TYPE, RS_TRAV_CFUNCTION, 0, NULL},
	{RS_SYM_PyCMethod_Type, BY_TYPE, RS_TRAV_CFUNCTION, 0, NULL},
	{RS_SYM_PyCell_Type, BY_TYPE, RS_TRAV_FIELDS, FL_CELL, NULL},
	{RS_SYM_PyMethod_Type, BY_TYPE, RS_TRAV_FIELDS, FL_METHOD, NULL},
	{RS_SYM_PyInstanceMethod_Type, BY_TYPE, RS_TRAV_FIELDS, FL_INSTANCEMETHOD, NULL},
	{RS_SYM_PyClassMethod_Type, BY_TYPE, RS_TRAV_FIELDS, FL_CLASSMETHOD, NULL},
	{RS_SYM_PyStaticMethod_Type, BY_TYPE, RS_TRAV_FIELDS, FL_CLASSMETHOD, NULL},
	{RS_SYM_PyProperty_Type, BY_TYPE, RS_TRAV_FIELDS, FL_PROPERTY, NULL},
	{RS_SYM_PyWeakref_RefType, BY_TYPE, RS_TRAV_FIELDS, FL_WEAKREF, NULL},
	{RS_SYM_PyWeakref_ProxyType, BY_TYPE, RS_TRAV_FIELDS, FL_WEAKREF, NULL},
	{RS_SYM_PyWeakref_CallableProxyType, BY_TYPE, RS_TRAV_FIELDS, FL_WEAKREF, NULL},
	{RS_SYM_PyExc_BaseException, BY_POINTER, RS_TRAV_FIELDS, FL_EXCEPTION, NULL},
	{RS_SYM_PyExc_SyntaxError, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_SYNTAX, NULL},
	{RS_SYM_PyExc_ImportError, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_IMPORT, NULL},
	{RS_SYM_PyExc_OSError, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_OS, NULL},
	{RS_SYM_PyExc_StopIteration, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_STOP_ITERATION, NULL},
	{RS_SYM_PyExc_SystemExit, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_SYSTEM_EXIT, NULL},
	{RS_SYM_PyExc_NameError, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_NAME, NULL},
	{RS_SYM_PyExc_AttributeError, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_ATTRIBUTE, NULL},
	{RS_SYM_PyExc_UnicodeError, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_UNICODE, NULL},
	{RS_SYM_PyExc_BaseExceptionGroup, BY_POINTER, RS_TRAV_EXCEPTION, RS_EXC_GROUP, NULL},
	{RS_SYM_PyODict_Type, BY_TYPE, RS_TRAV_ODICT, 0, NULL},
	{RS_SYM_defdict_traverse, BY_FUNCTION, RS_TRAV_DEFAULTDICT, 0, "collections.defaultdict"},
	{RS_SYM_deque_traverse, BY_FUNCTION, RS_TRAV_DEQUE, 0, "collections.deque"},
	{RS_SYM_partial_traverse, BY_FUNCTION, RS_TRAV_PARTIAL, 0, "functools.partial"},
	{RS_SYM_PyFunction_Type, BY_TYPE, RS_TRAV_FIELDS, FL_FUNCTION, NULL},
	{RS_SYM_PyModule_Type, BY_TYPE, RS_TRAV_MODULE, 0, NULL},
	{RS_SYM_PyFrame_Type, BY_TYPE, RS_TRAV_FRAME, 0, NULL},
	{RS_SYM_PyGen_Type, BY_TYPE, RS_TRAV_GENERATOR, 0, NULL},
	{RS_SYM_PyCoro_Type, BY_TYPE, RS_TRAV_GENERATOR, 0, NULL},
	{RS_SYM_PyAsyncGen_Type, BY_TYPE, RS_TRAV_ASYNC_GENERATOR, 0, NULL},
	{RS_SYM_PyMethodDescr_Type, BY_TYPE, RS_TRAV_FIELDS, FL_DESCRIPTOR, NULL},
	{RS_SYM_PyClassMethodDescr_Type, BY_TYPE, RS_TRAV_FIELDS, FL_DESCRIPTOR, NULL},
	{RS_SYM_PyGetSetDescr_Type, BY_TYPE, RS_TRAV_FIELDS, FL_DESCRIPTOR, NULL},
	{RS_SYM_PyMemberDescr_Type, BY_TYPE, RS_TRAV_FIELDS, FL_DESCRIPTOR, NULL},
	{RS_SYM_PyWrapperDescr_Type, BY_TYPE, RS_TRAV_FIELDS, FL_DESCRIPTOR, NULL},
	{RS_SYM_PyMethodWrapper_Type, BY_TYPE, RS_TRAV_FIELDS, FL_METHOD_WRAPPER, NULL},
	{RS_SYM_PyDictProxy_Type, BY_TYPE, RS_TRAV_FIELDS, FL_MAPPINGPROXY, NULL},
};

static uint64_t type_traverse_of(const struct rs_objmodel *m, uint64_t type)
{
	uint64_t traverse = 0;
	rs_error *err = rs_mem_read_u64(m->mem, type + (uint64_t)RS_OFF(&m->py->layout, type_traverse), &traverse);
	rs_error_free(err);
	return err ? 0 : traverse;
}

/* Only for builds without .symtab, where the traverse functions of these
 * standard library types cannot be found by symbol: their tp_name, which
 * the standard library has kept in every version, stands in. */
static bool type_named(const struct rs_objmodel *m, uint64_t type, const char *name)
{
	uint64_t name_ptr;
	char text[64];
	bool truncated;
	rs_error *err = rs_mem_read_u64(m->mem, type + (uint64_t)RS_OFF(&m->py->layout, type_name), &name_ptr);
	if (!err)
		err = rs_mem_read_cstr(m->mem, name_ptr, text, sizeof(text), &truncated);
	rs_error_free(err);
	return !err && strcmp(text, name) == 0;
}

static uint64_t deref(const struct rs_objmodel *m, uint64_t pointer_variable)
{
	uint64_t value = 0;
	rs_error *err = pointer_variable ? rs_mem_read_u64(m->mem, pointer_variable, &value) : NULL;
	rs_error_free(err);
	return err ? 0 : value;
}

enum rs_trav_kind rs_static_trav_kind(const struct rs_objmodel *m, uint64_t type, uint8_t *fields)
{
	uint64_t traverse = type_traverse_of(m, type);
	*fields = 0;
	if (!traverse)
		return RS_TRAV_NONE;
	/* Subclasses first: an exception family shares no traverse with BaseException. */
	for (size_t i = sizeof(known_types) / sizeof(known_types[0]); i-- > 0;) {
		const struct known_type *k = &known_types[i];
		uint64_t symbol = m->py->symbols[k->symbol], known_traverse;
		if (!symbol && k->tp_name && type_named(m, type, k->tp_name)) {
			*fields = k->fields;
			return k->kind;
		}
		if (!symbol)
			continue;
		if (k->by == BY_FUNCTION)
			known_traverse = symbol;
		else
			known_traverse = type_traverse_of(m, k->by == BY_POINTER ? deref(m, symbol) : symbol);
		/* Before 3.10 NameError and AttributeError had no fields of their own. */
		if (k->kind == RS_TRAV_EXCEPTION && known_traverse == type_traverse_of(m, m->base_exception))
			continue;
		if (known_traverse == traverse || (k->by == BY_TYPE && symbol == type)) {
			*fields = k->fields;
			return k->kind;
		}
	}
	return RS_TRAV_CONSERVATIVE;
}

rs_error *rs_traverse_fields(const struct rs_traversal *t)
{
	const struct field *fields = field_list_get(t->m, t->type->fields);
	uint64_t words[24];
	if (!fields)
		return NULL;
	size_t last = 0;
	for (const struct field *f = fields; f->name; f++)
		if (f->offset > last)
			last = f->offset;
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), words, last + 8);
	if (err)
		return err;
	for (const struct field *f = fields; f->name; f++)
		rs_visit_nonnull(t, words[f->offset / 8], RS_VIA_FIELD, (uint64_t)(uintptr_t)f->name);
	return NULL;
}

#define METH_METHOD 0x0200

/* meth_traverse: m_self, m_module, and (3.9+) the defining class of a METH_METHOD function. */
rs_error *rs_traverse_cfunction(const struct rs_traversal *t)
{
	uint64_t words[8]; /* m_ml@16, m_self@24, m_module@32, mm_class@56 */
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), words, 7 * 8);
	if (err)
		return err;
	rs_visit_nonnull(t, words[3], RS_VIA_FIELD, (uint64_t)(uintptr_t) "__self__");
	rs_visit_nonnull(t, words[4], RS_VIA_FIELD, (uint64_t)(uintptr_t) "__module__");
	if (t->m->py->layout.minor < 9 || !words[2])
		return NULL;
	int32_t flags;
	err = rs_mem_read(t->m->mem, words[2] + 16, &flags, 4); /* PyMethodDef.ml_flags */
	if (err)
		return err;
	if (flags & METH_METHOD) {
		err = rs_mem_read_u64(t->m->mem, rs_head(t) + 56, &words[7]);
		if (!err)
			rs_visit_nonnull(t, words[7], RS_VIA_FIELD, (uint64_t)(uintptr_t) "defining class");
	}
	return err;
}

/* type_traverse, for heap types (static types are no gc objects). */
rs_error *rs_traverse_heap_type(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	static const struct {
		enum rs_layout_field field;
		const char *name;
	} parts[] = {
		{RS_LF_type_dict, "__dict__"}, {RS_LF_type_cache, "tp_cache"}, {RS_LF_type_mro, "__mro__"},
		{RS_LF_type_bases, "__bases__"}, {RS_LF_type_base, "__base__"}, {RS_LF_heaptype_module, "__module__ (C)"},
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int64_t offset = l->field[parts[i].field];
		uint64_t value;
		if (offset < 0)
			continue;
		rs_error *err = rs_mem_read_u64(t->m->mem, t->obj + (uint64_t)offset, &value);
		if (err)
			return err;
		rs_visit_nonnull(t, value, RS_VIA_FIELD, (uint64_t)(uintptr_t)parts[i].name);
	}
	return NULL;
}

/* module_traverse: md_dict, then what the C module's traverse visits in
 * its state, which only the module knows: the state is scanned
 * conservatively. Up to 3.14 the state's size and traverse are in the
 * PyModuleDef (md_def@24, md_state@32; m_size@56, m_traverse@80); 3.15
 * keeps them in the module (md_state@24, md_state_size@56,
 * md_state_traverse@64). */
rs_error *rs_traverse_module(const struct rs_traversal *t)
{
	uint64_t w[9], def_head = RS_HEAD(&t->m->py->layout); /* a PyModuleDef starts as an object does */
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	if (err)
		return err;
	rs_visit_nonnull(t, w[2], RS_VIA_FIELD, (uint64_t)(uintptr_t) "__dict__");
	uint64_t state, traverse;
	int64_t size;
	if (t->m->py->layout.minor >= 15) {
		state = w[3];
		size = (int64_t)w[7];
		traverse = w[8];
	} else {
		state = w[4];
		if (!w[3] || !state)
			return NULL;
		err = rs_mem_read(t->m->mem, w[3] + def_head + 56, &size, 8);
		if (!err)
			err = rs_mem_read_u64(t->m->mem, w[3] + def_head + 80, &traverse);
		if (err)
			return err;
	}
	if (!state || !traverse || size <= 0)
		return NULL;
	return rs_scan_conservative(t, state, (uint64_t)size, 0);
}

rs_error *rs_traverse_base(const struct rs_traversal *t)
{
	switch (t->type->trav_kind) {
	case RS_TRAV_LIST:
		return rs_traverse_list(t);
	case RS_TRAV_TUPLE:
		return rs_traverse_tuple(t);
	case RS_TRAV_DICT:
		return rs_traverse_dict(t, t->obj);
	case RS_TRAV_SET:
		return rs_traverse_set(t);
	case RS_TRAV_FIELDS:
		return rs_traverse_fields(t);
	case RS_TRAV_TYPE:
		return rs_traverse_heap_type(t);
	case RS_TRAV_CFUNCTION:
		return rs_traverse_cfunction(t);
	case RS_TRAV_MODULE:
		return rs_traverse_module(t);
	case RS_TRAV_EXCEPTION:
		return rs_traverse_exception(t);
	case RS_TRAV_ODICT:
		return rs_traverse_odict(t);
	case RS_TRAV_DEFAULTDICT:
		return rs_traverse_defaultdict(t);
	case RS_TRAV_DEQUE:
		return rs_traverse_deque(t);
	case RS_TRAV_PARTIAL:
		return rs_traverse_partial(t);
	case RS_TRAV_FRAME:
		return rs_traverse_frame(t);
	case RS_TRAV_GENERATOR:
	case RS_TRAV_ASYNC_GENERATOR:
		return rs_traverse_generator(t, t->type->trav_kind == RS_TRAV_ASYNC_GENERATOR);
	case RS_TRAV_NAMED:
		return rs_traverse_named(t);
	case RS_TRAV_CONSERVATIVE:
		return rs_traverse_conservative(t);
	case RS_TRAV_METATYPE: {
		rs_error *err = rs_traverse_heap_type(t);
		int64_t heap_size = RS_OFF(&t->m->py->layout, heaptype_size);
		if (!err && t->type->basicsize > heap_size)
			err = rs_scan_conservative(t, t->obj + (uint64_t)heap_size,
						   (uint64_t)(t->type->basicsize - heap_size), (uint64_t)heap_size);
		return err;
	}
	default:
		return NULL;
	}
}

static bool in_a_module(const struct rs_python *py, uint64_t address)
{
	for (size_t i = 0; py->mods && i < py->mods->count; i++)
		if (address >= py->mods->list[i].start && address < py->mods->list[i].end)
			return true;
	return false;
}

/* A type object that is no heap type yet lives in allocated memory (numpy
 * makes its legacy DType classes with PyMem_Malloc): no traverse visits it
 * and no scan of module data finds it, yet it owns its dict, bases and mro.
 * (A static type's words are scanned with its module's data.) */
static rs_error *allocated_type_references(const struct rs_traversal *t)
{
	static const char *const names[] = {"__dict__", "__bases__", "__mro__"};
	const struct rs_layout *l = &t->m->py->layout;
	int64_t offsets[] = {RS_OFF(l, type_dict), RS_OFF(l, type_bases), RS_OFF(l, type_mro)};
	for (int i = 0; i < 3; i++) {
		rs_error *err = offsets[i] < 0 ? NULL : rs_visit_pointer_field(t, t->obj + (uint64_t)offsets[i], names[i]);
		if (err)
			return err;
	}
	return NULL;
}

/* Whether rs_object_hidden_references can visit anything for an object
 * of type, asked without reading the object: no for most types, and the
 * callers that ask for every object of a heap skip those (9M calls cost
 * refcheck and the dominator tree a tenth of their time). The same tests
 * as below, each for any object of the type. */
bool rs_type_hides_references(struct rs_objmodel *m, uint32_t type)
{
	rs_type_classify(m, type);
	const struct rs_type_info *info = &m->types->types[type];
	uint64_t flags = info->public.flags;
	bool gc = flags & (1ul << 14); /* Py_TPFLAGS_HAVE_GC */
	if (flags & (1ul << 31))       /* a type object: gc or not by its own flags */
		return true;
	if ((flags & (1ul << 9)) && !(info->visit_type && gc)) /* a heap type's instance */
		return true;
	return info->public.address == m->py->symbols[RS_SYM_PyCode_Type] || (!gc && info->named);
}

/* Strong references tp_traverse leaves out because they cannot form
 * cycles, which refcheck still needs to explain reference counts: the
 * fields of code objects (not gc objects at all), a heap type's name,
 * qualname, __slots__ and subclasses dict, the type of every instance
 * of a heap type whose traverse does not visit it, the fields of the
 * types that hold references without being gc types (3.8's _abc_data), and
 * what a type object made in allocated memory owns. */
rs_error *rs_object_hidden_references(struct rs_objmodel *m, uint64_t obj, uint32_t type, rs_visit_fn visit, void *arg)
{
	const struct rs_layout *l = &m->py->layout;
	rs_type_classify(m, type);
	const struct rs_type_info *info = &m->types->types[type];
	struct rs_traversal t = {m, obj, info, visit, arg};
	/* Every instance of a heap type holds its type, visited or not. */
	if ((info->public.flags & (1ul << 9)) && !(info->visit_type && rs_object_is_gc(m, type, obj)))
		visit(arg, info->public.address, RS_VIA_FIELD, (uint64_t)(uintptr_t) "__class__");
	if (info->public.address == m->py->symbols[RS_SYM_PyCode_Type])
		/* from co_argcount to the line table; 3.7 has no co_posonlyargcount */
		return rs_scan_conservative(&t, rs_head(&t) + 16, (uint64_t)(l->minor >= 11 ? 128 : l->minor <= 7 ? 104 : 112),
					    RS_HEAD(l) + 16);
	if (!rs_object_is_gc(m, type, obj) && info->named)
		return rs_traverse_named(&t); /* a type that holds references without being a gc type */
	if ((info->public.flags & (1ul << 31)) && !rs_object_is_gc(m, type, obj) && !in_a_module(m->py, obj))
		return allocated_type_references(&t);
	if (!(info->public.flags & (1ul << 31)) || !rs_object_is_gc(m, type, obj))
		return NULL; /* only heap types from here */
	static const char *const names[] = {"__name__", "__slots__", "__qualname__"};
	int64_t keys = RS_OFF(l, heaptype_cached_keys);
	for (int i = 0; i < 3; i++) {
		uint64_t value = 0;
		rs_error *err = rs_mem_read_u64(m->mem, obj + (uint64_t)(keys - 24 + 8 * i), &value);
		if (err)
			return err;
		rs_visit_nonnull(&t, value, RS_VIA_FIELD, (uint64_t)(uintptr_t)names[i]);
	}
	uint64_t subclasses = 0;
	rs_error *err = rs_mem_read_u64(m->mem, rs_head(&t) + 360, &subclasses); /* tp_subclasses */
	if (!err)
		rs_visit_nonnull(&t, subclasses, RS_VIA_FIELD, (uint64_t)(uintptr_t) "__subclasses__");
	return err;
}
