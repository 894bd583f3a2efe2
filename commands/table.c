#include <stdlib.h>
#include <string.h>

#include "command.h"

struct rs_table {
	size_t columns, rows, capacity;
	char **cells;         /* rows * columns, row 0 the headers */
	const char *align;    /* one 'l' or 'r' per column */
};

struct rs_table *rs_table_new(size_t columns, const char *const *headers, const char *align)
{
	struct rs_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->columns = columns;
	t->align = align;
	rs_table_row(t, headers);
	return t;
}

void rs_table_row(struct rs_table *t, const char *const *cells)
{
	if (!t)
		return;
	if (t->rows == t->capacity) {
		size_t cap = t->capacity ? 2 * t->capacity : 16;
		char **grown = realloc(t->cells, cap * t->columns * sizeof(*grown));
		if (!grown)
			return;
		t->cells = grown;
		t->capacity = cap;
	}
	for (size_t c = 0; c < t->columns; c++)
		t->cells[t->rows * t->columns + c] = strdup(cells[c] ? cells[c] : "");
	t->rows++;
}

void rs_table_print(struct rs_table *t, FILE *out, const char *indent)
{
	if (!t)
		return;
	size_t width[32] = {0};
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->columns && c < 32; c++) {
			const char *cell = t->cells[r * t->columns + c];
			size_t len = cell ? strlen(cell) : 0;
			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r < t->rows; r++) {
		size_t used = t->columns; /* no blanks after the last non-empty cell */
		while (used > 1 && (!t->cells[r * t->columns + used - 1] || !*t->cells[r * t->columns + used - 1]))
			used--;
		fputs(indent, out);
		for (size_t c = 0; c < used; c++) {
			const char *cell = t->cells[r * t->columns + c];
			bool last = c + 1 == used;
			if (t->align[c] == 'r')
				fprintf(out, "%*s", (int)width[c], cell ? cell : "");
			else if (last) /* no trailing blanks */
				fputs(cell ? cell : "", out);
			else
				fprintf(out, "%-*s", (int)width[c], cell ? cell : "");
			fputs(last ? "\n" : "  ", out);
		}
	}
}

void rs_table_free(struct rs_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * t->columns; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
