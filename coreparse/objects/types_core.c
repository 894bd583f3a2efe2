/* Named-type table (named_types.h): the C types of the interpreter core,
 * Objects/ and Python/, and of the built-in modules kept with it
 * (_contextvars, _thread, sys). Offsets are from the DWARF of 3.8-3.15;
 * what each traverse visits from its source, its disassembly and
 * gc.get_referents. */
#include <inttypes.h>
#include <string.h>

#include "named_types.h"

#define F(offset, name) {offset, name}
#define LAST RS_MINOR_LAST
#define ENTRY(name, min, max, fields, more) {name, min, max, RS_NAMED_TYPE_DEFAULT, fields, more}

/* ---- iterators: the object iterated, plus what some keep between steps */
static const struct rs_named_field traceback[] = {F(16, "tb_next"), F(24, "tb_frame"), RS_NAMED_END};
static const struct rs_named_field it_seq_24[] = {F(24, "it_seq"), RS_NAMED_END};
static const struct rs_named_field set_iterator[] = {F(16, "si_set"), RS_NAMED_END};
static const struct rs_named_field callable_iterator[] = {F(16, "it_callable"), F(24, "it_sentinel"), RS_NAMED_END};
static const struct rs_named_field reversed[] = {F(24, "seq"), RS_NAMED_END};
static const struct rs_named_field enumerate[] = {F(24, "en_sit"), F(32, "en_result"), F(40, "en_longindex"),
						  RS_NAMED_END};
static const struct rs_named_field zip[] = {F(24, "ittuple"), F(32, "result"), RS_NAMED_END};
static const struct rs_named_field map[] = {F(16, "iters"), F(24, "func"), RS_NAMED_END};
static const struct rs_named_field filter[] = {F(16, "func"), F(24, "it"), RS_NAMED_END};
static const struct rs_named_field dict_iterator[] = {F(16, "di_dict"), F(40, "di_result"), RS_NAMED_END};
static const struct rs_named_field dict_view[] = {F(16, "mapping"), RS_NAMED_END};

/* ---- buffers: a memoryview holds its managed buffer, which holds the
 * exporter (Py_buffer.obj, the second word of the buffer) */
static const struct rs_named_field memoryview[] = {F(24, "mbuf"), RS_NAMED_END};
static const struct rs_named_field managedbuffer[] = {F(40, "obj"), RS_NAMED_END};
static const struct rs_named_field picklebuffer[] = {F(24, "obj"), RS_NAMED_END};
static const struct rs_named_field buffer_wrapper[] = {F(16, "mv"), F(24, "obj"), RS_NAMED_END};

/* ---- super, slice, SimpleNamespace, GenericAlias, UnionType */
static const struct rs_named_field super[] = {F(24, "__self__"), F(16, "__thisclass__"), F(32, "__self_class__"),
					      RS_NAMED_END};
static const struct rs_named_field slice[] = {F(16, "start"), F(24, "stop"), F(32, "step"), RS_NAMED_END};
static const struct rs_named_field dict_16[] = {F(16, "__dict__"), RS_NAMED_END};
static const struct rs_named_field generic_alias[] = {F(16, "__origin__"), F(24, "__args__"), F(32, "__parameters__"),
						      RS_NAMED_END};
static const struct rs_named_field generic_alias_iterator[] = {F(16, "obj"), RS_NAMED_END};
static const struct rs_named_field union_310[] = {F(16, "__args__"), F(24, "__parameters__"), RS_NAMED_END};
static const struct rs_named_field union_314[] = {F(16, "__args__"), F(24, "hashable_args"), F(32, "unhashable_args"),
						  F(40, "__parameters__"), RS_NAMED_END};

/* ---- async generators' and coroutines' awaitables */
static const struct rs_named_field asend[] = {F(16, "ags_gen"), F(24, "ags_sendval"), RS_NAMED_END};
static const struct rs_named_field athrow_38[] = {F(16, "agt_gen"), F(24, "agt_args"), RS_NAMED_END};
static const struct rs_named_field athrow_315[] = {F(16, "agt_gen"), F(24, "agt_typ"), F(32, "agt_tb"),
						   F(40, "agt_val"), RS_NAMED_END};
static const struct rs_named_field wrapped_value[] = {F(16, "agw_val"), RS_NAMED_END};
static const struct rs_named_field coroutine_wrapper[] = {F(16, "cw_coroutine"), RS_NAMED_END};
static const struct rs_named_field anext_awaitable[] = {F(16, "wrapped"), F(24, "default_value"), RS_NAMED_END};

/* ---- contextvars */
static const struct rs_named_field context[] = {F(16, "ctx_prev"), F(24, "ctx_vars"), RS_NAMED_END};
static const struct rs_named_field context_var[] = {F(16, "name"), F(24, "var_default"), RS_NAMED_END};
static const struct rs_named_field token[] = {F(16, "tok_ctx"), F(24, "var"), F(32, "old_value"), RS_NAMED_END};
static const struct rs_named_field hamt[] = {F(16, "h_root"), RS_NAMED_END};
static const struct rs_named_field hamt_iterator[] = {F(16, "hi_obj"), RS_NAMED_END};

#define HAMT_ARRAY_NODE_SLOTS 32
#define HAMT_BITMAP_ITEMS_MAX (2 * HAMT_ARRAY_NODE_SLOTS) /* a key and a value per slot */
#define HAMT_COLLISION_ITEMS_MAX (1 << 20)

/* A bitmap node holds ob_size keys and values from offset 32, a collision
 * node the same; an array node 32 children from offset 16. */
static rs_error *hamt_node_items(const struct rs_traversal *t, int64_t max)
{
	int64_t size;
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t) + 16, &size, 8);
	if (err)
		return err;
	if (size < 0 || size > max)
		return rs_error_new(RS_ERR_CORRUPT, "hamt node at 0x%" PRIx64 " claims %" PRId64 " items", t->obj,
				    size);
	return rs_visit_pointer_array(t, rs_head(t) + 32, (uint64_t)size, 0);
}

static rs_error *hamt_bitmap_items(const struct rs_traversal *t)
{
	return hamt_node_items(t, HAMT_BITMAP_ITEMS_MAX);
}

static rs_error *hamt_collision_items(const struct rs_traversal *t)
{
	return hamt_node_items(t, HAMT_COLLISION_ITEMS_MAX);
}

static rs_error *hamt_array_children(const struct rs_traversal *t)
{
	return rs_visit_pointer_array(t, rs_head(t) + 16, HAMT_ARRAY_NODE_SLOTS, 0);
}

/* ---- _thread */
static const struct rs_named_field local_38[] = {F(24, "args"), F(32, "kw"), F(48, "dummies"), RS_NAMED_END};
static const struct rs_named_field local_313[] = {F(16, "args"), F(24, "kw"), F(40, "localdicts"),
						  F(48, "thread_watchdogs"), RS_NAMED_END};

/* ---- structseq types: every item, the hidden ones past ob_size included.
 * Up to 3.12 their count is n_fields of the type's dict; a hidden field is
 * never unnamed, so it is also one past the highest item a member names.
 * From 3.13 tp_basicsize counts them. */
#define MEMBER_DEF_SIZE 40 /* PyMemberDef: name, type, offset, flags, doc */
#define MEMBERS_MAX 256

static rs_error *structseq_hidden_by_members(const struct rs_traversal *t, uint64_t items, int64_t visible,
					     int64_t *real)
{
	const struct rs_layout *l = &t->m->py->layout;
	uint64_t members, def[3]; /* name, type, offset */
	uint64_t type = t->type->public.address;
	rs_error *err = rs_mem_read_u64(t->m->mem, type + (uint64_t)RS_OFF(l, type_members), &members);
	*real = visible;
	for (unsigned i = 0; !err && members && i < MEMBERS_MAX; i++) {
		if ((err = rs_mem_read(t->m->mem, members + i * MEMBER_DEF_SIZE, def, sizeof(def))) || !def[0])
			return err;
		int64_t index = ((int64_t)def[2] - (int64_t)items) / 8;
		if (index >= *real && index < MEMBERS_MAX)
			*real = index + 1;
	}
	return err;
}

static rs_error *structseq_items(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	uint64_t items = (uint64_t)RS_OFF(l, tuple_items);
	int64_t visible, real;
	rs_error *err = rs_mem_read(t->m->mem, t->obj + (uint64_t)RS_OFF(l, varobject_size), &visible, 8);
	if (err)
		return err;
	if (visible < 0 || visible > MEMBERS_MAX)
		return rs_error_new(RS_ERR_CORRUPT, "structseq at 0x%" PRIx64 " claims %" PRId64 " items", t->obj,
				    visible);
	if (l->minor >= 13)
		real = visible + (t->type->basicsize - (int64_t)items) / 8;
	else if ((err = structseq_hidden_by_members(t, items, visible, &real)))
		return err;
	if (real < visible || real > MEMBERS_MAX)
		return rs_error_new(RS_ERR_CORRUPT, "structseq at 0x%" PRIx64 " claims %" PRId64 " fields", t->obj,
				    real);
	return rs_visit_pointer_array(t, t->obj + items, (uint64_t)real, 0);
}

/* ---- typing (3.12+). TypeVar, ParamSpec, TypeVarTuple and TypeAliasType
 * visit their __name__ from 3.13.10 and 3.14.1 on (gh-140000). */
static rs_error *typing_name(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	unsigned micro = (l->hexversion >> 8) & 0xff;
	if (l->minor == 12 || (l->minor == 13 && micro < 10) || (l->minor == 14 && micro < 1))
		return NULL;
	return rs_visit_pointer_field(t, rs_head(t) + 16, "__name__");
}

/* TypeVar, ParamSpec and TypeVarTuple keep __dict__ as a managed dict,
 * visited as the instance part of a Python class does. */
static rs_error *typing_name_and_dict(const struct rs_traversal *t)
{
	rs_error *err = typing_name(t);
	if (err)
		return err;
	const struct rs_layout *l = &t->m->py->layout;
	struct rs_type_info own = *t->type;
	struct rs_traversal dict_only = *t;
	own.slots_count = 0;
	own.dict_rule = RS_DICT_MANAGED;
	own.dictoffset_too = false;
	err = rs_mem_read_u64(t->m->mem, own.public.address + (uint64_t)RS_OFF(l, heaptype_cached_keys),
			      &own.cached_keys);
	dict_only.type = &own;
	return err ? err : rs_traverse_instance(&dict_only);
}

static const struct rs_named_field typevar_312[] = {F(24, "__bound__"), F(32, "evaluate_bound"),
						    F(40, "__constraints__"), F(48, "evaluate_constraints"),
						    RS_NAMED_END};
static const struct rs_named_field typevar_313[] = {F(24, "__bound__"), F(32, "evaluate_bound"),
						    F(40, "__constraints__"), F(48, "evaluate_constraints"),
						    F(56, "__default__"), F(64, "evaluate_default"), RS_NAMED_END};
static const struct rs_named_field paramspec_312[] = {F(24, "__bound__"), RS_NAMED_END};
static const struct rs_named_field paramspec_313[] = {F(24, "__bound__"), F(32, "__default__"),
						      F(40, "evaluate_default"), RS_NAMED_END};
static const struct rs_named_field paramspec_attr[] = {F(16, "__origin__"), RS_NAMED_END};
static const struct rs_named_field typevartuple_313[] = {F(24, "__default__"), F(32, "evaluate_default"),
							 RS_NAMED_END};
static const struct rs_named_field typevartuple_315[] = {F(24, "__bound__"), F(32, "__default__"),
							 F(40, "evaluate_default"), RS_NAMED_END};
static const struct rs_named_field typealias_312[] = {F(24, "__type_params__"), F(32, "compute_value"),
						      F(40, "__value__"), F(48, "__module__"), RS_NAMED_END};
static const struct rs_named_field typealias_315[] = {F(24, "__qualname__"), F(32, "__type_params__"),
						      F(40, "compute_value"), F(48, "__value__"), F(56, "__module__"),
						      RS_NAMED_END};
static const struct rs_named_field const_evaluator[] = {F(16, "value"), RS_NAMED_END};

/* ---- template strings (3.14+) */
static const struct rs_named_field template[] = {F(16, "strings"), F(24, "interpolations"), RS_NAMED_END};
static const struct rs_named_field interpolation[] = {F(16, "value"), F(24, "expression"), F(32, "conversion"),
						      F(40, "format_spec"), RS_NAMED_END};
static const struct rs_named_field template_iter[] = {F(16, "stringsiter"), F(24, "interpolationsiter"),
						      RS_NAMED_END};

/* ---- the rest */
static const struct rs_named_field frame_locals_proxy[] = {F(16, "frame"), RS_NAMED_END};
static const struct rs_named_field sentinel[] = {F(16, "__name__"), F(24, "__module__"), F(32, "repr"), RS_NAMED_END};
static const struct rs_named_field lazy_import[] = {F(16, "lz_builtins"), F(24, "lz_from"), F(32, "lz_attr"),
						    F(40, "lz_code"), RS_NAMED_END};
static const struct rs_named_field instruction_sequence_313[] = {F(56, "s_nested"), RS_NAMED_END};
static const struct rs_named_field instruction_sequence_314[] = {F(56, "s_nested"), F(64, "s_annotations_code"),
								 RS_NAMED_END};

/* A capsule visits what its traverse_func does: none unless one was set
 * (3.13+). CPython sets one on _socket.CAPI and (3.14+) _curses._C_API,
 * both visiting the first word of the C API struct, a type. */
#define CAPSULE_NAME 24
#define CAPSULE_TRAVERSE_FUNC 48

static rs_error *capsule_traverse(const struct rs_traversal *t)
{
	static const char *const first_word_visited[] = {"_socket.CAPI", "_curses._C_API"};
	uint64_t words[7]; /* ..., pointer, name, context, destructor, traverse_func */
	char name[32];
	bool truncated;
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), words, sizeof(words));
	if (err || !words[CAPSULE_TRAVERSE_FUNC / 8])
		return err;
	if (!words[CAPSULE_NAME / 8] || !words[2])
		return rs_traverse_conservative(t);
	if ((err = rs_mem_read_cstr(t->m->mem, words[CAPSULE_NAME / 8], name, sizeof(name), &truncated)))
		return err;
	for (size_t i = 0; i < sizeof(first_word_visited) / sizeof(first_word_visited[0]); i++)
		if (!truncated && strcmp(name, first_word_visited[i]) == 0)
			return rs_visit_pointer_field(t, words[2], "C API type");
	return rs_traverse_conservative(t);
}

/* uop_executor (3.14+): the executors its exits lead to, exits[i].executor
 * for i below exit_count. */
#define EXECUTOR_EXITS_MAX 4096

static rs_error *executor_exits(const struct rs_traversal *t)
{
	bool v314 = t->m->py->layout.minor == 14;
	uint64_t count_at = v314 ? 96 : 72, first_exit = v314 ? 128 : 104;
	uint32_t count;
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t) + count_at, &count, 4);
	if (!err && count > EXECUTOR_EXITS_MAX)
		return rs_error_new(RS_ERR_CORRUPT, "uop_executor at 0x%" PRIx64 " claims %" PRIu32 " exits", t->obj,
				    count);
	for (uint32_t i = 0; !err && i < count; i++)
		err = rs_visit_pointer_field(t, rs_head(t) + first_exit + 16 * i + 8, "exit executor");
	return err;
}

/* ---- types refscope knows by a symbol, for when the symbol is not found
 * (_PyMethodWrapper_Type is not exported from 3.13 on, and Debian strips
 * .symtab) or leads to no traverse of their own: UnicodeError has
 * BaseException's, so UnicodeError_traverse, its subclasses', is known by
 * no symbol. */
static const struct rs_named_field method_wrapper[] = {F(16, "descriptor"), F(24, "__self__"), RS_NAMED_END};

static rs_error *unicode_error(const struct rs_traversal *t)
{
	struct rs_type_info unicode = *t->type;
	struct rs_traversal as_unicode = *t;
	unicode.fields = RS_EXC_UNICODE;
	as_unicode.type = &unicode;
	return rs_traverse_exception(&as_unicode);
}

#define STRUCTSEQ(name, min) ENTRY(name, min, LAST, NULL, structseq_items)
#define NO_TYPE(name, min, max, fields) {name, min, max, RS_NAMED_TYPE_NEVER, fields, NULL}

const struct rs_named_type rs_named_types_core[] = {
	ENTRY("traceback", 6, LAST, traceback, NULL),
	ENTRY("list_iterator", 6, LAST, it_seq_24, NULL),
	ENTRY("list_reverseiterator", 6, LAST, it_seq_24, NULL),
	ENTRY("tuple_iterator", 6, LAST, it_seq_24, NULL),
	ENTRY("set_iterator", 6, LAST, set_iterator, NULL),
	ENTRY("bytearray_iterator", 6, LAST, it_seq_24, NULL),
	ENTRY("bytes_iterator", 6, LAST, it_seq_24, NULL),
	ENTRY("str_iterator", 6, LAST, it_seq_24, NULL),
	ENTRY("str_ascii_iterator", 11, LAST, it_seq_24, NULL),
	ENTRY("callable_iterator", 6, LAST, callable_iterator, NULL),
	ENTRY("iterator", 6, LAST, it_seq_24, NULL),
	ENTRY("reversed", 6, LAST, reversed, NULL),
	ENTRY("enumerate", 6, LAST, enumerate, NULL),
	ENTRY("zip", 6, LAST, zip, NULL),
	ENTRY("map", 6, LAST, map, NULL),
	ENTRY("filter", 6, LAST, filter, NULL),
	ENTRY("dict_keyiterator", 6, LAST, dict_iterator, NULL),
	ENTRY("dict_valueiterator", 6, LAST, dict_iterator, NULL),
	ENTRY("dict_itemiterator", 6, LAST, dict_iterator, NULL),
	ENTRY("dict_reversekeyiterator", 6, LAST, dict_iterator, NULL),
	ENTRY("dict_reversevalueiterator", 6, LAST, dict_iterator, NULL),
	ENTRY("dict_reverseitemiterator", 6, LAST, dict_iterator, NULL),
	ENTRY("dict_keys", 6, LAST, dict_view, NULL),
	ENTRY("dict_values", 6, LAST, dict_view, NULL),
	ENTRY("dict_items", 6, LAST, dict_view, NULL),

	ENTRY("memoryview", 6, LAST, memoryview, NULL),
	ENTRY("managedbuffer", 6, LAST, managedbuffer, NULL),
	ENTRY("memory_iterator", 10, LAST, it_seq_24, NULL),
	ENTRY("pickle.PickleBuffer", 6, LAST, picklebuffer, NULL),
	ENTRY("_buffer_wrapper", 12, LAST, buffer_wrapper, NULL),

	ENTRY("super", 6, LAST, super, NULL),
	ENTRY("slice", 6, LAST, slice, NULL),
	ENTRY("types.SimpleNamespace", 6, LAST, dict_16, NULL),
	ENTRY("types.GenericAlias", 9, LAST, generic_alias, NULL),
	ENTRY("generic_alias_iterator", 11, LAST, generic_alias_iterator, NULL),
	ENTRY("types.UnionType", 10, 13, union_310, NULL),
	ENTRY("typing.Union", 14, LAST, union_314, NULL),

	ENTRY("async_generator_asend", 6, LAST, asend, NULL),
	ENTRY("async_generator_athrow", 6, 14, athrow_38, NULL),
	ENTRY("async_generator_athrow", 15, LAST, athrow_315, NULL),
	ENTRY("async_generator_wrapped_value", 6, LAST, wrapped_value, NULL),
	ENTRY("coroutine_wrapper", 6, LAST, coroutine_wrapper, NULL),
	ENTRY("anext_awaitable", 10, LAST, anext_awaitable, NULL),

	ENTRY("Context", 6, 9, context, NULL),
	ENTRY("ContextVar", 6, 9, context_var, NULL),
	ENTRY("Token", 6, 9, token, NULL),
	ENTRY("_contextvars.Context", 10, LAST, context, NULL),
	ENTRY("_contextvars.ContextVar", 10, LAST, context_var, NULL),
	ENTRY("_contextvars.Token", 10, LAST, token, NULL),
	ENTRY("hamt", 6, LAST, hamt, NULL),
	ENTRY("hamt_bitmap_node", 6, LAST, NULL, hamt_bitmap_items),
	ENTRY("hamt_collision_node", 6, LAST, NULL, hamt_collision_items),
	ENTRY("hamt_array_node", 6, LAST, NULL, hamt_array_children),
	ENTRY("keys", 6, LAST, hamt_iterator, NULL),
	ENTRY("values", 6, LAST, hamt_iterator, NULL),
	ENTRY("items", 6, LAST, hamt_iterator, NULL),

	ENTRY("_thread._local", 6, 12, local_38, NULL),
	ENTRY("_thread._local", 13, LAST, local_313, NULL),
	ENTRY("_thread.lock", 10, LAST, NULL, NULL), /* its type only */
	ENTRY("_thread.RLock", 10, LAST, NULL, NULL),
	ENTRY("_thread._ThreadHandle", 13, LAST, NULL, NULL),

	STRUCTSEQ("os.stat_result", 6),
	STRUCTSEQ("os.statvfs_result", 6),
	STRUCTSEQ("os.terminal_size", 6),
	STRUCTSEQ("posix.times_result", 6),
	STRUCTSEQ("posix.uname_result", 6),
	STRUCTSEQ("posix.waitid_result", 6),
	STRUCTSEQ("posix.sched_param", 6),
	STRUCTSEQ("signal.struct_siginfo", 6),
	STRUCTSEQ("time.struct_time", 6),
	STRUCTSEQ("sys.flags", 6),
	STRUCTSEQ("sys.float_info", 6),
	STRUCTSEQ("sys.hash_info", 6),
	STRUCTSEQ("sys.int_info", 6),
	STRUCTSEQ("sys.thread_info", 6),
	STRUCTSEQ("sys.version_info", 6),
	STRUCTSEQ("asyncgen_hooks", 6),
	STRUCTSEQ("UnraisableHookArgs", 6),
	ENTRY("_thread.ExceptHookArgs", 6, 9, NULL, structseq_items),
	STRUCTSEQ("_thread._ExceptHookArgs", 10),
	STRUCTSEQ("pwd.struct_passwd", 6),
	STRUCTSEQ("grp.struct_group", 6),
	ENTRY("spwd.struct_spwd", 6, 12, NULL, structseq_items),
	STRUCTSEQ("resource.struct_rusage", 6),
	STRUCTSEQ("curses.ncurses_version", 6),
	STRUCTSEQ("_lsprof.profiler_entry", 6),
	STRUCTSEQ("_lsprof.profiler_subentry", 6),
	STRUCTSEQ("_interpchannels.ChannelInfo", 13),
	STRUCTSEQ("_remote_debugging.AwaitedInfo", 14),
	STRUCTSEQ("_remote_debugging.CoroInfo", 14),
	STRUCTSEQ("_remote_debugging.FrameInfo", 14),
	STRUCTSEQ("_remote_debugging.GCStatsInfo", 15),
	STRUCTSEQ("_remote_debugging.InterpreterInfo", 15),
	STRUCTSEQ("_remote_debugging.LocationInfo", 15),
	STRUCTSEQ("_remote_debugging.TaskInfo", 14),
	STRUCTSEQ("_remote_debugging.ThreadInfo", 14),

	ENTRY("typing.TypeVar", 12, 12, typevar_312, typing_name_and_dict),
	ENTRY("typing.TypeVar", 13, LAST, typevar_313, typing_name_and_dict),
	ENTRY("typing.ParamSpec", 12, 12, paramspec_312, typing_name_and_dict),
	ENTRY("typing.ParamSpec", 13, LAST, paramspec_313, typing_name_and_dict),
	NO_TYPE("typing.ParamSpecArgs", 12, LAST, paramspec_attr), /* heap types that do not visit it */
	NO_TYPE("typing.ParamSpecKwargs", 12, LAST, paramspec_attr),
	ENTRY("typing.TypeVarTuple", 12, 12, NULL, typing_name_and_dict),
	ENTRY("typing.TypeVarTuple", 13, 14, typevartuple_313, typing_name_and_dict),
	ENTRY("typing.TypeVarTuple", 15, LAST, typevartuple_315, typing_name_and_dict),
	ENTRY("typing.TypeAliasType", 12, 14, typealias_312, typing_name),
	ENTRY("typing.TypeAliasType", 15, LAST, typealias_315, typing_name),
	ENTRY("typing.Generic", 12, LAST, NULL, NULL),
	NO_TYPE("_typing._ConstEvaluator", 14, LAST, const_evaluator),

	ENTRY("string.templatelib.Template", 14, LAST, template, NULL),
	ENTRY("string.templatelib.Interpolation", 14, LAST, interpolation, NULL),
	ENTRY("string.templatelib.TemplateIter", 14, LAST, template_iter, NULL),

	ENTRY("FrameLocalsProxy", 13, LAST, frame_locals_proxy, NULL),
	ENTRY("PyCapsule", 13, LAST, NULL, capsule_traverse),
	ENTRY("InstructionSequence", 13, 13, instruction_sequence_313, NULL),
	ENTRY("InstructionSequence", 14, LAST, instruction_sequence_314, NULL),
	ENTRY("uop_executor", 14, LAST, NULL, executor_exits),
	ENTRY("sentinel", 15, LAST, sentinel, NULL),
	ENTRY("lazy_import", 15, LAST, lazy_import, NULL),
	ENTRY("_ast.AST", 6, 8, dict_16, NULL),
	ENTRY("ast.AST", 9, LAST, dict_16, NULL),
	ENTRY("method-wrapper", 6, LAST, method_wrapper, NULL),
	ENTRY("UnicodeEncodeError", 6, LAST, NULL, unicode_error),
	ENTRY("UnicodeDecodeError", 6, LAST, NULL, unicode_error),
	ENTRY("UnicodeTranslateError", 6, LAST, NULL, unicode_error),
	{NULL, 0, 0, 0, NULL, NULL},
};
