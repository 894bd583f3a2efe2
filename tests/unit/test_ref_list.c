/* Unit tests: ref lists (commands/ref_list.c) print what json-c prints for
 * the same objects, at any depth, with every flag the library has. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "json_text_check.h"

#include "../../commands/ref_list.h"

static const char *const TYPE_NAMES[] = {"dict", "my/module.Kind", "quote\"and\\back", "tab\there\x01"};
static const char *const FIN_DEL = "__del__";
static const char *const FIN_SLASH = "a/b";

struct items {
	size_t n;
	const struct rs_ref_item *items;
};

static const struct rs_ref_item ITEMS[] = {
	{0x7f0012345670, 0, NULL},
	{0x55d0aa000010, 1, "__del__"},
	{0x10, 2, "a/b"},
	{0xffffffffffff, 3, NULL},
	{0x7f0012345678, 1, "__del__"},
};

static const char *type_name(const void *arg, uint32_t type)
{
	(void)arg;
	return TYPE_NAMES[type];
}

static void item(const void *arg, size_t i, struct rs_ref_item *out)
{
	const struct items *it = arg;
	*out = it->items[i];
	/* the same strings by pointer, as the callers give them */
	if (out->extra && !strcmp(out->extra, FIN_DEL))
		out->extra = FIN_DEL;
	else if (out->extra)
		out->extra = FIN_SLASH;
}

/* What json-c prints for the refs built as objects. */
static json_object *refs_as_objects(size_t n, const char *extra_key)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char address[24];
		snprintf(address, sizeof(address), "0x%llx", (unsigned long long)ITEMS[i].address);
		json_object *ref = json_object_new_object();
		json_object_object_add(ref, "address", json_object_new_string(address));
		json_object_object_add(ref, "type", json_object_new_string(TYPE_NAMES[ITEMS[i].type]));
		if (extra_key)
			json_object_object_add(ref, extra_key, ITEMS[i].extra ? json_object_new_string(ITEMS[i].extra) : NULL);
		json_object_array_add(list, ref);
	}
	return list;
}

/* The lists nested at several depths, beside other values. */
static json_object *document(json_object *(*list)(void *state, size_t n), void *state, size_t n)
{
	json_object *doc = json_object_new_object(), *inner = json_object_new_object(), *rows = json_object_new_array();
	json_object_object_add(doc, "count", json_object_new_int64(3));
	json_object_object_add(doc, "top", list(state, n));
	json_object_object_add(inner, "objects", list(state, n));
	json_object_object_add(inner, "certain", json_object_new_boolean(1));
	json_object_array_add(rows, inner);
	json_object_array_add(rows, list(state, n));
	json_object_object_add(doc, "rows", rows);
	return doc;
}

struct fast_state {
	struct rs_ref_names *names;
	struct items items;
};

static json_object *fast_list(void *state, size_t n)
{
	struct fast_state *s = state;
	s->items = (struct items){n, ITEMS};
	return rs_ref_list_new(s->names, n, item, &s->items, sizeof(s->items));
}

static json_object *slow_list(void *state, size_t n)
{
	return refs_as_objects(n, state);
}

static void check_same_text(const char *extra_key, size_t n)
{
	struct fast_state fast = {rs_ref_names_new(4, type_name, NULL, extra_key), {0, NULL}};
	assert_non_null(fast.names);
	json_object *mine = document(fast_list, &fast, n);
	json_object *theirs = document(slow_list, (void *)extra_key, n);
	assert_same_json_text(mine, theirs);
	json_object_put(mine);
	json_object_put(theirs);
	rs_ref_names_free(fast.names);
}

static void test_refs_with_an_extra_field(void **state)
{
	(void)state;
	check_same_text("finalizer", 5);
}

static void test_refs_without(void **state)
{
	(void)state;
	check_same_text(NULL, 5);
}

static void test_one_ref(void **state)
{
	(void)state;
	check_same_text("finalizer", 1);
}

static void test_no_refs(void **state)
{
	(void)state;
	check_same_text(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs_with_an_extra_field),
		cmocka_unit_test(test_refs_without),
		cmocka_unit_test(test_one_ref),
		cmocka_unit_test(test_no_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
