#include "address_index.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Linear probing stays short below this load. */
#define LOAD_NUMERATOR 3
#define LOAD_DENOMINATOR 4
#define TABLE_MIN 1024

/* Lookups land anywhere in the array: on huge pages they miss the cache,
 * not also the TLB. */
static bool slots_alloc(struct rs_address_table *t, uint64_t n_slots)
{
	void *slots = mmap(NULL, n_slots * sizeof(*t->slots), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	if (slots == MAP_FAILED)
		return false;
	madvise(slots, n_slots * sizeof(*t->slots), MADV_HUGEPAGE);
	t->slots = slots;
	t->n_slots = n_slots;
	t->count = 0;
	return true;
}

static void slots_free(struct rs_address_slot *slots, uint64_t n_slots)
{
	if (slots)
		munmap(slots, n_slots * sizeof(*slots));
}

static uint64_t slots_for(uint64_t entries)
{
	uint64_t n = entries * LOAD_DENOMINATOR / LOAD_NUMERATOR + 1;
	return n < TABLE_MIN ? TABLE_MIN : n;
}

void rs_address_index_init(struct rs_address_index *ix)
{
	*ix = (struct rs_address_index){0};
}

void rs_address_index_free(struct rs_address_index *ix)
{
	for (size_t t = 0; t < ix->n_tables; t++)
		slots_free(ix->tables[t].slots, ix->tables[t].n_slots);
	free(ix->tables);
	rs_address_index_init(ix);
}

/* The table of address's window, added (without slots) when new. */
static struct rs_address_table *table_for(struct rs_address_index *ix, uint64_t address)
{
	uint64_t window = address >> RS_ADDRESS_WINDOW_SHIFT;
	for (size_t t = 0; t < ix->n_tables; t++)
		if (ix->tables[t].window == window)
			return &ix->tables[t];
	if (ix->n_tables == ix->tables_capacity) {
		size_t cap = ix->tables_capacity ? 2 * ix->tables_capacity : 8;
		struct rs_address_table *tables = realloc(ix->tables, cap * sizeof(*tables));
		if (!tables)
			return NULL;
		ix->tables = tables;
		ix->tables_capacity = cap;
	}
	struct rs_address_table *t = &ix->tables[ix->n_tables++];
	*t = (struct rs_address_table){.window = window};
	return t;
}

bool rs_address_index_expect(struct rs_address_index *ix, uint64_t address, uint64_t n)
{
	struct rs_address_table *t = table_for(ix, address);
	if (!t)
		return false;
	t->expected += n;
	return true;
}

bool rs_address_index_size(struct rs_address_index *ix)
{
	for (size_t i = 0; i < ix->n_tables; i++) {
		struct rs_address_table *t = &ix->tables[i];
		if (!t->n_slots && !slots_alloc(t, slots_for(t->expected)))
			return false;
	}
	return true;
}

static uint64_t slot_address(const struct rs_address_table *t, const struct rs_address_slot *s)
{
	return t->window << RS_ADDRESS_WINDOW_SHIFT | (uint64_t)s->offset << 3;
}

static void slot_insert(struct rs_address_table *t, uint64_t address, uint32_t value)
{
	uint32_t offset = (uint32_t)(address >> 3);
	uint64_t s = rs_address_home(t, address);
	while (t->slots[s].value && t->slots[s].offset != offset)
		s = rs_address_next_slot(t, s);
	t->count += !t->slots[s].value;
	t->slots[s] = (struct rs_address_slot){offset, value};
}

static bool grow(struct rs_address_table *t)
{
	struct rs_address_table old = *t;
	if (!slots_alloc(t, old.n_slots * 2)) {
		*t = old;
		return false;
	}
	for (uint64_t i = 0; i < old.n_slots; i++)
		if (old.slots[i].value)
			slot_insert(t, slot_address(&old, &old.slots[i]), old.slots[i].value);
	slots_free(old.slots, old.n_slots);
	return true;
}

bool rs_address_index_put(struct rs_address_index *ix, uint64_t address, uint32_t index)
{
	if (address & 7)
		return false;
	struct rs_address_table *t = table_for(ix, address);
	if (!t || (!t->n_slots && !slots_alloc(t, slots_for(t->expected))))
		return false;
	if ((t->count + 1) * LOAD_DENOMINATOR > t->n_slots * LOAD_NUMERATOR && !grow(t))
		return false;
	uint64_t before = t->count;
	slot_insert(t, address, index + 1);
	ix->count += t->count - before;
	return true;
}
