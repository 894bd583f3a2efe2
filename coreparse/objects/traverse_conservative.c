/* Objects of C types refscope cannot decode: every aligned word of the
 * object body (and of its items, when they are pointers) that is the
 * address of a known object counts as a reference. This over-approximates
 * (a borrowed pointer looks the same), so such edges carry their own kind. */
#include "traverse_parts.h"

#define BODY_MAX (1u << 20)

rs_error *rs_scan_conservative(const struct rs_traversal *t, uint64_t start, uint64_t size, uint64_t label_base)
{
	struct rs_objmodel *m = t->m;
	uint64_t words[256];
	if (!m->is_known)
		return NULL;
	if (size > BODY_MAX)
		size = BODY_MAX;
	for (uint64_t off = 0; off + 8 <= size;) {
		uint64_t chunk = (size - off) & ~(uint64_t)7;
		if (chunk > sizeof(words))
			chunk = sizeof(words);
		rs_error *err = rs_mem_read(m->mem, start + off, words, chunk);
		if (err)
			return err;
		for (uint64_t i = 0; i < chunk / 8; i++)
			if (words[i] && !(words[i] & 7) && words[i] != t->obj && m->is_known(m->is_known_arg, words[i]))
				t->visit(t->arg, words[i], RS_VIA_CONSERVATIVE, label_base + off + 8 * i);
		off += chunk;
	}
	return NULL;
}

rs_error *rs_traverse_conservative(const struct rs_traversal *t)
{
	uint64_t size = t->type->basicsize > 16 ? (uint64_t)t->type->basicsize : 16;
	if (t->type->itemsize == 8) {
		int64_t n;
		rs_error *err = rs_mem_read(t->m->mem, t->obj + (uint64_t)RS_OFF(&t->m->py->layout, varobject_size), &n, 8);
		if (err)
			return err;
		if (n > 0 && (uint64_t)n < BODY_MAX / 8)
			size += 8 * (uint64_t)n;
	}
	/* Past the header: ob_refcnt and ob_type are not references a traverse visits. */
	return rs_scan_conservative(t, t->obj + 16, size - 16, 16);
}
