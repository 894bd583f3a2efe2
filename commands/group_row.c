#include "group_row.h"

#include <stdlib.h>

#include "json_text.h"

static int count_cmp(const void *a, const void *b)
{
	const struct rs_type_count *x = a, *y = b;
	return x->count != y->count ? (x->count < y->count ? 1 : -1) : (x->type > y->type) - (x->type < y->type);
}

size_t rs_group_type_counts(const struct rs_object *objects, const uint32_t *members, size_t n,
			    struct rs_type_count *counts)
{
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t type = objects[members[i]].type;
		size_t k = 0;
		while (k < distinct && counts[k].type != type)
			k++;
		if (k == distinct)
			counts[distinct++] = (struct rs_type_count){type, 0};
		counts[k].count++;
	}
	if (distinct > 1)
		qsort(counts, distinct, sizeof(*counts), count_cmp);
	return distinct;
}

/* As json-c prints an int64 (which the counts and sizes fit), without
 * snprintf's cost: it was a tenth of printing 300K cycles. */
static void number_field(struct printbuf *pb, const char *key_text, uint64_t value, bool first, int level,
			 int flags)
{
	char text[24], *at = text + sizeof(text) - 1;
	*at = '\0';
	do
		*--at = (char)('0' + value % 10);
	while ((value /= 10) > 0);
	rs_json_text_field(pb, key_text, at, first, level, flags);
}

static int types_print(struct rs_ref_names *names, const struct rs_group_row *row, struct printbuf *pb, int level,
		       int flags)
{
	printbuf_strappend(pb, "[");
	for (size_t k = 0; k < row->n_types; k++) {
		const char *type = rs_ref_names_type(names, row->types[k].type);
		if (!type)
			return -1;
		rs_json_text_member_start(pb, k > 0, level + 1, flags);
		printbuf_strappend(pb, "{");
		rs_json_text_field(pb, "\"type\"", type, true, level + 2, flags);
		number_field(pb, "\"count\"", row->types[k].count, false, level + 2, flags);
		rs_json_text_end(pb, true, level + 1, flags, "}");
	}
	rs_json_text_array_end(pb, row->n_types > 0, level, flags);
	return 0;
}

int rs_group_row_print(struct rs_ref_names *names, const struct rs_group_row *row, struct printbuf *pb, int level,
		       int flags)
{
	if (!rs_ref_names_for_flags(names, flags))
		return -1;
	printbuf_strappend(pb, "{");
	number_field(pb, "\"size\"", row->size, true, level + 1, flags);
	number_field(pb, "\"bytes\"", row->bytes, false, level + 1, flags);
	for (size_t i = 0; i < row->n_flags; i++)
		rs_json_text_field(pb, row->flag_keys[i], row->flags[i] ? "true" : "false", false, level + 1, flags);
	rs_json_text_key(pb, "\"types\"", false, level + 1, flags);
	if (types_print(names, row, pb, level + 1, flags) < 0)
		return -1;
	rs_json_text_key(pb, "\"objects\"", false, level + 1, flags);
	if (rs_ref_list_print(names, row->size, row->item, row->arg, pb, level + 1, flags) < 0)
		return -1;
	rs_json_text_end(pb, true, level, flags, "}");
	return 0;
}
