/* Object address -> object index: open addressing over one flat array,
 * no allocation per object.
 *
 * A slot holds the address and the index side by side in 12 bytes, so a
 * lookup costs one cache miss, not two; the graph build prefetches slots a
 * batch ahead (rs_address_index_prefetch) because those misses are most of
 * its time on a large heap. */
#ifndef RS_GRAPH_ADDRESS_INDEX_H
#define RS_GRAPH_ADDRESS_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define RS_NO_INDEX UINT32_MAX

struct rs_address_slot {
	uint32_t address_low, address_high;
	uint32_t value; /* index + 1; 0 marks an empty slot */
};

struct rs_address_index {
	struct rs_address_slot *slots;
	uint64_t n_slots;  /* any number: slots are picked by multiplying, not masking */
	uint64_t count;
};

/* Sized for expected entries without growing. */
bool rs_address_index_init(struct rs_address_index *ix, uint64_t expected);
void rs_address_index_free(struct rs_address_index *ix);
/* False only when out of memory. */
bool rs_address_index_put(struct rs_address_index *ix, uint64_t address, uint32_t index);

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

static inline uint64_t rs_address_slot_key(const struct rs_address_slot *s)
{
	return (uint64_t)s->address_high << 32 | s->address_low;
}

/* The home slot of an address: the hash scaled to the table (the high bits
 * of hash * n_slots), so that the table can be sized to the heap, not to
 * the next power of two, which left it up to half empty. */
static inline uint64_t rs_address_home(const struct rs_address_index *ix, uint64_t address)
{
	return (uint64_t)(((unsigned __int128)rs_address_hash(address) * ix->n_slots) >> 64);
}

static inline uint64_t rs_address_next_slot(const struct rs_address_index *ix, uint64_t s)
{
	return s + 1 == ix->n_slots ? 0 : s + 1;
}

static inline void rs_address_index_prefetch(const struct rs_address_index *ix, uint64_t address)
{
	__builtin_prefetch(&ix->slots[rs_address_home(ix, address)]);
}

static inline uint32_t rs_address_index_get(const struct rs_address_index *ix, uint64_t address)
{
	for (uint64_t s = rs_address_home(ix, address); ix->slots[s].value; s = rs_address_next_slot(ix, s))
		if (rs_address_slot_key(&ix->slots[s]) == address)
			return ix->slots[s].value - 1;
	return RS_NO_INDEX;
}

#endif
