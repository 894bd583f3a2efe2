/* The dominator tree as top and suspects walk it (dominator_tree.c). */
#ifndef RS_COMMANDS_DOMINATOR_TREE_H
#define RS_COMMANDS_DOMINATOR_TREE_H

#include "render.h"

/* The children of the virtual root held by one root (same kind and name). */
#define RS_ROOT_GROUP_EXTERNAL UINT32_MAX
#define RS_ROOT_GROUP_IMMORTAL (UINT32_MAX - 1)
struct rs_root_group {
	uint32_t ref;          /* a root reference of the group, or one of the two above */
	uint32_t first, count; /* members: group_members[first .. first+count) */
	uint64_t retained;
};

struct rs_dom_tree {
	const struct rs_dominators *d; /* the session's (rs_dominators_of_session) */
	struct rs_roots roots;
	uint32_t *start, *child;  /* children of object i: child[start[i] .. start[i+1]) */
	uint32_t *garbage;        /* the children of the garbage pseudo-root */
	size_t n_garbage;
	struct rs_root_group *groups; /* largest retained first */
	size_t n_groups;
	uint32_t *group_members;
};

/* The session's dominator tree (the graph built first if need be), with
 * each node's children and the root's groups. */
rs_error *rs_dom_tree_build(struct rs_command_context *ctx, struct rs_dom_tree *t);
void rs_dom_tree_free(struct rs_dom_tree *t);

/* The kind of root a group is ("module", "external", ...) and its name into name. */
const char *rs_dom_tree_group_name(rs_target *target, const struct rs_dom_tree *t, const struct rs_root_group *g,
				   char *name, size_t size);

/* Eclipse MAT's retained heap of each type, per summary row: the retained
 * sizes of the row's instances that no other instance of the row (same
 * type, both tracked or both untracked) dominates, added into
 * per_row[2 * type + untracked]. */
bool rs_dom_tree_type_retained(const struct rs_dom_tree *t, const rs_heap *heap, uint64_t *per_row);

/* The first max of the list (n objects) sorted by retained size, largest
 * first, into out (which may be list); returns how many that is. */
size_t rs_dom_tree_largest(const struct rs_dom_tree *t, const uint32_t *list, size_t n, uint32_t *out, size_t max);

#endif
