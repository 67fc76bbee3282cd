"""`virta bench`: figures for the speed targets, printed, never asserted (timings flake; figures
are for people). Every benchmark runs on its own throwaway embedded server.

- `load`: rows per second of generate + COPY load at two scales;
- `incremental`: time of a full vault load of the history, and of loading one more day's batch on
  top of it, for two history lengths; the one-day cost should not grow with the history.
- `vault`: the vault load against its one-pass floor, per scale, twice, and one more day on top.
- `forecast`: the forecasting step's time for all series of a built sample, and its skill.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from virta.dbt import dbt_env, dbt_executable, ensure_deps
from virta.errors import VirtaError
from virta.db import resolve
from virta.paths import PROJECT_ROOT
from virta.testing import throwaway_server

VAULT_SELECTION = ["staging", "raw_vault", "audit"]
DOWNSTREAM_SELECTION = ["business_vault", "marts", "restricted"]


def _dbt(args: list[str], conn, home: Path) -> float:
    (home / "logs" / "dbt.log").unlink(missing_ok=True)  # each invocation's own log (_sql_seconds)
    env = dbt_env(conn)
    env["DBT_TARGET_PATH"] = str(home / "target")
    env["DBT_LOG_PATH"] = str(home / "logs")
    start = time.perf_counter()
    result = subprocess.run([dbt_executable(), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise VirtaError(f"dbt {' '.join(args)} failed during the benchmark:\n{result.stdout[-3000:]}")
    return elapsed


def load_measured(folder: Path, env: dict | None = None, args: tuple = ()) -> tuple[float, float]:
    """Run `virta load [args] folder` as its own process: (seconds, its peak resident MB). The peak is the
    process's VmHWM, polled: the high-water mark of the loader's own memory after exec (a child's
    ru_maxrss would count the pages it shared with this, much larger, process when it was forked)."""
    import sys

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "virta", "load", *args, str(folder)], cwd=PROJECT_ROOT,
                            env=env or dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_kb = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise VirtaError(f"virta load failed during the benchmark:\n{proc.stderr.read()[-3000:]}")
    return seconds, peak_kb / 1024


def bench_load(scales: list[float], seed: int) -> None:
    """Rows per second of `virta load` from delivery folders (CSV), and the loader's peak memory: the
    load runs as its own process, so its peak resident size is that of the loader alone."""
    from virta import load
    from virta.generate import GenerationParams, write_deliveries

    print(f"{'scale':>8} {'rows':>12} {'MB of CSV':>10} {'write s':>8} {'load s':>8} {'rows/s':>10} {'peak MB':>8}")
    with throwaway_server() as (_conn, home):
        for scale in scales:
            params = GenerationParams(seed=seed, scale=scale)
            out = home / f"deliveries-{scale}"
            t0 = time.perf_counter()
            folders = write_deliveries(out, params)
            t1 = time.perf_counter()
            load.clear_raw(resolve("admin"))
            seconds, peak = load_measured(out)
            rows = sum(sum(f["rows"] for f in json.loads((d / "manifest.json").read_text())["files"]) for d in folders)
            size = sum(p.stat().st_size for d in folders for p in d.iterdir()) / 1e6
            print(f"{scale:>8} {rows:>12,} {size:>10.0f} {t1 - t0:>8.1f} {seconds:>8.1f} {rows / seconds:>10,.0f} "
                  f"{peak:>8.0f}", flush=True)
            shutil.rmtree(out)
    print("(load s and rows/s: the whole `virta load` process, checking every file before one transaction "
          "per delivery; peak MB: its peak resident memory)")


def big_delivery(folder: Path, gigabytes: float) -> tuple[int, float]:
    """One Apotti delivery whose visits file is `gigabytes` large: distinct visit ids, 1 000 synthetic
    patients. Returns (rows, MB)."""
    import csv
    import hashlib

    import numpy as np

    from virta.delivery import FORMAT, MANIFEST
    from virta.hetu import synthetic_codes

    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    born = np.datetime64("1950-01-01") + rng.integers(0, 25_000, 1000).astype("timedelta64[D]")
    codes = synthetic_codes(born, rng.integers(1, 3, 1000))
    target, rows = int(gigabytes * 1e9), 0
    path = folder / "apotti_visits.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["visit_id", "triage_id", "pat_ssn", "appt_dttm", "prov_type", "appt_status", "dept_id"])
        while fh.tell() < target:
            for _ in range(10_000):
                rows += 1
                writer.writerow([f"V{rows:012d}", "", codes[rows % 1000], "2025-06-02 09:30:00", "MD", "COMPLETED",
                                 "1.2.246.10.1"])
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    files = [{"name": path.name, "table": "apotti_visits", "rows": rows, "sha256": sha.hexdigest()}]
    from virta.load import raw_tables

    for name, spec in sorted(raw_tables().items()):  # the system's other tables: nothing new (header only)
        if spec.system.name == "apotti" and name != "apotti_visits":
            header = (",".join(spec.columns) + "\n").encode()
            (folder / f"{name}.csv").write_bytes(header)
            files.append({"name": f"{name}.csv", "table": name, "rows": 0,
                          "sha256": hashlib.sha256(header).hexdigest()})
    manifest = {"format": FORMAT, "system": "apotti", "delivered_on": "2025-07-01", "encoding": "utf-8",
                "delimiter": ",", "period": {"start": "2025-06-02", "end": "2025-06-30"}, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return rows, path.stat().st_size / 1e6


def bench_big_file(gigabytes: float) -> None:
    """Memory stays flat however large the file: the loader streams it (twice: check, then COPY)."""
    print(f"{'GB':>6} {'rows':>12} {'write s':>8} {'load s':>8} {'rows/s':>10} {'MB/s':>7} {'peak MB':>8}")
    with throwaway_server() as (_conn, home):
        folder = home / "big"
        t0 = time.perf_counter()
        rows, mb = big_delivery(folder, gigabytes)
        t1 = time.perf_counter()
        seconds, peak = load_measured(folder)
        print(f"{mb / 1000:>6.2f} {rows:>12,} {t1 - t0:>8.1f} {seconds:>8.1f} {rows / seconds:>10,.0f} "
              f"{mb / seconds:>7.1f} {peak:>8.0f}", flush=True)
    print("(one file of one delivery; peak MB: the loader process's own peak resident memory, VmHWM)")


def bench_incremental(years: list[float], scale: float, seed: int) -> None:
    from virta.generate import GenerationParams, generate_and_load

    ensure_deps()
    print(f"{'history':>8} {'batches':>8} {'raw rows':>10} {'full load s':>12} {'+1 day s':>9} {'day rows':>9}")
    end = dt.date(2025, 6, 30)
    for span in years:
        start = end - dt.timedelta(days=round(365.25 * span) - 1)
        n_batches = (end - start).days + 1  # daily deliveries
        params = GenerationParams(seed=seed, scale=scale, start=start, end=end)
        with throwaway_server() as (conn, home):
            generate_and_load(resolve("loader"), params=params, batches=n_batches, through=n_batches - 1,
                              admin=resolve("admin"))
            full = _dbt(["run", "-s", *VAULT_SELECTION], conn, home)
            with conn.connect() as pg, pg.cursor() as cur:
                cur.execute("select sum((row_counts->>k)::bigint) from raw._batches, jsonb_object_keys(row_counts) k")
                raw_rows = cur.fetchone()[0]
            generate_and_load(resolve("loader"), params=params, batches=n_batches, only=n_batches)
            with conn.connect() as pg, pg.cursor() as cur:
                cur.execute("select sum((row_counts->>k)::bigint) from raw._batches, jsonb_object_keys(row_counts) k "
                            "where batch_id = %s", (n_batches,))
                day_rows = cur.fetchone()[0]
            one_day = _dbt(["run", "-s", *VAULT_SELECTION], conn, home)
            print(f"{span:>7}y {n_batches:>8} {raw_rows:>10,} {full:>12.1f} {one_day:>9.1f} {day_rows:>9,}", flush=True)
    print("(+1 day = dbt run of staging, raw vault and audit after loading one more daily batch; dbt's own "
          "start-up of several seconds is included in both columns)")


# The layers of a build, by model-name prefix: for the thread-seconds of each in run_results.json.
LAYERS = (("stg_", "staging"), ("hub_", "raw vault"), ("link_", "raw vault"), ("sat_", "raw vault"),
          ("audit_", "audit"), ("bv_", "business vault"))


def _layer_seconds(home: Path) -> dict[str, float]:
    """Thread-seconds per layer of the last dbt invocation (its run_results.json)."""
    results = json.loads((home / "target" / "run_results.json").read_text())["results"]
    out: dict[str, float] = {}
    for r in results:
        name = r["unique_id"].split(".")[-1]
        layer = next((lay for prefix, lay in LAYERS if name.startswith(prefix)), "other")
        out[layer] = out.get(layer, 0.0) + r["execution_time"]
    return out


def _sql_seconds(home: Path) -> float:
    """Seconds the database spent on the statements of the last dbt invocation (its debug log's
    "SQL status: ... in N seconds"): the rest of a model's time is dbt's own (compiling, metadata)."""
    import re

    log = (home / "logs" / "dbt.log").read_text(errors="replace")
    return sum(float(x) for x in re.findall(r"SQL status: .*? in ([0-9.]+) seconds", log))


def floor_seconds(conn) -> tuple[float, int]:
    """The one-pass floor of loading: every raw row read once, its record key hashed as the vault
    hashes keys (MD5 of the upper-cased, trimmed key text), written once to an unlogged table.
    Returns (seconds, rows)."""
    from virta.load import _ident, raw_tables

    total, rows = 0.0, 0
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute("create schema if not exists bench_floor")
        for name, spec in sorted(raw_tables().items()):
            cols = [f"{c}_pseudonym" if c in spec.identity_columns else c for c in spec.record_key]
            key = " || '||' || ".join(f"coalesce(upper(trim({_ident(c)}::text)), '')" for c in cols)
            start = time.perf_counter()
            cur.execute(f"create unlogged table bench_floor.{_ident(name)} as "
                        f"select r.*, decode(md5({key}), 'hex') as _hk from raw.{_ident(name)} as r")
            total += time.perf_counter() - start
            rows += cur.rowcount
            cur.execute(f"drop table bench_floor.{_ident(name)}")
        cur.execute("drop schema bench_floor")
    return total, rows


def _load_windows(loader, params, deliveries, numbers, tmp: Path) -> None:
    from virta.delivery import load_delivery
    from virta.generate import _system_deliveries
    from virta.pseudonym import load_key

    key = load_key(embedded=loader.embedded)
    for _, delivered_on, folder in _system_deliveries(deliveries, numbers, tmp, params):
        load_delivery(loader, folder, key, loaded_at=dt.datetime.combine(delivered_on, dt.time(2),
                                                                         tzinfo=dt.timezone.utc))
        shutil.rmtree(folder)


def bench_vault(scales: list[float], seed: int, repeats: int) -> None:
    """The vault load (staging, raw vault, audit: `dbt run`) against the one-pass floor, on the same
    server and data: two years of history as one batch, loaded `repeats` times from an empty vault,
    then one more day's batch on top of it."""
    import tempfile

    from virta import db
    from virta.generate import GenerationParams, _generated
    from virta.run import reset_warehouse

    ensure_deps()
    print(f"{'scale':>6} {'raw rows':>10} {'floor s':>8} {'run':>4} {'vault s':>8} {'ratio':>6} "
          f"{'staging':>8} {'raw vault':>9} {'audit':>6} {'SQL':>6} {'SQL/floor':>9}  (thread-s)", flush=True)
    day_lines = []
    for scale in scales:
        params = GenerationParams(seed=seed, scale=scale)
        cut = params.end - dt.timedelta(days=1)
        with throwaway_server() as (conn, home), tempfile.TemporaryDirectory(prefix="virta-bench-") as tmp:
            _, deliveries = _generated(params, 2, [cut])
            loader, admin = db.resolve("loader"), db.admin()
            _load_windows(loader, params, deliveries, [1], Path(tmp))
            floor, rows = floor_seconds(admin)
            _dbt(["parse"], conn, home)  # dbt's one-off parse of the project is no part of a load
            for run in range(1, repeats + 1):
                if run > 1:
                    reset_warehouse(admin)
                    db.EmbeddedServer(port=conn.port).apply_access(force=True)
                seconds = _dbt(["run", "-s", *VAULT_SELECTION], conn, home)
                layers, sql = _layer_seconds(home), _sql_seconds(home)
                print(f"{scale:>6} {rows:>10,} {floor:>8.1f} {run:>4} {seconds:>8.1f} {seconds / floor:>6.1f} "
                      f"{layers.get('staging', 0):>8.1f} {layers.get('raw vault', 0):>9.1f} "
                      f"{layers.get('audit', 0):>6.1f} {sql:>6.1f} {sql / floor:>9.1f}", flush=True)
            from virta.daily import record_full_build, vault_selection

            # the business vault and marts of the history, built whole, as the day's starting point
            _dbt(["seed"], conn, home)
            downstream_full = _dbt(["run", "-s", *DOWNSTREAM_SELECTION], conn, home)
            record_full_build(conn)  # the warehouse was just built with this code: a day may leave models out
            with admin.connect() as pg, pg.cursor() as cur:
                cur.execute("select max(batch_id) from raw._batches")
                history_batch = cur.fetchone()[0]
            _load_windows(loader, params, deliveries, [2], Path(tmp))  # one batch per source system
            with admin.connect() as pg, pg.cursor() as cur:
                cur.execute("select sum((row_counts->>k)::bigint) from raw._batches, jsonb_object_keys(row_counts) k "
                            "where batch_id > %s", (history_batch,))
                day_rows = cur.fetchone()[0]
            day = _dbt(["run", *vault_selection(conn)], conn, home)
            layers = _layer_seconds(home)
            models = len(json.loads((home / "target" / "run_results.json").read_text())["results"])
            sql = _sql_seconds(home)
            downstream = _dbt(["run", "-s", *DOWNSTREAM_SELECTION], conn, home)
            bv = _layer_seconds(home).get("business vault", 0)
            day_lines.append(f"{scale:>6} {day_rows:>9,} {day:>8.1f} {models:>7} {sum(layers.values()):>9.1f} "
                             f"{sql:>6.1f} {downstream:>9.1f} {bv:>7.1f} {downstream_full:>9.1f}")
    print(f"\n{'scale':>6} {'day rows':>9} {'+1 day s':>8} {'models':>7} {'thread-s':>9} {'SQL s':>6} "
          f"{'bv+marts':>9} {'bv th-s':>7} {'full bv+m':>9}")
    print("\n".join(day_lines))
    print("(vault s: wall time of `dbt run` of staging, raw vault and audit from an empty vault, dbt's start-up\n"
          " included (its parse cache warm); floor s: one pass over raw (every row read once, its record key\n"
          " MD5-hashed, written once to an unlogged table); ratio = vault s / floor s, target <= 3; thread-s:\n"
          " the models' own times per layer; SQL: seconds the database spent on dbt's statements (the rest of\n"
          " the thread-seconds is dbt's own work per model); +1 day s: the same after one more day's batch on\n"
          " top of the history, only the models that batch brings rows to; target <= 15 s at scale 0.3;\n"
          " bv+marts: the day's business vault, marts and restricted outputs (`dbt run`; the business vault\n"
          " recomputes the keys the day touched), bv th-s its business-vault thread-seconds, and full bv+m the\n"
          " same models built whole on the history)")


def bench_forecast(samples: list[str], seed: int) -> None:
    """Forecasting time for all series of a built warehouse, per sample ('default' or a scale): the
    sample loaded and built (dbt build, disclosure control, the forecasting step) on a throwaway
    server, then the step timed again on its own; with the share of series beating the benchmarks.
    The figures are printed together at the end (dbt prints its build above them)."""
    import dataclasses

    from virta import db, forecast, privacy
    from virta.access import Schemas, schema_prefix
    from virta.generate import generate_and_load
    from virta.generate.core import DEFAULT_SAMPLE, GenerationParams

    ensure_deps()
    lines = [f"{'sample':>8} {'series':>7} {'forecast':>8} {'seconds':>8} {'s/series':>8} {'beat both':>9} "
             f"{'chosen beat':>11} {'benchmark':>9}"]
    saved = os.environ.get("DBT_TARGET_PATH")
    for sample in samples:
        params = dataclasses.replace(DEFAULT_SAMPLE, seed=seed) if sample == "default" \
            else GenerationParams(seed=seed, scale=float(sample))
        with throwaway_server() as (conn, home):
            os.environ["DBT_TARGET_PATH"] = str(home / "target")  # the project's target/ stays as it is
            try:
                generate_and_load(db.resolve("loader"), params=params, replace=True, admin=db.admin())
                if privacy.build(conn, []) != 0:
                    raise VirtaError(f"the build of sample {sample} failed; see dbt's output above")
                start = time.perf_counter()
                done = forecast.run_step(conn)
                seconds = time.perf_counter() - start
                with conn.connect() as pg, pg.cursor() as cur:
                    # published no worse than both benchmarks (by the fall-back rule) / the choice itself
                    cur.execute("select count(method), count(*) filter (where backtest_mase <= least(naive_mase, "
                                "mean_6_mase) + 1e-9), count(*) filter (where chosen_beats_benchmarks), "
                                "count(*) filter (where is_benchmark) "
                                f"from {Schemas(schema_prefix()).forecast}.indicator_forecast_skill")
                    forecasts, beat, chosen, benchmark = cur.fetchone()
            finally:
                if saved is None:
                    os.environ.pop("DBT_TARGET_PATH", None)
                else:
                    os.environ["DBT_TARGET_PATH"] = saved
        series = sum(d["series"] for d in done.values())
        share = (lambda k: f"{k / forecasts:.0%}" if forecasts else "-")
        lines.append(f"{sample:>8} {series:>7} {forecasts:>8} {seconds:>8.1f} {seconds / max(series, 1):>8.2f} "
                     f"{share(beat):>9} {share(chosen):>11} {share(benchmark):>9}")
    print("\n".join(["", "forecasting step (virta forecast) on a built sample:", *lines]), flush=True)
