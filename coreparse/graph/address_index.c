#include "address_index.h"

#include <stdlib.h>

static bool slots_alloc(struct rs_address_index *ix, uint64_t n_slots)
{
	ix->keys = malloc(n_slots * sizeof(*ix->keys));
	ix->values = calloc(n_slots, sizeof(*ix->values));
	ix->n_slots = n_slots;
	return ix->keys && ix->values;
}

bool rs_address_index_init(struct rs_address_index *ix, uint64_t expected)
{
	uint64_t n = 1024;
	while (n < 2 * expected)
		n *= 2;
	ix->count = 0;
	if (slots_alloc(ix, n))
		return true;
	rs_address_index_free(ix);
	return false;
}

void rs_address_index_free(struct rs_address_index *ix)
{
	free(ix->keys);
	free(ix->values);
	ix->keys = NULL;
	ix->values = NULL;
	ix->n_slots = ix->count = 0;
}

static void slot_insert(struct rs_address_index *ix, uint64_t address, uint32_t value)
{
	uint64_t mask = ix->n_slots - 1, s = rs_address_hash(address) & mask;
	while (ix->values[s] && ix->keys[s] != address)
		s = (s + 1) & mask;
	ix->count += !ix->values[s];
	ix->keys[s] = address;
	ix->values[s] = value;
}

static bool grow(struct rs_address_index *ix)
{
	struct rs_address_index old = *ix;
	if (!slots_alloc(ix, old.n_slots * 2)) {
		free(ix->keys);
		free(ix->values);
		*ix = old;
		return false;
	}
	ix->count = 0;
	for (uint64_t i = 0; i < old.n_slots; i++)
		if (old.values[i])
			slot_insert(ix, old.keys[i], old.values[i]);
	free(old.keys);
	free(old.values);
	return true;
}

bool rs_address_index_put(struct rs_address_index *ix, uint64_t address, uint32_t index)
{
	if (2 * (ix->count + 1) > ix->n_slots && !grow(ix))
		return false;
	slot_insert(ix, address, index + 1);
	return true;
}
