"""Synthetic county source systems: `virta generate`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from virta.db import Connection
from virta.generate.core import Extract, GenerationParams, generate
from virta.progress import info, step

__all__ = ["Extract", "GenerationParams", "generate", "generate_and_load"]


def generate_and_load(conn: Connection, scale: float = 0.002, seed: int = 20260101, replace: bool = True,
                      csv_dir: str | None = None, params: GenerationParams | None = None) -> Extract:
    from virta import load

    params = params or GenerationParams(seed=seed, scale=scale)
    with step(f"Generating synthetic extracts (seed {params.seed}, scale {params.scale}, "
              f"{params.start}..{params.end}, counties {', '.join(params.counties)})"):
        extract = generate(params)
        for name in sorted(extract.tables):
            info(f"{name}: {extract.row_count(name):,} rows")
    with step("Loading them into schema raw with COPY"):
        if replace:
            load.drop_raw(conn)
        batch = load.load_batch(conn, extract.tables, params.as_of,
                                f"synthetic extract seed={params.seed} scale={params.scale}",
                                Path(csv_dir) if csv_dir else None)
        info(f"batch {batch} loaded")
    return extract


def today() -> dt.date:
    return dt.date.today()
