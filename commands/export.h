/* The export formats (export.c writes heapsnapshot and dispatches). */
#ifndef RS_COMMANDS_EXPORT_H
#define RS_COMMANDS_EXPORT_H

#include "render.h"

struct rs_export_counts {
	size_t objects, edges;
};

/* The roots and the garbage of ctx's heap, both or neither. */
rs_error *rs_export_roots_garbage(struct rs_command_context *ctx, struct rs_roots *roots, struct rs_garbage *garbage);

/* The heap as an SQLite database at path (export_sqlite.c). */
rs_error *rs_export_sqlite(struct rs_command_context *ctx, const struct rs_dominators *d, const char *path,
			   struct rs_export_counts *counts);

#endif
