/* Unit tests: group rows (commands/group_row.c) in printed lazy arrays
 * (commands/lazy_array.c) give the text json-c gives the same rows built
 * as objects, at any depth, with every flag, and through the markers of
 * rs_lazy_text_write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "json_text_check.h"

#include "../../commands/group_row.h"
#include "../../commands/lazy_array.h"

static const char *const TYPE_NAMES[] = {"dict", "my/module.Kind", "quote\"and\\back", "tab\there\x01"};
static const char *const FLAG_KEYS[] = {"has_finalizer", "certain"};
static const char *const FLAG_KEY_TEXTS[] = {"\"has_finalizer\"", "\"certain\""};

/* Objects of every type, a type met more often than another. */
static const struct rs_object OBJECTS[] = {
	{.address = 0x7f0012345670, .type = 1}, {.address = 0x55d0aa000010, .type = 0},
	{.address = 0x10, .type = 2},           {.address = 0xffffffffffff, .type = 1},
	{.address = 0x7f0012345678, .type = 3}, {.address = 0x7f0012345680, .type = 0},
	{.address = 0x7f0012345690, .type = 1},
};
/* Groups: several members in an order of their own, one, none. */
static const uint32_t MEMBERS[] = {4, 0, 3, 1, 6, 5, 2, 2};
static const size_t GROUP_START[] = {0, 7, 8, 8};
#define N_GROUPS 3

static const char *type_name(const void *arg, uint32_t type)
{
	(void)arg;
	return TYPE_NAMES[type];
}

static void member_item(const void *arg, size_t i, struct rs_ref_item *out)
{
	const uint32_t *members = arg;
	*out = (struct rs_ref_item){OBJECTS[members[i]].address, OBJECTS[members[i]].type, NULL};
}

static bool group_flag(size_t group, size_t k)
{
	return (group + k) % 2 == 0;
}

/* The row as json-c objects, types counted by hand. */
static json_object *row_built(size_t group)
{
	size_t n = GROUP_START[group + 1] - GROUP_START[group];
	const uint32_t *members = MEMBERS + GROUP_START[group];
	uint64_t counts[4] = {0};
	json_object *row = json_object_new_object(), *types = json_object_new_array(), *objects = json_object_new_array();
	json_object_object_add(row, "size", json_object_new_int64((int64_t)n));
	json_object_object_add(row, "bytes", json_object_new_int64((int64_t)(1000 * group + 24)));
	for (size_t k = 0; k < 2; k++)
		json_object_object_add(row, FLAG_KEYS[k], json_object_new_boolean(group_flag(group, k)));
	for (size_t i = 0; i < n; i++) {
		char address[24];
		counts[OBJECTS[members[i]].type]++;
		snprintf(address, sizeof(address), "0x%llx", (unsigned long long)OBJECTS[members[i]].address);
		json_object *ref = json_object_new_object();
		json_object_object_add(ref, "address", json_object_new_string(address));
		json_object_object_add(ref, "type", json_object_new_string(TYPE_NAMES[OBJECTS[members[i]].type]));
		json_object_array_add(objects, ref);
	}
	for (uint64_t count = n; count > 0; count--)
		for (uint32_t t = 0; t < 4; t++)
			if (counts[t] == count) {
				json_object *entry = json_object_new_object();
				json_object_object_add(entry, "type", json_object_new_string(TYPE_NAMES[t]));
				json_object_object_add(entry, "count", json_object_new_int64((int64_t)count));
				json_object_array_add(types, entry);
			}
	json_object_object_add(row, "types", types);
	json_object_object_add(row, "objects", objects);
	return row;
}

static int row_print(void *state, size_t group, struct printbuf *pb, int level, int flags)
{
	size_t n = GROUP_START[group + 1] - GROUP_START[group];
	const uint32_t *members = MEMBERS + GROUP_START[group];
	struct rs_type_count counts[8];
	bool flag_values[] = {group_flag(group, 0), group_flag(group, 1)};
	struct rs_group_row row = {n, 1000 * group + 24, FLAG_KEY_TEXTS, flag_values, 2, counts,
				   rs_group_type_counts(OBJECTS, members, n, counts), member_item, members};
	return rs_group_row_print(state, &row, pb, level, flags);
}

static void names_free(void *state)
{
	rs_ref_names_free(state);
}

static json_object *rows_printed(void)
{
	struct rs_ref_names *names = rs_ref_names_new(4, type_name, NULL, NULL);
	assert_non_null(names);
	return rs_lazy_array_printed(N_GROUPS, row_print, names, names_free);
}

static json_object *rows_built(void)
{
	json_object *rows = json_object_new_array();
	for (size_t g = 0; g < N_GROUPS; g++)
		json_object_array_add(rows, row_built(g));
	return rows;
}

/* The rows nested at two depths, beside other values. */
static json_object *document(json_object *(*rows)(void))
{
	json_object *doc = json_object_new_object(), *inner = json_object_new_object(), *outer = json_object_new_array();
	json_object_object_add(doc, "total", json_object_new_int64(3));
	json_object_object_add(doc, "groups", rows());
	json_object_object_add(inner, "groups", rows());
	json_object_array_add(outer, inner);
	json_object_object_add(doc, "nested", outer);
	return doc;
}

static void test_rows_print_as_json_c_does(void **state)
{
	(void)state;
	json_object *mine = document(rows_printed), *theirs = document(rows_built);
	assert_same_json_text(mine, theirs);
	json_object_put(mine);
	json_object_put(theirs);
}

/* As the commands print: markers in the document's text, each replaced by
 * its row when written. */
static void test_rows_written_through_markers(void **state)
{
	(void)state;
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
	json_object *mine = document(rows_printed), *theirs = document(rows_built);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(rs_lazy_text_write(json_object_to_json_string_ext(mine, flags | RS_LAZY_ROWS_AS_MARKERS), out),
			 0);
	fclose(out);
	assert_string_equal(text, json_object_to_json_string_ext(theirs, flags));
	free(text);
	json_object_put(mine);
	json_object_put(theirs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_print_as_json_c_does),
		cmocka_unit_test(test_rows_written_through_markers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
