"""Landing source extracts in schema raw with COPY, as a loader would: text columns as delivered,
plus the batch id, load timestamp and row number on every row, and a batch register."""

from __future__ import annotations

import csv
import json
import datetime as dt
import io
from pathlib import Path

import numpy as np

from virta.db import Connection
from virta.errors import VirtaError
from virta.vault.model import load as load_concept_model

RAW_SCHEMA = "raw"


def raw_columns() -> dict[str, list[str]]:
    """Raw table -> delivered columns, from the source mappings (the one place they are declared)."""
    model = load_concept_model()
    return {t.name: list(t.columns) for s in model.systems.values() for t in s.tables.values()}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_schema(cur) -> None:
    cur.execute(f"create schema if not exists {RAW_SCHEMA}")
    cur.execute(f"""
        create table if not exists {RAW_SCHEMA}._batches (
            batch_id bigint primary key,
            delivered_on date not null,
            loaded_at timestamptz not null,
            description text,
            row_counts jsonb not null
        )""")
    for table, columns in raw_columns().items():
        cols = ", ".join(f"{_ident(c)} text" for c in columns)
        cur.execute(f"create table if not exists {RAW_SCHEMA}.{_ident(table)} "
                    f"(_batch_id bigint not null, _loaded_at timestamptz not null, _row_no bigint not null, {cols})")
        cur.execute(f"create index if not exists {table}__batch on {RAW_SCHEMA}.{_ident(table)} (_batch_id)")


def drop_raw(conn: Connection) -> None:
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute(f"drop schema if exists {RAW_SCHEMA} cascade")


def next_batch_id(cur) -> int:
    cur.execute(f"select coalesce(max(batch_id), 0) + 1 from {RAW_SCHEMA}._batches")
    return cur.fetchone()[0]


def loaded_batches(conn: Connection) -> list[int]:
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute(f"select to_regclass('{RAW_SCHEMA}._batches') is not null")
        if not cur.fetchone()[0]:
            return []
        cur.execute(f"select batch_id from {RAW_SCHEMA}._batches order by 1")
        return [b for (b,) in cur.fetchall()]


def load_batch(conn: Connection, tables: dict[str, dict[str, np.ndarray]], delivered_on: dt.date,
               description: str, csv_dir: Path | None = None, loaded_at: dt.datetime | None = None,
               batch_id: int | None = None, pg=None) -> int:
    """Load one delivery (every table of it) as one batch, in one transaction. Returns the batch id.

    loaded_at defaults to now; simulated deliveries pass their own. batch_id defaults to the next one.
    """
    known = raw_columns()
    own = pg is None  # callers loading many batches pass one open connection
    pg = pg or conn.connect()
    try:
        with pg, pg.cursor() as cur:
            if own:
                ensure_schema(cur)
            expected = next_batch_id(cur)
            if batch_id is not None and batch_id != expected:
                raise VirtaError(f"batch {batch_id} cannot be loaded now: raw holds batches up to {expected - 1}",
                                 hint="batches are loaded in order, each once")
            batch_id = expected
            loaded_at = loaded_at or dt.datetime.now(dt.timezone.utc)
            counts = {}
            for name, table in sorted(tables.items()):
                if name not in known:
                    raise ValueError(f"raw table {name} is not declared in concept_model/sources")
                columns = known[name]
                missing = set(columns) - set(table)
                if missing:
                    raise ValueError(f"raw table {name}: the extract lacks columns {sorted(missing)}")
                n = len(table[columns[0]])
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator="\n")
                stamp = loaded_at.isoformat()
                data = [table[c] for c in columns]
                for i in range(n):
                    writer.writerow([batch_id, stamp, i + 1] + [("" if v[i] is None else v[i]) for v in data])
                if csv_dir is not None:
                    csv_dir.mkdir(parents=True, exist_ok=True)
                    with (csv_dir / f"{name}__batch{batch_id:05d}.csv").open("w", newline="") as fh:
                        fh.write(",".join(["_batch_id", "_loaded_at", "_row_no"] + columns) + "\n")
                        fh.write(buf.getvalue())
                buf.seek(0)
                col_sql = ", ".join(_ident(c) for c in ["_batch_id", "_loaded_at", "_row_no", *columns])
                # Empty CSV fields load as NULL: a source's empty string and missing value are the same here.
                cur.copy_expert(f"copy {RAW_SCHEMA}.{_ident(name)} ({col_sql}) from stdin with (format csv)", buf)
                counts[name] = n
            cur.execute(
                f"insert into {RAW_SCHEMA}._batches values (%s, %s, %s, %s, %s)",
                (batch_id, delivered_on, loaded_at, description, json.dumps(counts)),
            )
        return batch_id
    finally:
        if own:
            pg.close()
