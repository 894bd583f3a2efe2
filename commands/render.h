/* Text rendering pieces shared by several commands. */
#ifndef RS_COMMANDS_RENDER_H
#define RS_COMMANDS_RENDER_H

#include "command.h"

const char *rs_json_str(json_object *o, const char *key);
int64_t rs_json_int(json_object *o, const char *key);
bool rs_json_bool(json_object *o, const char *key);

void rs_render_gc_table(json_object *interp, FILE *out, const char *indent);
void rs_render_warnings(json_object *doc, FILE *out);
json_object *rs_doc_group_types(const rs_heap *heap, const uint32_t *members, size_t n);
void rs_render_group_types(json_object *group, char *buf, size_t size);
void rs_render_group_table(json_object *groups, size_t shown, int64_t total, const char *what, const char *header,
			   const char *(*column)(json_object *group), FILE *out);

/* text inside a DOT string: quotes and backslashes escaped, newlines as
 * spaces, cut after max characters (dot.c). */
void rs_dot_escaped(FILE *out, const char *text, size_t max);
/* Graphviz DOT of the groups under doc[key] (dot.c). */
void rs_dot_groups(struct rs_command_context *ctx, json_object *doc, const char *key, const char *name, FILE *out);

/* A table of {via, address, type} rows under doc[key]. */
void rs_render_references(json_object *doc, const char *key, const char *what, FILE *out);

/* err from rs_heap_references of object index: when the object could not
 * be read whole (a fault, corrupt data), what was visited stands and a
 * warning names the object; NULL is returned then. Other errors come back. */
rs_error *rs_command_references_cut(struct rs_command_context *ctx, uint32_t index, rs_error *err);

#endif
