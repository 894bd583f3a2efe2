/* Roots: the references to heap objects that come from outside the heap,
 * each with a name a person understands.
 *
 *  - module: each entry of sys.modules, named by its key (the modules dict
 *    is in the heap, so these add nothing to an object's root count);
 *  - frame: what each thread's running frames hold (3.11+ interpreter
 *    frames are no objects; before, the thread's frame objects), named
 *    "thread N: function (file:line)", the line the frame is at now (its
 *    f_lineno), or the function's first line when that cannot be read;
 *  - interpreter, thread: the members of each interpreter and thread state
 *    that own a reference, read by field ("interpreter 0: sysdict"), and
 *    the runtime's ("_PyRuntime.signals.handlers[2].func"): state_roots.c;
 *  - static: pointers in the writable data of every loaded module (static
 *    types, C extensions' globals), found by scanning and named by symbol;
 *    the states above and every freelist are left out of the scan.
 *
 * A reference that a C extension took and never stored (a leak) is found
 * by none of these. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>

#include "../objects/code_lines.h"
#include "../objects/repr.h"
#include "../util/huge_pages.h"
#include "roots.h"

#define FRAMES_MAX 100000
#define SCAN_CHUNK 4096

uint32_t rs_roots_name(struct rs_roots_collect *c, const char *name)
{
	struct rs_roots *r = c->out;
	if (r->n_names == c->names_capacity) {
		size_t cap = c->names_capacity ? 2 * c->names_capacity : 64;
		char **names = realloc(r->names, cap * sizeof(*names));
		if (!names) {
			c->nomem = true;
			return UINT32_MAX;
		}
		r->names = names;
		c->names_capacity = cap;
	}
	r->names[r->n_names] = strdup(name);
	if (!r->names[r->n_names]) {
		c->nomem = true;
		return UINT32_MAX;
	}
	return (uint32_t)r->n_names++;
}

void rs_roots_add(struct rs_roots_collect *c, uint32_t object, uint8_t kind, uint32_t name, uint64_t where, bool counted)
{
	struct rs_roots *r = c->out;
	if (object >= r->counts_capacity) { /* frames adopt objects the graph did not reach */
		size_t cap = 2 * (size_t)object + 1024;
		uint32_t *counts = realloc(r->counts, cap * sizeof(*counts));
		if (!counts) {
			c->nomem = true;
			return;
		}
		memset(counts + r->counts_capacity, 0, (cap - r->counts_capacity) * sizeof(*counts));
		r->counts = counts;
		r->counts_capacity = cap;
	}
	if (r->n_refs == c->refs_capacity) {
		size_t cap = c->refs_capacity ? 2 * c->refs_capacity : 1024;
		struct rs_root_ref *refs = realloc(r->refs, cap * sizeof(*refs));
		if (!refs) {
			c->nomem = true;
			return;
		}
		r->refs = refs;
		c->refs_capacity = cap;
	}
	r->refs[r->n_refs++] = (struct rs_root_ref){object, kind, name, where};
	r->counts[object] += counted;
}

uint32_t rs_roots_known(const struct rs_roots_collect *c, uint64_t address)
{
	return rs_address_index_get(&c->heap->graph->index, address);
}

/* ---- modules ---- */

struct module_visit {
	struct rs_roots_collect *c;
	uint64_t dict;
};

static void module_entry(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	struct module_visit *v = arg;
	uint32_t object = rs_roots_known(v->c, referent);
	if (kind != RS_VIA_DICT_VALUE || object == RS_NO_INDEX)
		return;
	char key[200], name[216];
	rs_key_text(&v->c->heap->graph->model, detail, key, sizeof(key));
	size_t len = strlen(key);
	if (len >= 2 && key[0] == '\'') { /* 'json' -> json */
		key[len - 1] = '\0';
		snprintf(name, sizeof(name), "%s", key + 1);
	} else {
		snprintf(name, sizeof(name), "%s", key);
	}
	rs_roots_add(v->c, object, RS_ROOT_MODULE, rs_roots_name(v->c, name), v->dict, false);
}

static void modules_collect(struct rs_roots_collect *c, const struct rs_interpreter *it)
{
	const struct rs_layout *l = &c->target->py.layout;
	uint64_t modules = 0;
	rs_error *err = rs_mem_read_u64(c->target->mem, it->address + (uint64_t)RS_OFF(l, interp_modules), &modules);
	uint32_t index = err ? RS_NO_INDEX : rs_roots_known(c, modules);
	rs_error_free(err);
	if (index == RS_NO_INDEX)
		return;
	struct module_visit v = {c, modules};
	rs_error_free(rs_object_traverse(&c->heap->graph->model, modules, c->heap->objects[index].type, module_entry, &v));
}

/* ---- thread stacks ---- */

struct frame_visit {
	struct rs_roots_collect *c;
	uint32_t name;
	uint64_t frame;
};

static void frame_reference(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	(void)kind;
	(void)detail;
	struct frame_visit *v = arg;
	uint32_t object = rs_roots_known(v->c, referent);
	if (object == RS_NO_INDEX)
		object = rs_heap_find(v->c->target, v->c->heap, referent);
	if (object != RS_NO_INDEX)
		rs_roots_add(v->c, object, RS_ROOT_FRAME, v->name, v->frame, true);
}

/* "function (file:line)": the line of the instruction at byte offset
 * `offset` of the code, or co_firstlineno when it cannot be decoded. */
static void code_place(struct rs_roots_collect *c, uint64_t code, int64_t offset, char *buf, size_t size)
{
	const struct rs_layout *l = &c->target->py.layout;
	struct rs_objmodel *m = &c->heap->graph->model;
	uint64_t name = 0, file = 0;
	int32_t line = 0;
	char name_text[128] = "?", file_text[256] = "?";
	bool cut;
	int64_t name_off = RS_OFF(l, code_qualname) >= 0 ? RS_OFF(l, code_qualname) : RS_OFF(l, code_name);
	rs_error_free(rs_mem_read_u64(m->mem, code + (uint64_t)name_off, &name));
	rs_error_free(rs_mem_read_u64(m->mem, code + (uint64_t)RS_OFF(l, code_filename), &file));
	rs_error *err = rs_code_line(m->mem, l, code, offset, &line);
	if (err) {
		rs_error_free(err);
		rs_error_free(rs_mem_read(m->mem, code + (uint64_t)RS_OFF(l, code_firstlineno), &line, 4));
	}
	if (name)
		rs_error_free(rs_str_text(m->mem, l, name, name_text, sizeof(name_text), &cut));
	if (file)
		rs_error_free(rs_str_text(m->mem, l, file, file_text, sizeof(file_text), &cut));
	snprintf(buf, size, "%s (%s:%d)", name_text, file_text, line);
}

static uint32_t frame_name(struct rs_roots_collect *c, const struct rs_thread *t, uint64_t code, int64_t offset)
{
	char place[420], name[480];
	code_place(c, code, offset, place, sizeof(place));
	if (t->native_thread_id >= 0)
		snprintf(name, sizeof(name), "thread %" PRId64 ": %s", t->native_thread_id, place);
	else
		snprintf(name, sizeof(name), "thread 0x%" PRIx64 ": %s", t->thread_id, place);
	return rs_roots_name(c, name);
}

static uint64_t thread_top_frame(struct rs_roots_collect *c, const struct rs_thread *t)
{
	const struct rs_layout *l = &c->target->py.layout;
	uint64_t frame = 0;
	rs_error *err = rs_mem_read_u64(c->target->mem, t->address + (uint64_t)RS_OFF(l, tstate_frame), &frame);
	/* 3.11 and 3.12 go through a _PyCFrame: current_frame at +8 (3.11) or +0 (3.12). */
	if (!err && frame && (l->minor == 11 || l->minor == 12))
		err = rs_mem_read_u64(c->target->mem, frame + (l->minor == 11 ? 8 : 0), &frame);
	rs_error_free(err);
	return err ? 0 : frame;
}

/* Whether err is an error; frees it. */
static bool read_failed(rs_error *err)
{
	bool failed = err != NULL;
	rs_error_free(err);
	return failed;
}

/* The byte offset in its code's bytecode of the instruction a frame is at,
 * as f_lineno computes it: up to 3.9 f_lasti, in 3.10 f_lasti code units;
 * from 3.11 the interpreter frame's prev_instr (3.11-3.12) or instr_ptr
 * from the code's co_code_adaptive. -1 (the first line) when unknown. */
static int64_t frame_offset(struct rs_roots_collect *c, uint64_t frame, uint64_t code)
{
	const struct rs_layout *l = &c->target->py.layout;
	struct rs_memory *mem = c->heap->graph->model.mem;
	if (l->minor <= 10) {
		int32_t lasti = -1;
		if (RS_OFF(l, frame_lasti) < 0 ||
		    read_failed(rs_mem_read(mem, frame + (uint64_t)RS_OFF(l, frame_lasti), &lasti, 4)))
			return -1;
		return lasti < 0 ? -1 : l->minor == 10 ? 2 * (int64_t)lasti : lasti;
	}
	uint64_t instr = 0;
	if (RS_OFF(l, iframe_instr) < 0 || RS_OFF(l, code_adaptive) < 0 ||
	    read_failed(rs_mem_read_u64(mem, frame + (uint64_t)RS_OFF(l, iframe_instr), &instr)))
		return -1;
	uint64_t base = code + (uint64_t)RS_OFF(l, code_adaptive);
	/* prev_instr of a frame that has not started is the unit before the code */
	return instr >= base ? (int64_t)(instr - base) : -1;
}

/* 3.6: a generator's frame (f_gen@112) is held by its generator, not by
 * the call running it. */
static bool frame_of_generator(struct rs_objmodel *m, uint64_t frame)
{
	uint64_t gen = 0;
	rs_error_free(rs_mem_read_u64(m->mem, frame + RS_HEAD(&m->py->layout) + 112, &gen));
	return gen != 0;
}

static void thread_frames(struct rs_roots_collect *c, const struct rs_thread *t)
{
	struct rs_objmodel *m = &c->heap->graph->model;
	uint64_t code_type = c->target->py.symbols[RS_SYM_PyCode_Type];
	uint64_t frame = thread_top_frame(c, t);
	for (int depth = 0; frame && depth < FRAMES_MAX && !c->nomem; depth++) {
		if (c->target->py.layout.minor <= 10) {
			/* Frame objects. One the graph reached has its references among
			 * its edges; a running one is held by C only and counted here. */
			uint32_t known_index = rs_roots_known(c, frame);
			bool in_graph = known_index != RS_NO_INDEX && known_index < c->heap->graph->objects_reached;
			uint32_t object = rs_heap_find(c->target, c->heap, frame);
			uint64_t code = 0, back = 0;
			rs_error_free(rs_mem_read_u64(m->mem, frame + (uint64_t)RS_OFF(&m->py->layout, frame_code), &code));
			rs_error_free(rs_mem_read_u64(m->mem, frame + RS_HEAD(&m->py->layout) + 24, &back)); /* f_back */
			if (object != RS_NO_INDEX && !in_graph) {
				struct frame_visit v = {c, frame_name(c, t, code, frame_offset(c, frame, code)), frame};
				rs_error_free(rs_object_traverse(m, frame, c->heap->objects[object].type, frame_reference, &v));
			} else if (object != RS_NO_INDEX && c->target->py.layout.minor == 6 && !frame_of_generator(m, frame)) {
				/* 3.6 tracks a frame while it runs: the call running it holds it */
				rs_roots_add(c, object, RS_ROOT_FRAME, frame_name(c, t, code, frame_offset(c, frame, code)),
					     frame, true);
			}
			frame = back;
			continue;
		}
		struct rs_frame_info info;
		rs_error *err = rs_interpreter_frame_info(m, frame, &info);
		if (err) {
			rs_error_free(err);
			return;
		}
		uint64_t type = 0;
		rs_error_free(rs_mem_read_u64(m->mem, info.code + (uint64_t)RS_OFF(&m->py->layout, object_type), &type));
		if (info.owner == 0 && type == code_type) {
			struct frame_visit v = {c, frame_name(c, t, info.code, frame_offset(c, frame, info.code)), frame};
			rs_error_free(rs_interpreter_frame_traverse(m, frame, frame_reference, &v));
		}
		frame = info.previous;
	}
}

/* ---- writable module data, scanned ---- */

void rs_roots_skip(struct rs_roots_collect *c, uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	if (c->n_skip == c->skip_capacity) {
		size_t cap = c->skip_capacity ? 2 * c->skip_capacity : 64;
		struct rs_span *skip = realloc(c->skip, cap * sizeof(*skip));
		if (!skip) {
			c->nomem = true;
			return;
		}
		c->skip = skip;
		c->skip_capacity = cap;
	}
	c->skip[c->n_skip++] = (struct rs_span){start, end};
}

static int span_cmp(const void *a, const void *b)
{
	const struct rs_span *x = a, *y = b;
	return (x->start > y->start) - (x->start < y->start);
}

/* Sorts the skipped spans and merges those that overlap. */
static void skip_sort(struct rs_roots_collect *c)
{
	qsort(c->skip, c->n_skip, sizeof(*c->skip), span_cmp);
	size_t n = 0;
	for (size_t i = 0; i < c->n_skip; i++) {
		if (n && c->skip[i].start <= c->skip[n - 1].end) {
			if (c->skip[i].end > c->skip[n - 1].end)
				c->skip[n - 1].end = c->skip[i].end;
		} else {
			c->skip[n++] = c->skip[i];
		}
	}
	c->n_skip = n;
}

static bool skipped(const struct rs_roots_collect *c, uint64_t address)
{
	size_t lo = 0, hi = c->n_skip;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (address < c->skip[mid].start)
			hi = mid;
		else if (address >= c->skip[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* A freelist keeps the addresses of objects it has handed out again in the
 * slots past its count (CPython's free_list arrays before 3.11, Cython's
 * __pyx_freelist_*, ...); the method cache before 3.10 keeps borrowed
 * values. Names are matched before any ".lto_priv.0"-like suffix. */
static bool stale_by_design(const char *name, bool python)
{
	char base[128];
	size_t len = strcspn(name, ".");
	if (len >= sizeof(base))
		return false;
	for (size_t i = 0; i < len; i++)
		base[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	base[len] = '\0';
	if (strstr(base, "freelist") || strstr(base, "free_list"))
		return true;
	/* 3.11-3.12 deep-frozen modules: their code objects' bytecode holds
	 * inline caches of borrowed pointers (and the rest of them are objects
	 * whose references the graph counts). */
	if (python && (strstr(base, "_toplevel_consts_") || (len > 9 && strcmp(base + len - 9, "_toplevel") == 0)))
		return true;
	return python && strcmp(base, "method_cache") == 0;
}

/* Skips the module's data symbols that hold stale pointers by design. */
static void freelists_skip(struct rs_roots_collect *c, const struct rs_module *mod)
{
	bool python = mod == c->target->py.module;
	int n = dwfl_module_getsymtab(mod->dwfl_module);
	for (int i = 1; i < n && !c->nomem; i++) {
		GElf_Sym sym;
		GElf_Addr address;
		const char *name = dwfl_module_getsym_info(mod->dwfl_module, i, &sym, &address, NULL, NULL, NULL);
		if (name && GELF_ST_TYPE(sym.st_info) == STT_OBJECT && sym.st_size && stale_by_design(name, python))
			rs_roots_skip(c, address, address + sym.st_size);
	}
}

struct ranges {
	struct rs_span *list;
	size_t n, capacity;
	bool nomem;
};

static void range_add(void *arg, uint64_t start, uint64_t end)
{
	struct ranges *r = arg;
	if (r->n == r->capacity) {
		size_t cap = r->capacity ? 2 * r->capacity : 64;
		struct rs_span *list = realloc(r->list, cap * sizeof(*list));
		if (!list) {
			r->nomem = true;
			return;
		}
		r->list = list;
		r->capacity = cap;
	}
	r->list[r->n++] = (struct rs_span){start, end};
}

static bool in_ranges(const struct ranges *r, uint64_t address)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (address < r->list[mid].start)
			hi = mid;
		else if (address >= r->list[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Code objects that live in module data: their words are their own
 * references (counted as hidden references) or, in the bytecode, inline
 * caches of borrowed pointers. (Static types are scanned but for their
 * tp_weaklist: the graph does not traverse them, and tp_dict, tp_mro...
 * are owned.) */
static void static_objects_skip(struct rs_roots_collect *c, struct ranges *data)
{
	uint64_t code_type = c->target->py.symbols[RS_SYM_PyCode_Type];
	qsort(data->list, data->n, sizeof(*data->list), span_cmp);
	for (size_t i = 0; i < c->heap->n_objects && !c->nomem; i++) {
		const struct rs_object *o = &c->heap->objects[i];
		if (!in_ranges(data, o->address))
			continue;
		const struct rs_type *type = rs_heap_type(c->heap, o->type);
		if (type && type->address == code_type && o->size)
			rs_roots_skip(c, o->address, o->address + o->size);
	}
}

#define TPFLAGS_TYPE_SUBCLASS (1ull << 31)

static uint64_t word_at(const struct rs_roots_collect *c, uint64_t address)
{
	uint64_t word = 0;
	rs_error *err = rs_mem_read_u64(c->target->mem, address, &word);
	rs_error_free(err);
	return err ? 0 : word;
}

/* Whether the object is a weak reference: its type is, or derives from, one
 * of the three weakref types. */
static bool is_weakref(const struct rs_roots_collect *c, uint64_t object)
{
	const struct rs_layout *l = &c->target->py.layout;
	const uint64_t *sym = c->target->py.symbols;
	uint64_t type = word_at(c, object + (uint64_t)RS_OFF(l, object_type));
	for (int depth = 0; type && depth < 16; depth++) {
		if (type == sym[RS_SYM_PyWeakref_RefType] || type == sym[RS_SYM_PyWeakref_ProxyType] ||
		    type == sym[RS_SYM_PyWeakref_CallableProxyType])
			return true;
		type = word_at(c, type + (uint64_t)RS_OFF(l, type_base));
	}
	return false;
}

/* Whether the word at address, which points to the object at referent, is
 * the tp_weaklist of a static type (which the graph may not know): the
 * referent is a weakref and the would-be type's ob_type is type, or a
 * metatype (an instance of type that is a subclass of type). Both are
 * checked: module data is full of pointers to objects, and a pointer to a
 * str or a tuple seen as a metatype gives tp_flags from whatever follows it. */
static bool type_weaklist(const struct rs_roots_collect *c, uint64_t address, uint64_t referent)
{
	const struct rs_layout *l = &c->target->py.layout;
	int64_t weaklist = RS_OFF(l, type_weaklist), ob_type = RS_OFF(l, object_type);
	if (weaklist < 0 || ob_type < 0 || address < (uint64_t)weaklist)
		return false;
	uint64_t type_type = c->target->py.symbols[RS_SYM_PyType_Type];
	uint64_t metatype = word_at(c, address - (uint64_t)weaklist + (uint64_t)ob_type);
	if (!metatype || !type_type)
		return false;
	if (metatype != type_type) {
		if (rs_roots_known(c, metatype) == RS_NO_INDEX || word_at(c, metatype + (uint64_t)ob_type) != type_type ||
		    !(word_at(c, metatype + (uint64_t)RS_OFF(l, type_flags)) & TPFLAGS_TYPE_SUBCLASS))
			return false;
	}
	return is_weakref(c, referent);
}

static void static_range(void *arg, uint64_t start, uint64_t end)
{
	struct rs_roots_collect *c = arg;
	uint64_t words[SCAN_CHUNK / 8];
	start = (start + 7) & ~(uint64_t)7;
	for (uint64_t at = start; at < end && !c->nomem;) {
		uint64_t chunk = end - at < SCAN_CHUNK ? (end - at) & ~(uint64_t)7 : SCAN_CHUNK;
		if (!chunk)
			break;
		rs_error *err = rs_mem_read(c->target->mem, at, words, chunk);
		if (err) { /* unmapped or left out of the core: go on a page later */
			rs_error_free(err);
			at = (at + 4096) & ~(uint64_t)4095;
			continue;
		}
		for (uint64_t i = 0; i < chunk / 8; i++) {
			if (!words[i] || (words[i] & 7))
				continue;
			uint32_t object = rs_roots_known(c, words[i]);
			if (object != RS_NO_INDEX && !skipped(c, at + 8 * i) && !type_weaklist(c, at + 8 * i, words[i]))
				rs_roots_add(c, object, RS_ROOT_STATIC, UINT32_MAX, at + 8 * i, true);
		}
		at += chunk;
	}
}

static void statics_collect(struct rs_roots_collect *c)
{
	const struct rs_modules *mods = c->target->mods;
	struct ranges data = {0};
	for (size_t i = 0; i < mods->count && !c->nomem; i++) {
		freelists_skip(c, &mods->list[i]);
		rs_module_writable_ranges(&mods->list[i], range_add, &data);
	}
	c->nomem |= data.nomem;
	if (!c->nomem)
		static_objects_skip(c, &data);
	skip_sort(c);
	for (size_t i = 0; i < data.n && !c->nomem; i++)
		static_range(c, data.list[i].start, data.list[i].end);
	free(data.list);
}

/* Frames can adopt objects past the counts first allocated. */
static void counts_grow(struct rs_roots_collect *c)
{
	struct rs_roots *out = c->out;
	size_t n = c->heap->n_objects;
	if (c->nomem || n <= out->counts_capacity)
		return;
	uint32_t *counts = realloc(out->counts, n * sizeof(*counts));
	if (!counts) {
		c->nomem = true;
		return;
	}
	memset(counts + out->counts_capacity, 0, (n - out->counts_capacity) * sizeof(*counts));
	out->counts = counts;
	out->counts_capacity = n;
}

rs_error *rs_heap_roots(rs_target *target, rs_heap *heap, struct rs_roots *out)
{
	memset(out, 0, sizeof(*out));
	rs_error *err = rs_heap_graph_indexed(target, heap);
	if (err)
		return err;
	struct rs_roots_collect c = {.target = target, .heap = heap, .out = out};
	out->counts = rs_huge_calloc(heap->n_objects + 1, sizeof(*out->counts));
	out->counts_capacity = heap->n_objects + 1;
	if (!out->counts)
		return rs_error_nomem();
	for (size_t i = 0; i < heap->n_interps && !c.nomem; i++)
		modules_collect(&c, &heap->interps[i]);
	for (size_t i = 0; i < heap->n_threads && !c.nomem; i++)
		thread_frames(&c, &heap->threads[i]);
	if (!c.nomem)
		rs_state_roots_collect(&c);
	if (!c.nomem)
		statics_collect(&c);
	free(c.skip);
	counts_grow(&c);
	if (c.nomem) {
		rs_roots_free(out);
		return rs_error_nomem();
	}
	return NULL;
}

void rs_root_name(rs_target *target, const struct rs_roots *roots, const struct rs_root_ref *ref, char *buf,
		  size_t size)
{
	if (ref->name != UINT32_MAX) {
		snprintf(buf, size, "%s", roots->names[ref->name]);
		return;
	}
	for (size_t i = 0; i < target->mods->count; i++) {
		struct rs_module *mod = &target->mods->list[i];
		if (ref->where >= mod->start && ref->where < mod->end && rs_module_symbolize(mod, ref->where, buf, size))
			return;
	}
	snprintf(buf, size, "0x%" PRIx64, ref->where);
}

void rs_roots_free(struct rs_roots *roots)
{
	for (size_t i = 0; i < roots->n_names; i++)
		free(roots->names[i]);
	free(roots->names);
	free(roots->refs);
	free(roots->counts);
	memset(roots, 0, sizeof(*roots));
}
