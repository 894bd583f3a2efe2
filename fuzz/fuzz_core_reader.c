/* fuzz_core_reader: the input is a whole core file.
 *
 * It is written to a memfd and opened with rs_target_open like any core
 * (ELF header and program headers, PT_LOAD segments and the truncation
 * check, notes: NT_FILE and NT_AUXV, the files named there with their
 * build-ids, libdwfl's module list), then, when it opens: the Python
 * version and layout discovery, every layout field, the interpreters and a
 * gc walk, and a graph build with its analyses over whatever the walk
 * found. NT_FILE names files of this machine, so seeds taken from a real
 * core (fuzz/make_seeds.py) lead into /usr/bin/python3.11 (its debug
 * info only with REFSCOPE_FUZZ_DWARF=1, see exercise.h). Every outcome is fine except a crash, a hang or a leak. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exercise.h"
#include "fuzz.h"
#include "refscope.h"

static int core_fd = -1;
static char core_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_fd = memfd_create("fuzz-core", MFD_CLOEXEC);
	if (core_fd < 0) {
		perror("fuzz_core_reader: memfd_create");
		exit(1);
	}
	snprintf(core_path, sizeof(core_path), "/proc/self/fd/%d", core_fd);
	fuzz_environment();
	return 0;
}

static bool write_all(int fd, const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0)
		return false;
	size_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (core_fd < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	if (!write_all(core_fd, data, size)) {
		perror("fuzz_core_reader: writing the memfd");
		abort();
	}
	struct rs_open_options opts = {.core_path = core_path};
	rs_target *target = NULL;
	rs_error *err = rs_target_open(&opts, &target);
	if (err) {
		fuzz_error_free(err);
		return 0;
	}
	fuzz_exercise(target, NULL);
	rs_target_close(target);
	return 0;
}
