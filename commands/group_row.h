/* A row of a groups answer (a cycle, a garbage group) printed straight
 * from the analysis' arrays, in the text json-c gives the row built as
 * objects: {"size", "bytes", the caller's true/false fields, "types":
 * [{"type", "count"}], "objects": [refs]}. A cycles answer on a large heap
 * has 300K rows: building, printing and freeing json-c objects for each
 * took more than the analysis. */
#ifndef RS_COMMANDS_GROUP_ROW_H
#define RS_COMMANDS_GROUP_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "ref_list.h"
#include "refscope.h"

struct rs_type_count {
	uint32_t type;
	uint64_t count;
};

struct rs_group_row {
	uint64_t size, bytes;
	const char *const *flag_keys; /* the keys' text: plain names in quotes */
	const bool *flags;
	size_t n_flags;
	const struct rs_type_count *types; /* most common first */
	size_t n_types;
	rs_ref_item_fn *item; /* the size members */
	const void *arg;
};

/* The distinct types of the n members with their counts, most common first
 * (equal counts by type index), into counts (room for n); how many. */
size_t rs_group_type_counts(const struct rs_object *objects, const uint32_t *members, size_t n,
			    struct rs_type_count *counts);

/* -1 when out of memory. */
int rs_group_row_print(struct rs_ref_names *names, const struct rs_group_row *row, struct printbuf *pb, int level,
		       int flags);

#endif
