/* Diagnostics: warnings collected while reading, shown by the front end. */
#ifndef RS_UTIL_DIAG_H
#define RS_UTIL_DIAG_H

#include <stddef.h>

struct rs_diag {
	char **lines;
	size_t count, capacity;
	size_t dropped; /* past the cap, only counted */
};

void rs_diag_add(struct rs_diag *diag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rs_diag_free(struct rs_diag *diag);

#endif
