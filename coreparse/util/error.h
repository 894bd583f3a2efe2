/* Errors as values: every fallible function returns an rs_error or NULL. */
#ifndef RS_UTIL_ERROR_H
#define RS_UTIL_ERROR_H

#include "refscope.h"

struct rs_error {
	enum rs_error_kind kind;
	int errnum;
	uint64_t address;
	char *message;
};

/* Never NULL: when no memory is left the shared out-of-memory error comes back. */
rs_error *rs_error_new(enum rs_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
rs_error *rs_error_os(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
rs_error *rs_error_fault(uint64_t address, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
rs_error *rs_error_nomem(void);

/* Puts "what: " in front of err's message; returns err. */
rs_error *rs_error_prefix(rs_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
