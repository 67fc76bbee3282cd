"""`virta bench`: figures for the speed targets, printed, never asserted (timings flake; figures
are for people). Every benchmark runs on its own throwaway embedded server.

- `load`: rows per second of generate + COPY load at two scales;
- `incremental`: time of a full vault load of the history, and of loading one more day's batch on
  top of it, for two history lengths; the one-day cost should not grow with the history.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

from virta.dbt import dbt_env, dbt_executable, ensure_deps
from virta.errors import VirtaError
from virta.db import resolve
from virta.paths import PROJECT_ROOT
from virta.testing import throwaway_server

VAULT_SELECTION = ["staging", "raw_vault", "audit"]


def _dbt(args: list[str], conn, home: Path) -> float:
    env = dbt_env(conn)
    env["DBT_TARGET_PATH"] = str(home / "target")
    env["DBT_LOG_PATH"] = str(home / "logs")
    start = time.perf_counter()
    result = subprocess.run([dbt_executable(), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise VirtaError(f"dbt {' '.join(args)} failed during the benchmark:\n{result.stdout[-3000:]}")
    return elapsed


def bench_load(scales: list[float], seed: int) -> None:
    from virta import load
    from virta.generate import GenerationParams, generate

    print(f"{'scale':>8} {'rows':>12} {'generate s':>11} {'load s':>8} {'rows/s':>10}")
    with throwaway_server() as (conn, _home):
        for scale in scales:
            params = GenerationParams(seed=seed, scale=scale)
            t0 = time.perf_counter()
            extract = generate(params)
            t1 = time.perf_counter()
            load.clear_raw(resolve("admin"))
            load.load_batch(resolve("loader"), extract.tables, params.as_of, f"bench scale={scale}")
            t2 = time.perf_counter()
            rows = sum(extract.row_count(n) for n in extract.tables)
            print(f"{scale:>8} {rows:>12,} {t1 - t0:>11.1f} {t2 - t1:>8.1f} {rows / (t2 - t0):>10,.0f}", flush=True)


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
