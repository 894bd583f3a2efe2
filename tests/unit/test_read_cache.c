/* The line cache over a fake target whose mapped ranges have holes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "target/read_cache.h"

/* Mapped: [0x100000, 0x104000) and [0x105000, 0x110000); a byte's value is
 * its address's low byte. Counts fills to see that lines are reused. */
struct fake {
	int fills;
	int fail_with; /* errno to fail every fill with, or 0 */
};

static int mapped(uint64_t a)
{
	return (a >= 0x100000 && a < 0x104000) || (a >= 0x105000 && a < 0x110000);
}

static long fake_fill(void *ctx, uint64_t address, void *buf, size_t len)
{
	struct fake *f = ctx;
	f->fills++;
	if (f->fail_with) {
		errno = f->fail_with;
		return -1;
	}
	size_t n = 0;
	while (n < len && mapped(address + n)) {
		((unsigned char *)buf)[n] = (unsigned char)(address + n);
		n++;
	}
	return (long)n;
}

static void check_bytes(const unsigned char *buf, uint64_t address, size_t len)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], (unsigned char)(address + i));
}

static void test_reads_and_reuses_lines(void **state)
{
	(void)state;
	struct fake f = {0};
	struct rs_read_cache cache;
	assert_int_equal(rs_read_cache_init(&cache, fake_fill, &f), 0);
	unsigned char buf[64];
	uint64_t bad = 0;
	assert_int_equal(rs_read_cache_read(&cache, 0x100010, buf, 40, &bad), 0);
	check_bytes(buf, 0x100010, 40);
	assert_int_equal(rs_read_cache_read(&cache, 0x100800, buf, 64, &bad), 0);
	check_bytes(buf, 0x100800, 64);
	assert_int_equal(f.fills, 1);
	rs_read_cache_free(&cache);
}

static void test_hole_inside_a_line(void **state)
{
	(void)state;
	struct fake f = {0};
	struct rs_read_cache cache;
	assert_int_equal(rs_read_cache_init(&cache, fake_fill, &f), 0);
	unsigned char buf[64];
	uint64_t bad = 0;
	/* The line at 0x104000 starts in the hole; 0x105000 is mapped. */
	assert_int_equal(rs_read_cache_read(&cache, 0x105010, buf, 16, &bad), 0);
	check_bytes(buf, 0x105010, 16);
	/* The line at 0x100000 ends in the hole: bytes after it are mapped again. */
	assert_int_equal(rs_read_cache_read(&cache, 0x103ff8, buf, 8, &bad), 0);
	check_bytes(buf, 0x103ff8, 8);
	/* A read running into the hole faults at the hole's first byte. */
	assert_int_equal(rs_read_cache_read(&cache, 0x103ff8, buf, 16, &bad), -1);
	assert_int_equal(bad, 0x104000);
	assert_int_equal(rs_read_cache_read(&cache, 0x104800, buf, 8, &bad), -1);
	assert_int_equal(bad, 0x104800);
	rs_read_cache_free(&cache);
}

static void test_read_across_lines(void **state)
{
	(void)state;
	struct fake f = {0};
	struct rs_read_cache cache;
	assert_int_equal(rs_read_cache_init(&cache, fake_fill, &f), 0);
	static unsigned char buf[3 * RS_CACHE_LINE];
	uint64_t bad = 0;
	assert_int_equal(rs_read_cache_read(&cache, 0x105ff0, buf, sizeof(buf) - 0x2000, &bad), 0);
	check_bytes(buf, 0x105ff0, sizeof(buf) - 0x2000);
	rs_read_cache_free(&cache);
}

static void test_system_error_is_passed_on(void **state)
{
	(void)state;
	struct fake f = {.fail_with = ESRCH};
	struct rs_read_cache cache;
	assert_int_equal(rs_read_cache_init(&cache, fake_fill, &f), 0);
	unsigned char buf[8];
	uint64_t bad = 0;
	assert_int_equal(rs_read_cache_read(&cache, 0x100000, buf, 8, &bad), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(bad, 0x100000);
	rs_read_cache_free(&cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_and_reuses_lines),
		cmocka_unit_test(test_hole_inside_a_line),
		cmocka_unit_test(test_read_across_lines),
		cmocka_unit_test(test_system_error_is_passed_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
