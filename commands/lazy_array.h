/* A JSON array whose rows are printed only while the document is written,
 * one at a time, straight from the analysis' arrays: the rows of a large
 * answer (every cycle, every garbage group, each with its members) are
 * never json-c objects, nor all in memory as text. A printer gives the text
 * json-c gives the row built as objects. Code reading the document sees an
 * empty array: use it for --json. */
#ifndef RS_COMMANDS_LAZY_ARRAY_H
#define RS_COMMANDS_LAZY_ARRAY_H

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stddef.h>
#include <stdio.h>

/* Prints row i into pb at level, in the text json-c gives the row built as
 * objects; -1 when out of memory. */
typedef int rs_lazy_row_print_fn(void *state, size_t i, struct printbuf *pb, int level, int flags);

/* An array of n rows, row i printed by print(state, i, ...).
 * state_free(state) runs when the array is freed. NULL when out of memory
 * (state_free has run then too). */
json_object *rs_lazy_array_printed(size_t n, rs_lazy_row_print_fn *print, void *state,
				   void (*state_free)(void *state));

/* A flag for json_object_to_json_string_ext (json-c passes its flags on to
 * serializers untouched): a lazy array prints as a short marker, not as its
 * text, and rs_lazy_text_write then prints the text, the rows one by one
 * when it reaches the marker. The answer is then never all in memory as text:
 * the text of every cycle of a large heap was twice the size of its graph. */
#define RS_LAZY_ROWS_AS_MARKERS (1 << 30)

/* Writes text printed with RS_LAZY_ROWS_AS_MARKERS to out, each marker
 * replaced by its array's text; -1 when a row cannot be printed. */
int rs_lazy_text_write(const char *text, FILE *out);

#endif
