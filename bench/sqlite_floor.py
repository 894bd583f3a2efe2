"""SQLite's own cost for the rows an export writes (issue 14's yardstick).

Given a database refscope exported, build a new one with the same schema,
PRAGMAs and indexes from the very same rows, copied table by table in their
stored order by INSERT ... SELECT from the exported file (ATTACHed, warm in
the page cache), with the same CREATE INDEX statements at the same points:
the indexes export fills while it inserts (BEFORE_ROWS) before the rows,
the others after. No row is made
outside SQLite, so the time is what SQLite itself needs for this database on
this machine, plus one scan of the exported file: export's time less it is
what refscope spends on its own.

Usage: python3 bench/sqlite_floor.py EXPORTED.db SCRATCH.db
"""
import os
import sqlite3
import sys
import time

PRAGMAS = ("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;"
           "PRAGMA cache_size = -65536;")
# What commands/export_sqlite.c creates before its rows: their keys arrive in
# nearly sorted order (edges by source, objects by address within a type).
BEFORE_ROWS = ("edges_source", "objects_type")


def shape(exported):
    """The exported database's CREATE statements (tables, then indexes), its table names and row counts."""
    db = sqlite3.connect(exported)
    rows = db.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    tables = [(name, sql) for kind, name, sql in rows if kind == "table"]
    indexes = [(name, sql) for kind, name, sql in rows if kind == "index"]
    counts = {name: db.execute('SELECT count(*) FROM "%s"' % name).fetchone()[0] for name, _ in tables}
    db.close()
    return tables, indexes, counts


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def floor_seconds(exported, scratch):
    """(seconds, {table: rows}) of SQLite alone building exported's database again in scratch."""
    tables, indexes, counts = shape(exported)
    if os.path.exists(scratch):
        os.unlink(scratch)
    warm(exported)
    start = time.perf_counter()
    db = sqlite3.connect(scratch, isolation_level=None)
    db.executescript(PRAGMAS + ";".join(sql for _, sql in tables) + ";")
    for name, sql in indexes:
        if name in BEFORE_ROWS:
            db.execute(sql)
    db.execute("ATTACH DATABASE ? AS exported", (exported,))
    db.execute("BEGIN")
    for name, _ in tables:
        db.execute('INSERT INTO main."%s" SELECT * FROM exported."%s"' % (name, name))
    db.execute("COMMIT")
    db.execute("DETACH DATABASE exported")
    for name, sql in indexes:
        if name not in BEFORE_ROWS:
            db.execute(sql)
    db.close()
    seconds = time.perf_counter() - start
    os.unlink(scratch)
    return seconds, counts


if __name__ == "__main__":
    seconds, counts = floor_seconds(sys.argv[1], sys.argv[2])
    print("%.2f s for %s" % (seconds, ", ".join("%d %s" % (n, t) for t, n in counts.items())))
