#include "lazy_array.h"

#include <json-c/printbuf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct lazy_rows {
	rs_lazy_row_fn *build;
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

/* json-c prints a nested value at its level by indenting each of its lines
 * (two spaces a level, or a tab with PRETTY_TAB); a row printed on its own
 * starts at level 0, so its lines get the indent of the level it sits at. */
static void text_append_indented(struct printbuf *pb, const char *text, int level, int flags)
{
	bool pretty = flags & JSON_C_TO_STRING_PRETTY;
	bool tab = flags & JSON_C_TO_STRING_PRETTY_TAB;
	for (const char *line = text; *line;) {
		const char *newline = pretty ? strchr(line, '\n') : NULL;
		size_t len = newline ? (size_t)(newline - line) + 1 : strlen(line);
		printbuf_memappend(pb, line, (int)len);
		line += len;
		if (newline && level > 0)
			printbuf_memset(pb, -1, tab ? '\t' : ' ', tab ? level : 2 * level);
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
	json_object *row = rows->build(rows->state, index);
	if (!row)
		return -1;
	text_append_indented(pb, json_object_to_json_string_ext(row, flags), level, flags);
	json_object_put(row);
	return 0;
}

/* The row a marker names, printed at its level, into out. The marker is
 * copied out first: sscanf measures the whole string it is given. */
static int marker_write(const char *marker, size_t len, FILE *out)
{
	char copy[96];
	void *rows_ptr;
	size_t index;
	int level, flags;
	if (len >= sizeof(copy))
		return -1;
	memcpy(copy, marker, len);
	copy[len] = '\0';
	if (sscanf(copy, "%p %zu %d %d", &rows_ptr, &index, &level, &flags) != 4)
		return -1;
	struct lazy_rows *rows = rows_ptr;
	json_object *row = rows->build(rows->state, index);
	if (!row)
		return -1;
	struct printbuf *pb = printbuf_new();
	if (pb)
		text_append_indented(pb, json_object_to_json_string_ext(row, flags), level, flags);
	json_object_put(row);
	if (!pb)
		return -1;
	fwrite(pb->buf, 1, (size_t)pb->bpos, out);
	printbuf_free(pb);
	return 0;
}

int rs_lazy_text_write(const char *text, FILE *out)
{
	for (;;) {
		const char *start = strchr(text, MARKER_START);
		if (!start) {
			fputs(text, out);
			return 0;
		}
		fwrite(text, 1, (size_t)(start - text), out);
		const char *end = strchr(start, MARKER_END);
		if (!end || marker_write(start + 1, (size_t)(end - start - 1), out) != 0)
			return -1;
		text = end + 1;
	}
}

json_object *rs_lazy_array_new(size_t n, rs_lazy_row_fn *build, void *state, void (*state_free)(void *state))
{
	struct lazy_rows *rows = malloc(sizeof(*rows));
	json_object *array = json_object_new_array_ext((int)(n < 16 ? 16 : n));
	if (!rows || !array || n == 0) {
		free(rows);
		state_free(state);
		return n == 0 ? array : (json_object_put(array), NULL);
	}
	*rows = (struct lazy_rows){build, state, state_free, 0};
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
			state_free(state);
			free(rows);
		}
		json_object_put(array); /* else the last placeholder frees the state */
		return NULL;
	}
	return array;
}
