#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A corrupt heap can produce a warning per object; keep the first ones. */
#define DIAG_MAX 1000

void rs_diag_add(struct rs_diag *diag, const char *fmt, ...)
{
	if (diag->count >= DIAG_MAX) {
		diag->dropped++;
		return;
	}
	if (diag->count == diag->capacity) {
		size_t cap = diag->capacity ? 2 * diag->capacity : 16;
		char **lines = realloc(diag->lines, cap * sizeof(*lines));
		if (!lines)
			return;
		diag->lines = lines;
		diag->capacity = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *line;
	if (vasprintf(&line, fmt, ap) >= 0)
		diag->lines[diag->count++] = line;
	va_end(ap);
}

void rs_diag_free(struct rs_diag *diag)
{
	for (size_t i = 0; i < diag->count; i++)
		free(diag->lines[i]);
	free(diag->lines);
	diag->lines = NULL;
	diag->count = diag->capacity = diag->dropped = 0;
}
