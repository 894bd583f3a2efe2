/* The refchain of Py_TRACE_REFS builds: every live object, gc tracked or
 * not.
 *   Up to 3.12, a circular list through _ob_next (offset 0) and _ob_prev (8)
 *   whose head is a PyObject of its own: the static `refchain` of
 *   Objects/object.c up to 3.11, interp->object_state.refchain in 3.12.
 *   From 3.13, whose objects have no links, interp->object_state.refchain
 *   points to a _Py_hashtable_t whose keys are the objects: an array of
 *   buckets, each a singly linked list of entries. Its offsets come from the
 *   DWARF, as the member itself does (it exists only in such a build). */
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

#define BUCKETS_PER_READ 4096

/* The keys of one bucket's entries. steps counts the entries of the whole
 * table, so that a looping bucket ends the walk past nentries. */
static rs_error *bucket_walk(struct rs_memory *mem, const struct rs_layout *l, uint64_t table, uint64_t entry,
			     uint64_t nentries, uint64_t *steps, struct chain *c)
{
	while (entry) {
		uint64_t key;
		rs_error *err = rs_mem_read_u64(mem, entry + (uint64_t)RS_OFF(l, hashtable_entry_key), &key);
		if (!err)
			err = rs_mem_read_u64(mem, entry + (uint64_t)RS_OFF(l, hashtable_entry_next), &entry);
		if (err) {
			rs_error_free(err);
			rs_diag_add(mem->diag, "the refchain's entry at 0x%" PRIx64 " (table 0x%" PRIx64 ") is unreadable; "
				    "the rest of its bucket is left out", entry, table);
			return NULL;
		}
		if (++*steps > nentries) {
			rs_diag_add(mem->diag, "the refchain's table at 0x%" PRIx64 " holds more entries than its count, %"
				    PRIu64 " (a looping bucket?); the rest is left out", table, nentries);
			return NULL;
		}
		if (!chain_push(c, key))
			return rs_error_nomem();
	}
	return NULL;
}

/* Every key of the _Py_hashtable_t that the pointer at `slot` points to. */
static rs_error *table_walk(struct rs_memory *mem, const struct rs_layout *l, uint64_t slot, struct chain *c)
{
	uint64_t table, nentries, nbuckets, buckets;
	rs_error *err = rs_mem_read_u64(mem, slot, &table);
	if (!err && table) {
		err = rs_mem_read_u64(mem, table + (uint64_t)RS_OFF(l, hashtable_nentries), &nentries);
		if (!err)
			err = rs_mem_read_u64(mem, table + (uint64_t)RS_OFF(l, hashtable_nbuckets), &nbuckets);
		if (!err)
			err = rs_mem_read_u64(mem, table + (uint64_t)RS_OFF(l, hashtable_buckets), &buckets);
	}
	if (err) {
		rs_error_free(err);
		rs_diag_add(mem->diag, "the refchain's table (pointer at 0x%" PRIx64 ") is unreadable; refchain left out",
			    slot);
		return NULL;
	}
	if (!table)
		return NULL;
	if (nentries >= REFCHAIN_MAX || nbuckets >= REFCHAIN_MAX) {
		rs_diag_add(mem->diag, "the refchain's table at 0x%" PRIx64 " claims %" PRIu64 " entries in %" PRIu64
			    " buckets; refchain left out", table, nentries, nbuckets);
		return NULL;
	}
	uint64_t heads[BUCKETS_PER_READ], steps = 0;
	for (uint64_t at = 0; at < nbuckets && steps <= nentries; at += BUCKETS_PER_READ) {
		uint64_t n = nbuckets - at < BUCKETS_PER_READ ? nbuckets - at : BUCKETS_PER_READ;
		if ((err = rs_mem_read(mem, buckets + 8 * at, heads, 8 * n))) {
			rs_error_free(err);
			rs_diag_add(mem->diag, "the refchain's buckets at 0x%" PRIx64 " are unreadable (%zu objects read)",
				    buckets + 8 * at, c->count);
			return NULL;
		}
		for (uint64_t i = 0; i < n && steps <= nentries; i++)
			if ((err = bucket_walk(mem, l, table, heads[i], nentries, &steps, c)))
				return err;
	}
	if (steps < nentries)
		rs_diag_add(mem->diag, "the refchain's table at 0x%" PRIx64 " counts %" PRIu64 " entries and %" PRIu64
			    " were read", table, nentries, steps);
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
	bool table = l->minor >= 13 && RS_OFF(l, hashtable_nentries) >= 0 && RS_OFF(l, hashtable_nbuckets) >= 0 &&
		     RS_OFF(l, hashtable_buckets) >= 0 && RS_OFF(l, hashtable_entry_next) >= 0 &&
		     RS_OFF(l, hashtable_entry_key) >= 0;
	if (!table && (RS_HEAD(l) == 0 || l->minor >= 13))
		return NULL;
	rs_error *err = NULL;
	if (table && RS_OFF(l, interp_refchain) >= 0) {
		*present = true;
		for (size_t i = 0; !err && i < heap->n_interps; i++)
			err = table_walk(target->mem, l, heap->interps[i].address + (uint64_t)RS_OFF(l, interp_refchain), &c);
	} else if (l->minor <= 11 && py->symbols[RS_SYM_refchain]) {
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
