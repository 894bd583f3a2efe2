#include "address_index.h"

#include <stdlib.h>
#include <sys/mman.h>

#define TABLE_MIN 1024

/* Lookups land anywhere in the array: on huge pages they miss the cache,
 * not also the TLB. */
static bool slots_alloc(struct rs_address_table *t, uint64_t n_slots, bool compact)
{
	uint64_t bytes = n_slots * (compact ? sizeof(*t->values) : sizeof(*t->slots));
	void *slots = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		return false;
	madvise(slots, bytes, MADV_HUGEPAGE);
	t->slots = compact ? NULL : slots;
	t->values = compact ? slots : NULL;
	t->bytes = bytes;
	t->n_slots = n_slots;
	t->count = 0;
	return true;
}

static void slots_free(const struct rs_address_table *t)
{
	if (t->bytes)
		munmap(t->slots ? (void *)t->slots : (void *)t->values, t->bytes);
}

static uint64_t slots_for(uint64_t entries)
{
	uint64_t n = entries * RS_ADDRESS_LOAD_DENOMINATOR / RS_ADDRESS_LOAD_NUMERATOR + 1;
	return n < TABLE_MIN ? TABLE_MIN : n;
}

void rs_address_index_init(struct rs_address_index *ix)
{
	*ix = (struct rs_address_index){0};
}

void rs_address_index_free(struct rs_address_index *ix)
{
	for (size_t t = 0; t < ix->n_tables; t++)
		slots_free(&ix->tables[t]);
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
		if (!t->n_slots && !slots_alloc(t, slots_for(t->expected), ix->compact))
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

static void compact_insert(const struct rs_address_index *ix, struct rs_address_table *t, uint64_t address,
			   uint32_t value)
{
	uint64_t s = rs_address_home(t, address);
	while (t->values[s] && ix->keys.address_of(ix->keys.arg, t->values[s] - 1) != address)
		s = rs_address_next_slot(t, s);
	t->count += !t->values[s];
	t->values[s] = value;
}

uint32_t rs_address_compact_get(const struct rs_address_index *ix, const struct rs_address_table *t,
				uint64_t address)
{
	for (uint64_t s = rs_address_home(t, address); t->values[s]; s = rs_address_next_slot(t, s))
		if (ix->keys.address_of(ix->keys.arg, t->values[s] - 1) == address)
			return t->values[s] - 1;
	return RS_NO_INDEX;
}

static bool grow(const struct rs_address_index *ix, struct rs_address_table *t)
{
	struct rs_address_table old = *t;
	if (!slots_alloc(t, old.n_slots * 2, ix->compact)) {
		*t = old;
		return false;
	}
	for (uint64_t i = 0; i < old.n_slots; i++) {
		if (ix->compact && old.values[i])
			compact_insert(ix, t, ix->keys.address_of(ix->keys.arg, old.values[i] - 1), old.values[i]);
		else if (!ix->compact && old.slots[i].value)
			slot_insert(t, slot_address(&old, &old.slots[i]), old.slots[i].value);
	}
	slots_free(&old);
	return true;
}

/* Slot i's value moves from byte 8i to byte 4i: below what is still to be
 * read, so one forward pass converts in place, and the upper half is given
 * back. */
static void table_compact(struct rs_address_table *t)
{
	struct rs_address_slot *slots = t->slots;
	uint32_t *values = (uint32_t *)(void *)slots;
	for (uint64_t i = 0; i < t->n_slots; i++)
		values[i] = slots[i].value;
	uint64_t page = 4096, keep = (t->n_slots * sizeof(*values) + page - 1) / page * page;
	if (keep < t->bytes && munmap((char *)values + keep, t->bytes - keep) == 0)
		t->bytes = keep;
	t->slots = NULL;
	t->values = values;
}

void rs_address_index_compact(struct rs_address_index *ix, struct rs_address_keys keys)
{
	for (size_t t = 0; t < ix->n_tables; t++)
		if (ix->tables[t].slots)
			table_compact(&ix->tables[t]);
	ix->compact = true;
	ix->keys = keys;
}

bool rs_address_index_put(struct rs_address_index *ix, uint64_t address, uint32_t index)
{
	if (address & 7)
		return false;
	struct rs_address_table *t = table_for(ix, address);
	if (!t || (!t->n_slots && !slots_alloc(t, slots_for(t->expected), ix->compact)))
		return false;
	if ((t->count + 1) * RS_ADDRESS_LOAD_DENOMINATOR > t->n_slots * RS_ADDRESS_LOAD_NUMERATOR && !grow(ix, t))
		return false;
	uint64_t before = t->count;
	if (ix->compact)
		compact_insert(ix, t, address, index + 1);
	else
		slot_insert(t, address, index + 1);
	ix->count += t->count - before;
	return true;
}
