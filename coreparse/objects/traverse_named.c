/* Traversal of the C types listed in the named-type tables (named_types.h). */
#include "named_types.h"

#include <inttypes.h>
#include <string.h>

static const struct rs_named_type *const tables[] = {
	rs_named_types_core,
	rs_named_types_stdlib,
	rs_named_types_modules,
};

const struct rs_named_type *rs_named_type_find(const char *tp_name, unsigned minor)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		for (const struct rs_named_type *n = tables[i]; n->tp_name; n++)
			if (minor >= n->minor_min && minor <= n->minor_max && strcmp(n->tp_name, tp_name) == 0)
				return n;
	return NULL;
}

const struct rs_named_type *rs_named_plain_type_find(const char *tp_name, unsigned minor)
{
	for (const struct rs_named_type *n = rs_named_types_plain; n->tp_name; n++)
		if (minor >= n->minor_min && minor <= n->minor_max && strcmp(n->tp_name, tp_name) == 0)
			return n;
	return NULL;
}

rs_error *rs_visit_pointer_field(const struct rs_traversal *t, uint64_t address, const char *name)
{
	uint64_t value;
	rs_error *err = rs_mem_read_u64(t->m->mem, address, &value);
	if (!err)
		rs_visit_nonnull(t, value, RS_VIA_FIELD, (uint64_t)(uintptr_t)name);
	return err;
}

#define ARRAY_CHUNK 64
#define ARRAY_MAX (1u << 26)

rs_error *rs_visit_pointer_array(const struct rs_traversal *t, uint64_t address, uint64_t n, uint64_t first)
{
	uint64_t words[ARRAY_CHUNK];
	if (n > ARRAY_MAX)
		return rs_error_new(RS_ERR_CORRUPT, "object at 0x%" PRIx64 " claims %" PRIu64 " items", t->obj, n);
	for (uint64_t done = 0; done < n;) {
		uint64_t chunk = n - done < ARRAY_CHUNK ? n - done : ARRAY_CHUNK;
		rs_error *err = rs_mem_read(t->m->mem, address + 8 * done, words, 8 * chunk);
		if (err)
			return err;
		for (uint64_t i = 0; i < chunk; i++)
			rs_visit_nonnull(t, words[i], RS_VIA_INDEX, first + done + i);
		done += chunk;
	}
	return NULL;
}

rs_error *rs_traverse_named(const struct rs_traversal *t)
{
	const struct rs_named_type *n = t->type->named;
	uint64_t words[32];
	size_t last = 0;
	if (!n)
		return NULL;
	for (const struct rs_named_field *f = n->fields; f && f->name; f++)
		if (f->offset > last)
			last = f->offset;
	if (n->fields && n->fields[0].name) {
		if (last >= sizeof(words))
			return rs_error_new(RS_ERR_UNSUPPORTED, "%s: a field past %zu bytes", n->tp_name, sizeof(words));
		rs_error *err = rs_mem_read(t->m->mem, rs_head(t), words, last + 8);
		if (err)
			return err;
		/* A field past the object's size is one a later version added: its
		 * word belongs to whatever the allocator put next. */
		int64_t size = t->type->basicsize - (int64_t)RS_HEAD(&t->m->py->layout);
		for (const struct rs_named_field *f = n->fields; f->name; f++)
			if (size <= 0 || f->offset + 8 <= size)
				rs_visit_nonnull(t, words[f->offset / 8], RS_VIA_FIELD, (uint64_t)(uintptr_t)f->name);
	}
	return n->more ? n->more(t) : NULL;
}
