"""`virta run`: the main job, idempotent. Start/reach the database, install dbt packages, load the
bundled synthetic sample the first time, `dbt build`, `dbt docs generate`, then say what was built."""

from __future__ import annotations

import sys
import time

from virta import db, privacy
from virta.dbt import ensure_deps, run_dbt
from virta.errors import VirtaError
from virta.lock import run_lock
from virta.paths import target_dir
from virta.progress import info, step

LAYER_SCHEMAS = ("raw", "staging", "raw_vault", "business_vault", "marts", "audit", "reference")


def sample_loaded(conn: db.Connection) -> bool:
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute("select to_regclass('raw._batches') is not null")
        if not cur.fetchone()[0]:
            return False
        cur.execute("select count(*) from raw._batches")
        return cur.fetchone()[0] > 0


def reset_warehouse(admin: db.Connection) -> None:
    """Drop everything dbt built from raw, so a reloaded sample starts a fresh vault (and disclosure
    control forgets what it released of the old one). The owner's objects in those schemas (the
    invocation log) go too; the access setup recreates them, and the schemas, on the embedded server."""
    from virta.access import Schemas, schema_prefix

    schemas = Schemas(schema_prefix())
    with admin.connect() as pg, pg.cursor() as cur:
        for layer in ("staging", "raw_vault", "business_vault", "disclosure", "marts", "restricted", "audit",
                      "forecast"):
            cur.execute(f"drop schema if exists {getattr(schemas, layer)} cascade")
    if admin.embedded:
        db.EmbeddedServer(port=admin.port).apply_access(force=True)


def summary(conn: db.Connection, analyst: db.Connection) -> str:
    from virta.access import schema_prefix

    prefix = schema_prefix()
    marts_schema = f"{prefix}marts"
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute("""
            select table_schema, count(*) filter (where table_type = 'BASE TABLE'),
                   count(*) filter (where table_type = 'VIEW')
            from information_schema.tables
            where table_schema = any(%s)
            group by 1 order by 1""", (["raw", *(prefix + s for s in LAYER_SCHEMAS if s != "raw")],))
        layers = cur.fetchall()
        cur.execute("select table_name from information_schema.tables "
                    "where table_schema = %s and table_type = 'BASE TABLE' order by 1", (marts_schema,))
        marts_counts = []
        for (name,) in cur.fetchall():
            cur.execute(f'select count(*) from "{marts_schema}"."{name}"')
            marts_counts.append((name, cur.fetchone()[0]))
    lines = ["", "What was built:"]
    for schema, tables, views in layers:
        lines.append(f"  {schema:<15} {tables:>3} tables {views:>3} views")
    if marts_counts:
        lines.append("  marts (rows):")
        lines += [f"    {marts_schema}.{name:<52} {n:>8,}" for name, n in marts_counts]
    lines += [
        "",
        "Connect (psql, DBeaver, Power BI, Tableau, Metabase, ...) as the analyst role:",
        f"  host {analyst.host}  port {analyst.port}  database {analyst.database}  user {analyst.user}"
        + ("  password: ./virta db url --role analyst --show-password" if analyst.embedded else ""),
        f"  schema of the marts: {marts_schema}   (indicator catalogue: the docs site)",
        "  psql \"$(./virta db url --role analyst --show-password)\"" if analyst.embedded
        else f"  psql \"{analyst.url()}\"",
        "",
        "Docs site (indicator catalogue):",
        "  ./virta dbt docs serve --port 8080   then open http://localhost:8080",
        f"  (static files in {target_dir()})",
        "",
        "County report (charts per area, Finnish and English, from the published marts):",
        f"  {target_dir() / 'report' / 'index.html'}   (./virta report writes it again)",
    ]
    if conn.embedded:
        lines.append("\nThe embedded server keeps running; stop it with ./virta db stop.")
    return "\n".join(lines)


def run_main_job(reload_sample: bool = False, params=None, docs: bool = True) -> int:
    """`virta run`: the sample `params` (default: the bundled sample) is loaded the first time, or
    again with `reload_sample`; then the build."""
    started = time.monotonic()
    with run_lock("run"):
        with step("Database"):
            conn = db.resolve()
            if conn.embedded:
                server = db.EmbeddedServer(port=conn.port)
                fresh = server.start()
                info(f"embedded PostgreSQL {'started' if fresh else 'already running'} at 127.0.0.1:{conn.port}")
                server.apply_access()
            loader, conn, analyst = db.resolve("loader"), db.resolve("transformer"), db.resolve("analyst")
            admin = db.admin()
            conn.connect().close()
            info(f"reachable: {conn.url()}")
        ensure_deps()
        from virta.generate import generate_and_load

        if reload_sample or not sample_loaded(loader):
            if reload_sample and admin is not None:
                reset_warehouse(admin)
            from virta.generate.core import DEFAULT_SAMPLE

            generate_and_load(loader, params=params or DEFAULT_SAMPLE, replace=True, admin=admin)
        else:
            info("synthetic sample already loaded (use --reload-sample to regenerate it)")
        with step("dbt build (staging -> raw vault -> business vault -> marts, with tests)"):
            from virta.daily import record_full_build, rebuild_vars

            if privacy.build(conn, rebuild_vars(conn)) != 0:
                raise VirtaError("`dbt build` failed; see its output above", exit_code=1)
            record_full_build(conn)  # `virta daily` may leave out unfed models while the code stays so
        if docs:
            with step("dbt docs generate (the indicator catalogue)"):
                if run_dbt(["docs", "generate"], conn) != 0:
                    raise VirtaError("`dbt docs generate` failed; see its output above", exit_code=1)
        with step("county report (virta report: the published marts as charts, per area)"):
            from virta import report

            pages = report.build(target_dir() / "report", conn=analyst)
            info(f"{len(pages) - 1} pages in {target_dir() / 'report'} (open index.html)")
        print(summary(admin or conn, analyst))
        print(f"\nvirta run finished in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0
