#include "lazy_array.h"

#include <json-c/printbuf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

struct lazy_rows {
	size_t n;
	rs_lazy_row_print_fn *print;
	void *state;
	void (*state_free)(void *state);
};

static void lazy_rows_free(json_object *array, void *userdata)
{
	(void)array;
	struct lazy_rows *rows = userdata;
	rows->state_free(rows->state);
	free(rows);
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

/* The array at level into pb, as json-c prints an array; with out, pb is
 * written to it whenever it holds WRITE_AT bytes. */
static int rows_print(const struct lazy_rows *rows, struct printbuf *pb, int level, int flags, FILE *out)
{
	printbuf_strappend(pb, "[");
	for (size_t i = 0; i < rows->n; i++) {
		rs_json_text_member_start(pb, i > 0, level + 1, flags);
		if (rows->print(rows->state, i, pb, level + 1, flags) < 0)
			return -1;
		if (out && pb->bpos >= WRITE_AT)
			text_flush(pb, out);
	}
	rs_json_text_array_end(pb, rows->n > 0, level, flags);
	return 0;
}

/* A marker: MARKER_START, the rows, their level and the flags, MARKER_END.
 * json-c escapes control characters inside strings, so MARKER_START occurs
 * nowhere else in its text. */
#define MARKER_START '\x01'
#define MARKER_END '\x02'

static int lazy_array_print(json_object *array, struct printbuf *pb, int level, int flags)
{
	const struct lazy_rows *rows = json_object_get_userdata(array);
	if (flags & RS_LAZY_ROWS_AS_MARKERS)
		return sprintbuf(pb, "%c%p %d %d%c", MARKER_START, (const void *)rows, level,
				 flags & ~RS_LAZY_ROWS_AS_MARKERS, MARKER_END) < 0 ? -1 : 0;
	return rows_print(rows, pb, level, flags, NULL);
}

/* The fields of a marker; false when it is not one. */
static bool marker_parse(const char *marker, size_t len, const struct lazy_rows **rows, int *level, int *flags)
{
	char copy[96], *at;
	if (len >= sizeof(copy))
		return false;
	memcpy(copy, marker, len);
	copy[len] = '\0';
	*rows = (const struct lazy_rows *)(uintptr_t)strtoull(copy, &at, 16);
	*level = (int)strtol(at, &at, 10);
	*flags = (int)strtol(at, &at, 10);
	return *at == '\0';
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
		const struct lazy_rows *rows;
		int level, flags;
		if (!end || !marker_parse(start + 1, (size_t)(end - start - 1), &rows, &level, &flags) ||
		    rows_print(rows, pending, level, flags, out) != 0)
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
	struct lazy_rows *rows = malloc(sizeof(*rows));
	json_object *array = json_object_new_array();
	if (!rows || !array) {
		free(rows);
		json_object_put(array);
		state_free(state);
		return NULL;
	}
	*rows = (struct lazy_rows){n, print, state, state_free};
	json_object_set_serializer(array, lazy_array_print, rows, lazy_rows_free);
	return array;
}
