/* export --format sqlite TARGET FILE: the heap as an SQLite database, to
 * query from sqlite3 or Python:
 *
 *   types(id, name, address, traversal, objects, bytes)
 *   objects(address, type, size, refcnt, generation, retained, dominator, garbage)
 *   edges(source, target, via, conservative)
 *   roots(kind, name, object)
 *
 * objects.type is types.id; addresses are the objects' (id() in the
 * process); dominator is the immediate dominator's address, NULL when a root
 * (or the garbage) alone holds the object; garbage is 1 for what
 * gc.collect() would free. Objects and edges, millions of rows, stream
 * from C through one INSERT ... SELECT each (sqlite_rows.h), the few types
 * and roots through prepared statements, all in one transaction. Both
 * stream in address order (edges by source), so the indexes on
 * objects(type) and edges(source) exist before the rows: their keys arrive
 * nearly sorted and each insert lands on a cached page near the B-tree's
 * end, cheaper than sorting them afterwards. The other indexes on the joins
 * are made at the end, when SQLite sorts their keys once. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "labelled_edges.h"
#include "sqlite_rows.h"

static const char schema[] =
	"PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;"
	"PRAGMA cache_size = -65536;"
	"CREATE TABLE types(id INTEGER PRIMARY KEY, name TEXT NOT NULL, address INTEGER NOT NULL, traversal TEXT,"
	" objects INTEGER NOT NULL, bytes INTEGER NOT NULL);"
	"CREATE TABLE objects(address INTEGER PRIMARY KEY, type INTEGER NOT NULL REFERENCES types(id),"
	" size INTEGER NOT NULL, refcnt INTEGER NOT NULL, generation TEXT, retained INTEGER NOT NULL,"
	" dominator INTEGER, garbage INTEGER NOT NULL);"
	"CREATE TABLE edges(source INTEGER NOT NULL, target INTEGER NOT NULL, via TEXT, conservative INTEGER NOT NULL);"
	"CREATE TABLE roots(kind TEXT NOT NULL, name TEXT NOT NULL, object INTEGER NOT NULL);"
	"CREATE INDEX edges_source ON edges(source);"
	"CREATE INDEX objects_type ON objects(type);"
	"BEGIN;";
static const char indexes[] =
	"COMMIT;"
	"CREATE INDEX edges_target ON edges(target); CREATE INDEX objects_dominator ON objects(dominator);"
	"CREATE INDEX roots_object ON roots(object);";

struct writer {
	struct rs_command_context *ctx;
	const struct rs_dominators *d;
	sqlite3 *db;
	uint32_t *order; /* the objects in address order */
	size_t edges;
};

/* One reference of the edges source's current object. */
struct edge {
	uint32_t target;
	bool conservative;
	const char *via; /* in the labels' scratch, valid until the next object */
};

/* The rows of edges: the references of each object in turn, a buffer of one
 * object's at a time. */
struct edge_rows {
	struct writer *w;
	struct rs_edge_labels scratch;
	uint32_t next_object; /* in the writer's order */
	uint64_t source;
	struct edge *edges;
	size_t n, cap, at;
	bool nomem;
};

static rs_error *db_error(sqlite3 *db, const char *path)
{
	return rs_error_new(RS_ERR_OS, "cannot write %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
}

static int step_reset(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void edge_collect(void *arg, uint32_t target, const char *via, bool conservative, bool hidden)
{
	struct edge_rows *e = arg;
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		struct edge *grown = realloc(e->edges, cap * sizeof(*grown));
		if (!grown) {
			e->nomem = true;
			return;
		}
		e->edges = grown;
		e->cap = cap;
	}
	e->edges[e->n++] = (struct edge){target, conservative, via ? via : hidden ? "(hidden)" : NULL};
}

static bool edge_next(void *state)
{
	struct edge_rows *e = state;
	if (++e->at < e->n)
		return true;
	const struct rs_dominators *d = e->w->d;
	while (!e->nomem && !e->scratch.nomem && e->next_object < d->count) {
		uint32_t i = e->w->order[e->next_object++];
		e->source = rs_heap_objects(e->w->ctx->heap)[i].address;
		e->n = e->at = 0;
		rs_labelled_edges(e->w->ctx, &e->scratch, i, d->count, edge_collect, e);
		if (e->n) {
			e->w->edges += e->n;
			return true;
		}
	}
	return false;
}

static void edge_column(void *state, sqlite3_context *ctx, int col)
{
	struct edge_rows *e = state;
	const struct edge *edge = &e->edges[e->at];
	switch (col) {
	case 0:
		sqlite3_result_int64(ctx, (sqlite3_int64)e->source);
		break;
	case 1:
		sqlite3_result_int64(ctx, (sqlite3_int64)rs_heap_objects(e->w->ctx->heap)[edge->target].address);
		break;
	case 2:
		if (edge->via)
			sqlite3_result_text(ctx, edge->via, -1, SQLITE_STATIC);
		break;
	default:
		sqlite3_result_int(ctx, edge->conservative);
	}
}

static int types_write(struct writer *w)
{
	rs_heap *heap = w->ctx->heap;
	size_t n_types = rs_heap_type_count(heap);
	uint64_t *count = calloc(2 * n_types + 1, sizeof(*count));
	if (!count)
		return SQLITE_NOMEM;
	const struct rs_object *objects = rs_heap_objects(heap);
	for (size_t i = 0; i < w->d->count; i++) {
		count[2 * objects[i].type]++;
		count[2 * objects[i].type + 1] += objects[i].size;
	}
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(w->db, "INSERT INTO types VALUES (?, ?, ?, ?, ?, ?)", -1, &stmt, NULL);
	for (uint32_t t = 0; rc == SQLITE_OK && t < n_types; t++) {
		const struct rs_type *type = rs_heap_type(heap, t);
		sqlite3_bind_int64(stmt, 1, t);
		sqlite3_bind_text(stmt, 2, type->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)type->address);
		sqlite3_bind_text(stmt, 4, rs_traversal_name(rs_heap_type_traversal(heap, t)), -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 5, (sqlite3_int64)count[2 * t]);
		sqlite3_bind_int64(stmt, 6, (sqlite3_int64)count[2 * t + 1]);
		rc = step_reset(stmt);
	}
	sqlite3_finalize(stmt);
	free(count);
	return rc;
}

static const struct rs_object *sort_objects;

static int by_address(const void *a, const void *b)
{
	uint64_t x = sort_objects[*(const uint32_t *)a].address, y = sort_objects[*(const uint32_t *)b].address;
	return (x > y) - (x < y);
}

/* The rows of objects, in address order: the table's key, so that every row
 * is appended to its B-tree. */
struct object_rows {
	struct writer *w;
	const struct rs_garbage *garbage;
	uint32_t at; /* the current row's place in the writer's order, plus one */
};

static bool object_next(void *state)
{
	struct object_rows *r = state;
	return r->at++ < r->w->d->count;
}

static void object_column(void *state, sqlite3_context *ctx, int col)
{
	struct object_rows *r = state;
	const struct rs_dominators *d = r->w->d;
	rs_heap *heap = r->w->ctx->heap;
	const struct rs_object *objects = rs_heap_objects(heap);
	uint32_t i = r->w->order[r->at - 1];
	const struct rs_object *o = &objects[i];
	const char *generation;
	switch (col) {
	case 0:
		sqlite3_result_int64(ctx, (sqlite3_int64)o->address);
		break;
	case 1:
		sqlite3_result_int64(ctx, o->type);
		break;
	case 2:
		sqlite3_result_int64(ctx, o->size);
		break;
	case 3:
		sqlite3_result_int64(ctx, o->refcnt);
		break;
	case 4:
		if ((generation = rs_generation_name(heap, o)))
			sqlite3_result_text(ctx, generation, -1, SQLITE_STATIC);
		break;
	case 5:
		sqlite3_result_int64(ctx, (sqlite3_int64)d->retained[i]);
		break;
	case 6:
		if (d->idom[i] < d->count)
			sqlite3_result_int64(ctx, (sqlite3_int64)objects[d->idom[i]].address);
		break;
	default:
		sqlite3_result_int(ctx, o->generation != RS_GENERATION_UNTRACKED && rs_garbage_contains(r->garbage, i));
	}
}

static uint32_t *address_order(const struct rs_heap *heap, uint32_t count)
{
	uint32_t *order = malloc((count + 1) * sizeof(*order));
	if (!order)
		return NULL;
	for (uint32_t i = 0; i < count; i++)
		order[i] = i;
	sort_objects = rs_heap_objects(heap);
	qsort(order, count, sizeof(*order), by_address);
	return order;
}

static int objects_write(struct writer *w, const struct rs_garbage *garbage)
{
	struct object_rows r = {w, garbage, 0};
	struct rs_sqlite_rows rows = {"address INTEGER, type INTEGER, size INTEGER, refcnt INTEGER, generation TEXT, "
				      "retained INTEGER, dominator INTEGER, garbage INTEGER",
				      object_next, object_column, &r};
	return rs_sqlite_rows_insert(w->db, "objects", &rows);
}

static int roots_write(struct writer *w, const struct rs_roots *roots)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(w->db, "INSERT INTO roots VALUES (?, ?, ?)", -1, &stmt, NULL);
	for (size_t r = 0; rc == SQLITE_OK && r < roots->n_refs; r++) {
		const struct rs_root_ref *ref = &roots->refs[r];
		if (ref->object >= w->d->count)
			continue;
		char name[256];
		rs_root_name(w->ctx->target, roots, ref, name, sizeof(name));
		sqlite3_bind_text(stmt, 1, rs_root_kind_name(ref->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)rs_heap_objects(w->ctx->heap)[ref->object].address);
		rc = step_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int edges_write(struct writer *w)
{
	struct edge_rows e = {.w = w};
	struct rs_sqlite_rows rows = {"source INTEGER, target INTEGER, via TEXT, conservative INTEGER", edge_next,
				      edge_column, &e};
	int rc = rs_sqlite_rows_insert(w->db, "edges", &rows);
	if (e.nomem || e.scratch.nomem)
		rc = SQLITE_NOMEM;
	free(e.edges);
	rs_edge_labels_free(&e.scratch);
	return rc;
}

rs_error *rs_export_sqlite(struct rs_command_context *ctx, const struct rs_dominators *d, const char *path,
			   struct rs_export_counts *counts)
{
	struct rs_roots roots;
	struct rs_garbage garbage;
	rs_error *err = rs_export_roots_garbage(ctx, &roots, &garbage);
	if (err)
		return err;
	struct writer w = {.ctx = ctx, .d = d, .order = address_order(ctx->heap, d->count)};
	int rc = !w.order ? SQLITE_NOMEM : sqlite3_open_v2(path, &w.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w.db, schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = types_write(&w);
	if (rc == SQLITE_OK)
		rc = objects_write(&w, &garbage);
	if (rc == SQLITE_OK)
		rc = roots_write(&w, &roots);
	if (rc == SQLITE_OK)
		rc = edges_write(&w);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w.db, indexes, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		err = rc == SQLITE_NOMEM ? rs_error_nomem() : db_error(w.db, path);
	if (sqlite3_close(w.db) != SQLITE_OK && !err)
		err = rs_error_os(EIO, "cannot write %s", path);
	counts->objects = d->count;
	counts->edges = w.edges;
	free(w.order);
	rs_roots_free(&roots);
	rs_garbage_free(&garbage);
	return err;
}
