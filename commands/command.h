/* Commands: each turns a target's snapshot into a JSON document (the rows),
 * which is printed as it is for --json or rendered as text tables. The CLI
 * and the gdb extension only parse arguments and call these. */
#ifndef RS_COMMANDS_COMMAND_H
#define RS_COMMANDS_COMMAND_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "ref_list.h"
#include "refscope.h"
#include "util/error.h"

enum rs_sort { RS_SORT_BYTES, RS_SORT_COUNT, RS_SORT_SIZE, RS_SORT_RETAINED, RS_SORT_REFCNT };

#define RS_TYPES_MAX 16

struct rs_command_options {
	int top;              /* rows to show; 0: the command's default */
	bool top_given;
	enum rs_sort sort;
	bool sort_given;
	int min_size;         /* cycles: smallest cycle shown; objects: smallest size */
	const char *types[RS_TYPES_MAX]; /* objects --type */
	size_t n_types;
	const char *generation; /* objects --generation: 0, 1, 2 (a name), permanent or untracked */
	bool garbage_only, reachable_only; /* objects --garbage, --reachable */
	int depth;            /* top: levels below the roots (0: the default) */
	double min_percent;   /* top: smallest retained share shown */
	bool min_percent_given;
	double threshold;     /* suspects: smallest retained share reported */
	bool threshold_given;
	bool retained;        /* summary --retained */
	const char *rules;    /* audit --rules FILE */
	const char *format;   /* export --format FORMAT */
	double interval;      /* diff --interval SECONDS: 0 when not given */
	bool dot;             /* Graphviz DOT instead of text */
	bool json;            /* the document is printed as it is (set by rs_command_run); text
			       * shows only the first rows, so only those are built */
	void (*progress)(uint64_t seen, void *arg);
	void *progress_arg;
};

struct rs_command_context {
	rs_target *target;
	rs_heap *heap;        /* walked on first need, kept for the next command */
	struct rs_command_options opts;
	const char *target_label; /* the core path, or "pid N" */
	uint64_t address;     /* ADDR of show, refs, referrers, path */
	const uint64_t *addresses; /* every ADDR given (refs takes several); addresses[0] == address */
	size_t n_addresses;
	struct rs_dominators *dominators; /* the dominator tree of heap, kept with it (rs_dominators_of_session) */
	int verdict;          /* set by a command: RS_VERDICT_BROKEN when an audit rule broke */
	const char *file;     /* FILE after the target (export) */
	const char *before;   /* diff: the core BEFORE, or NULL (--interval) */
	const struct rs_open_options *open; /* how the target was opened (diff opens another like it) */
};

#define RS_VERDICT_BROKEN 3 /* the exit status of an audit with a broken rule */

/* An ADDR given as @ID, a node id of a heap snapshot export (export.c):
 * rs_command_run turns it into the object's address once the graph is
 * built. Node ids are 2 * index + 1 below 2^32. */
#define RS_ADDRESS_NODE_ID (1ull << 63)
static inline uint64_t rs_node_id(uint32_t index)
{
	return 2 * (uint64_t)index + 1;
}

struct rs_command {
	const char *name;
	const char *summary;
	bool needs_heap;
	bool needs_address;   /* takes ADDR after the target */
	bool many_addresses;  /* and more ADDRs after it */
	bool needs_file;      /* takes FILE after the target */
	bool needs_before;    /* takes a core BEFORE the target (unless --interval) */
	rs_error *(*build)(struct rs_command_context *ctx, json_object **out);
	void (*render)(json_object *doc, const struct rs_command_options *opts, FILE *out);
	void (*dot)(struct rs_command_context *ctx, json_object *doc, FILE *out); /* NULL: no picture */
};

const struct rs_command *rs_command_find(const char *name);
extern const struct rs_command *const rs_commands[];

/* Runs a command: walks the heap if needed, builds its document, then writes
 * it (text or JSON) to out in one piece. Warnings go into the document. */
rs_error *rs_command_run(const struct rs_command *cmd, struct rs_command_context *ctx, bool json,
			 FILE *out);

/* Shared pieces of documents (document.c). */
json_object *rs_doc_python(const rs_target *target);
json_object *rs_doc_generation(const struct rs_generation *gen, bool with_counters);
/* {enabled, collecting, generations[], permanent, objects, bytes} */
json_object *rs_doc_interpreter_gc(const struct rs_interpreter *it);
const char *rs_layout_source_name(enum rs_layout_source source);
char *rs_format_address(uint64_t address, char buf[19]);
void rs_format_bytes(uint64_t bytes, char *buf, size_t size);

/* "none", "exact" or "conservative". */
const char *rs_traversal_name(enum rs_type_traversal traversal);
/* How many tracked objects were scanned conservatively, into doc as
 * conservative_objects, and the types that had most of them as
 * conservative_types[] {type, objects} (the largest five). */
void rs_doc_conservative_add(json_object *doc, rs_heap *heap);
/* Their one line of text, when there are any. */
void rs_render_conservative(json_object *doc, FILE *out);

/* Aligned text tables (table.c). */
struct rs_table;
struct rs_table *rs_table_new(size_t columns, const char *const *headers, const char *align);
void rs_table_row(struct rs_table *table, const char *const *cells);
void rs_table_print(struct rs_table *table, FILE *out, const char *indent);
void rs_table_free(struct rs_table *table);

/* The object at ctx->address, or an error saying it is none (exit 2). */
rs_error *rs_command_object(struct rs_command_context *ctx, uint32_t *index);
/* Several ADDRs (show, refs): *out = {objects[]}, doc's document of each, in
 * the order given; an address that is no object gets a warning and a row
 * {address, type: null} (and null_key: null when given). */
rs_error *rs_command_objects_each(struct rs_command_context *ctx,
				  rs_error *(*doc)(struct rs_command_context *ctx, uint32_t index, json_object **out),
				  const char *null_key, json_object **out);
json_object *rs_doc_object_ref(const rs_heap *heap, uint32_t index);
/* Names for ref lists (ref_list.h) of the heap's objects. */
struct rs_ref_names *rs_doc_ref_names(const rs_heap *heap, const char *extra_key);
/* The refs of members, as rs_doc_object_ref gives each. NULL when out of memory. */
json_object *rs_doc_object_refs(const rs_heap *heap, const uint32_t *members, size_t n);
/* The members' refs as the items of a ref list (an rs_ref_item_fn), arg
 * being rs_doc_members. */
struct rs_doc_members {
	const rs_heap *heap;
	const uint32_t *members;
};
struct rs_ref_item;
void rs_doc_member_item(const void *arg, size_t i, struct rs_ref_item *out);
/* root {kind, name} and path[] {address, type, via} of a shortest chain
 * from a named root to object index, added to doc (path.c). */
rs_error *rs_doc_path_add(struct rs_command_context *ctx, uint32_t index, json_object *doc);
/* Per type of the heap, whether --type names it (type_filter.c); each
 * name that names no type gets a warning with the closest names. NULL when
 * out of memory. */
bool *rs_types_named(struct rs_command_context *ctx);
/* "module", "frame", ... of an enum rs_root_kind, as documents name it. */
const char *rs_root_kind_name(unsigned kind);
/* The name of the object's generation ("0", "young", "permanent"), or
 * NULL (JSON null) when it is untracked. */
const char *rs_generation_name(const rs_heap *heap, const struct rs_object *o);
json_object *rs_doc_generation_name(const rs_heap *heap, const struct rs_object *o);
/* Adds row (an object reference) to rows with its via, marked when conservative. */
void rs_doc_reference_add(json_object *rows, json_object *row, const char *via, bool conservative);

extern const struct rs_command rs_command_info, rs_command_gc, rs_command_summary, rs_command_layout,
	rs_command_show, rs_command_refs, rs_command_referrers, rs_command_refcheck, rs_command_path, rs_command_cycles, rs_command_garbage, rs_command_dominators, rs_command_objects, rs_command_retainers, rs_command_top, rs_command_suspects, rs_command_audit, rs_command_export, rs_command_diff;

/* The immediate dominator of object index as show gives it: {address, type},
 * or {kind, name} of the root (or garbage) when no single object is; NULL
 * when nothing reaches the object (dominators.c). */
json_object *rs_doc_dominator(struct rs_command_context *ctx, const struct rs_dominators *d, uint32_t index);
/* An object whose reference count the heap and the named roots do not
 * explain (refcheck.c). cause: 0 a class, 1 nothing refers to it, 2
 * referred to and held once more. */
struct rs_refcount_suspect {
	uint32_t object;
	uint32_t heap_refs, root_refs;
	uint32_t holder; /* the first object found referring to it, or RS_NO_OBJECT */
	uint8_t cause;
	int64_t external;
};
/* Every such object of ctx->heap, most unexplained references first; the
 * caller frees *out. */
rs_error *rs_refcount_suspects(struct rs_command_context *ctx, struct rs_refcount_suspect **out, size_t *count);

/* Bit i of a per-object bitmap. */
static inline bool rs_bit(const uint64_t *bits, size_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}
/* The shortest chains from the roots to every selected object (a bitmap
 * over the first n_selected objects of ctx->heap: finding the roots may
 * adopt more), merged into retainers' tree, as JSON (the "retainers"
 * array), with how many objects and bytes were selected; and one node of
 * such a tree as indented text (retainers.c). */
rs_error *rs_retainers_tree(struct rs_command_context *ctx, const uint64_t *selected, size_t n_selected,
			    json_object **tree, uint64_t *objects, uint64_t *bytes);
void rs_retainers_render_node(json_object *node, int depth, FILE *out);

/* The dominator tree of ctx->heap: computed on first need into
 * ctx->dominators, which the session keeps with the heap, so that the
 * commands after the first (in gdb) do not build it again (dominators.c). */
rs_error *rs_dominators_of_session(struct rs_command_context *ctx, const struct rs_dominators **out);
/* The same from the roots the caller has (rs_heap_roots' answer), their
 * counts freed either way. */
rs_error *rs_dominators_of_session_roots(struct rs_command_context *ctx, struct rs_roots *roots,
					 const struct rs_dominators **out);

/* How many of n rows a command shows: what --top asks for (at most n);
 * without it, all of them in JSON, dot_default in a picture and
 * text_default in text. */
size_t rs_rows_shown(const struct rs_command_options *opts, size_t n, size_t text_default, size_t dot_default);

#endif
