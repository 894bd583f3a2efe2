/* Roots: the references to heap objects that come from outside the heap,
 * each with a name a person understands.
 *
 *  - module: each entry of sys.modules, named by its key;
 *  - frame: what each thread's running frames hold (3.11+ interpreter
 *    frames are no objects; before, the thread's frame objects), named
 *    "thread N: function (file:line)";
 *  - interpreter, thread: pointers inside each interpreter and thread state;
 *  - static: pointers in the writable data of every loaded module (static
 *    types, _PyRuntime, C extensions' globals), named by symbol.
 *
 * Pointers in C structures are found by scanning for addresses of known
 * objects, which is what a stored reference looks like; a reference that a
 * C extension took and never stored (a leak) is found by none of these. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../graph/graph.h"
#include "../objects/repr.h"
#include "../target.h"

#define FRAMES_MAX 100000
#define SCAN_CHUNK 4096

struct range {
	uint64_t start, end;
	uint8_t kind;
	uint32_t name;
};

struct collect {
	rs_target *target;
	rs_heap *heap;
	struct rs_roots *out;
	size_t refs_capacity, names_capacity;
	struct range *skip; /* interpreter and thread states, counted on their own */
	size_t n_skip;
	bool nomem;
};

static uint32_t name_add(struct collect *c, const char *name)
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

static void ref_add(struct collect *c, uint32_t object, uint8_t kind, uint32_t name, uint64_t where)
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
	r->counts[object]++;
}

static uint32_t known(const struct collect *c, uint64_t address)
{
	return rs_address_index_get(&c->heap->graph->index, address);
}

/* ---- modules ---- */

struct module_visit {
	struct collect *c;
	uint64_t dict;
};

static void module_entry(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	struct module_visit *v = arg;
	uint32_t object = known(v->c, referent);
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
	ref_add(v->c, object, RS_ROOT_MODULE, name_add(v->c, name), v->dict);
}

static void modules_collect(struct collect *c, const struct rs_interpreter *it)
{
	const struct rs_layout *l = &c->target->py.layout;
	uint64_t modules = 0;
	rs_error *err = rs_mem_read_u64(c->target->mem, it->address + (uint64_t)RS_OFF(l, interp_modules), &modules);
	uint32_t index = err ? RS_NO_INDEX : known(c, modules);
	rs_error_free(err);
	if (index == RS_NO_INDEX)
		return;
	struct module_visit v = {c, modules};
	rs_error_free(rs_object_traverse(&c->heap->graph->model, modules, c->heap->objects[index].type, module_entry, &v));
}

/* ---- thread stacks ---- */

struct frame_visit {
	struct collect *c;
	uint32_t name;
	uint64_t frame;
};

static void frame_reference(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	(void)kind;
	(void)detail;
	struct frame_visit *v = arg;
	uint32_t object = known(v->c, referent);
	if (object == RS_NO_INDEX)
		object = rs_heap_find(v->c->target, v->c->heap, referent);
	if (object != RS_NO_INDEX)
		ref_add(v->c, object, RS_ROOT_FRAME, v->name, v->frame);
}

static void code_place(struct collect *c, uint64_t code, char *buf, size_t size)
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
	rs_error_free(rs_mem_read(m->mem, code + (uint64_t)RS_OFF(l, code_firstlineno), &line, 4));
	if (name)
		rs_error_free(rs_str_text(m->mem, l, name, name_text, sizeof(name_text), &cut));
	if (file)
		rs_error_free(rs_str_text(m->mem, l, file, file_text, sizeof(file_text), &cut));
	snprintf(buf, size, "%s (%s:%d)", name_text, file_text, line);
}

static uint32_t frame_name(struct collect *c, const struct rs_thread *t, uint64_t code)
{
	char place[420], name[480];
	code_place(c, code, place, sizeof(place));
	if (t->native_thread_id >= 0)
		snprintf(name, sizeof(name), "thread %" PRId64 ": %s", t->native_thread_id, place);
	else
		snprintf(name, sizeof(name), "thread 0x%" PRIx64 ": %s", t->thread_id, place);
	return name_add(c, name);
}

static uint64_t thread_top_frame(struct collect *c, const struct rs_thread *t)
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

static void thread_frames(struct collect *c, const struct rs_thread *t)
{
	struct rs_objmodel *m = &c->heap->graph->model;
	uint64_t code_type = c->target->py.symbols[RS_SYM_PyCode_Type];
	uint64_t frame = thread_top_frame(c, t);
	for (int depth = 0; frame && depth < FRAMES_MAX && !c->nomem; depth++) {
		if (c->target->py.layout.minor <= 10) {
			/* Frame objects. One the graph reached has its references among
			 * its edges; a running one is held by C only and counted here. */
			uint32_t known_index = known(c, frame);
			bool in_graph = known_index != RS_NO_INDEX && known_index < c->heap->graph->objects_reached;
			uint32_t object = rs_heap_find(c->target, c->heap, frame);
			uint64_t code = 0, back = 0;
			rs_error_free(rs_mem_read_u64(m->mem, frame + 32, &code));
			rs_error_free(rs_mem_read_u64(m->mem, frame + 24, &back));
			if (object != RS_NO_INDEX && !in_graph) {
				struct frame_visit v = {c, frame_name(c, t, code), frame};
				rs_error_free(rs_object_traverse(m, frame, c->heap->objects[object].type, frame_reference, &v));
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
		rs_error_free(rs_mem_read_u64(m->mem, info.code + 8, &type));
		if (info.owner == 0 && type == code_type) {
			struct frame_visit v = {c, frame_name(c, t, info.code), frame};
			rs_error_free(rs_interpreter_frame_traverse(m, frame, frame_reference, &v));
		}
		frame = info.previous;
	}
}

/* ---- C structures: interpreter and thread states, writable module data ---- */

static bool skipped(const struct collect *c, uint64_t address)
{
	for (size_t i = 0; i < c->n_skip; i++)
		if (address >= c->skip[i].start && address < c->skip[i].end)
			return true;
	return false;
}

static void words_scan(struct collect *c, uint64_t start, uint64_t end, uint8_t kind, uint32_t name, bool skip)
{
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
			uint32_t object = known(c, words[i]);
			if (object != RS_NO_INDEX && !(skip && skipped(c, at + 8 * i)))
				ref_add(c, object, kind, name, at + 8 * i);
		}
		at += chunk;
	}
}

static void static_range(void *arg, uint64_t start, uint64_t end)
{
	words_scan(arg, start, end, RS_ROOT_STATIC, UINT32_MAX, true);
}

static void states_collect(struct collect *c)
{
	const struct rs_layout *l = &c->target->py.layout;
	int64_t interp_size = RS_OFF(l, interp_size), tstate_size = RS_OFF(l, tstate_size);
	size_t n = 0, max = c->heap->n_interps + c->heap->n_threads;
	c->skip = calloc(max + 1, sizeof(*c->skip));
	if (!c->skip) {
		c->nomem = true;
		return;
	}
	char name[64];
	for (size_t i = 0; i < c->heap->n_interps && interp_size > 0; i++) {
		const struct rs_interpreter *it = &c->heap->interps[i];
		snprintf(name, sizeof(name), "interpreter %" PRId64, it->id);
		c->skip[n++] = (struct range){it->address, it->address + (uint64_t)interp_size, RS_ROOT_INTERPRETER,
					      name_add(c, name)};
	}
	for (size_t i = 0; i < c->heap->n_threads && tstate_size > 0; i++) {
		const struct rs_thread *t = &c->heap->threads[i];
		if (t->native_thread_id >= 0)
			snprintf(name, sizeof(name), "thread %" PRId64, t->native_thread_id);
		else
			snprintf(name, sizeof(name), "thread 0x%" PRIx64, t->thread_id);
		c->skip[n++] = (struct range){t->address, t->address + (uint64_t)tstate_size, RS_ROOT_THREAD,
					      name_add(c, name)};
	}
	c->n_skip = n;
	for (size_t i = 0; i < n; i++)
		words_scan(c, c->skip[i].start, c->skip[i].end, c->skip[i].kind, c->skip[i].name, false);
}

rs_error *rs_heap_roots(rs_target *target, rs_heap *heap, struct rs_roots *out)
{
	memset(out, 0, sizeof(*out));
	rs_error *err = rs_heap_graph_build(target, heap);
	if (err)
		return err;
	struct collect c = {target, heap, out, 0, 0, NULL, 0, false};
	out->counts = calloc(heap->n_objects + 1, sizeof(*out->counts));
	out->counts_capacity = heap->n_objects + 1;
	if (!out->counts)
		return rs_error_nomem();
	for (size_t i = 0; i < heap->n_interps && !c.nomem; i++)
		modules_collect(&c, &heap->interps[i]);
	for (size_t i = 0; i < heap->n_threads && !c.nomem; i++)
		thread_frames(&c, &heap->threads[i]);
	states_collect(&c);
	for (size_t i = 0; i < target->mods->count && !c.nomem; i++)
		rs_module_writable_ranges(&target->mods->list[i], static_range, &c);
	free(c.skip);
	if (!c.nomem && heap->n_objects > out->counts_capacity) {
		uint32_t *counts = realloc(out->counts, heap->n_objects * sizeof(*counts));
		if (counts)
			memset(counts + out->counts_capacity, 0, (heap->n_objects - out->counts_capacity) * sizeof(*counts));
		else
			c.nomem = true;
		out->counts = counts ? counts : out->counts;
		out->counts_capacity = heap->n_objects;
	}
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
		const struct rs_module *mod = &target->mods->list[i];
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
