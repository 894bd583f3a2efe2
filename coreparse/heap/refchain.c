/* The refchain of Py_TRACE_REFS builds up to 3.12: every live object, gc
 * tracked or not, linked through _ob_next (offset 0) and _ob_prev (8) into a
 * circular list whose head is a PyObject of its own: the static `refchain`
 * of Objects/object.c up to 3.11, interp->object_state.refchain in 3.12.
 * (3.13+ keeps a hash table instead; it is not read here.) */
#include <inttypes.h>
#include <stdlib.h>

#include "../target.h"
#include "heap.h"

#define REFCHAIN_MAX (1ull << 32) /* more objects than refscope's indices hold: a loop */

struct chain {
	uint64_t *addresses;
	size_t count, capacity;
};

static bool chain_push(struct chain *c, uint64_t address)
{
	if (c->count == c->capacity) {
		size_t cap = c->capacity ? 2 * c->capacity : 65536;
		uint64_t *grown = realloc(c->addresses, cap * sizeof(*grown));
		if (!grown)
			return false;
		c->addresses = grown;
		c->capacity = cap;
	}
	c->addresses[c->count++] = address;
	return true;
}

/* Follows _ob_next from head back to head. A link that cannot be read, or
 * a list that never comes back (Brent's cycle check), ends the walk with a
 * warning: the objects before it are kept. */
static rs_error *chain_walk(struct rs_memory *mem, uint64_t head, struct chain *c)
{
	uint64_t node, tortoise = head, power = 1, steps = 0;
	rs_error *err = rs_mem_read_u64(mem, head, &node);
	if (err) {
		rs_error_free(err);
		rs_diag_add(mem->diag, "the refchain's head at 0x%" PRIx64 " is unreadable; refchain left out", head);
		return NULL;
	}
	uint64_t prev = head;
	while (node != head) {
		if (!node || steps >= REFCHAIN_MAX) {
			rs_diag_add(mem->diag, "the refchain breaks after 0x%" PRIx64 " (%zu objects read)", prev, c->count);
			return NULL;
		}
		if (!chain_push(c, node))
			return rs_error_nomem();
		prev = node;
		if ((err = rs_mem_read_u64(mem, node, &node))) {
			rs_error_free(err);
			rs_diag_add(mem->diag, "the refchain breaks at 0x%" PRIx64 ", which is unreadable (%zu objects "
				    "read)", prev, c->count);
			return NULL;
		}
		if (node != head && node == tortoise) {
			rs_diag_add(mem->diag, "the refchain loops back to 0x%" PRIx64 " (%zu objects read)", node, c->count);
			return NULL;
		}
		if (++steps == power) {
			tortoise = node;
			power *= 2;
		}
	}
	return NULL;
}

rs_error *rs_heap_refchain(rs_target *target, const rs_heap *heap, bool *present, uint64_t **addresses,
			   size_t *count)
{
	const struct rs_python *py = &target->py;
	const struct rs_layout *l = &py->layout;
	struct chain c = {0};
	*present = false;
	*addresses = NULL;
	*count = 0;
	if (RS_HEAD(l) == 0 || l->minor >= 13)
		return NULL;
	rs_error *err = NULL;
	if (l->minor <= 11 && py->symbols[RS_SYM_refchain]) {
		*present = true;
		err = chain_walk(target->mem, py->symbols[RS_SYM_refchain], &c);
	} else if (l->minor == 12 && RS_OFF(l, interp_refchain) >= 0) {
		*present = true;
		for (size_t i = 0; !err && i < heap->n_interps; i++)
			err = chain_walk(target->mem, heap->interps[i].address + (uint64_t)RS_OFF(l, interp_refchain), &c);
	}
	if (err) {
		free(c.addresses);
		return err;
	}
	*addresses = c.addresses;
	*count = c.count;
	return NULL;
}
