/* Pieces of JSON text as json-c prints them (json_object_to_json_string_ext,
 * any flags), for printers that write the large parts of a document
 * straight from refscope's arrays, with no json-c object for each part. */
#ifndef RS_COMMANDS_JSON_TEXT_H
#define RS_COMMANDS_JSON_TEXT_H

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stdbool.h>

/* json-c's own escaping of s, quotes included: what it prints for a string
 * holding it. NULL when out of memory; free() it. */
char *rs_json_text_escaped(const char *s, int flags);

void rs_json_text_indent(struct printbuf *pb, int level, int flags);

/* As json-c begins each member of an object or array at level: after a
 * comma but for the first, on a line of its own when pretty. */
void rs_json_text_member_start(struct printbuf *pb, bool had_children, int level, int flags);

/* A member of an object at level, key_text being the key's escaped text
 * with its quotes, and its value to follow. */
void rs_json_text_key(struct printbuf *pb, const char *key_text, bool first, int level, int flags);

/* The same with the value's text. */
void rs_json_text_field(struct printbuf *pb, const char *key_text, const char *value_text, bool first, int level,
			int flags);

/* The end of an object or array begun at level: close is "}" or "]". An
 * empty array has its own: rs_json_text_array_end. */
void rs_json_text_end(struct printbuf *pb, bool had_children, int level, int flags, const char *close);
void rs_json_text_array_end(struct printbuf *pb, bool had_children, int level, int flags);

#endif
