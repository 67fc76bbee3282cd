"""Landing source extracts in schema raw with COPY, as a loader would: text columns as delivered,
plus the batch id, load timestamp and row number on every row, and a batch register."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import hashlib
import hmac
import io
import json
import os
import socket
from pathlib import Path

import numpy as np

from virta.db import Connection
from virta.errors import VirtaError
from virta.pseudonym import IdentityCodes, load_key
from virta.vault.model import load as load_concept_model

RAW_SCHEMA = "raw"


def raw_tables() -> dict:
    """Raw table name -> its SourceTable, from the source mappings (the one place they are declared)."""
    model = load_concept_model()
    return {t.name: t for s in model.systems.values() for t in s.tables.values()}


def raw_columns() -> dict[str, list[str]]:
    """Raw table -> its columns as landed (identity codes replaced by the loader's columns)."""
    return {name: t.raw_columns for name, t in raw_tables().items()}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def raw_ddl() -> list[str]:
    """The batch register and one text table per declared source table, in schema raw. Applied by
    the owner when the warehouse is set up (see virta.access); the loader itself cannot create tables."""
    statements = [
        f"""create table if not exists {RAW_SCHEMA}._batches (
            batch_id bigint primary key,
            delivered_on date not null,
            loaded_at timestamptz not null,
            description text,
            row_counts jsonb not null,
            loaded_by name not null default session_user,
            loaded_from text,
            content_hmac jsonb
        )""",
    ]
    for table, spec in raw_tables().items():
        cols = ", ".join(f"{_ident(c)} text" for c in spec.raw_columns)
        # What the loader makes of an identity code, enforced where it lands: no other way of loading
        # (psql \copy, another tool) can put a clear code into these columns.
        for column, derive in spec.identity_columns.items():
            cols += (f", check ({_ident(column + '_pseudonym')} ~ '^[0-9a-f]{{64}}$')"
                     f", check ({_ident(column + '_valid')} in ('true', 'false'))")
            if "birth_date" in derive:
                cols += f", check ({_ident(column + '_birth_date')} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')"
            if "sex" in derive:
                cols += f", check ({_ident(column + '_sex')} in ('male', 'female'))"
        statements.append(
            f"create table if not exists {RAW_SCHEMA}.{_ident(table)} "
            f"(_batch_id bigint not null, _loaded_at timestamptz not null, _row_no bigint not null, {cols})")
        statements.append(f"create index if not exists {table}__batch on {RAW_SCHEMA}.{_ident(table)} (_batch_id)")
    return statements


def clear_raw(conn: Connection) -> None:
    """Empty every raw table and the batch register (replacing a sample). Needs the owner's rights:
    the embedded server's admin, or an external server's DBA; the loader may only add."""
    tables = [f"{RAW_SCHEMA}._batches"] + [f"{RAW_SCHEMA}.{_ident(t)}" for t in raw_columns()]
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute(f"select to_regclass('{RAW_SCHEMA}._batches') is not null")
        if not cur.fetchone()[0]:
            raise VirtaError(f"schema {RAW_SCHEMA} has no batch register: the access setup has not run",
                             hint="`./virta db setup-sql` prints it for an external server's DBA")
        cur.execute(f"truncate {', '.join(tables)}")


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


def _delivered_hmac(key: bytes, columns: list[str], data: list, n: int) -> str:
    """HMAC-SHA256 of the delivery as a canonical CSV (header + rows), before pseudonymisation, under
    the pseudonymisation key: it shows a table was delivered unchanged, and unlike a plain hash of a
    small delivery cannot be brute-forced back to the identity codes in it."""
    digest = hmac.new(key, digestmod=hashlib.sha256)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for i in range(n):
        writer.writerow([("" if v[i] is None else v[i]) for v in data])
        if buf.tell() > 1 << 20:
            digest.update(buf.getvalue().encode())
            buf.seek(0)
            buf.truncate()
    digest.update(buf.getvalue().encode())
    return digest.hexdigest()


def loaded_from() -> str:
    """Who ran the load, as the operating system knows them (the database adds its own role)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def load_batch(conn: Connection, tables: dict[str, dict[str, np.ndarray]], delivered_on: dt.date,
               description: str, csv_dir: Path | None = None, loaded_at: dt.datetime | None = None,
               batch_id: int | None = None, pg=None, key: bytes | None = None) -> int:
    """Load one delivery (every table of it) as one batch, in one transaction. Returns the batch id.

    Identity codes are validated and replaced by keyed pseudonyms here, before COPY: the database
    never receives a clear code. loaded_at defaults to now; simulated deliveries pass their own.
    batch_id defaults to the next one. `csv_dir` gets each table as landed (pseudonymised).
    """
    known = raw_tables()
    key = key or load_key(embedded=conn.embedded)
    codes = IdentityCodes(key)
    own = pg is None  # callers loading many batches pass one open connection
    pg = pg or conn.connect()
    try:
        with pg, pg.cursor() as cur:
            expected = next_batch_id(cur)
            if batch_id is not None and batch_id != expected:
                raise VirtaError(f"batch {batch_id} cannot be loaded now: raw holds batches up to {expected - 1}",
                                 hint="batches are loaded in order, each once")
            batch_id = expected
            loaded_at = loaded_at or dt.datetime.now(dt.timezone.utc)
            counts, checksums = {}, {}
            for name, table in sorted(tables.items()):
                if name not in known:
                    raise ValueError(f"raw table {name} is not declared in concept_model/sources")
                spec = known[name]
                delivered = list(spec.columns)
                missing = set(delivered) - set(table)
                if missing:
                    raise ValueError(f"raw table {name}: the extract lacks columns {sorted(missing)}")
                n = len(table[delivered[0]])
                checksums[name] = _delivered_hmac(key, delivered, [table[c] for c in delivered], n)
                landed = {c: table[c] for c in delivered if c not in spec.identity_columns}
                for column, derive in spec.identity_columns.items():
                    landed.update(codes.land(column, table[column], derive))
                columns = spec.raw_columns
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator="\n")
                stamp = loaded_at.isoformat()
                data = [landed[c] for c in columns]
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
                f"insert into {RAW_SCHEMA}._batches (batch_id, delivered_on, loaded_at, description, row_counts, "
                f"loaded_from, content_hmac) values (%s, %s, %s, %s, %s, %s, %s)",
                (batch_id, delivered_on, loaded_at, description, json.dumps(counts), loaded_from(),
                 json.dumps(checksums)),
            )
        return batch_id
    finally:
        if own:
            pg.close()
