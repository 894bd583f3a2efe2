#include "string_table.h"

#include <stdlib.h>
#include <string.h>

static uint64_t text_hash(const char *text)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		h = (h ^ *c) * 1099511628211ull;
	return h;
}

static bool index_grow(struct rs_string_table *t)
{
	uint32_t size = t->slot_mask ? 2 * (t->slot_mask + 1) : 1024;
	uint32_t *slots = calloc(size, sizeof(*slots));
	if (!slots)
		return false;
	for (uint32_t n = 0; n < t->count; n++) {
		uint32_t s = (uint32_t)text_hash(rs_string_table_get(t, n)) & (size - 1);
		while (slots[s])
			s = (s + 1) & (size - 1);
		slots[s] = n + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->slot_mask = size - 1;
	return true;
}

static bool append(struct rs_string_table *t, const char *text, size_t len)
{
	if (t->pool_len + len + 1 > t->pool_cap) {
		size_t cap = t->pool_cap ? 2 * t->pool_cap : 1 << 16;
		while (cap < t->pool_len + len + 1)
			cap *= 2;
		char *pool = realloc(t->pool, cap);
		if (!pool)
			return false;
		t->pool = pool;
		t->pool_cap = cap;
	}
	if (t->count == t->offsets_cap) {
		uint32_t cap = t->offsets_cap ? 2 * t->offsets_cap : 1024;
		uint64_t *offsets = realloc(t->offsets, cap * sizeof(*offsets));
		if (!offsets)
			return false;
		t->offsets = offsets;
		t->offsets_cap = cap;
	}
	memcpy(t->pool + t->pool_len, text, len + 1);
	t->offsets[t->count] = t->pool_len;
	t->pool_len += len + 1;
	return true;
}

uint32_t rs_string_table_add(struct rs_string_table *t, const char *text)
{
	if (t->nomem)
		return UINT32_MAX;
	/* Kept at most half full. */
	if ((uint64_t)(t->count + 1) * 2 > (uint64_t)t->slot_mask + 1 && !index_grow(t)) {
		t->nomem = true;
		return UINT32_MAX;
	}
	uint32_t s = (uint32_t)text_hash(text) & t->slot_mask;
	for (; t->slots[s]; s = (s + 1) & t->slot_mask)
		if (strcmp(rs_string_table_get(t, t->slots[s] - 1), text) == 0)
			return t->slots[s] - 1;
	if (!append(t, text, strlen(text))) {
		t->nomem = true;
		return UINT32_MAX;
	}
	t->slots[s] = ++t->count;
	return t->count - 1;
}

void rs_string_table_free(struct rs_string_table *t)
{
	free(t->pool);
	free(t->offsets);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
