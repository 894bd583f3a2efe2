#include "address_index.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Linear probing stays short below this load. */
#define LOAD_NUMERATOR 3
#define LOAD_DENOMINATOR 4

/* Lookups land anywhere in the array: on huge pages they miss the cache,
 * not also the TLB. */
static bool slots_alloc(struct rs_address_index *ix, uint64_t n_slots)
{
	void *slots = mmap(NULL, n_slots * sizeof(*ix->slots), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	if (slots == MAP_FAILED) {
		ix->slots = NULL;
		ix->n_slots = 0;
		return false;
	}
	madvise(slots, n_slots * sizeof(*ix->slots), MADV_HUGEPAGE);
	ix->slots = slots;
	ix->n_slots = n_slots;
	return true;
}

static void slots_free(struct rs_address_slot *slots, uint64_t n_slots)
{
	if (slots)
		munmap(slots, n_slots * sizeof(*slots));
}

bool rs_address_index_init(struct rs_address_index *ix, uint64_t expected)
{
	uint64_t n = expected * LOAD_DENOMINATOR / LOAD_NUMERATOR + 1;
	ix->count = 0;
	return slots_alloc(ix, n < 1024 ? 1024 : n);
}

void rs_address_index_free(struct rs_address_index *ix)
{
	slots_free(ix->slots, ix->n_slots);
	ix->slots = NULL;
	ix->n_slots = ix->count = 0;
}

static void slot_insert(struct rs_address_index *ix, uint64_t address, uint32_t value)
{
	uint64_t s = rs_address_home(ix, address);
	while (ix->slots[s].value && rs_address_slot_key(&ix->slots[s]) != address)
		s = rs_address_next_slot(ix, s);
	ix->count += !ix->slots[s].value;
	ix->slots[s] = (struct rs_address_slot){(uint32_t)address, (uint32_t)(address >> 32), value};
}

static bool grow(struct rs_address_index *ix)
{
	struct rs_address_index old = *ix;
	if (!slots_alloc(ix, old.n_slots * 2)) {
		*ix = old;
		return false;
	}
	ix->count = 0;
	for (uint64_t i = 0; i < old.n_slots; i++)
		if (old.slots[i].value)
			slot_insert(ix, rs_address_slot_key(&old.slots[i]), old.slots[i].value);
	slots_free(old.slots, old.n_slots);
	return true;
}

bool rs_address_index_put(struct rs_address_index *ix, uint64_t address, uint32_t index)
{
	if ((ix->count + 1) * LOAD_DENOMINATOR > ix->n_slots * LOAD_NUMERATOR && !grow(ix))
		return false;
	slot_insert(ix, address, index + 1);
	return true;
}
