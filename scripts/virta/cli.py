"""The `virta` command line. Run `virta --help`, or `virta <command> --help` for each command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from virta import __version__
from virta.errors import VirtaError


def _cmd_db(args: argparse.Namespace) -> int:
    from virta import access, db

    if args.db_command == "url":
        if db.is_external():  # the libpq variables say who connects; --role names another login
            conn = db.resolve()
            if args.role not in (None, "admin"):
                conn = db.Connection(conn.host, conn.port, db.role_name(args.role), "", conn.database, False)
        else:
            role = args.role or "analyst"
            db.ensure_available(role)  # passwords exist once the access setup has run
            conn = db.resolve(role)
        print(conn.url(hide_password=not args.show_password))
        return 0
    if args.db_command == "setup-sql":
        database = db.resolve().database if db.is_external() else db.EMBEDDED_DATABASE
        print(access.setup_sql(database, access.schema_prefix(), embedded=False), end="")
        return 0
    if args.db_command == "add-login":
        return _add_login(args)
    if db.is_external():
        conn = db.resolve()
        if args.db_command == "status":
            conn.connect().close()
            print(f"external server reachable: {conn.url()}")
            return 0
        raise VirtaError(
            f"PGHOST is set, so virta uses the external server {conn.host}:{conn.port}; "
            f"`virta db {args.db_command}` only manages the embedded server",
            hint="unset PGHOST to use the embedded server",
        )
    server = db.EmbeddedServer()
    if args.db_command == "start":
        started = server.start()
        server.apply_access()
        state = "started" if started else "already running"
        print(f"embedded PostgreSQL {state} at 127.0.0.1:{server.port} (data in {server.data_dir}); "
              f"connect with `./virta db url --role analyst`")
    elif args.db_command == "stop":
        print("embedded PostgreSQL stopped" if server.stop() else "embedded PostgreSQL was not running")
    elif args.db_command == "status":
        info = server.pid_file_info()
        if info:
            print(f"running: pid {info[0]}, 127.0.0.1:{server.port}, data in {server.data_dir}")
        else:
            print(f"not running (data in {server.data_dir}{'' if server.initialised() else ', not created yet'})")
            return 3
    return 0


def _add_login(args: argparse.Namespace) -> int:
    """A personal login for a steward or an analyst (statements logged; a steward sees the
    restricted rows of the named counties only)."""
    import secrets

    from virta import access, db

    counties = args.county or []
    if args.kind == "steward" and not counties:
        raise VirtaError("a steward's login needs at least one --county (or --county '*' for every county)")
    statements = access.person_statements(args.name, args.kind, counties)
    if db.is_external():
        print(";\n".join(statements) + ";\n-- then: \\password " + args.name)
        return 0
    db.ensure_available("admin")
    password = secrets.token_urlsafe(24)
    with db.admin().connect() as pg, pg.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        cur.execute(f"alter role {access.ident(args.name)} password %s", (access.scram_verifier(password),))
    passwords = db.read_passwords()
    passwords[args.name] = password
    db.write_passwords(passwords)
    print(f"login {args.name} ({args.kind}{', counties ' + ', '.join(counties) if counties else ''}) ready; "
          f"its password is in {db.pgpass_file()}: ./virta db url --role {args.name} --show-password")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from virta.run import run_main_job

    custom = args.scale is not None or args.counties is not None or args.min_residents is not None
    params = sample_params(args.scale, args.counties, args.min_residents, args.seed)
    return run_main_job(reload_sample=args.reload_sample or custom, params=params, docs=not args.skip_docs)


def sample_params(scale: float | None, counties: str | None, min_residents: int | None, seed: int,
                  defect_rate: float = 0.004):
    """The synthetic sample `virta run` and `virta generate` make. No size given: the bundled
    sample; --scale: that share of each county (at least --min-residents, default 50); --counties:
    'all' (the 22 areas) or a comma-separated list of county codes."""
    import dataclasses

    from virta.generate.core import DEFAULT_SAMPLE, GenerationParams

    if scale is None and counties is None and min_residents is None:
        return dataclasses.replace(DEFAULT_SAMPLE, seed=seed, defect_rate=defect_rate)
    if scale is not None and not 0 < scale <= 1:
        raise VirtaError("--scale must be a share of the county's size, above 0 and at most 1")
    params = GenerationParams(seed=seed, scale=DEFAULT_SAMPLE.scale if scale is None else scale,
                              defect_rate=defect_rate, min_residents=50 if min_residents is None else min_residents)
    if counties:
        from virta.generate.profiles import PROFILES

        codes = tuple(sorted(PROFILES)) if counties.strip() == "all" else \
            tuple(c.strip() for c in counties.split(",") if c.strip())
        unknown = [c for c in codes if c not in PROFILES]
        if unknown or len(set(codes)) != len(codes) or not codes:
            raise VirtaError(f"--counties: {', '.join(unknown) or 'a county twice, or none'}; "
                             f"'all', or counties with a synthetic profile: {', '.join(sorted(PROFILES))}")
        params = dataclasses.replace(params, counties=codes)
    return params


def _cmd_generate(args: argparse.Namespace) -> int:
    from virta import db
    from virta.generate import generate_and_load

    if not 0 <= args.defect_rate < 0.5:
        raise VirtaError("--defect-rate must be between 0 and 0.5")
    import dataclasses
    import datetime as dt

    params = sample_params(args.scale, args.counties, args.min_residents, args.seed, args.defect_rate)
    try:
        if args.start:
            params = dataclasses.replace(params, start=dt.date.fromisoformat(args.start))
        if args.end:
            params = dataclasses.replace(params, end=dt.date.fromisoformat(args.end))
    except ValueError:
        raise VirtaError("--start and --end must be dates, YYYY-MM-DD") from None
    if params.end < params.start:
        raise VirtaError("--end must not be before --start")
    if args.out:
        from pathlib import Path

        from virta.generate import write_deliveries

        write_deliveries(Path(args.out), params, batches=args.batches, file_format=args.file_format)
        return 0
    conn = db.ensure_available("loader")
    admin = db.admin()
    if args.batch is None:
        # raw is replaced: a vault built from the old sample would take the new batches (numbered from
        # 1 again) for loaded ones and keep the old rows, so it goes too, and the next build starts fresh
        if admin is None:
            print("virta: note: on an external server the schemas built from the old sample stay; have the DBA "
                  "drop them before the next build", file=sys.stderr)
        else:
            from virta.run import reset_warehouse

            reset_warehouse(admin)
            conn = db.resolve("loader")
    generate_and_load(conn, replace=args.batch is None, params=params,
                      batches=args.batches, through=args.through, only=args.batch, admin=admin)
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from virta import db
    from virta.delivery import MANIFEST, load_delivery
    from virta.progress import FileProgress
    from virta.pseudonym import load_key

    from virta.daily import pending

    folders = []
    for given in args.deliveries:
        path = Path(given)
        if (path / MANIFEST).exists() or not path.is_dir():
            folders.append(path)
        else:  # a folder of deliveries: each, in extract-date order
            incomplete = sorted(p.name for p in path.iterdir() if p.is_dir() and not (p / MANIFEST).exists())
            if incomplete:
                raise VirtaError(f"{path}: these folders have no {MANIFEST}: {', '.join(incomplete)}",
                                 hint="a delivery's manifest is written last; load when they are complete")
            found = [folder for _, folder in pending(path)]
            if not found:
                raise VirtaError(f"{path}: neither a delivery (no {MANIFEST}) nor a folder of deliveries")
            folders += found
    from virta.lock import run_lock

    conn = db.ensure_available("loader")
    key = load_key(embedded=conn.embedded)
    # not while this project's `virta daily` or `virta run` builds: a batch committed mid-build would
    # be read by some models and not by others (the time anchor, the batch log)
    with run_lock("run"):
        for folder in folders:
            batch = load_delivery(conn, folder, key, force=args.force, progress=FileProgress())
            print(f"{folder}: loaded as batch {batch}")
    return 0


def _cmd_daily(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from virta.daily import run_daily
    from virta.paths import state_dir

    inbox = Path(args.inbox) if args.inbox else state_dir() / "inbox"
    archive = Path(args.archive) if args.archive else state_dir() / "archive"
    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError:
        raise VirtaError(f"--today must be a date, YYYY-MM-DD, not {args.today!r}") from None
    return run_daily(inbox, archive, Path(args.report) if args.report else None, today, build=not args.no_build)


def _cmd_dagster(args: argparse.Namespace) -> int:
    import os
    import shutil
    import subprocess

    from virta.paths import PROJECT_ROOT, state_dir

    exe = shutil.which("dagster", path=os.path.dirname(sys.executable)) or shutil.which("dagster")
    if exe is None:
        raise VirtaError("Dagster is not installed in this environment",
                         hint="VIRTA_EXTRAS=dagster ./virta dagster dev (or pip install -e '.[dagster]')")
    given = list(args.dagster_args) or ["dev"]
    if not {"-m", "--module-name", "-f", "--python-file", "-w", "--workspace"} & set(given):
        given += ["-m", "virta.dagster_defs"]
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(state_dir() / "dagster"))  # runs, schedules and sensor state
    os.makedirs(env["DAGSTER_HOME"], exist_ok=True)
    return subprocess.run([exe, *given], cwd=PROJECT_ROOT, env=env).returncode


def _cmd_dbt(args: argparse.Namespace) -> int:
    from virta import db
    from virta.dbt import ensure_deps, run_dbt

    conn = db.ensure_available("transformer")
    ensure_deps()
    return run_dbt(args.dbt_args, conn)


def _cmd_published(args: argparse.Namespace) -> int:
    """`virta published import DATA --regions REGIONS`: Sotkanet figures into their seed."""
    import datetime as dt
    from collections import Counter

    from virta import published

    retrieved_on = args.retrieved_on or dt.date.today().isoformat()
    try:
        dt.date.fromisoformat(retrieved_on)
    except ValueError:
        raise VirtaError("--retrieved-on must be a date, YYYY-MM-DD") from None
    result = published.import_files(Path(args.file), Path(args.regions), retrieved_on)
    by = Counter((r["published_indicator_id"], r["period_start"][:4]) for r in result.rows)
    print(f"wrote {published.SEED}: {len(result.rows)} figures ("
          + ", ".join(f"{i} {y}: {n}" for (i, y), n in sorted(by.items())) + ")")
    for why, n in sorted(result.left_out.items()):
        print(f"  left out {n}: {why}")
    print("then `virta run` (mart_indicator_comparison)")
    return 0

def _cmd_projection(args: argparse.Namespace) -> int:
    """`virta projection import FILE`: write the population projection seed from a long CSV."""
    from virta import projection

    areas, years = projection.import_file(Path(args.file), args.source_code)
    print(f"wrote {projection.SEED}: {areas} areas x {years} years (source {args.source_code}); "
          "check its row in ref_population_projection_sources.csv, then `virta run`")
    return 0


def _cmd_generated(args: argparse.Namespace) -> int:
    """`virta vault|docs|seeds generate|check`: write or check one product's generated files."""
    from virta import generated

    product = args.command
    if args.action == "generate":
        written = generated.write(product)
        print(f"wrote {len(written)} generated files ({product})")
        return 0
    problems = generated.check((product,))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"generated {product} files are up to date")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from virta import bench

    if args.bench_command == "load":
        bench.bench_load(args.scales, args.seed)
    elif args.bench_command == "big-file":
        bench.bench_big_file(args.gb)
    elif args.bench_command == "vault":
        bench.bench_vault(args.scales, args.seed, args.repeats)
    elif args.bench_command == "forecast":
        bench.bench_forecast(args.samples, args.seed)
    else:
        bench.bench_incremental(args.years, args.scale, args.seed)
    return 0


def _cmd_privacy(args: argparse.Namespace) -> int:
    from virta import db, paths, privacy

    if args.privacy_command == "protect":
        result, added = privacy.protect(db.ensure_available("transformer"), paths.target_dir() / "manifest.json")
        print(f"disclosure control: {added} more cells withheld after the exact attack; rebuild the published "
              "marts: `./virta dbt build --select tag:published`")
        return 0
    result = privacy.check(secondary=not args.primary_only)
    privacy.print_result(result)
    return 0 if result.ok else 1


def _cmd_forecast(args: argparse.Namespace) -> int:
    from virta import db, forecast
    from virta.lock import run_lock

    with run_lock("run"):  # not while a build replaces the series it reads
        done = forecast.run_step(db.ensure_available("transformer"))
    for mart, d in done.items():
        print(f"{mart}: {d['forecasts']} of {d['series']} series forecast in {d['seconds']:.1f} s")
    print("publish them: `./virta dbt build --select source:forecast+`")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from virta import paths, report

    out = Path(args.out) if args.out else paths.target_dir() / "report"
    written = report.build(out, args.areas or None)
    print(f"wrote the county report: {len(written) - 1} pages in {out} (open {out / 'index.html'})")
    return 0


def _cmd_test(args: argparse.Namespace) -> int:
    from virta.testing import run_tests

    return run_tests(fast=args.fast, pytest_args=args.pytest_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="virta",
        description="Analytics warehouse for Finnish wellbeing services counties: "
        "source extracts -> staging -> Data Vault 2.0 (automate-dv) -> indicator marts.",
        epilog="Connection: with PGHOST unset, an embedded PostgreSQL in .virta/ is used; set PGHOST, "
        "PGPORT, PGUSER, PGPASSWORD and PGDATABASE to use any other PostgreSQL 14+ server.",
    )
    parser.add_argument("--version", action="version", version=f"virta {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p_run = sub.add_parser(
        "run", help="the main job: start the database, load data, dbt build, dbt docs generate",
        description="Start the embedded server if needed, install dbt packages if needed, load the "
        "bundled synthetic sample (only the first time, unless --reload-sample), run `dbt build` "
        "and `dbt docs generate`, then print what was built and how to connect.",
    )
    p_run.add_argument("--reload-sample", action="store_true",
                       help="regenerate and reload the synthetic sample even if it is loaded already")
    p_run.add_argument("--scale", type=float, default=None,
                       help="sample size as a share of full county size (default: the bundled sample; with "
                       "--scale, that share of each county, at least --min-residents); a size or --counties "
                       "reloads the sample")
    p_run.add_argument("--counties", default=None,
                       help="'all' (the 22 areas: a national warehouse) or comma-separated county codes "
                       "(default: the bundled sample's)")
    p_run.add_argument("--min-residents", type=int, default=None,
                       help="each county's residents at least (default 50 with --scale or --counties)")
    p_run.add_argument("--seed", type=int, default=20260101, help="random seed of the sample")
    p_run.add_argument("--skip-docs", action="store_true", help="do not run `dbt docs generate`")
    p_run.set_defaults(func=_cmd_run)

    p_forecast = sub.add_parser(
        "forecast", help="forecast every indicator series (the step between the series and forecast marts)",
        description="Read the published series marts (mart_*_indicator_monthly) as the transformer, choose a "
        "method per series by rolling-origin back-tests (benchmarks, damped ETS, Theta; statsforecast), and "
        "replace the schema forecast's tables with the forecasts, their 80 %% and 95 %% intervals and the "
        "back-test skill. `virta run` and `virta daily` run it; after it, `./virta dbt build --select "
        "source:forecast+` publishes the forecast marts. See docs/forecasts.md.")
    p_forecast.set_defaults(func=_cmd_forecast)

    p_report = sub.add_parser(
        "report", help="write the county report: a static site per area, Finnish and English",
        description="Read the published marts as the analyst role and write a static site: per area and "
        "language, each use case's current values against the legal targets, the share meeting each "
        "legal deadline, trends with forecasts and their intervals, and the comparison with other areas. "
        "The folder needs no network (plotly.min.js is in it); publish it beside the docs site.")
    p_report.add_argument("--out", help="the folder to write (default target/report, replaced whole)")
    p_report.add_argument("--areas", nargs="+", metavar="CODE",
                          help="area codes (default: every area with data, and their total 'all')")
    p_report.set_defaults(func=_cmd_report)

    p_db = sub.add_parser("db", help="manage the embedded PostgreSQL server",
                          description="Manage the project-local PostgreSQL server in .virta/pgdata "
                          "(127.0.0.1, port VIRTA_EMBEDDED_PORT, default 54329, database virta; roles and passwords: "
                          "see `virta db url --help` and the README's 'Access' section).")
    db_sub = p_db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("start", help="start the server (creating it on first use); no-op if running")
    db_sub.add_parser("stop", help="stop the server; data is kept")
    db_sub.add_parser("status", help="say whether the server is running (exit 3 if not)")
    p_url = db_sub.add_parser("url", help="print the connection URL of a role (default: analyst, for BI tools)")
    p_url.add_argument("--role", default=None,
                       help="loader, transformer, steward, analyst, or a personal login (default: analyst on "
                       "the embedded server; the libpq variables' user on an external one)")
    p_url.add_argument("--show-password", action="store_true", help="include the password")
    db_sub.add_parser("setup-sql", help="print the access setup (roles, schemas, grants) for an external "
                      "server's DBA to review and run as a superuser")
    p_login = db_sub.add_parser("add-login", help="create a personal login for a steward or an analyst")
    p_login.add_argument("name", help="the login's role name (lower-case letters, digits, underscores)")
    p_login.add_argument("--as", dest="kind", choices=["steward", "analyst"], required=True)
    p_login.add_argument("--county", action="append",
                         help="a steward's county code (repeatable; '*' = every county)")
    p_db.set_defaults(func=_cmd_db)

    p_gen = sub.add_parser("generate", help="generate the synthetic source extracts into the raw schema",
                           description="Deterministic (by seed) synthetic extracts of county source "
                           "systems, loaded with COPY into schema raw; replaces what raw holds and, on the "
                           "embedded server, drops what dbt built from it (the next build starts a fresh vault). "
                           "With --batch, appends one delivery date instead.")
    p_gen.add_argument("--scale", type=float, default=None,
                       help="share of full county size (default: the bundled sample of `virta run`; with "
                       "--scale alone, that share of counties 90, 20 and 12: one per patient-record layout)")
    p_gen.add_argument("--seed", type=int, default=20260101, help="random seed")
    p_gen.add_argument("--counties", default=None,
                       help="'all' (the 22 areas) or comma-separated county codes (01-21, 90 Helsinki)")
    p_gen.add_argument("--min-residents", type=int, default=None,
                       help="each county's residents at least (default 50 with --scale)")
    p_gen.add_argument("--defect-rate", type=float, default=0.004,
                       help="share of rows per table that get each kind of defect on purpose (0 = clean)")
    p_gen.add_argument("--batches", type=int, default=1,
                       help="deliver the period as this many consecutive load batches (e.g. 730 = daily): "
                       "new rows, and visits re-delivered with their outcome after first arriving as booked")
    p_gen.add_argument("--through", type=int, default=None,
                       help="replace raw with batches 1..THROUGH only (default: all)")
    p_gen.add_argument("--batch", type=int, default=None,
                       help="append only this batch on top of the ones already loaded (then `virta dbt build`)")
    p_gen.add_argument("--start", default=None, help="first day of the period, YYYY-MM-DD (default 2023-07-01)")
    p_gen.add_argument("--end", default=None, help="last day of the period, YYYY-MM-DD (default 2025-06-30)")
    p_gen.add_argument("--out", default=None,
                       help="write the deliveries as folders (manifest + CSV per table, one per system and "
                       "delivery) into this folder instead of loading them; then `virta load OUT`")
    p_gen.add_argument("--file-format", choices=["csv", "parquet"], default="csv",
                       help="with --out: the files' format (parquet needs the parquet extra; default csv)")
    p_gen.set_defaults(func=_cmd_generate)

    p_load = sub.add_parser("load", help="load delivery folders (manifest + one CSV per table) into schema raw",
                            description="Each delivery is checked whole (files, tables, checksums, encoding, "
                            "header, rows; duplicate and out-of-order deliveries) before anything lands, then "
                            "loaded as one batch in one transaction, identity codes pseudonymised on the way. "
                            "A folder without a manifest is read as a folder of deliveries, loaded in name "
                            "order. Format: scripts/virta/delivery.py and the README.")
    p_load.add_argument("deliveries", nargs="+", help="delivery folders, or folders of them")
    p_load.add_argument("--force", action="store_true",
                        help="load a delivery older than the latest one loaded for its system")
    p_load.set_defaults(func=_cmd_load)

    p_daily = sub.add_parser("daily", help="the scheduled job: load the inbox's deliveries, dbt build, freshness, "
                             "a JSON report", description="Loads every delivery waiting in the inbox (in extract-"
                             "date order; loaded ones move to ARCHIVE/loaded, refused ones to ARCHIVE/refused "
                             "with their reason), runs `dbt build` and `dbt source freshness`, judges each "
                             "source system's latest delivery against the freshness its mapping declares, and "
                             "writes a JSON run report. Exit 1 on any refusal, dbt failure or freshness error. "
                             "A failed run leaves nothing half loaded: run it again.")
    p_daily.add_argument("--inbox", help="folder the deliveries arrive in (default .virta/inbox)")
    p_daily.add_argument("--archive", help="folder processed deliveries and reports go to (default .virta/archive)")
    p_daily.add_argument("--report", help="where to write the JSON report (default ARCHIVE/report-<time>.json)")
    p_daily.add_argument("--today", help="the run date freshness is judged on (default today), YYYY-MM-DD")
    p_daily.add_argument("--no-build", action="store_true", help="load only; leave dbt to another job")
    p_daily.set_defaults(func=_cmd_daily)

    generated_products = {
        "vault": ("generate the staging, raw-vault, current-state and audit models from the concept model",
                  "`generate` writes the models from concept_model/ (parse, validate, plan, render); "
                  "`check` fails if one is stale, hand-edited, missing or orphaned."),
        "docs": ("generate the docs pages (indicator overview, raw tables)",
                 "`generate` writes docs/overview.md (from the marts' YAML) and docs/raw_tables.md (from the "
                 "mappings); `check` fails if either is stale."),
        "seeds": ("generate the seeds and test fixtures made from outside sources (holidays, calendar)",
                  "`generate` writes seeds/reference/ref_fi_holidays.csv and tests/fixtures; `check` fails "
                  "if one is stale."),
    }
    for product, (short, long) in generated_products.items():
        p_gen = sub.add_parser(product, help=short, description=long)
        actions = p_gen.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("generate", help="(re)write the generated files")
        actions.add_parser("check", help="exit 1 if a generated file is stale, hand-edited, missing or orphaned")
        p_gen.set_defaults(func=_cmd_generated)

    p_dbt = sub.add_parser("dbt", help="run any dbt command against the current database",
                           description="e.g. `virta dbt build -s marts` or `virta dbt docs serve`. "
                           "Starts the embedded server when needed and sets the connection variables.")
    p_dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments passed to dbt")
    p_dbt.set_defaults(func=_cmd_dbt)

    p_dag = sub.add_parser("dagster", help="optional: run Dagster on this project (VIRTA_EXTRAS=dagster)",
                           description="e.g. `VIRTA_EXTRAS=dagster ./virta dagster dev` (the UI and the daemon) "
                           "or `./virta dagster job execute -j virta_daily`. Adds -m virta.dagster_defs and "
                           "DAGSTER_HOME=.virta/dagster unless given.")
    p_dag.add_argument("dagster_args", nargs=argparse.REMAINDER, help="arguments passed to dagster (default: dev)")
    p_dag.set_defaults(func=_cmd_dagster)

    p_proj_import = _import_command(
        sub, "projection", _cmd_projection, "import a population projection (väestöennuste) into its seed",
        "`import FILE` writes seeds/reference/ref_population_projection.csv from a long CSV with columns "
        "projection_area_code, year, age (0-99 and '100-'), residents: Statistics Finland's table 14wx summed to "
        "the projection areas of ref_population_projection_areas. An incomplete or malformed file is refused "
        "with its line. See docs/forecasts.md.", "write the seed from FILE", "the long CSV")
    p_proj_import.add_argument("--source-code", default="statfin_vaenn_2024",
                               help="its row in ref_population_projection_sources.csv (default statfin_vaenn_2024)")

    p_pub_import = _import_command(
        sub, "published", _cmd_published, "import published figures (Sotkanet open data) into their seed",
        "`import DATA --regions REGIONS` writes THL Sotkanet's figures of an indicator (the /rest/1.1/json or /csv "
        "export, and /regions as JSON) into seeds/reference/ref_published_figures.csv: the whole country (FI) and "
        "the counties, per year; the indicator and years in the file replace the seed's. A record that cannot be "
        "read is refused with its place. See docs/published_figures.md.",
        "write the seed from a Sotkanet data file", "Sotkanet data: /rest/1.1/json (an array) or /rest/1.1/csv")
    p_pub_import.add_argument("--regions", required=True, help="Sotkanet /rest/1.1/regions as JSON")
    p_pub_import.add_argument("--retrieved-on", default=None, help="the day the data was fetched (default today)")

    p_bench = sub.add_parser("bench", help="print speed figures (throwaway embedded server each)",
                             description="Benchmarks print figures; they never pass or fail.")
    bench_sub = p_bench.add_subparsers(dest="bench_command", required=True, metavar="WHICH")
    b_load = bench_sub.add_parser("load", help="rows/s and peak memory of `virta load` of the sample's deliveries")
    b_load.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    b_load.add_argument("--seed", type=int, default=20260101)
    b_big = bench_sub.add_parser("big-file", help="rows/s and peak memory of `virta load` on one large CSV file")
    b_big.add_argument("--gb", type=float, default=2.0, help="size of the file in GB (default 2)")
    b_inc = bench_sub.add_parser("incremental", help="full vault load vs one more daily batch, per history length")
    b_inc.add_argument("--years", type=float, nargs="+", default=[1.0, 2.0])
    b_inc.add_argument("--scale", type=float, default=0.01)
    b_inc.add_argument("--seed", type=int, default=20260101)
    b_vault = bench_sub.add_parser("vault", help="vault load vs its one-pass floor per scale, and one more day on top")
    b_vault.add_argument("--scales", type=float, nargs="+", default=[0.05, 0.3])
    b_vault.add_argument("--repeats", type=int, default=2, help="full loads per scale, each from an empty vault")
    b_vault.add_argument("--seed", type=int, default=20260101)
    b_fc = bench_sub.add_parser("forecast", help="forecasting time for all series of a built sample, and its skill")
    b_fc.add_argument("--samples", nargs="+", default=["default", "0.02", "0.3"],
                      help="'default' (the bundled sample) or scales (default: default 0.02 0.3)")
    b_fc.add_argument("--seed", type=int, default=20260101)
    p_bench.set_defaults(func=_cmd_bench)

    p_priv = sub.add_parser("privacy", help="disclosure control: attack the published marts (differencing)")
    priv_sub = p_priv.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    p_check = priv_sub.add_parser("check", help="recover withheld cells from the published marts the way an "
                                  "intruder would; exit 1 if any is recovered")
    p_check.add_argument("--primary-only", action="store_true",
                         help="attack as if only the cells under the threshold were withheld (shows the attack bites)")
    priv_sub.add_parser("protect", help="close the suppression pattern against the attack (withhold more cells "
                        "until none can be recovered); `virta run` and `virta daily` do this before publishing")
    p_priv.set_defaults(func=_cmd_privacy)

    p_test = sub.add_parser("test", help="run the whole test suite (sqlfluff, vault check, pytest incl. end-to-end)",
                            description="Lint SQL with sqlfluff, check generated files, then run pytest; "
                            "the end-to-end tests start their own throwaway embedded PostgreSQL.")
    p_test.add_argument("--fast", action="store_true", help="skip the end-to-end tests")
    p_test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra arguments for pytest")
    p_test.set_defaults(func=_cmd_test)
    return parser


def _import_command(sub, name: str, func, help: str, description: str, import_help: str, file_help: str):
    """`virta NAME import FILE`: a command that writes a reference seed from a file; returns the
    `import` parser for the command's own options."""
    parser = sub.add_parser(name, help=help, description=description)
    actions = parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")
    importer = actions.add_parser("import", help=import_help)
    importer.add_argument("file", help=file_help)
    parser.set_defaults(func=func)
    return importer


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except VirtaError as exc:
        print(f"virta: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("virta: interrupted", file=sys.stderr)
        return 130
