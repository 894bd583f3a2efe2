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
 * gc.collect() would free. Rows go in through prepared statements in one
 * transaction, the indexes on the joins are made at the end. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "labelled_edges.h"

static const char schema[] =
	"PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;"
	"PRAGMA cache_size = -65536; PRAGMA page_size = 16384;"
	"CREATE TABLE types(id INTEGER PRIMARY KEY, name TEXT NOT NULL, address INTEGER NOT NULL, traversal TEXT,"
	" objects INTEGER NOT NULL, bytes INTEGER NOT NULL);"
	"CREATE TABLE objects(address INTEGER PRIMARY KEY, type INTEGER NOT NULL REFERENCES types(id),"
	" size INTEGER NOT NULL, refcnt INTEGER NOT NULL, generation TEXT, retained INTEGER NOT NULL,"
	" dominator INTEGER, garbage INTEGER NOT NULL);"
	"CREATE TABLE edges(source INTEGER NOT NULL, target INTEGER NOT NULL, via TEXT, conservative INTEGER NOT NULL);"
	"CREATE TABLE roots(kind TEXT NOT NULL, name TEXT NOT NULL, object INTEGER NOT NULL);"
	"BEGIN;";
static const char indexes[] =
	"COMMIT;"
	"CREATE INDEX edges_source ON edges(source); CREATE INDEX edges_target ON edges(target);"
	"CREATE INDEX objects_type ON objects(type); CREATE INDEX objects_dominator ON objects(dominator);"
	"CREATE INDEX roots_object ON roots(object);";

struct writer {
	struct rs_command_context *ctx;
	const struct rs_dominators *d;
	sqlite3 *db;
	sqlite3_stmt *edge;
	uint64_t source;
	size_t edges;
	int rc;
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

static void edge_row(void *arg, uint32_t target, const char *via, bool conservative, bool hidden)
{
	struct writer *w = arg;
	if (w->rc != SQLITE_OK)
		return;
	sqlite3_bind_int64(w->edge, 1, (sqlite3_int64)w->source);
	sqlite3_bind_int64(w->edge, 2, (sqlite3_int64)rs_heap_objects(w->ctx->heap)[target].address);
	if (via || hidden)
		sqlite3_bind_text(w->edge, 3, via ? via : "(hidden)", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(w->edge, 4, conservative);
	w->rc = step_reset(w->edge);
	w->edges++;
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

/* In address order: the table's key, so every row is appended to its B-tree. */
static int objects_write(struct writer *w, const struct rs_garbage *garbage)
{
	rs_heap *heap = w->ctx->heap;
	const struct rs_object *objects = rs_heap_objects(heap);
	uint32_t *order = malloc((w->d->count + 1) * sizeof(*order));
	if (!order)
		return SQLITE_NOMEM;
	for (uint32_t i = 0; i < w->d->count; i++)
		order[i] = i;
	sort_objects = objects;
	qsort(order, w->d->count, sizeof(*order), by_address);
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(w->db, "INSERT INTO objects VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL);
	for (uint32_t k = 0; rc == SQLITE_OK && k < w->d->count; k++) {
		uint32_t i = order[k];
		const struct rs_object *o = &objects[i];
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)o->address);
		sqlite3_bind_int64(stmt, 2, o->type);
		sqlite3_bind_int64(stmt, 3, o->size);
		sqlite3_bind_int64(stmt, 4, o->refcnt);
		json_object *generation = rs_doc_generation_name(heap, o);
		if (generation)
			sqlite3_bind_text(stmt, 5, json_object_get_string(generation), -1, SQLITE_TRANSIENT);
		json_object_put(generation);
		sqlite3_bind_int64(stmt, 6, (sqlite3_int64)w->d->retained[i]);
		if (w->d->idom[i] < w->d->count)
			sqlite3_bind_int64(stmt, 7, (sqlite3_int64)objects[w->d->idom[i]].address);
		sqlite3_bind_int(stmt, 8, o->generation != RS_GENERATION_UNTRACKED && rs_garbage_contains(garbage, i));
		rc = step_reset(stmt);
	}
	sqlite3_finalize(stmt);
	free(order);
	return rc;
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
	struct rs_edge_labels scratch = {0};
	w->rc = sqlite3_prepare_v2(w->db, "INSERT INTO edges VALUES (?, ?, ?, ?)", -1, &w->edge, NULL);
	for (uint32_t i = 0; w->rc == SQLITE_OK && i < w->d->count; i++) {
		w->source = rs_heap_objects(w->ctx->heap)[i].address;
		rs_labelled_edges(w->ctx, &scratch, i, w->d->count, edge_row, w);
	}
	sqlite3_finalize(w->edge);
	int rc = scratch.nomem ? SQLITE_NOMEM : w->rc;
	rs_edge_labels_free(&scratch);
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
	struct writer w = {.ctx = ctx, .d = d};
	int rc = sqlite3_open_v2(path, &w.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
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
	rs_roots_free(&roots);
	rs_garbage_free(&garbage);
	return err;
}
