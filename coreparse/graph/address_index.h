/* Object address -> object index: open addressing, no allocation per
 * object.
 *
 * Objects are 8-byte aligned, and a heap lies in a few windows of 32 GiB
 * (the brk heap, the mmap area): the index keeps one table per window, and
 * a slot holds the address's 32 bits within its window (address >> 3) and
 * the index side by side in 8 bytes, so a lookup costs one cache miss, not
 * two. The graph build prefetches slots a batch ahead
 * (rs_address_index_prefetch) because those misses are most of its time on
 * a large heap.
 *
 * Once the graph is built, lookups are few (roots, weak references, the
 * addresses users ask for) and the index is a quarter of refscope's memory:
 * it is then made compact (rs_address_index_compact), a slot holding only
 * the index, half the size, and a lookup reading each candidate's address
 * from the heap. */
#ifndef RS_GRAPH_ADDRESS_INDEX_H
#define RS_GRAPH_ADDRESS_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define RS_NO_INDEX UINT32_MAX
#define RS_ADDRESS_WINDOW_SHIFT 35
/* A table grows past this load: linear probing stays short below it. (At
 * 3/4 the build's table cost 6 MiB more on the 5M bench heap, where own
 * memory has a target, and no less time.) */
#define RS_ADDRESS_LOAD_NUMERATOR 4
#define RS_ADDRESS_LOAD_DENOMINATOR 5

struct rs_address_slot {
	uint32_t offset; /* (address >> 3) within the window */
	uint32_t value;  /* index + 1; 0 marks an empty slot */
};

/* The table of one window. */
struct rs_address_table {
	uint64_t window;   /* address >> RS_ADDRESS_WINDOW_SHIFT */
	struct rs_address_slot *slots; /* NULL when compact */
	uint32_t *values;  /* compact: index + 1 per slot, 0 when empty */
	uint64_t bytes;    /* mapped for slots or values */
	uint64_t n_slots;  /* any number: slots are picked by multiplying, not masking */
	uint64_t count;
	uint64_t expected; /* entries announced by rs_address_index_expect */
};

/* The address of the object of an index, for compact tables. */
struct rs_address_keys {
	uint64_t (*address_of)(const void *arg, uint32_t index);
	const void *arg;
};

struct rs_address_index {
	struct rs_address_table *tables;
	size_t n_tables, tables_capacity;
	uint64_t count;
	bool compact;
	struct rs_address_keys keys; /* when compact */
};

void rs_address_index_init(struct rs_address_index *ix);
/* Announces n entries to come near address, before rs_address_index_size;
 * false only when out of memory. */
bool rs_address_index_expect(struct rs_address_index *ix, uint64_t address, uint64_t n);
/* Sizes each window's table for the entries announced, so that it need not
 * grow; false only when out of memory. */
bool rs_address_index_size(struct rs_address_index *ix);
void rs_address_index_free(struct rs_address_index *ix);
/* False when out of memory, or for an address not 8-byte aligned. */
bool rs_address_index_put(struct rs_address_index *ix, uint64_t address, uint32_t index);
/* Makes every table compact, in place, and so every table made from now
 * on; keys must know the address of every index put, before or after. */
void rs_address_index_compact(struct rs_address_index *ix, struct rs_address_keys keys);

/* A full mix: addresses on a heap are anything but random in their low and
 * high bits, and linear probing needs the slots spread evenly. (Keeping
 * neighbours in memory neighbours in the table was tried: the runs of
 * filled slots it makes cost 60 times more than the cache misses it saves.) */
static inline uint64_t rs_address_hash(uint64_t key)
{
	key ^= key >> 31;
	key *= 0x9e3779b97f4a7c15ULL;
	return key ^ (key >> 29);
}

/* A heap has a handful of windows: a scan beats any lookup structure. */
static inline const struct rs_address_table *rs_address_table_of(const struct rs_address_index *ix,
								 uint64_t address)
{
	uint64_t window = address >> RS_ADDRESS_WINDOW_SHIFT;
	for (size_t t = 0; t < ix->n_tables; t++)
		if (ix->tables[t].window == window)
			return ix->tables[t].n_slots ? &ix->tables[t] : NULL;
	return NULL;
}

/* The home slot of an address: the hash scaled to the table (the high bits
 * of hash * n_slots), so that a table is sized to its entries, not to the
 * next power of two. */
static inline uint64_t rs_address_home(const struct rs_address_table *t, uint64_t address)
{
	return (uint64_t)(((unsigned __int128)rs_address_hash(address) * t->n_slots) >> 64);
}

static inline uint64_t rs_address_next_slot(const struct rs_address_table *t, uint64_t s)
{
	return s + 1 == t->n_slots ? 0 : s + 1;
}

static inline void rs_address_index_prefetch(const struct rs_address_index *ix, uint64_t address)
{
	const struct rs_address_table *t = rs_address_table_of(ix, address);
	if (t && t->slots)
		__builtin_prefetch(&t->slots[rs_address_home(t, address)]);
}

uint32_t rs_address_compact_get(const struct rs_address_index *ix, const struct rs_address_table *t,
				uint64_t address);

static inline uint32_t rs_address_index_get(const struct rs_address_index *ix, uint64_t address)
{
	const struct rs_address_table *t = rs_address_table_of(ix, address);
	if (!t || (address & 7))
		return RS_NO_INDEX;
	if (!t->slots)
		return rs_address_compact_get(ix, t, address);
	uint32_t offset = (uint32_t)(address >> 3);
	for (uint64_t s = rs_address_home(t, address); t->slots[s].value; s = rs_address_next_slot(t, s))
		if (t->slots[s].offset == offset)
			return t->slots[s].value - 1;
	return RS_NO_INDEX;
}

#endif
