#include "lazy_array.h"

#include <json-c/printbuf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct lazy_rows {
	rs_lazy_row_print_fn *print;
	void *state;
	void (*state_free)(void *state);
	size_t holders; /* placeholders alive; the last one frees the state */
};

static void lazy_rows_release(json_object *placeholder, void *userdata)
{
	(void)placeholder;
	struct lazy_rows *rows = userdata;
	if (--rows->holders == 0) {
		rows->state_free(rows->state);
		free(rows);
	}
}

/* A marker: MARKER_START, the rows, the row's index, its level and the
 * flags, MARKER_END. json-c escapes control characters inside strings, so
 * MARKER_START occurs nowhere else in its text. */
#define MARKER_START '\x01'
#define MARKER_END '\x02'

static int lazy_row_print(json_object *placeholder, struct printbuf *pb, int level, int flags)
{
	struct lazy_rows *rows = json_object_get_userdata(placeholder);
	size_t index = (size_t)json_object_get_int64(placeholder);
	if (flags & RS_LAZY_ROWS_AS_MARKERS)
		return sprintbuf(pb, "%c%p %zu %d %d%c", MARKER_START, (void *)rows, index, level,
				 flags & ~RS_LAZY_ROWS_AS_MARKERS, MARKER_END) < 0 ? -1 : 0;
	return rows->print(rows->state, index, pb, level, flags);
}

/* The fields of a marker; false when it is not one. */
static bool marker_parse(const char *marker, size_t len, struct lazy_rows **rows, size_t *index, int *level,
			 int *flags)
{
	char copy[96], *at;
	if (len >= sizeof(copy))
		return false;
	memcpy(copy, marker, len);
	copy[len] = '\0';
	*rows = (struct lazy_rows *)(uintptr_t)strtoull(copy, &at, 16);
	*index = (size_t)strtoull(at, &at, 10);
	*level = (int)strtol(at, &at, 10);
	*flags = (int)strtol(at, &at, 10);
	return *at == '\0';
}

/* The row a marker names, printed at its level, onto text. */
static int marker_print(const char *marker, size_t len, struct printbuf *text)
{
	struct lazy_rows *rows;
	size_t index;
	int level, flags;
	if (!marker_parse(marker, len, &rows, &index, &level, &flags))
		return -1;
	return rows->print(rows->state, index, text, level, flags);
}

/* The text goes out a large piece at a time, rows and what lies between
 * them together: a write per row (and the copy into the stream's buffer)
 * cost a tenth of printing 300K rows. */
#define WRITE_AT (1 << 20)

static void text_flush(struct printbuf *text, FILE *out)
{
	fwrite(text->buf, 1, (size_t)text->bpos, out);
	printbuf_reset(text);
}

int rs_lazy_text_write(const char *text, FILE *out)
{
	struct printbuf *pending = printbuf_new();
	int result = pending ? 0 : -1;
	while (result == 0) {
		const char *start = strchr(text, MARKER_START);
		size_t plain = start ? (size_t)(start - text) : strlen(text);
		if (plain >= WRITE_AT) { /* the text of a document printed whole */
			text_flush(pending, out);
			fwrite(text, 1, plain, out);
		} else {
			printbuf_memappend(pending, text, (int)plain);
		}
		if (!start)
			break;
		const char *end = strchr(start, MARKER_END);
		if (!end || marker_print(start + 1, (size_t)(end - start - 1), pending) != 0)
			result = -1;
		else
			text = end + 1;
		if (pending->bpos >= WRITE_AT)
			text_flush(pending, out);
	}
	if (pending) {
		text_flush(pending, out);
		printbuf_free(pending);
	}
	return result;
}

json_object *rs_lazy_array_printed(size_t n, rs_lazy_row_print_fn *print, void *state,
				   void (*state_free)(void *state))
{
	struct lazy_rows proto = {.print = print, .state = state, .state_free = state_free};
	struct lazy_rows *rows = malloc(sizeof(*rows));
	json_object *array = json_object_new_array_ext((int)(n < 16 ? 16 : n));
	if (!rows || !array || n == 0) {
		free(rows);
		proto.state_free(proto.state);
		return n == 0 ? array : (json_object_put(array), NULL);
	}
	*rows = proto;
	for (size_t i = 0; i < n; i++) {
		json_object *placeholder = json_object_new_int64((int64_t)i);
		if (!placeholder)
			break;
		rows->holders++;
		json_object_set_serializer(placeholder, lazy_row_print, rows, lazy_rows_release);
		json_object_array_add(array, placeholder);
	}
	if (rows->holders < n) {
		if (rows->holders == 0) {
			proto.state_free(proto.state);
			free(rows);
		}
		json_object_put(array); /* else the last placeholder frees the state */
		return NULL;
	}
	return array;
}
