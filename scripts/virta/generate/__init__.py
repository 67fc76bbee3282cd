"""Synthetic county source systems: `virta generate`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from virta.db import Connection
from virta.errors import VirtaError
from virta.generate.core import Extract, GenerationParams, generate
from virta.progress import info, step

__all__ = ["Extract", "GenerationParams", "generate", "generate_and_load"]


def generate_and_load(conn: Connection, scale: float = 0.002, seed: int = 20260101, replace: bool = True,
                      csv_dir: str | None = None, params: GenerationParams | None = None,
                      batches: int = 1, through: int | None = None, only: int | None = None,
                      admin: Connection | None = None) -> Extract:
    """Generate the extract and load it as `batches` deliveries.

    conn: the loader's connection. replace: empty raw first (as `admin`, default conn: an external
    server's credentials) and load batches 1..through (default all).
    only: append just that batch (raw must hold the batches before it): a day's delivery on top.
    """
    from virta import load

    params = params or GenerationParams(seed=seed, scale=scale)
    through = through or batches
    if not 1 <= through <= batches or (only is not None and not 1 <= only <= batches):
        raise VirtaError(f"batch numbers must be between 1 and {batches}")
    with step(f"Generating synthetic extracts (seed {params.seed}, scale {params.scale}, "
              f"{params.start}..{params.end}, counties {', '.join(params.counties)})"):
        extract = generate(params)
        for name in sorted(extract.tables):
            info(f"{name}: {extract.row_count(name):,} rows")
        deliveries = extract.batches(batches, params.start, params.end)
        if batches == 1:  # a one-off extract: delivered on the extract date
            deliveries = [(params.as_of, deliveries[0][1])]
    wanted = [only] if only is not None else list(range(1, through + 1))
    with step(f"Loading {len(wanted)} of {batches} deliveries into schema raw with COPY"):
        if replace and only is None:
            load.clear_raw(admin or conn)
        pg = conn.connect()
        for number in wanted:
            delivered_on, tables = deliveries[number - 1]
            loaded_at = dt.datetime.combine(delivered_on, dt.time(2), tzinfo=dt.timezone.utc)
            batch = load.load_batch(conn, tables, delivered_on,
                                    f"synthetic delivery {number}/{batches} seed={params.seed} scale={params.scale}",
                                    Path(csv_dir) if csv_dir else None, loaded_at=loaded_at, batch_id=number,
                                    pg=pg)
            rows = sum(len(next(iter(t.values()))) for t in tables.values())
            if len(wanted) <= 12 or number % max(1, len(wanted) // 10) == 0 or number == wanted[-1]:
                info(f"batch {batch} (delivered {delivered_on}): {rows:,} rows")
        pg.close()
    return extract
