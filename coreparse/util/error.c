#include "error.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returned when allocating the error itself fails; never freed. */
static struct rs_error nomem_error = {RS_ERR_NOMEM, ENOMEM, 0, "out of memory"};

rs_error *rs_error_nomem(void)
{
	return &nomem_error;
}

static rs_error *error_vnew(enum rs_error_kind kind, int errnum, uint64_t address,
			    const char *fmt, va_list ap)
{
	rs_error *err = malloc(sizeof(*err));
	if (!err)
		return &nomem_error;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &nomem_error;
	}
	err->kind = kind;
	err->errnum = errnum;
	err->address = address;
	return err;
}

rs_error *rs_error_new(enum rs_error_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rs_error *err = error_vnew(kind, 0, 0, fmt, ap);
	va_end(ap);
	return err;
}

rs_error *rs_error_os(int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rs_error *err = error_vnew(RS_ERR_OS, errnum, 0, fmt, ap);
	va_end(ap);
	if (err == &nomem_error)
		return err;
	char *full;
	if (asprintf(&full, "%s: %s", err->message, strerror(errnum)) >= 0) {
		free(err->message);
		err->message = full;
	}
	return err;
}

rs_error *rs_error_fault(uint64_t address, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rs_error *err = error_vnew(RS_ERR_FAULT, 0, address, fmt, ap);
	va_end(ap);
	return err;
}

rs_error *rs_error_prefix(rs_error *err, const char *fmt, ...)
{
	if (err == &nomem_error)
		return err;
	char *prefix, *full;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err;
	if (asprintf(&full, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = full;
	}
	free(prefix);
	return err;
}

enum rs_error_kind rs_error_kind(const rs_error *err)
{
	return err->kind;
}

const char *rs_error_message(const rs_error *err)
{
	return err->message;
}

uint64_t rs_error_address(const rs_error *err)
{
	return err->address;
}

int rs_error_errno(const rs_error *err)
{
	return err->errnum;
}

void rs_error_free(rs_error *err)
{
	if (!err || err == &nomem_error)
		return;
	free(err->message);
	free(err);
}

static volatile sig_atomic_t interrupted;

void rs_interrupt(void)
{
	interrupted = 1;
}

void rs_interrupt_clear(void)
{
	interrupted = 0;
}

bool rs_interrupt_requested(void)
{
	return interrupted != 0;
}
