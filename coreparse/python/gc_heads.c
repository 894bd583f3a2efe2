/* The gc generation heads: checking them, and finding them where a
 * distribution's patch moved them. */
#include <inttypes.h>

#include "python.h"

#define LINK_MASK (~(uint64_t)3)

bool rs_gc_list_head_sound(struct rs_memory *mem, uint64_t head)
{
	uint64_t next, back;
	rs_error *err = rs_mem_read_u64(mem, head, &next);
	if (!err && (next & LINK_MASK) == head)
		return true;
	if (!err)
		err = rs_mem_read_u64(mem, (next & LINK_MASK) + 8, &back);
	if (err) {
		rs_error_free(err);
		return false;
	}
	return (back & LINK_MASK) == head;
}

/* The gc state the first interpreter in the list uses (3.8: the runtime's). */
static bool first_gc_state(struct rs_memory *mem, const struct rs_layout *l, uint64_t runtime, uint64_t *gc)
{
	if (RS_OFF(l, interp_gc) < 0) {
		*gc = runtime + (uint64_t)RS_OFF(l, runtime_gc);
		return true;
	}
	uint64_t interp;
	rs_error *err = rs_mem_read_u64(mem, runtime + (uint64_t)RS_OFF(l, runtime_interpreters_head), &interp);
	if (err || !interp) {
		rs_error_free(err);
		return false;
	}
	*gc = interp + (uint64_t)RS_OFF(l, interp_gc);
	return true;
}

/* Debian's 3.13 aligns PyGC_Head to 4, which moves generations[] from +24
 * to +20 (shared/cpython-internals.md 3.1). Without DWARF, the table's
 * offset is kept when its first head is sound, else the other is tried. */
void rs_gc_heads_probe(struct rs_memory *mem, uint64_t runtime, struct rs_layout *l, struct rs_diag *diag)
{
	uint64_t gc;
	if (l->gc_generations_alt < 0 || !first_gc_state(mem, l, runtime, &gc))
		return;
	if (rs_gc_list_head_sound(mem, gc + (uint64_t)RS_OFF(l, gc_generations)))
		return;
	if (rs_gc_list_head_sound(mem, gc + (uint64_t)l->gc_generations_alt)) {
		rs_diag_add(diag, "gc generation heads found at +%" PRId64 " in the gc state (a distribution's "
			    "PyGC_Head alignment patch), not at +%" PRId64, l->gc_generations_alt,
			    RS_OFF(l, gc_generations));
		RS_OFF(l, gc_generations) = l->gc_generations_alt;
	}
}
