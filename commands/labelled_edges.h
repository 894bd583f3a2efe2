/* The references of an object as the graph has them (the edges the
 * dominator tree and garbage use), each with the label refs gives it:
 * what the exports write. */
#ifndef RS_COMMANDS_LABELLED_EDGES_H
#define RS_COMMANDS_LABELLED_EDGES_H

#include "command.h"

/* Scratch memory reused from one object to the next. */
struct rs_edge_labels {
	char *pool;
	size_t len, cap;
	uint32_t *offsets;
	bool *conservative;
	size_t n, n_cap;
	bool nomem;
};

/* fn gets each reference of object i to an object of the graph (index <
 * count): its label ("[3]", "['key']", ".attr", "+0x18 (conservative)"),
 * or NULL when refs and the graph disagree (the object changed between
 * reads), whether it was found conservatively; then the hidden references
 * (hidden true, label NULL). */
typedef void (*rs_edge_fn)(void *arg, uint32_t target, const char *via, bool conservative, bool hidden);
void rs_labelled_edges(struct rs_command_context *ctx, struct rs_edge_labels *scratch, uint32_t i, size_t count,
		       rs_edge_fn fn, void *arg);
void rs_edge_labels_free(struct rs_edge_labels *scratch);

#endif
