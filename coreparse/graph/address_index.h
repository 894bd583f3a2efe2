/* Object address -> object index: open addressing over two flat arrays,
 * no allocation per object. */
#ifndef RS_GRAPH_ADDRESS_INDEX_H
#define RS_GRAPH_ADDRESS_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#define RS_NO_INDEX UINT32_MAX

struct rs_address_index {
	uint64_t *keys;
	uint32_t *values;  /* index + 1; 0 marks an empty slot */
	uint64_t n_slots;  /* a power of two */
	uint64_t count;
};

bool rs_address_index_init(struct rs_address_index *ix, uint64_t expected);
void rs_address_index_free(struct rs_address_index *ix);
/* False only when out of memory. */
bool rs_address_index_put(struct rs_address_index *ix, uint64_t address, uint32_t index);

static inline uint64_t rs_address_hash(uint64_t key)
{
	key ^= key >> 31;
	key *= 0x9e3779b97f4a7c15ULL;
	return key ^ (key >> 29);
}

static inline uint32_t rs_address_index_get(const struct rs_address_index *ix, uint64_t address)
{
	uint64_t mask = ix->n_slots - 1;
	for (uint64_t s = rs_address_hash(address) & mask; ix->values[s]; s = (s + 1) & mask)
		if (ix->keys[s] == address)
			return ix->values[s] - 1;
	return RS_NO_INDEX;
}

#endif
