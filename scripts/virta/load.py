"""Schema raw: its tables as the mappings declare them (text columns as delivered, identity codes as
the loader's pseudonym columns, plus batch id, load timestamp and row number), the batch register,
and emptying it. Deliveries are landed by virta.delivery."""

from __future__ import annotations

import getpass
import os
import socket

from virta.db import Connection
from virta.errors import VirtaError
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
            content_hmac jsonb,
            source_system text,
            delivery_hmac text unique,
            period_start date,
            period_end date,
            check (period_start <= period_end)
        )""",
        # warehouses set up before the delivery period was registered (the time anchor reads it)
        f"alter table {RAW_SCHEMA}._batches add column if not exists period_start date",
        f"alter table {RAW_SCHEMA}._batches add column if not exists period_end date",
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


def loaded_from() -> str:
    """Who ran the load, as the operating system knows them (the database adds its own role)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"
