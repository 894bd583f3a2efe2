/* --type NAME: the types a name means (tp_name, or module.qualname of a
 * class), and the closest names when it means none. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "target.h"

#define CLOSEST 3

/* Which types --type names: tp_name, or module.qualname of a class. */
static void types_wanted(struct rs_command_context *ctx, bool *wanted, bool *named)
{
	size_t n_types = rs_heap_type_count(ctx->heap);
	for (uint32_t t = 0; t < n_types; t++) {
		const char *name = rs_heap_type(ctx->heap, t)->name;
		size_t len = strlen(name);
		for (size_t k = 0; k < ctx->opts.n_types; k++) {
			const char *want = ctx->opts.types[k];
			size_t want_len = strlen(want);
			bool match = strcmp(want, name) == 0;
			char full[600];
			/* app.models.User: a class whose tp_name is User (or Outer.User's) */
			if (!match && want_len > len && want[want_len - len - 1] == '.' &&
			    strcmp(want + want_len - len, name) == 0 &&
			    rs_heap_type_qualified_name(ctx->target, ctx->heap, t, full, sizeof(full)))
				match = strcmp(full, want) == 0;
			if (match)
				wanted[t] = named[k] = true;
		}
	}
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[128];
	if (lb >= sizeof(row) / sizeof(row[0]))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diagonal + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diagonal = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* A warning naming the closest type names of the heap to want. */
static void closest_warn(struct rs_command_context *ctx, const char *want)
{
	size_t n_types = rs_heap_type_count(ctx->heap), best[CLOSEST];
	const char *names[CLOSEST] = {NULL};
	for (size_t k = 0; k < CLOSEST; k++)
		best[k] = SIZE_MAX;
	for (uint32_t t = 0; t < n_types; t++) {
		const char *name = rs_heap_type(ctx->heap, t)->name;
		size_t d = edit_distance(want, name);
		bool seen = false;
		for (size_t k = 0; k < CLOSEST; k++)
			seen |= names[k] && strcmp(names[k], name) == 0;
		for (size_t k = 0; k < CLOSEST && !seen; k++) {
			if (d < best[k]) {
				memmove(best + k + 1, best + k, (CLOSEST - k - 1) * sizeof(*best));
				memmove(names + k + 1, names + k, (CLOSEST - k - 1) * sizeof(*names));
				best[k] = d;
				names[k] = name;
				break;
			}
		}
	}
	rs_diag_add(&ctx->target->diag, "no type named '%s' in this heap; closest: %s%s%s%s%s", want,
		    names[0] ? names[0] : "none", names[1] ? ", " : "", names[1] ? names[1] : "", names[2] ? ", " : "",
		    names[2] ? names[2] : "");
}

bool *rs_types_named(struct rs_command_context *ctx)
{
	bool *types = calloc(rs_heap_type_count(ctx->heap) + 1, sizeof(*types)), named[RS_TYPES_MAX] = {false};
	if (!types)
		return NULL;
	types_wanted(ctx, types, named);
	for (size_t k = 0; k < ctx->opts.n_types; k++)
		if (!named[k])
			closest_warn(ctx, ctx->opts.types[k]);
	return types;
}
