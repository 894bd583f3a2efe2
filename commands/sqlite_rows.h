/* Rows made by C code, inserted by one SQL statement.
 *
 * Binding, stepping and resetting a prepared INSERT per row costs SQLite a
 * statement start and a reset each time: 0.6 µs a row, most of an export's
 * insert time. Here the rows come from an eponymous virtual table, and a
 * single `INSERT INTO t SELECT * FROM source` runs them all through one
 * statement: the rows never leave SQLite's inner loop. */
#ifndef RS_COMMANDS_SQLITE_ROWS_H
#define RS_COMMANDS_SQLITE_ROWS_H

#include <sqlite3.h>
#include <stdbool.h>

struct rs_sqlite_rows {
	/* The columns, as in CREATE TABLE x(...): "a INTEGER, b TEXT". */
	const char *columns;
	/* Moves to the next row; false when there is none (or on an error the
	 * source keeps for its caller). Called once before the first row. */
	bool (*next)(void *state);
	/* Sets column col of the current row with sqlite3_result_*. */
	void (*column)(void *state, sqlite3_context *ctx, int col);
	void *state;
};

/* Runs "INSERT INTO table SELECT * FROM" the rows: an SQLite result code. */
int rs_sqlite_rows_insert(sqlite3 *db, const char *table, struct rs_sqlite_rows *rows);

#endif
