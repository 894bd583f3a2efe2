/* refcheck's section for Py_TRACE_REFS builds (refchain_doc.c). */
#ifndef RS_COMMANDS_REFCHAIN_DOC_H
#define RS_COMMANDS_REFCHAIN_DOC_H

#include <stdio.h>

#include "command.h"

/* {objects, tracked, untracked, unreadable, unreached_total,
 * unreached_types[] {type, count}, unreached[] {address, type, refcnt, size}}
 * of the refchain; *out NULL for a build without one. */
rs_error *rs_refchain_doc(struct rs_command_context *ctx, json_object **out);
/* Its lines of text, when doc has a refchain. */
void rs_render_refchain(json_object *doc, FILE *out);

#endif
