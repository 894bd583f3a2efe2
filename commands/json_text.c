#include "json_text.h"

#include <stdlib.h>
#include <string.h>

char *rs_json_text_escaped(const char *s, int flags)
{
	json_object *string = json_object_new_string(s);
	char *text = string ? strdup(json_object_to_json_string_ext(string, flags)) : NULL;
	json_object_put(string);
	return text;
}

void rs_json_text_indent(struct printbuf *pb, int level, int flags)
{
	if (flags & JSON_C_TO_STRING_PRETTY)
		printbuf_memset(pb, -1, (flags & JSON_C_TO_STRING_PRETTY_TAB) ? '\t' : ' ',
				(flags & JSON_C_TO_STRING_PRETTY_TAB) ? level : 2 * level);
}

void rs_json_text_member_start(struct printbuf *pb, bool had_children, int level, int flags)
{
	if (had_children)
		printbuf_strappend(pb, ",");
	if (flags & JSON_C_TO_STRING_PRETTY)
		printbuf_strappend(pb, "\n");
	if ((flags & JSON_C_TO_STRING_SPACED) && !(flags & JSON_C_TO_STRING_PRETTY))
		printbuf_strappend(pb, " ");
	rs_json_text_indent(pb, level, flags);
}

void rs_json_text_key(struct printbuf *pb, const char *key_text, bool first, int level, int flags)
{
	rs_json_text_member_start(pb, !first, level, flags);
	printbuf_memappend(pb, key_text, (int)strlen(key_text));
	if (flags & JSON_C_TO_STRING_SPACED)
		printbuf_strappend(pb, ": ");
	else
		printbuf_strappend(pb, ":");
}

void rs_json_text_field(struct printbuf *pb, const char *key_text, const char *value_text, bool first, int level,
			int flags)
{
	rs_json_text_key(pb, key_text, first, level, flags);
	printbuf_memappend(pb, value_text, (int)strlen(value_text));
}

void rs_json_text_end(struct printbuf *pb, bool had_children, int level, int flags, const char *close)
{
	if (flags & JSON_C_TO_STRING_PRETTY) {
		if (had_children)
			printbuf_strappend(pb, "\n");
		rs_json_text_indent(pb, level, flags);
	}
	if ((flags & JSON_C_TO_STRING_SPACED) && !(flags & JSON_C_TO_STRING_PRETTY))
		printbuf_strappend(pb, " ");
	printbuf_memappend(pb, close, 1);
}

/* json-c begins every array with a newline when pretty, which the first
 * member's start would have printed. */
void rs_json_text_array_end(struct printbuf *pb, bool had_children, int level, int flags)
{
	if (!had_children && (flags & JSON_C_TO_STRING_PRETTY))
		printbuf_strappend(pb, "\n");
	rs_json_text_end(pb, had_children, level, flags, "]");
}
