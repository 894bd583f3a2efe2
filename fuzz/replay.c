/* Replays saved inputs through a harness without libFuzzer: built with any
 * compiler (make fuzz-replay, part of make check), it runs every file named
 * on the command line, or every file in a directory named there, through
 * LLVMFuzzerTestOneInput once. A crash, a sanitizer report or a leak fails
 * the run as it would under libFuzzer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t cap = 1 << 16, size = 0;
	uint8_t *data = malloc(cap);
	size_t n;
	while (data && (n = fread(data + size, 1, cap - size, f)) > 0) {
		size += n;
		if (size == cap) {
			cap *= 2;
			uint8_t *grown = realloc(data, cap);
			if (!grown)
				free(data);
			data = grown;
		}
	}
	int bad = ferror(f) || !data;
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(data);
		return 1;
	}
	printf("replay: %s (%zu bytes)\n", path, size);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	int failed = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue; /* ., .., .gitkeep */
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown || asprintf(&grown[n], "%s/%s", dir, e->d_name) < 0) {
			names = grown ? grown : names;
			failed = 1;
			break;
		}
		names = grown;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (!failed && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			failed |= replay_file(names[i]);
			++*count;
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	LLVMFuzzerInitialize(&argc, &argv);
	int failed = 0;
	size_t count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			if (errno == ENOENT)
				continue; /* an empty regressions folder is not in git */
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			failed |= replay_dir(argv[i], &count);
		} else {
			failed |= replay_file(argv[i]);
			count++;
		}
	}
	printf("replay: %zu inputs, %s\n", count, failed ? "FAILED" : "no crash");
	return failed;
}
