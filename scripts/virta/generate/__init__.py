"""Synthetic county source systems: `virta generate`.

The extract is built by topic modules over one Generator (virta.generate.core: parameters, random
state, working days, the extract being built): registers (residents, organisation units),
primary_care, specialised, hospital, social, telephony, finance, workforce, then defects; formats and calendar are their helpers.
Same seed and parameters -> same rows, byte for byte."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import numpy as np

from virta.db import Connection
from virta.errors import VirtaError
from virta.generate import defects, finance, hospital, primary_care, registers, social, specialised, telephony, workforce
from virta.generate.core import Extract, GenerationParams, Generator
from virta.generate.profiles import PROFILES
from virta.progress import info, step

__all__ = ["Extract", "GenerationParams", "generate", "generate_and_load", "write_deliveries"]


# Each patient-record layout's writers: the same events (primary care, referrals) in the system's own
# tables, codes and formats; concept_model/sources/<system>.yml maps them back to the concepts.
PATIENT_SYSTEMS = {
    "apotti": (primary_care.apotti_tables, specialised.apotti_referrals),
    "lifecare": (primary_care.lifecare_tables, specialised.lifecare_referrals),
    "pegasos": (primary_care.pegasos_tables, specialised.pegasos_referrals),
}


def generate(params: GenerationParams) -> Extract:
    """The synthetic extract of every county of `params`: registers, primary care, specialised
    care, social services, the phone service, finance and the workforce, then the defects injected on purpose."""
    for code in params.counties:
        if code not in PROFILES:
            raise ValueError(f"no synthetic profile for county {code!r}; known: {sorted(PROFILES)}")
        if PROFILES[code].patient_system not in PATIENT_SYSTEMS:
            raise ValueError(f"county {code}: no layout for patient system {PROFILES[code].patient_system!r}; "
                             f"known: {sorted(PATIENT_SYSTEMS)}")
    g = Generator(params)
    residents = [registers.residents(g, PROFILES[code]) for code in params.counties]
    registers.assign_identity_codes(g, residents)
    for code, table in zip(params.counties, residents):
        county = PROFILES[code]
        registers.moves(g, county, table)
        units = registers.units(g, county)
        g.extract.add("org_units", units, np.full(len(units["unit_oid"]), np.datetime64(params.start)))
        visits_layout, referrals_layout = PATIENT_SYSTEMS[county.patient_system]
        visits_layout(g, county, primary_care.primary_care(g, county, units), units)
        referrals_layout(g, county, specialised.referrals(g, county, units))
        if county.patient_system == "lifecare":  # the only layout with the wards' table so far
            hospital.lifecare_wards(g, county, hospital.wards(g, county, units))
        # older people's and child welfare cases first (their ids as before), then adults' services
        older = social.urgent_older_cases(g, county, social.cases(g, county, units))
        adults = social.adult_cases(g, county, units)
        social.procons_tables(g, county, {k: np.concatenate([older[k], adults[k]]) for k in older})
        telephony.ace_tables(g, county, units)
        cost_centres = finance.raindance_tables(g, county, len(table["hetu"]))
        workforce.workforce_tables(g, county, len(table["hetu"]), cost_centres)
    workforce.assign_staff_codes(g)
    defects.inject_defects(g)
    return g.extract


def _system_deliveries(deliveries, numbers, out: Path, params: GenerationParams,
                       file_format: str = "csv") -> list[tuple[int, dt.date, Path]]:
    """Write the given delivery dates as one folder per source system (virta.delivery's format)."""
    from virta.delivery import write_delivery
    from virta.load import raw_tables

    systems = {name: t.system.name for name, t in raw_tables().items()}
    written = []
    for number in numbers:
        delivered_on, tables = deliveries[number - 1]
        # each extract covers the history up to its own date (no further than the generated period)
        period = {"start": params.start.isoformat(), "end": min(params.end, delivered_on).isoformat()}
        for system in sorted({systems[name] for name in tables}):
            own = {name: t for name, t in tables.items() if systems[name] == system}
            folder = out / f"{number:05d}_{system}_{delivered_on.isoformat()}"
            written.append((number, delivered_on, write_delivery(folder, system, delivered_on, own, period,
                                                                 file_format=file_format)))
    return written


def _generated(params: GenerationParams, batches: int, cuts: list[dt.date] | None = None):
    with step(f"Generating synthetic extracts (seed {params.seed}, scale {params.scale}, "
              f"{params.start}..{params.end}, counties {', '.join(params.counties)})"):
        extract = generate(params)
        for name in sorted(extract.tables):
            info(f"{name}: {extract.row_count(name):,} rows")
        deliveries = extract.batches(batches, params.start, params.end, cuts)
        if batches == 1:  # a one-off extract: delivered on the extract date
            deliveries = [(params.as_of, deliveries[0][1])]
    return extract, deliveries


def write_deliveries(out: Path, params: GenerationParams, batches: int = 1, file_format: str = "csv") -> list[Path]:
    """The synthetic extract as delivery folders, one per source system and delivery date:
    `<number>_<system>_<date>/` in `out`, in loading order. Clear synthetic codes, as a source
    system would export them: the loader pseudonymises them."""
    _, deliveries = _generated(params, batches)
    with step(f"Writing {len(deliveries)} delivery date(s) as folders into {out}"):
        written = [path for _, _, path in _system_deliveries(deliveries, range(1, len(deliveries) + 1), out, params,
                                                             file_format)]
        info(f"{len(written)} deliveries")
    return written


def generate_and_load(conn: Connection, scale: float = 0.002, seed: int = 20260101, replace: bool = True,
                      params: GenerationParams | None = None, batches: int = 1, through: int | None = None,
                      only: int | None = None, admin: Connection | None = None,
                      cuts: list[dt.date] | None = None) -> Extract:
    """Generate the extract as delivery dates 1..`batches`, write them as delivery folders and load
    them with virta load's loader (`load_delivery`): the sample takes the real path.

    conn: the loader's connection. replace: empty raw first (as `admin`, default conn: an external
    server's credentials) and load dates 1..through (default all). only: append just that date's
    deliveries (the loader refuses it if loaded already or older than what is loaded).
    Simulated deliveries are stamped as loaded at 02:00 UTC on their delivery date, as a nightly
    load would have been; a real load is stamped with the time it runs.
    """
    from virta import load
    from virta.delivery import load_delivery
    from virta.pseudonym import load_key

    params = params or GenerationParams(seed=seed, scale=scale)
    through = through or batches
    if not 1 <= through <= batches or (only is not None and not 1 <= only <= batches):
        raise VirtaError(f"batch numbers must be between 1 and {batches}")
    extract, deliveries = _generated(params, batches, cuts)
    wanted = [only] if only is not None else list(range(1, through + 1))
    key = load_key(embedded=conn.embedded)
    with step(f"Loading {len(wanted)} of {batches} delivery date(s) into schema raw (virta load)"), \
            tempfile.TemporaryDirectory(prefix="virta-deliveries-") as tmp:
        if replace and only is None:
            load.clear_raw(admin or conn)
        written = _system_deliveries(deliveries, wanted, Path(tmp), params)
        for i, (number, delivered_on, folder) in enumerate(written):
            loaded_at = dt.datetime.combine(delivered_on, dt.time(2), tzinfo=dt.timezone.utc)
            batch = load_delivery(conn, folder, key, loaded_at=loaded_at)
            if len(written) <= 12 or i % max(1, len(written) // 10) == 0 or i == len(written) - 1:
                info(f"batch {batch}: {folder.name}")
            shutil.rmtree(folder)  # the synthetic codes in clear go as soon as they are loaded
    return extract
