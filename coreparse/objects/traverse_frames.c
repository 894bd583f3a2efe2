/* Frames, generators and coroutines (shared/cpython-internals.md 6.4).
 *
 * Up to 3.10 a frame object holds the execution state: its fixed fields,
 * the fast locals, and the live part of the value stack (slots above it
 * keep stale pointers, which is why a conservative scan would not do).
 * From 3.11 the state is a _PyInterpreterFrame, embedded in generators and
 * in frame objects that outlived their call. */
#include <inttypes.h>

#include "traverse_parts.h"

#define SLOTS_MAX (1u << 20)
#define FRAME_OWNED_BY_FRAME_OBJECT 2

static rs_error *words_visit(const struct rs_traversal *t, uint64_t start, uint64_t n, bool stackrefs,
			     uint64_t first_index)
{
	uint64_t words[256];
	if (n > SLOTS_MAX)
		return rs_error_fault(t->obj, "frame at 0x%" PRIx64 " claims %" PRIu64 " slots", t->obj, n);
	for (uint64_t done = 0; done < n;) {
		uint64_t count = n - done < 256 ? n - done : 256;
		rs_error *err = rs_mem_read(t->m->mem, start + 8 * done, words, 8 * count);
		if (err)
			return err;
		for (uint64_t i = 0; i < count; i++) {
			uint64_t w = words[i];
			/* 3.14+ _PyStackRef: low bits 11 tag an int, 1 alone is NULL, else mask the tag. */
			if (stackrefs && ((w & 3) == 3 || w == 1))
				continue;
			rs_visit_nonnull(t, stackrefs ? w & ~(uint64_t)3 : w, RS_VIA_INDEX, first_index + done + i);
		}
		done += count;
	}
	return NULL;
}

static void field_visit(const struct rs_traversal *t, uint64_t value, const char *name, bool stackref)
{
	if (stackref)
		value = (value & 3) == 3 || value == 1 ? 0 : value & ~(uint64_t)3;
	rs_visit_nonnull(t, value, RS_VIA_FIELD, (uint64_t)(uintptr_t)name);
}

/* ---- 3.6-3.10: frame objects ---- */

static rs_error *frame_traverse_before_311(const struct rs_traversal *t)
{
	unsigned minor = t->m->py->layout.minor;
	uint64_t f[14]; /* up to f_stackdepth@80, 3.6's f_exc_traceback@104 */
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), f, sizeof(f));
	if (err)
		return err;
	static const char *const names[] = {"f_back", "f_code", "f_builtins", "f_globals", "f_locals"};
	for (int i = 0; i < 5; i++)
		field_visit(t, f[3 + i], names[i], false);
	field_visit(t, minor >= 10 ? f[9] : f[10], "f_trace", false);
	static const char *const exc[] = {"f_exc_type", "f_exc_value", "f_exc_traceback"};
	for (int i = 0; minor == 6 && i < 3; i++) /* the exception being handled, in 3.6 the frame's */
		field_visit(t, f[11 + i], exc[i], false);
	uint64_t localsplus = rs_head(t) + (minor >= 10 ? 352 : minor == 6 ? 376 : 360), valuestack = f[8];
	if (valuestack < localsplus)
		return rs_error_fault(t->obj, "frame at 0x%" PRIx64 " has its value stack before its locals", t->obj);
	err = words_visit(t, localsplus, (valuestack - localsplus) / 8, false, 0);
	if (err)
		return err;
	uint64_t depth;
	if (minor >= 10)
		depth = (uint64_t)(int64_t)(int32_t)f[10];
	else
		depth = f[9] >= valuestack ? (f[9] - valuestack) / 8 : 0; /* f_stacktop, NULL when not running */
	return words_visit(t, valuestack, depth, false, (valuestack - localsplus) / 8);
}

/* ---- 3.11+: interpreter frames ---- */

struct iframe_layout {
	int code, function, locals, frame_obj, count, localsplus, owner;
	bool stack_pointer, stackrefs;
};

static struct iframe_layout iframe_layout(unsigned minor)
{
	if (minor == 11)
		return (struct iframe_layout){32, 0, 24, 40, 64, 72, 69, false, false};
	if (minor <= 13)
		return (struct iframe_layout){0, 16, 40, 48, 64, 72, 70, false, false};
	return (struct iframe_layout){0, 16, 40, 48, 64, 80, 74, true, true};
}

/* _PyFrame_Traverse: frame object, locals, function, code, live slots. */
static rs_error *iframe_traverse(const struct rs_traversal *t, uint64_t frame)
{
	struct iframe_layout fl = iframe_layout(t->m->py->layout.minor);
	uint64_t w[10]; /* up to offset 80 */
	rs_error *err = rs_mem_read(t->m->mem, frame, w, sizeof(w));
	if (err)
		return err;
	field_visit(t, w[fl.frame_obj / 8], "frame object", false);
	field_visit(t, w[fl.locals / 8], "f_locals", false);
	field_visit(t, w[fl.function / 8], "function", fl.stackrefs);
	field_visit(t, w[fl.code / 8], "code", fl.stackrefs);
	uint64_t localsplus = frame + (uint64_t)fl.localsplus, count;
	if (fl.stack_pointer) {
		uint64_t sp = w[fl.count / 8];
		count = sp >= localsplus ? (sp - localsplus) / 8 : 0;
	} else {
		count = (uint64_t)(int64_t)(int32_t)w[fl.count / 8];
	}
	return words_visit(t, localsplus, count, fl.stackrefs, 0);
}

/* frame_traverse: f_back, f_trace (and 3.13+ locals caches); the
 * interpreter frame only when the frame object owns it. */
static rs_error *frame_traverse_since_311(const struct rs_traversal *t)
{
	unsigned minor = t->m->py->layout.minor;
	uint64_t f[9];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), f, sizeof(f));
	if (err)
		return err;
	field_visit(t, f[2], "f_back", false);
	field_visit(t, f[4], "f_trace", false);
	if (minor >= 13) {
		field_visit(t, f[6], "f_extra_locals", false);
		field_visit(t, f[7], "f_locals_cache", false);
	}
	if (minor >= 14)
		field_visit(t, f[8], "f_overwritten_fast_locals", false);
	uint8_t owner;
	struct iframe_layout fl = iframe_layout(minor);
	if (!f[3])
		return NULL;
	err = rs_mem_read(t->m->mem, f[3] + (uint64_t)fl.owner, &owner, 1);
	if (err || owner != FRAME_OWNED_BY_FRAME_OBJECT)
		return err;
	return iframe_traverse(t, f[3]);
}

rs_error *rs_traverse_frame(const struct rs_traversal *t)
{
	return t->m->py->layout.minor <= 10 ? frame_traverse_before_311(t) : frame_traverse_since_311(t);
}

/* ---- generators, coroutines, async generators ---- */

static rs_error *generator_before_311(const struct rs_traversal *t, bool async)
{
	bool v310 = t->m->py->layout.minor == 10;
	uint64_t g[13];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), g, sizeof(g));
	if (err)
		return err;
	if (async) /* after gi_exc_state, which 3.6 has not */
		field_visit(t, g[v310 ? 11 : t->m->py->layout.minor == 6 ? 8 : 12], "ag_finalizer", false);
	field_visit(t, g[2], "gi_frame", false);
	field_visit(t, g[v310 ? 3 : 4], "gi_code", false);
	field_visit(t, g[v310 ? 5 : 6], "__name__", false);
	field_visit(t, g[v310 ? 6 : 7], "__qualname__", false);
	static const char *const exc[] = {"exc_type", "exc_value", "exc_traceback"};
	for (int i = 0; t->m->py->layout.minor >= 7 && i < 3; i++) /* gi_exc_state, new in 3.7 */
		field_visit(t, g[(v310 ? 7 : 8) + i], exc[i], false);
	return NULL;
}

static rs_error *generator_since_311(const struct rs_traversal *t, bool async)
{
	unsigned minor = t->m->py->layout.minor;
	bool v311 = minor == 11;
	uint64_t g[10];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), g, sizeof(g));
	if (err)
		return err;
	if (async)
		field_visit(t, g[v311 ? 8 : 7], "ag_origin_or_finalizer", false);
	if (v311)
		field_visit(t, g[2], "gi_code", false);
	field_visit(t, g[v311 ? 4 : 3], "__name__", false);
	field_visit(t, g[v311 ? 5 : 4], "__qualname__", false);
	int8_t state;
	err = rs_mem_read(t->m->mem, rs_head(t) + (v311 ? 75 : 67), &state, 1);
	if (err)
		return err;
	int8_t cleared = minor >= 15 ? 5 : 4;
	uint64_t iframe = rs_head(t) + (v311 ? 80 : 72);
	if (state < cleared && (err = iframe_traverse(t, iframe)))
		return err;
	/* 3.14+ keeps a finished generator's code alive: its reference may be deferred. */
	if (state >= cleared && minor >= 14) {
		uint64_t code;
		if ((err = rs_mem_read_u64(t->m->mem, iframe + (uint64_t)iframe_layout(minor).code, &code)))
			return err;
		field_visit(t, code, "code", true);
	}
	field_visit(t, g[v311 ? 6 : 5], "exc_value", false);
	return NULL;
}

rs_error *rs_traverse_generator(const struct rs_traversal *t, bool async)
{
	return t->m->py->layout.minor <= 10 ? generator_before_311(t, async) : generator_since_311(t, async);
}

/* ---- thread stacks (3.11+): interpreter frames that are no objects ---- */

static const struct rs_type_info no_type;

/* A frame of a thread's stack: while it runs or calls C code its stack
 * depth is not saved (stacktop is stale), so only what stays valid is
 * visited: function, code, f_locals and the co_nlocalsplus local slots. */
rs_error *rs_interpreter_frame_traverse(struct rs_objmodel *m, uint64_t frame, rs_visit_fn visit, void *arg)
{
	struct rs_traversal t = {m, frame, &no_type, visit, arg};
	struct iframe_layout fl = iframe_layout(m->py->layout.minor);
	uint64_t w[10];
	rs_error *err = rs_mem_read(m->mem, frame, w, sizeof(w));
	if (err)
		return err;
	uint64_t code = fl.stackrefs ? w[fl.code / 8] & ~(uint64_t)3 : w[fl.code / 8];
	int32_t nlocalsplus = 0;
	err = rs_mem_read(m->mem, code + (uint64_t)RS_OFF(&m->py->layout, code_nlocalsplus), &nlocalsplus, 4);
	if (err)
		return err;
	field_visit(&t, w[fl.locals / 8], "f_locals", false);
	field_visit(&t, w[fl.function / 8], "function", fl.stackrefs);
	field_visit(&t, w[fl.code / 8], "code", fl.stackrefs);
	return words_visit(&t, frame + (uint64_t)fl.localsplus, nlocalsplus > 0 ? (uint64_t)nlocalsplus : 0,
			   fl.stackrefs, 0);
}

rs_error *rs_interpreter_frame_info(struct rs_objmodel *m, uint64_t frame, struct rs_frame_info *out)
{
	struct iframe_layout fl = iframe_layout(m->py->layout.minor);
	unsigned minor = m->py->layout.minor;
	uint64_t code = 0, previous = 0;
	uint8_t owner = 0;
	rs_error *err = rs_mem_read_u64(m->mem, frame + (uint64_t)fl.code, &code);
	if (!err)
		err = rs_mem_read_u64(m->mem, frame + (minor == 11 ? 48 : 8), &previous);
	if (!err)
		err = rs_mem_read(m->mem, frame + (uint64_t)fl.owner, &owner, 1);
	if (err)
		return err;
	out->code = fl.stackrefs ? code & ~(uint64_t)3 : code;
	out->previous = previous;
	out->owner = owner;
	return NULL;
}
