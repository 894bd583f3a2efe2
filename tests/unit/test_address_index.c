/* The address index: every address put is found with its index, through
 * growth and across the wrap from the last slot to the first; addresses
 * never put are not found. Addresses are heap-like (16-byte aligned, in
 * runs), the pattern a real heap gives and a weak mix would cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "graph/address_index.h"

static uint64_t heap_address(uint64_t i)
{
	return 0x7f0000000000ull + (i / 1000) * 0x100000 + (i % 1000) * 16;
}

static void put_and_find(uint64_t expected, uint64_t n)
{
	struct rs_address_index ix;
	assert_true(rs_address_index_init(&ix, expected));
	for (uint64_t i = 0; i < n; i++)
		assert_true(rs_address_index_put(&ix, heap_address(i), (uint32_t)i));
	assert_int_equal(ix.count, n);
	assert_true(ix.count * 4 <= ix.n_slots * 3);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(rs_address_index_get(&ix, heap_address(i)), (uint32_t)i);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(rs_address_index_get(&ix, heap_address(i) + 8), RS_NO_INDEX);
	assert_true(rs_address_index_put(&ix, heap_address(0), 7)); /* a second put replaces */
	assert_int_equal(rs_address_index_get(&ix, heap_address(0)), 7);
	assert_int_equal(ix.count, n);
	rs_address_index_free(&ix);
}

static void test_sized_ahead(void **state)
{
	(void)state;
	put_and_find(300000, 300000);
}

static void test_grown_from_small(void **state)
{
	(void)state;
	put_and_find(10, 300000);
}

/* A full table's runs of filled slots reach its end and go on at slot 0. */
static void test_runs_wrap_around(void **state)
{
	(void)state;
	struct rs_address_index ix;
	assert_true(rs_address_index_init(&ix, 0));
	uint64_t n = ix.n_slots * 3 / 4, put = 0, wrapped = 0;
	for (uint64_t i = 0; put < n; i++) {
		uint64_t a = heap_address(i);
		if (rs_address_home(&ix, a) < ix.n_slots - 8)
			continue; /* only addresses whose home is among the last slots */
		assert_true(rs_address_index_put(&ix, a, (uint32_t)put++));
		if (put > 8)
			wrapped++;
		if (put == 64)
			break;
	}
	assert_true(wrapped > 0);
	assert_non_null(ix.slots);
	assert_true(ix.slots[0].value != 0); /* the run went on at slot 0 */
	put = 0;
	for (uint64_t i = 0; put < 64; i++) {
		uint64_t a = heap_address(i);
		if (rs_address_home(&ix, a) < ix.n_slots - 8)
			continue;
		assert_int_equal(rs_address_index_get(&ix, a), (uint32_t)put++);
	}
	rs_address_index_free(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sized_ahead),
		cmocka_unit_test(test_grown_from_small),
		cmocka_unit_test(test_runs_wrap_around),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
