/* Unit tests: errors as values (util/error.c) and diagnostics (util/diag.c).
 *
 * malloc and realloc are interposed below so that allocation failures can be
 * forced inside the library; nothing fails unless a test asks for it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/diag.h"
#include "util/error.h"

/* ---- allocation failure injection ------------------------------------- */

/* AddressSanitizer owns malloc: no injection there (the tests are skipped). */
#ifdef __SANITIZE_ADDRESS__
#define INJECTION 0
static int allocs_left = -1;
#else
#define INJECTION 1

extern void *__libc_malloc(size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

/* Allocations allowed before the next ones fail; -1: never fail. */
static int allocs_left = -1;

static int alloc_should_fail(void)
{
	if (allocs_left < 0)
		return 0;
	if (allocs_left == 0)
		return 1;
	allocs_left--;
	return 0;
}

void *malloc(size_t size)
{
	if (alloc_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(size);
}

void *realloc(void *ptr, size_t size)
{
	if (alloc_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(ptr, size);
}
#endif

/* ---- rs_error --------------------------------------------------------- */

static void test_error_new(void **state)
{
	rs_error *err = rs_error_new(RS_ERR_CORRUPT, "bad link %d at %s", 42, "gen0");
	assert_non_null(err);
	assert_int_equal(rs_error_kind(err), RS_ERR_CORRUPT);
	assert_string_equal(rs_error_message(err), "bad link 42 at gen0");
	assert_int_equal(rs_error_address(err), 0);
	assert_int_equal(rs_error_errno(err), 0);
	assert_ptr_not_equal(err, rs_error_nomem());
	rs_error_free(err);

	/* Every kind is kept as given. */
	for (int kind = RS_ERR_NOMEM; kind <= RS_ERR_USAGE; kind++) {
		err = rs_error_new((enum rs_error_kind)kind, "kind %d", kind);
		assert_int_equal(rs_error_kind(err), kind);
		char want[32];
		snprintf(want, sizeof(want), "kind %d", kind);
		assert_string_equal(rs_error_message(err), want);
		rs_error_free(err);
	}
}

static void test_error_os(void **state)
{
	rs_error *err = rs_error_os(ENOENT, "open %s", "/no/such");
	assert_int_equal(rs_error_kind(err), RS_ERR_OS);
	assert_int_equal(rs_error_errno(err), ENOENT);
	assert_int_equal(rs_error_address(err), 0);
	char want[256];
	snprintf(want, sizeof(want), "open /no/such: %s", strerror(ENOENT));
	assert_string_equal(rs_error_message(err), want);
	rs_error_free(err);

	err = rs_error_os(EACCES, "x");
	assert_int_equal(rs_error_errno(err), EACCES);
	snprintf(want, sizeof(want), "x: %s", strerror(EACCES));
	assert_string_equal(rs_error_message(err), want);
	rs_error_free(err);
}

static void test_error_fault(void **state)
{
	rs_error *err = rs_error_fault(0xffff800012345678ull, "cannot read %s", "ob_type");
	assert_int_equal(rs_error_kind(err), RS_ERR_FAULT);
	assert_true(rs_error_address(err) == 0xffff800012345678ull);
	assert_int_equal(rs_error_errno(err), 0);
	assert_string_equal(rs_error_message(err), "cannot read ob_type");
	rs_error_free(err);

	err = rs_error_fault(0, "null");
	assert_int_equal(rs_error_kind(err), RS_ERR_FAULT);
	assert_int_equal(rs_error_address(err), 0);
	rs_error_free(err);
}

static void test_error_prefix(void **state)
{
	rs_error *err = rs_error_fault(0x1000, "address 0x1000 is not in the core");
	rs_error *same = rs_error_prefix(err, "interpreter %d", 0);
	assert_ptr_equal(same, err);
	assert_string_equal(rs_error_message(err), "interpreter 0: address 0x1000 is not in the core");
	rs_error_prefix(err, "%s", "core.123");
	assert_string_equal(rs_error_message(err),
			    "core.123: interpreter 0: address 0x1000 is not in the core");
	/* The prefix changes nothing else. */
	assert_int_equal(rs_error_kind(err), RS_ERR_FAULT);
	assert_int_equal(rs_error_address(err), 0x1000);
	rs_error_free(err);

	err = rs_error_os(ENOENT, "libpython.so");
	rs_error_prefix(err, "module");
	char want[256];
	snprintf(want, sizeof(want), "module: libpython.so: %s", strerror(ENOENT));
	assert_string_equal(rs_error_message(err), want);
	assert_int_equal(rs_error_errno(err), ENOENT);
	rs_error_free(err);
}

static void test_error_nomem_shared(void **state)
{
	rs_error *nomem = rs_error_nomem();
	assert_non_null(nomem);
	assert_ptr_equal(rs_error_nomem(), nomem);
	assert_int_equal(rs_error_kind(nomem), RS_ERR_NOMEM);
	assert_int_equal(rs_error_errno(nomem), ENOMEM);
	assert_string_equal(rs_error_message(nomem), "out of memory");

	/* Freeing it is harmless, any number of times; it stays intact. */
	rs_error_free(nomem);
	rs_error_free(nomem);
	assert_ptr_equal(rs_error_nomem(), nomem);
	assert_string_equal(rs_error_message(nomem), "out of memory");

	/* A prefix never changes the shared error (other users see it too). */
	assert_ptr_equal(rs_error_prefix(nomem, "reading %s", "gc"), nomem);
	assert_string_equal(rs_error_message(nomem), "out of memory");

	rs_error_free(NULL);
}

static void test_error_alloc_failures(void **state)
{
	if (!INJECTION)
		skip();
	/* The error struct itself cannot be allocated. */
	allocs_left = 0;
	rs_error *err = rs_error_new(RS_ERR_FORMAT, "not an ELF file");
	allocs_left = -1;
	assert_ptr_equal(err, rs_error_nomem());
	rs_error_free(err);

	/* The struct is allocated, its message is not. */
	allocs_left = 1;
	err = rs_error_fault(0x10, "address %#x", 0x10);
	allocs_left = -1;
	assert_ptr_equal(err, rs_error_nomem());
	assert_int_equal(rs_error_kind(err), RS_ERR_NOMEM);
	rs_error_free(err);

	/* Whichever allocation fails, the result is the shared error or a
	 * complete one (the strerror text or the prefix may be missing). */
	char full[256];
	snprintf(full, sizeof(full), "read core: %s", strerror(EIO));
	int complete = 0;
	for (int n = 0; n < 16; n++) {
		allocs_left = n;
		err = rs_error_os(EIO, "read %s", "core");
		allocs_left = -1;
		if (err == rs_error_nomem()) {
			assert_string_equal(rs_error_message(err), "out of memory");
			continue;
		}
		assert_int_equal(rs_error_kind(err), RS_ERR_OS);
		assert_int_equal(rs_error_errno(err), EIO);
		const char *msg = rs_error_message(err);
		assert_true(strcmp(msg, "read core") == 0 || strcmp(msg, full) == 0);

		char before[256], prefixed[300];
		snprintf(before, sizeof(before), "%s", msg);
		snprintf(prefixed, sizeof(prefixed), "ctx 1: %s", before);
		allocs_left = n;
		rs_error *same = rs_error_prefix(err, "ctx %d", 1);
		allocs_left = -1;
		assert_ptr_equal(same, err);
		msg = rs_error_message(err);
		assert_true(strcmp(msg, before) == 0 || strcmp(msg, prefixed) == 0);
		complete += strcmp(msg, prefixed) == 0 && strcmp(before, full) == 0;
		rs_error_free(err);
	}
	/* With enough memory everything succeeded. */
	assert_true(complete > 0);
}

/* ---- rs_diag ---------------------------------------------------------- */

static void test_diag_add(void **state)
{
	struct rs_diag diag = {0};
	rs_diag_add(&diag, "first %s", "warning");
	rs_diag_add(&diag, "type at 0x%x unreadable", 0xbeef);
	assert_int_equal(diag.count, 2);
	assert_int_equal(diag.dropped, 0);
	assert_string_equal(diag.lines[0], "first warning");
	assert_string_equal(diag.lines[1], "type at 0xbeef unreadable");
	rs_diag_free(&diag);
	assert_int_equal(diag.count, 0);
	assert_null(diag.lines);

	/* Usable again after rs_diag_free. */
	rs_diag_add(&diag, "again");
	assert_int_equal(diag.count, 1);
	assert_string_equal(diag.lines[0], "again");
	rs_diag_free(&diag);
	rs_diag_free(&diag); /* twice is harmless */
}

static void test_diag_cap(void **state)
{
	struct rs_diag diag = {0};
	for (int i = 0; i < 1234; i++)
		rs_diag_add(&diag, "line %d", i);
	assert_int_equal(diag.count, 1000);
	assert_int_equal(diag.dropped, 234);
	/* The first lines are the ones kept, in order. */
	for (size_t i = 0; i < diag.count; i++) {
		char want[32];
		snprintf(want, sizeof(want), "line %zu", i);
		assert_string_equal(diag.lines[i], want);
	}
	rs_diag_add(&diag, "one more");
	assert_int_equal(diag.count, 1000);
	assert_int_equal(diag.dropped, 235);
	rs_diag_free(&diag);
	assert_int_equal(diag.count, 0);
	assert_int_equal(diag.dropped, 0);
	assert_int_equal(diag.capacity, 0);
}

static void test_diag_alloc_failure(void **state)
{
	if (!INJECTION)
		skip();
	/* Whichever allocation fails, a line is added whole or not at all, and
	 * the list stays usable. */
	int added = 0;
	for (int n = 0; n < 8; n++) {
		struct rs_diag diag = {0};
		rs_diag_add(&diag, "kept");
		size_t before = diag.count;
		allocs_left = n;
		for (int i = 0; i < 20; i++)
			rs_diag_add(&diag, "line %d", i);
		allocs_left = -1;
		assert_true(diag.count >= before && diag.count <= before + 20);
		assert_string_equal(diag.lines[0], "kept");
		for (size_t i = 1; i < diag.count; i++)
			assert_non_null(diag.lines[i]);
		added += diag.count == before + 20;
		rs_diag_add(&diag, "after");
		assert_string_equal(diag.lines[diag.count - 1], "after");
		rs_diag_free(&diag);
	}
	assert_true(added < 8); /* failures were really injected */

	/* The first array cannot be allocated. */
	struct rs_diag diag = {0};
	allocs_left = 0;
	rs_diag_add(&diag, "lost");
	allocs_left = -1;
	assert_int_equal(diag.count, 0);
	rs_diag_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_new),
		cmocka_unit_test(test_error_os),
		cmocka_unit_test(test_error_fault),
		cmocka_unit_test(test_error_prefix),
		cmocka_unit_test(test_error_nomem_shared),
		cmocka_unit_test(test_error_alloc_failures),
		cmocka_unit_test(test_diag_add),
		cmocka_unit_test(test_diag_cap),
		cmocka_unit_test(test_diag_alloc_failure),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
