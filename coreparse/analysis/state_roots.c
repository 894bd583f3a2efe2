/* Roots in the runtime, interpreter and thread states, read member by member.
 *
 * Only members that own a reference count: sys.modules, the sys and
 * builtins dicts, importlib, the codec registries, the warnings filters, the
 * static types' dicts, a thread's exception and context, and the rest of
 * RS_LAYOUT_STATE_FIELDS. Never the freelists, the caches of borrowed
 * pointers (the type cache's values, callable_cache, common_consts, the
 * function and type version caches) or slots past a count in use: they keep
 * the addresses of objects handed out again long ago, and counting those
 * would explain away a leaked reference. Their memory is not scanned either
 * (rs_roots_skip). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roots.h"

#define FIELD_WORDS_MAX 65536  /* a member of more words is a wrong layout */
#define TYPE_CACHE_ENTRIES 4096 /* 1 << MCACHE_SIZE_EXP, 3.10-3.15 */
#define TYPE_CACHE_ENTRY 24     /* {version, name, value} */
#define STATIC_TYPES_MAX 512
#define ATEXIT_MAX 4096
#define SIGNALS 65              /* Linux NSIG */
#define SIGNAL_HANDLER 16       /* {tripped, func} */

enum owner { RUNTIME, INTERP, GC, THREAD };

struct state_field {
	const char *names;     /* one per word, split by '|'; the last names the rest, as an array */
	uint8_t owner;
	enum rs_layout_field at;
	uint16_t words;        /* pointers from `at`; when 0, up to the member `end`, or `end` bytes */
	enum rs_layout_field end;
	bool end_is_size;
	uint8_t first_minor, last_minor; /* 0: any */
};

#define FIELD(names, owner, at, words) {names, owner, RS_LF_##at, words, RS_LF_COUNT, false, 0, 0}
#define FIELD_IN(first, last, names, owner, at, words) \
	{names, owner, RS_LF_##at, words, RS_LF_COUNT, false, first, last}
#define UP_TO(names, at, end) {names, INTERP, RS_LF_##at, 0, RS_LF_##end, false, 0, 0}
#define SIZED(names, at, size) {names, INTERP, RS_LF_##at, 0, RS_LF_##size, true, 0, 0}

static const struct state_field fields[] = {
	FIELD("modules", INTERP, interp_modules, 1),
	FIELD("modules_by_index", INTERP, interp_modules_by_index, 1),
	FIELD("importlib", INTERP, interp_importlib, 1),
	FIELD("import_func", INTERP, interp_import_func, 1),
	FIELD("lazy_import_func|lazy_imports_mode|lazy_imports_filter|lazy_modules|lazy_pending_submodules", INTERP,
	      interp_lazy_imports, 5),
	FIELD("codecs.search_path|codecs.search_cache|codecs.error_registry", INTERP, interp_codecs, 3),
	FIELD("sysdict", INTERP, interp_sysdict, 1),
	FIELD("builtins", INTERP, interp_builtins, 1),
	FIELD("dict", INTERP, interp_dict, 1),
	FIELD("sysdict_copy", INTERP, interp_sysdict_copy, 1),
	FIELD("builtins_copy", INTERP, interp_builtins_copy, 1),
	FIELD_IN(0, 13, "xi.PyExc_NotShareableError", INTERP, interp_xi_exceptions, 1),
	FIELD_IN(14, 0, "xi.exceptions.PyExc_InterpreterError|xi.exceptions.PyExc_InterpreterNotFoundError|"
		 "xi.exceptions.PyExc_NotShareableError", INTERP, interp_xi_exceptions, 3),
	FIELD("xi.pickle.dumps|xi.pickle.loads", INTERP, interp_xi_pickle, 2),
	FIELD("before_forkers|after_forkers_parent|after_forkers_child", INTERP, interp_forkers, 3),
	FIELD("pyexitmodule", INTERP, interp_pyexitmodule, 1),
	FIELD("warnings.filters|warnings.once_registry|warnings.default_action", INTERP, interp_warnings, 3),
	FIELD("warnings.context", INTERP, interp_warnings_context, 1),
	FIELD_IN(14, 0, "atexit.callbacks", INTERP, interp_atexit_callbacks, 1),
	FIELD("audit_hooks", INTERP, interp_audit_hooks, 1),
	FIELD("small_ints", INTERP, interp_small_ints, 262),
	FIELD("bytes.empty_string|bytes.characters", INTERP, interp_bytes_cache, 257),
	FIELD("unicode.empty_string|unicode.latin1", INTERP, interp_unicode_cache, 257),
	FIELD("exc_state.errnomap", INTERP, interp_errnomap, 1),
	FIELD("exc_state.PyExc_ExceptionGroup", INTERP, interp_exception_group, 1),
	FIELD("interpreter_trampoline", INTERP, interp_trampoline, 1),
	FIELD("optimizer", INTERP, interp_optimizer, 1),
	UP_TO("monitoring_callables", interp_monitoring_callables, interp_monitoring_tool_names),
	FIELD("monitoring_tool_names", INTERP, interp_monitoring_tool_names, 8),
	SIZED("cached_objects", interp_cached_objects, cached_objects_size),
	SIZED("ast", interp_ast, ast_state_size),
	FIELD("gc.garbage", GC, gc_garbage, 1),
	FIELD("gc.callbacks", GC, gc_callbacks, 1),
	FIELD("c_profileobj|c_traceobj", THREAD, tstate_trace_objects, 2),
	FIELD("curexc_type|curexc_value|curexc_traceback", THREAD, tstate_curexc, 3),
	FIELD("current_exception", THREAD, tstate_current_exception, 1),
	FIELD_IN(0, 10, "exc_state.exc_type|exc_state.exc_value|exc_state.exc_traceback", THREAD, tstate_exc_state, 3),
	FIELD_IN(11, 0, "exc_state.exc_value", THREAD, tstate_exc_state, 1),
	FIELD("dict", THREAD, tstate_dict, 1),
	FIELD("async_exc", THREAD, tstate_async_exc, 1),
	FIELD_IN(0, 6, "async_gen_firstiter|async_gen_finalizer", THREAD, tstate_async_gen, 2),
	FIELD_IN(7, 0, "async_gen_firstiter|async_gen_finalizer|context", THREAD, tstate_async_gen, 3),
	FIELD("threading_local_key|threading_local_sentinel", THREAD, tstate_threading_local, 2),
	FIELD_IN(0, 13, "asyncio_running_loop", THREAD, tstate_asyncio_loop, 1),
	FIELD_IN(14, 0, "asyncio_running_loop|asyncio_running_task", THREAD, tstate_asyncio_loop, 2),
	FIELD("lazy_imports", THREAD, tstate_lazy_imports, 1),
	FIELD("signals.default_handler|signals.ignore_handler", RUNTIME, runtime_signal_defaults, 2),
};

/* One state being read: where it is, how its roots are named and kinded. */
struct state {
	struct rs_roots_collect *c;
	const struct rs_layout *l;
	uint64_t state;           /* the state's address */
	uint64_t base;            /* what member offsets count from: the state, or its gc state */
	uint8_t kind;
	char prefix[64];          /* "interpreter 0: ", "thread 1234: ", "_PyRuntime." */
	char last_name[256];      /* the name last added, reused while it repeats */
	uint32_t last_index;
};

static uint32_t state_name(struct state *s, const char *member)
{
	char name[256];
	snprintf(name, sizeof(name), "%s%s", s->prefix, member);
	if (s->last_index != UINT32_MAX && strcmp(name, s->last_name) == 0)
		return s->last_index;
	snprintf(s->last_name, sizeof(s->last_name), "%s", name);
	s->last_index = rs_roots_name(s->c, name);
	return s->last_index;
}

static void state_word(struct state *s, uint64_t where, uint64_t value, const char *member)
{
	if (!value || (value & 7))
		return;
	uint32_t object = rs_roots_known(s->c, value);
	if (object != RS_NO_INDEX)
		rs_roots_add(s->c, object, s->kind, state_name(s, member), where, true);
}

/* The name of word i of a member named by names (see struct state_field). */
static void word_name(const char *names, size_t i, size_t words, char *buf, size_t size)
{
	size_t parts = 1;
	for (const char *p = names; *p; p++)
		parts += *p == '|';
	size_t k = i < parts - 1 ? i : parts - 1;
	const char *start = names;
	for (size_t j = 0; j < k; j++)
		start = strchr(start, '|') + 1;
	const char *bar = strchr(start, '|');
	int len = bar ? (int)(bar - start) : (int)strlen(start);
	if (words > parts && i >= parts - 1)
		snprintf(buf, size, "%.*s[%zu]", len, start, i - (parts - 1));
	else
		snprintf(buf, size, "%.*s", len, start);
}

/* Borrowed pointers inside a span read whole (cached_objects): a cache of
 * object.__reduce__, and the last slot name looked up. */
static const enum rs_layout_field interp_borrowed[] = {RS_LF_interp_objreduce, RS_LF_interp_slots_name};

static bool borrowed(const struct state *s, int64_t offset)
{
	if (s->kind != RS_ROOT_INTERPRETER || s->base != s->state)
		return false;
	for (size_t i = 0; i < sizeof(interp_borrowed) / sizeof(interp_borrowed[0]); i++)
		if (s->l->field[interp_borrowed[i]] == offset)
			return true;
	return false;
}

/* Reads words pointers at offset and adds those to known objects. */
static void state_words(struct state *s, int64_t offset, size_t words, const char *names)
{
	if (offset < 0 || words == 0 || words > FIELD_WORDS_MAX)
		return;
	uint64_t *buf = malloc(words * 8);
	if (!buf) {
		s->c->nomem = true;
		return;
	}
	uint64_t at = s->base + (uint64_t)offset;
	rs_error *err = rs_mem_read(s->c->target->mem, at, buf, words * 8);
	for (size_t i = 0; !err && i < words && !s->c->nomem; i++) {
		if (!buf[i] || (buf[i] & 7) || borrowed(s, offset + 8 * (int64_t)i))
			continue;
		char member[160];
		word_name(names, i, words, member, sizeof(member));
		state_word(s, at + 8 * i, buf[i], member);
	}
	rs_error_free(err);
	free(buf);
}

static size_t field_words(const struct rs_layout *l, const struct state_field *f)
{
	if (f->words)
		return f->words;
	int64_t end = l->field[f->end];
	if (end <= 0)
		return 0;
	if (f->end_is_size)
		return (size_t)end / 8;
	int64_t at = l->field[f->at];
	return end > at ? (size_t)(end - at) / 8 : 0;
}

static void owner_fields(struct state *s, enum owner owner)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !s->c->nomem; i++) {
		const struct state_field *f = &fields[i];
		if (f->owner != owner || (f->first_minor && s->l->minor < f->first_minor) ||
		    (f->last_minor && s->l->minor > f->last_minor))
			continue;
		state_words(s, s->l->field[f->at], field_words(s->l, f), f->names);
	}
}

static uint64_t read_u64(struct state *s, uint64_t address)
{
	uint64_t value = 0;
	rs_error *err = rs_mem_read_u64(s->c->target->mem, address, &value);
	rs_error_free(err);
	return err ? 0 : value;
}

/* ---- interpreter members that are arrays of structs ---- */

/* The type cache (3.10+): each entry owns its name (a str), never its value. */
static void type_cache(struct state *s)
{
	int64_t offset = RS_OFF(s->l, interp_type_cache);
	if (offset < 0)
		return;
	uint8_t *buf = malloc(TYPE_CACHE_ENTRIES * TYPE_CACHE_ENTRY);
	if (!buf) {
		s->c->nomem = true;
		return;
	}
	uint64_t at = s->base + (uint64_t)offset;
	rs_error *err = rs_mem_read(s->c->target->mem, at, buf, TYPE_CACHE_ENTRIES * TYPE_CACHE_ENTRY);
	for (size_t i = 0; !err && i < TYPE_CACHE_ENTRIES && !s->c->nomem; i++) {
		uint64_t name;
		memcpy(&name, buf + i * TYPE_CACHE_ENTRY + 8, 8);
		state_word(s, at + i * TYPE_CACHE_ENTRY + 8, name, "type_cache");
	}
	rs_error_free(err);
	free(buf);
}

static void type_name(struct state *s, uint64_t type, char *buf, size_t size)
{
	bool cut;
	uint64_t name = read_u64(s, type + (uint64_t)RS_OFF(s->l, type_name));
	snprintf(buf, size, "?");
	if (name)
		rs_error_free(rs_mem_read_cstr(s->c->target->mem, name, buf, size, &cut));
}

/* 3.12+: static types keep their tp_dict and tp_subclasses per interpreter,
 * in an array filled up to a count; tp_weaklist there is borrowed. */
static void static_types(struct state *s, enum rs_layout_field array, enum rs_layout_field count)
{
	int64_t offset = s->l->field[array], count_at = s->l->field[count];
	int64_t stride = RS_OFF(s->l, static_type_state_size), dict = RS_OFF(s->l, static_type_state_dict);
	if (offset < 0 || count_at < 0 || stride < 40 || dict < 0 || dict + 16 > stride)
		return;
	uint64_t n = read_u64(s, s->base + (uint64_t)count_at);
	for (uint64_t i = 0; i < n && i < STATIC_TYPES_MAX && !s->c->nomem; i++) {
		uint64_t entry = s->base + (uint64_t)offset + i * (uint64_t)stride, words[3];
		rs_error *err = rs_mem_read(s->c->target->mem, entry + (uint64_t)dict, words, 16);
		if (err) {
			rs_error_free(err);
			return;
		}
		char tp_name[64], member[128];
		type_name(s, read_u64(s, entry), tp_name, sizeof(tp_name));
		snprintf(member, sizeof(member), "static type %s: tp_dict", tp_name);
		state_word(s, entry + (uint64_t)dict, words[0], member);
		snprintf(member, sizeof(member), "static type %s: tp_subclasses", tp_name);
		state_word(s, entry + (uint64_t)dict + 8, words[1], member);
	}
}

/* 3.10-3.13: atexit callbacks are malloc'd {func, args, kwargs}, from an
 * array of pointers filled up to ncallbacks. */
static void atexit_callbacks(struct state *s)
{
	int64_t array_at = RS_OFF(s->l, interp_atexit_callbacks), count_at = RS_OFF(s->l, interp_atexit_ncallbacks);
	if (s->l->minor < 10 || s->l->minor > 13 || array_at < 0 || count_at < 0)
		return;
	uint64_t array = read_u64(s, s->base + (uint64_t)array_at);
	uint32_t n = 0;
	rs_error_free(rs_mem_read_u32(s->c->target->mem, s->base + (uint64_t)count_at, &n));
	for (uint32_t i = 0; array && i < n && i < ATEXIT_MAX && !s->c->nomem; i++) {
		uint64_t callback = read_u64(s, array + 8 * i), words[3];
		rs_error *err = callback ? rs_mem_read(s->c->target->mem, callback, words, sizeof(words)) : NULL;
		static const char *const parts[] = {"func", "args", "kwargs"};
		for (size_t k = 0; callback && !err && k < 3; k++) {
			char member[64];
			snprintf(member, sizeof(member), "atexit callback %u: %s", i, parts[k]);
			state_word(s, callback + 8 * k, words[k], member);
		}
		rs_error_free(err);
	}
}

/* ---- the runtime ---- */

static bool is_interpreter(const struct rs_roots_collect *c, uint64_t address)
{
	for (size_t i = 0; i < c->heap->n_interps; i++)
		if (c->heap->interps[i].address == address)
			return true;
	return false;
}

/* 3.12+: Python-level signal handlers, one per signal number. */
static void signal_handlers(struct state *s)
{
	int64_t offset = RS_OFF(s->l, runtime_signal_handlers);
	uint64_t table[SIGNALS * SIGNAL_HANDLER / 8];
	if (offset < 0)
		return;
	uint64_t at = s->base + (uint64_t)offset;
	rs_error *err = rs_mem_read(s->c->target->mem, at, table, sizeof(table));
	for (size_t i = 0; !err && i < SIGNALS; i++) {
		char member[64];
		snprintf(member, sizeof(member), "signals.handlers[%zu].func", i);
		state_word(s, at + i * SIGNAL_HANDLER + 8, table[i * 2 + 1], member);
	}
	rs_error_free(err);
}

/* 3.12+: the files faulthandler writes to. Their offsets moved between
 * micro releases, so a file counts only when the struct around it names a
 * live interpreter (fatal_error: enabled at -8, interp at +16; the watchdog
 * thread: interp at +32). */
static void faulthandler_files(struct state *s)
{
	int64_t fatal = RS_OFF(s->l, runtime_fatal_error_file), watchdog = RS_OFF(s->l, runtime_watchdog_file);
	if (fatal >= 8) {
		uint64_t at = s->base + (uint64_t)fatal;
		uint64_t enabled = read_u64(s, at - 8) & 0xffffffffu;
		if (enabled && is_interpreter(s->c, read_u64(s, at + 16)))
			state_word(s, at, read_u64(s, at), "faulthandler.fatal_error.file");
	}
	if (watchdog >= 0) {
		uint64_t at = s->base + (uint64_t)watchdog;
		if (is_interpreter(s->c, read_u64(s, at + 32)))
			state_word(s, at, read_u64(s, at), "faulthandler.thread.file");
	}
}

static uint64_t runtime_size(const struct rs_roots_collect *c)
{
	const struct rs_python *py = &c->target->py;
	struct rs_symbol_query q = {.name = "_PyRuntime"};
	rs_module_symbols_find(py->module, &q, 1);
	if (q.found && q.address == py->runtime && q.size)
		return q.size;
	uint64_t address, size;
	if (rs_module_section_find(py->module, ".PyRuntime", &address, &size) && address == py->runtime)
		return size;
	return RS_OFF(&py->layout, runtime_size) > 0 ? (uint64_t)RS_OFF(&py->layout, runtime_size) : 0;
}

static void state_init(struct state *s, struct rs_roots_collect *c, uint64_t base, uint8_t kind)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->l = &c->target->py.layout;
	s->state = base;
	s->base = base;
	s->kind = kind;
	s->last_index = UINT32_MAX;
}

static void runtime_roots(struct rs_roots_collect *c)
{
	struct state s;
	state_init(&s, c, c->target->py.runtime, RS_ROOT_STATIC);
	snprintf(s.prefix, sizeof(s.prefix), "_PyRuntime.");
	owner_fields(&s, RUNTIME);
	signal_handlers(&s);
	faulthandler_files(&s);
	/* 3.7 and 3.8: one gc state for the process (3.6's gc statics lie in
	 * libpython's data, which the static scan reads) */
	if (RS_OFF(s.l, runtime_gc) >= 0 && s.l->minor >= 7) {
		s.base += (uint64_t)RS_OFF(s.l, runtime_gc);
		owner_fields(&s, GC);
	}
	uint64_t size = runtime_size(c);
	if (size)
		rs_roots_skip(c, c->target->py.runtime, c->target->py.runtime + size);
}

static void interpreter_roots(struct rs_roots_collect *c, const struct rs_interpreter *it)
{
	struct state s;
	state_init(&s, c, it->address, RS_ROOT_INTERPRETER);
	snprintf(s.prefix, sizeof(s.prefix), "interpreter %" PRId64 ": ", it->id);
	owner_fields(&s, INTERP);
	type_cache(&s);
	static_types(&s, RS_LF_interp_static_types, RS_LF_interp_static_types_count);
	static_types(&s, RS_LF_interp_extension_types, RS_LF_interp_extension_types_count);
	atexit_callbacks(&s);
	if (RS_OFF(s.l, interp_gc) >= 0) {
		s.base += (uint64_t)RS_OFF(s.l, interp_gc);
		owner_fields(&s, GC);
	}
	if (RS_OFF(s.l, interp_size) > 0)
		rs_roots_skip(c, it->address, it->address + (uint64_t)RS_OFF(s.l, interp_size));
}

/* How far a thread state reaches: PyThreadState, or from 3.13 the
 * _PyThreadStateImpl around it, as far as its members read here go. */
static uint64_t thread_state_end(const struct rs_layout *l)
{
	int64_t end = RS_OFF(l, tstate_size);
	if (RS_OFF(l, tstate_asyncio_loop) + 16 > end)
		end = RS_OFF(l, tstate_asyncio_loop) + 16;
	if (RS_OFF(l, tstate_lazy_imports) + 8 > end)
		end = RS_OFF(l, tstate_lazy_imports) + 8;
	return end > 0 ? (uint64_t)end : 0;
}

static void thread_roots(struct rs_roots_collect *c, const struct rs_thread *t)
{
	struct state s;
	state_init(&s, c, t->address, RS_ROOT_THREAD);
	if (t->native_thread_id >= 0)
		snprintf(s.prefix, sizeof(s.prefix), "thread %" PRId64 ": ", t->native_thread_id);
	else
		snprintf(s.prefix, sizeof(s.prefix), "thread 0x%" PRIx64 ": ", t->thread_id);
	owner_fields(&s, THREAD);
	uint64_t end = thread_state_end(s.l);
	if (end)
		rs_roots_skip(c, t->address, t->address + end);
}

void rs_state_roots_collect(struct rs_roots_collect *c)
{
	runtime_roots(c);
	for (size_t i = 0; i < c->heap->n_interps && !c->nomem; i++)
		interpreter_roots(c, &c->heap->interps[i]);
	for (size_t i = 0; i < c->heap->n_threads && !c->nomem; i++)
		thread_roots(c, &c->heap->threads[i]);
}
