/* Documents for groups of objects (cycles, garbage groups): members with
 * their types, and a short "3 Node, 1 dict" summary of each group. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group_row.h"
#include "render.h"

/* {type: count} of a group, most common first, as an array of {type, count}. */
json_object *rs_doc_group_types(const rs_heap *heap, const uint32_t *members, size_t n)
{
	struct rs_type_count *counts = calloc(n ? n : 1, sizeof(*counts));
	size_t distinct = counts ? rs_group_type_counts(rs_heap_objects(heap), members, n, counts) : 0;
	json_object *types = json_object_new_array();
	for (size_t k = 0; k < distinct; k++) {
		json_object *row = json_object_new_object();
		json_object_object_add(row, "type", json_object_new_string(rs_heap_type(heap, counts[k].type)->name));
		json_object_object_add(row, "count", json_object_new_int64((int64_t)counts[k].count));
		json_object_array_add(types, row);
	}
	free(counts);
	return types;
}

void rs_render_group_types(json_object *group, char *buf, size_t size)
{
	json_object *types;
	size_t len = 0;
	buf[0] = '\0';
	json_object_object_get_ex(group, "types", &types);
	for (size_t k = 0; k < json_object_array_length(types) && len + 1 < size; k++) {
		json_object *row = json_object_array_get_idx(types, k);
		int n = snprintf(buf + len, size - len, "%s%" PRId64 " %s", k ? ", " : "", rs_json_int(row, "count"),
				 rs_json_str(row, "type"));
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (len + 1 >= size && size > 4)
		strcpy(buf + size - 4, "...");
}

/* The table of groups (cycles, garbage groups): size, bytes, one column of
 * the caller's, the first member and the types; then how many were left out. */
void rs_render_group_table(json_object *groups, size_t shown, int64_t total, const char *what, const char *header,
			   const char *(*column)(json_object *group), FILE *out)
{
	const char *headers[] = {"objects", "bytes", header, "first object", "types"};
	struct rs_table *table = rs_table_new(5, headers, "rrlll");
	for (size_t i = 0; i < shown; i++) {
		json_object *g = json_object_array_get_idx(groups, i), *objects;
		json_object_object_get_ex(g, "objects", &objects);
		char size[24], bytes[32], types[160];
		snprintf(size, sizeof(size), "%" PRId64, rs_json_int(g, "size"));
		rs_format_bytes((uint64_t)rs_json_int(g, "bytes"), bytes, sizeof(bytes));
		rs_render_group_types(g, types, sizeof(types));
		const char *cells[] = {size, bytes, column(g), rs_json_str(json_object_array_get_idx(objects, 0), "address"),
				       types};
		rs_table_row(table, cells);
	}
	if (shown)
		rs_table_print(table, out, "");
	rs_table_free(table);
	if ((int64_t)shown < total)
		fprintf(out, "... %" PRId64 " more %s not shown (--top N to see more)\n", total - (int64_t)shown, what);
}
