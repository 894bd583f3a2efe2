#include "sqlite_rows.h"

#include <stdio.h>
#include <string.h>

struct rows_table {
	sqlite3_vtab base;
	struct rs_sqlite_rows *rows;
};

struct rows_cursor {
	sqlite3_vtab_cursor base;
	struct rs_sqlite_rows *rows;
	sqlite3_int64 rowid;
	bool eof;
};

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **vtab,
			char **errmsg)
{
	struct rs_sqlite_rows *rows = aux;
	char *schema = sqlite3_mprintf("CREATE TABLE x(%s)", rows->columns);
	if (!schema)
		return SQLITE_NOMEM;
	int rc = sqlite3_declare_vtab(db, schema);
	sqlite3_free(schema);
	if (rc != SQLITE_OK)
		return rc;
	struct rows_table *table = sqlite3_malloc(sizeof(*table));
	if (!table)
		return SQLITE_NOMEM;
	memset(table, 0, sizeof(*table));
	table->rows = rows;
	*vtab = &table->base;
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vtab)
{
	sqlite3_free(vtab);
	return SQLITE_OK;
}

static int rows_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info)
{
	info->estimatedCost = 1e9;
	return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **cursor)
{
	struct rows_cursor *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->rows = ((struct rows_table *)vtab)->rows;
	*cursor = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cursor)
{
	sqlite3_free(cursor);
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cursor)
{
	struct rows_cursor *c = (struct rows_cursor *)cursor;
	c->eof = !c->rows->next(c->rows->state);
	c->rowid++;
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cursor, int idx_num, const char *idx_str, int argc,
		       sqlite3_value **argv)
{
	((struct rows_cursor *)cursor)->rowid = 0;
	return rows_next(cursor);
}

static int rows_eof(sqlite3_vtab_cursor *cursor)
{
	return ((struct rows_cursor *)cursor)->eof;
}

static int rows_column(sqlite3_vtab_cursor *cursor, sqlite3_context *ctx, int col)
{
	struct rows_cursor *c = (struct rows_cursor *)cursor;
	c->rows->column(c->rows->state, ctx, col);
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cursor, sqlite3_int64 *rowid)
{
	*rowid = ((struct rows_cursor *)cursor)->rowid;
	return SQLITE_OK;
}

/* xCreate NULL: an eponymous-only table, read by its module's name. */
static const sqlite3_module rows_module = {
	.xConnect = rows_connect,
	.xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect,
	.xOpen = rows_open,
	.xClose = rows_close,
	.xFilter = rows_filter,
	.xNext = rows_next,
	.xEof = rows_eof,
	.xColumn = rows_column,
	.xRowid = rows_rowid,
};

int rs_sqlite_rows_insert(sqlite3 *db, const char *table, struct rs_sqlite_rows *rows)
{
	static const char name[] = "rs_rows_source";
	int rc = sqlite3_create_module_v2(db, name, &rows_module, rows, NULL);
	if (rc != SQLITE_OK)
		return rc;
	char *sql = sqlite3_mprintf("INSERT INTO \"%w\" SELECT * FROM %s", table, name);
	rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	int dropped = sqlite3_create_module_v2(db, name, NULL, NULL, NULL);
	return rc != SQLITE_OK ? rc : dropped;
}
