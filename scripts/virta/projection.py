"""The population projection seed (väestöennuste): Statistics Finland's projection of residents by
area, year and single year of age, imported into seeds/reference/ref_population_projection.csv.

`virta projection import FILE` reads a long CSV (projection_area_code, year, age, residents; age 0
to 99 and '100-' for 100 and over, the labels of StatFin's table 14wx) and writes the seed wide, one
row per area and year with a column per age, so the seed stays a few hundred rows. The areas are the
projection areas of ref_population_projection_areas (a county, or the region whose growth a county
takes, and FI). A file that is not complete and clean is refused with the row that is wrong: the
seed is never half written. docs/forecasts.md says where the shipped figures come from."""

from __future__ import annotations

import csv
import io

from pathlib import Path

from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT

SEED = Path("seeds/reference/ref_population_projection.csv")
AREAS_SEED = Path("seeds/reference/ref_population_projection_areas.csv")
OLDEST = "100-"  # StatFin's label of the open-ended age group
AGES = [str(a) for a in range(100)] + [OLDEST]
HEADER = ["projection_area_code", "source_code", "year"] + [
    f"age_{a}" if a != OLDEST else "age_100_plus" for a in AGES]
COLUMNS = ("projection_area_code", "year", "age", "residents")


def projection_areas() -> set[str]:
    """The projection areas the seed may hold (ref_population_projection_areas, and FI)."""
    with (PROJECT_ROOT / AREAS_SEED).open(newline="", encoding="utf-8") as f:
        return {row["projection_area_code"] for row in csv.DictReader(f)} | {"FI"}


def wide_rows(path: Path, known_areas: set[str]) -> list[tuple[str, int, list[int]]]:
    """(area, year, residents by age in AGES order) from a long CSV; refuses with file and line when
    a row is malformed or repeated, and refuses a file that lacks an area, a year between its first
    and last, or an age of an area-year (the marts would otherwise lose a county or a year)."""
    cells: dict[tuple[str, int], dict[str, int]] = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise VirtaError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            where = f"{path}, line {line}"
            area, age = (row["projection_area_code"] or "").strip(), (row["age"] or "").strip()
            if area not in known_areas:
                raise VirtaError(f"{where}: unknown projection_area_code {area!r}",
                                 hint=f"add it to {AREAS_SEED} or use one of {', '.join(sorted(known_areas))}")
            if age not in AGES:
                raise VirtaError(f"{where}: age {age!r} is not 0-99 or {OLDEST!r}")
            try:
                year, residents = int(row["year"]), int(row["residents"])
            except (TypeError, ValueError):
                raise VirtaError(f"{where}: year and residents must be whole numbers, "
                                 f"got {row['year']!r} and {row['residents']!r}") from None
            if residents < 0 or not 1900 <= year <= 2200:
                raise VirtaError(f"{where}: year {year} or residents {residents} out of range")
            by_age = cells.setdefault((area, year), {})
            if age in by_age:
                raise VirtaError(f"{where}: {area} {year} age {age} appears twice")
            by_age[age] = residents
    if not cells:
        raise VirtaError(f"{path}: no rows")
    years = list(range(min(y for _, y in cells), max(y for _, y in cells) + 1))
    absent = sorted(known_areas - {a for a, _ in cells})
    if absent:
        raise VirtaError(f"{path}: no rows for projection area(s) {', '.join(absent)}",
                         hint=f"every area of {AREAS_SEED} and FI needs its projection")
    for area in sorted(known_areas):
        for year in years:
            lacking = [a for a in AGES if a not in cells.get((area, year), {})]
            if lacking:
                raise VirtaError(f"{path}: {area} {year} lacks age(s) {', '.join(lacking[:5])}"
                                 + (" ..." if len(lacking) > 5 else ""))
    return [(area, year, [cells[(area, year)][a] for a in AGES]) for area, year in sorted(cells)]


def seed_csv(rows: list[tuple[str, int, list[int]]], source_code: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for area, year, residents in rows:
        writer.writerow([area, source_code, year, *residents])
    return buf.getvalue()


def import_file(path: Path, source_code: str) -> tuple[int, int]:
    """Writes the seed from a long CSV; returns (areas, years)."""
    rows = wide_rows(path, projection_areas())
    (PROJECT_ROOT / SEED).write_text(seed_csv(rows, source_code), encoding="utf-8")
    return len({a for a, _, _ in rows}), len({y for _, y, _ in rows})
