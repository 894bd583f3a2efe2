/* A JSON array of object refs, {"address": "0x...", "type": "..."} and
 * optionally one more field holding a string or null, printed straight from
 * the caller's arrays when the document is printed, in the text json-c gives
 * the same objects. A garbage or cycles answer lists every object it found,
 * millions on a large heap, and a json-c object for each cost more than the
 * analysis (0.2 s to build, 0.2 s to print and 0.1 s to free on the 5M bench
 * heap). Code reading the document sees an empty array: use it for --json. */
#ifndef RS_COMMANDS_REF_LIST_H
#define RS_COMMANDS_REF_LIST_H

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rs_ref_item {
	uint64_t address;
	uint32_t type;     /* as the names know it */
	const char *extra; /* the extra field's value, NULL for null; a string that lives as long as the names */
};

typedef void rs_ref_item_fn(const void *arg, size_t i, struct rs_ref_item *out);
typedef const char *rs_ref_type_name_fn(const void *arg, uint32_t type);

/* The escaped text of type names and extra values, made once for all the
 * lists of a document; extra_key may be NULL (no extra field). NULL when out
 * of memory. */
struct rs_ref_names *rs_ref_names_new(size_t n_types, rs_ref_type_name_fn *type_name, const void *arg,
				      const char *extra_key);
void rs_ref_names_free(struct rs_ref_names *names);

/* n refs, item(copy, i) giving the i-th when printed, copy being a copy of
 * the arg_size bytes at arg; names, and whatever the copy points to, must
 * outlive the printing. NULL when out of memory. */
json_object *rs_ref_list_new(struct rs_ref_names *names, size_t n, rs_ref_item_fn *item, const void *arg,
			     size_t arg_size);

/* The same list printed into pb at level, for printers of larger parts
 * (commands/group_row.c); -1 when out of memory. */
int rs_ref_list_print(struct rs_ref_names *names, size_t n, rs_ref_item_fn *item, const void *arg,
		      struct printbuf *pb, int level, int flags);

/* Makes the names' texts for flags (once; again when flags change); false
 * when out of memory. */
bool rs_ref_names_for_flags(struct rs_ref_names *names, int flags);

/* A type's name as escaped text, quotes included, for the flags last made;
 * NULL when out of memory or past the types. */
const char *rs_ref_names_type(struct rs_ref_names *names, uint32_t type);

#endif
