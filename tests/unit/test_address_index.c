/* The address index: every address put is found with its index, through
 * growth, across the wrap from the last slot to the first and in several
 * 32 GiB windows, and after the tables are made compact (converted in
 * place, or compact from the start); addresses never put, or not 8-byte
 * aligned, are not found. Addresses are heap-like (16-byte aligned, in runs), the pattern a
 * real heap gives and a weak mix would cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "graph/address_index.h"

/* Every third address in the brk heap's window, the rest in the mmap area's. */
static uint64_t heap_address(uint64_t i)
{
	uint64_t base = i % 3 ? 0x7f0000000000ull : 0x55d000000000ull;
	return base + (i / 1000) * 0x100000 + (i % 1000) * 16;
}

/* What a compact table reads an index's address from: heap_address. */
static uint64_t address_of(const void *arg, uint32_t index)
{
	(void)arg;
	return heap_address(index);
}

static const struct rs_address_keys keys = {address_of, NULL};

static void all_found(const struct rs_address_index *ix, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(rs_address_index_get(ix, heap_address(i)), (uint32_t)i);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(rs_address_index_get(ix, heap_address(i) + 8), RS_NO_INDEX);
		assert_int_equal(rs_address_index_get(ix, heap_address(i) + 4), RS_NO_INDEX);
		/* the same offset in a window of its own */
		assert_int_equal(rs_address_index_get(ix, heap_address(i) + (1ull << 40)), RS_NO_INDEX);
	}
}

/* compact_at: made compact before that many puts (n + 1: never). */
static void put_and_find(uint64_t expected, uint64_t n, uint64_t compact_at)
{
	struct rs_address_index ix;
	rs_address_index_init(&ix);
	for (uint64_t i = 0; i < expected; i++)
		assert_true(rs_address_index_expect(&ix, heap_address(i), 1));
	assert_true(rs_address_index_size(&ix));
	for (uint64_t i = 0; i < n; i++) {
		if (i == compact_at)
			rs_address_index_compact(&ix, keys);
		assert_true(rs_address_index_put(&ix, heap_address(i), (uint32_t)i));
	}
	assert_int_equal(ix.count, n);
	assert_int_equal(ix.n_tables, 2);
	for (size_t t = 0; t < ix.n_tables; t++) {
		assert_true(ix.tables[t].count * RS_ADDRESS_LOAD_DENOMINATOR <=
			    ix.tables[t].n_slots * RS_ADDRESS_LOAD_NUMERATOR);
		assert_true((ix.tables[t].slots == NULL) == (compact_at <= n));
	}
	all_found(&ix, n);
	if (compact_at > n) {
		rs_address_index_compact(&ix, keys);
		for (size_t t = 0; t < ix.n_tables; t++)
			assert_true(ix.tables[t].bytes < ix.tables[t].n_slots * 4 + 4096);
		all_found(&ix, n);
	}
	assert_false(rs_address_index_put(&ix, heap_address(0) + 4, 1));
	assert_true(rs_address_index_put(&ix, heap_address(0), 0)); /* a second put of the same */
	assert_int_equal(rs_address_index_get(&ix, heap_address(0)), 0);
	assert_int_equal(ix.count, n);
	rs_address_index_free(&ix);
}

static void test_sized_ahead(void **state)
{
	(void)state;
	put_and_find(300000, 300000, 300001);
}

static void test_grown_from_small(void **state)
{
	(void)state;
	put_and_find(10, 300000, 300001);
}

/* The build's index, compact once built. */
static void test_compact_after(void **state)
{
	(void)state;
	put_and_find(200000, 300000, 300001);
}

/* A restored index, compact from the start, and one made compact midway:
 * both grow while compact. */
static void test_compact_from_start(void **state)
{
	(void)state;
	put_and_find(10, 300000, 0);
	put_and_find(100000, 300000, 150000);
}

/* A full table's runs of filled slots reach its end and go on at slot 0. */
static void test_runs_wrap_around(void **state)
{
	(void)state;
	struct rs_address_index ix;
	rs_address_index_init(&ix);
	assert_true(rs_address_index_expect(&ix, 0x7f0000000000ull, 1));
	assert_true(rs_address_index_size(&ix));
	const struct rs_address_table *t = &ix.tables[0];
	uint64_t n = t->n_slots * RS_ADDRESS_LOAD_NUMERATOR / RS_ADDRESS_LOAD_DENOMINATOR, put = 0, wrapped = 0;
	for (uint64_t i = 0; put < n; i += 3) { /* addresses of that one window */
		uint64_t a = heap_address(i + 1);
		if (rs_address_home(t, a) < t->n_slots - 8)
			continue; /* only addresses whose home is among the last slots */
		assert_true(rs_address_index_put(&ix, a, (uint32_t)put++));
		if (put > 8)
			wrapped++;
		if (put == 64)
			break;
	}
	assert_true(wrapped > 0);
	assert_int_equal(ix.n_tables, 1);
	assert_true(t->slots[0].value != 0); /* the run went on at slot 0 */
	put = 0;
	for (uint64_t i = 0; put < 64; i += 3) {
		uint64_t a = heap_address(i + 1);
		if (rs_address_home(t, a) < t->n_slots - 8)
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
		cmocka_unit_test(test_compact_after),
		cmocka_unit_test(test_compact_from_start),
		cmocka_unit_test(test_runs_wrap_around),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
