/* Arrays that grow with the heap (rs_huge_array_resize): their contents
 * survive each growth, they sit at 2 MiB aligned addresses, and, where the
 * kernel gives transparent huge pages, what was on huge pages before a
 * growth is on huge pages after it. A move to an address 4 KiB off 2 MiB
 * alignment fails this: the kernel splits each huge page it moves there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/huge_pages.h"

#define MIB ((size_t)1 << 20)

/* Built with AddressSanitizer, the arrays are malloc's (huge_pages.h): only
 * their contents are checked. */
#define MAPPED RS_HUGE_ARRAYS_MAPPED

/* AnonHugePages, in KiB, of the mapping that holds p; -1 if none does. */
static long huge_kib_at(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	assert_non_null(f);
	char line[512];
	bool inside = false;
	long kib = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			inside = start <= (uintptr_t)p && (uintptr_t)p < end;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

static bool huge_pages_given(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char mode[128] = "";
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	return strstr(mode, "[always]") || strstr(mode, "[madvise]");
}

/* An element of the size of the heap's objects. */
struct element {
	uint64_t a, b, c;
};

static void fill(struct element *e, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		e[i] = (struct element){i, i * 2654435761u, ~i};
}

static void grows_keeping_contents_alignment_and_huge_pages(void **state)
{
	(void)state;
	size_t n = 65536;
	struct element *e = rs_huge_array_resize(NULL, 0, n * sizeof(*e));
	assert_non_null(e);
	fill(e, 0, n);
	void *blockers[6];
	for (int g = 0; g < 6; g++) {
		size_t bytes = n * sizeof(*e);
		/* A mapping right after it (or one is there already), so that growing must move it. */
		blockers[g] = mmap((void *)(((uintptr_t)e + bytes + 4095) & ~(uintptr_t)4095), 2 * MIB, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		struct element *grown = rs_huge_array_resize(e, bytes, 2 * bytes);
		assert_non_null(grown);
		if (MAPPED)
			assert_int_equal((uintptr_t)grown % (2 * MIB), 0);
		for (size_t i = 0; i < n; i++)
			if (grown[i].a != i || grown[i].b != i * 2654435761u || grown[i].c != ~i)
				fail_msg("element %zu lost in growth %d", i, g);
		for (size_t i = n; i < 2 * n; i++)
			if (grown[i].a || grown[i].b || grown[i].c)
				fail_msg("element %zu of the new part is not zero", i);
		e = grown;
		if (MAPPED && huge_pages_given()) {
			/* What was written before the growth was on huge pages, but for a
			 * page or two the kernel may not have made huge. */
			long kib = huge_kib_at(e), written = (long)(bytes / 1024);
			if (kib < written - 4096)
				fail_msg("after growth %d, %ld KiB of the %ld KiB written are on huge pages", g, kib, written);
		}
		fill(e, n, 2 * n);
		n *= 2;
	}
	if (!MAPPED)
		printf("SKIP (part): built with AddressSanitizer, the arrays are malloc's; only their contents checked\n");
	else if (!huge_pages_given())
		printf("SKIP (part): this kernel gives no transparent huge pages; only contents and alignment checked\n");
	rs_huge_array_free(e, n * sizeof(*e));
	for (int g = 0; g < 6; g++)
		if (blockers[g] != MAP_FAILED)
			munmap(blockers[g], 2 * MIB);
}

static void small_arrays_and_shrinking(void **state)
{
	(void)state;
	uint8_t *a = rs_huge_array_resize(NULL, 0, 100);
	assert_non_null(a);
	memset(a, 7, 100);
	a = rs_huge_array_resize(a, 100, 5000);
	assert_non_null(a);
	assert_int_equal(a[99], 7);
	assert_int_equal(a[100], 0);
	a = rs_huge_array_resize(a, 5000, 3 * MIB);
	assert_non_null(a);
	assert_int_equal(a[99], 7);
	a = rs_huge_array_resize(a, 3 * MIB, MIB);
	assert_non_null(a);
	assert_int_equal(a[0], 7);
	rs_huge_array_free(a, MIB);
	rs_huge_array_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_keeping_contents_alignment_and_huge_pages),
		cmocka_unit_test(small_arrays_and_shrinking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
