/* Distinct strings numbered in the order first added (the strings section
 * of a heap snapshot): one pool of characters and an open-addressing hash
 * index, no allocation per string. */
#ifndef RS_COMMANDS_STRING_TABLE_H
#define RS_COMMANDS_STRING_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rs_string_table {
	char *pool;           /* the strings, each ending in NUL */
	size_t pool_len, pool_cap;
	uint64_t *offsets;    /* by number: where the string starts in pool */
	uint32_t count, offsets_cap;
	uint32_t *slots;      /* hash index: number + 1, 0 when empty */
	uint32_t slot_mask;
	bool nomem;
};

/* The number of text (added when new); UINT32_MAX once out of memory. */
uint32_t rs_string_table_add(struct rs_string_table *t, const char *text);
static inline const char *rs_string_table_get(const struct rs_string_table *t, uint32_t number)
{
	return t->pool + t->offsets[number];
}
void rs_string_table_free(struct rs_string_table *t);

#endif
