/* Mapping a file's cached pages at once (rs_resident_pages_map): the cached
 * pages are mapped in this process (its page table has them, as
 * /proc/self/pagemap shows), and the pages not in the page cache stay out of
 * it and unmapped (a cold core is not read whole). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/resident_pages.h"

#define PAGES 256
#define CACHED 64 /* the first pages, read before the call */

/* How many of pages [from, to) of the mapping at p this process has mapped. */
static size_t mapped_count(const unsigned char *p, size_t page, size_t from, size_t to)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	assert_true(fd >= 0);
	size_t n = 0;
	for (size_t i = from; i < to; i++) {
		uint64_t entry = 0;
		off_t at = (off_t)(((uintptr_t)p / page + i) * sizeof(entry));
		assert_int_equal(pread(fd, &entry, sizeof(entry), at), (ssize_t)sizeof(entry));
		n += entry >> 63; /* present */
	}
	close(fd);
	return n;
}

static size_t resident_count(const unsigned char *p, size_t page, size_t from, size_t to)
{
	unsigned char vec[PAGES];
	assert_int_equal(mincore((void *)(p + from * page), (to - from) * page, vec), 0);
	size_t n = 0;
	for (size_t i = 0; i < to - from; i++)
		n += vec[i] & 1;
	return n;
}

static void cached_mapped_cold_left(void **state)
{
	(void)state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[] = "build/tests/resident_pages_XXXXXX"; /* on disk: tmpfs pages cannot be evicted */
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	char *block = malloc(page);
	for (size_t i = 0; i < PAGES; i++) {
		memset(block, (int)i, page);
		assert_int_equal(write(fd, block, page), (ssize_t)page);
	}
	assert_int_equal(fsync(fd), 0);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	unsigned char *p = mmap(NULL, PAGES * page, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(p != MAP_FAILED);
	if (resident_count(p, page, 0, PAGES) != 0) {
		printf("SKIP: this file system keeps the test file's pages cached (tmpfs?)\n");
		munmap(p, PAGES * page);
		free(block);
		close(fd);
		skip();
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM); /* read ahead as little as the kernel will */
	for (size_t i = 0; i < CACHED; i++)
		assert_int_equal(pread(fd, block, page, (off_t)(i * page)), (ssize_t)page);
	size_t cached = resident_count(p, page, 0, PAGES);
	assert_true(cached >= CACHED && cached < PAGES);

	assert_int_equal(mapped_count(p, page, 0, PAGES), 0);
	rs_resident_pages_map(p, PAGES * page);
	assert_int_equal(resident_count(p, page, 0, PAGES), cached);
	assert_int_equal(mapped_count(p, page, 0, PAGES), cached);
	/* A length that ends inside a page, and an empty one: no harm. */
	rs_resident_pages_map(p, PAGES * page - 1);
	rs_resident_pages_map(p, 0);
	munmap(p, PAGES * page);
	free(block);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(cached_mapped_cold_left)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
