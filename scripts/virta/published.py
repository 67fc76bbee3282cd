"""Published figures (julkaistut tunnusluvut): `virta published import` writes THL's Sotkanet open data
into seeds/reference/ref_published_figures.csv, so the comparison mart sets a county's own figures
beside the whole country's and every county's (docs/published_figures.md).

Sotkanet's open data (https://sotkanet.fi/rest/1.1, CC BY 4.0) gives an indicator's values per
region and year:
- the data, as JSON (`/json?indicator=6411&years=2024&genders=total`: an array of records
  {"indicator", "region", "year", "gender", "value", "absValue"}) or as CSV (`/csv?...`: semicolon
  separated, columns indicator;region;year;gender;primary value;absolute value);
- the regions (`/regions`: an array of {"id", "code", "category", "title"}); a record's `region` is
  the region's `id`, not its code.

The import keeps the whole country (category MAA, area FI) and the wellbeing services counties of
ref_counties (category HYVINVOINTIALUE, code 01-21 and Helsinki 90); it counts what it leaves out
(other region categories, Åland, genders other than total, records without a value). The
indicator must be in ref_published_indicators with source_code sotkanet:<id>. The rows of the
indicator and years the file holds replace those in the seed; other rows stay. A file with a record
it cannot read is refused with the record: the seed is never half written.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT

SEED = Path("seeds/reference/ref_published_figures.csv")
INDICATORS_SEED = Path("seeds/reference/ref_published_indicators.csv")
COUNTIES_SEED = Path("seeds/reference/ref_counties.csv")
HEADER = ["published_indicator_id", "area_code", "period_start", "period_end", "value", "abs_value", "source",
          "published_on", "retrieved_on"]
COUNTRY_CATEGORY, COUNTY_CATEGORY = "MAA", "HYVINVOINTIALUE"
CSV_COLUMNS = ("indicator", "region", "year", "gender", "primary value", "absolute value")


@dataclass
class Imported:
    rows: list[dict[str, str]]
    left_out: Counter = field(default_factory=Counter)  # reason -> records
    # (published indicator, year) of every record read: the seed's rows of these are replaced, even
    # when the file left every record of a year out (Sotkanet no longer gives a value)
    covered: set = field(default_factory=set)


def _read_csv_seed(path: Path) -> list[dict[str, str]]:
    with (PROJECT_ROOT / path).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _number(text, where: str, name: str) -> str | None:
    """A Sotkanet number as the seed writes it, every digit kept (a dot for decimals); None for an
    empty one. A decimal comma is read (a CSV export opened in a Finnish locale); a thousands
    separator is not a number."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip()
    if isinstance(text, float):
        raw = repr(text)
    elif "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise VirtaError(f"{where}: {name} {text!r} is not a number") from None
    if not value.is_finite():
        raise VirtaError(f"{where}: {name} {text!r} is not a number")
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def read_records(path: Path) -> list[tuple[str, dict]]:
    """(where, record) for each record of a Sotkanet JSON or CSV file, `where` naming it for errors."""
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("{"):  # Sotkanet answers an error or a metadata request with an object
        raise VirtaError(f"{path}: a JSON object, not Sotkanet's data array",
                         hint="fetch /rest/1.1/json?indicator=<id>&years=<year>&genders=total (an array of records)")
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise VirtaError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from None
        if not all(isinstance(r, dict) for r in data):
            raise VirtaError(f"{path}: a Sotkanet data file is an array of records")
        return [(f"{path}, record {i}", r) for i, r in enumerate(data, start=1)]
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    fields = [(c or "").strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in fields]
    if missing:
        raise VirtaError(f"{path}: neither a Sotkanet JSON array nor its CSV: missing column(s) {', '.join(missing)}",
                         hint=f"the CSV has the columns {';'.join(CSV_COLUMNS)}")
    out = []
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): v for k, v in row.items()}
        out.append((f"{path}, line {line}", {"indicator": row["indicator"], "region": row["region"],
                                            "year": row["year"], "gender": row["gender"],
                                            "value": row["primary value"], "absValue": row["absolute value"]}))
    return out


def read_regions(path: Path) -> dict[str, tuple[str, str]]:
    """Sotkanet region id -> (category, code), from /regions as JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as e:
        raise VirtaError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from None
    regions = {}
    for i, r in enumerate(data, start=1):
        if not isinstance(r, dict) or r.get("id") is None or not r.get("category"):
            raise VirtaError(f"{path}, region {i}: a region needs its id and category (Sotkanet /regions)")
        regions[str(r["id"])] = (str(r["category"]), str(r.get("code") or ""))
    return regions


def convert(records: list[tuple[str, dict]], regions: dict[str, tuple[str, str]], retrieved_on: str) -> Imported:
    """The seed's rows of the records, or a VirtaError naming the first record that is wrong."""
    indicators = {r["source_code"]: r["published_indicator_id"] for r in _read_csv_seed(INDICATORS_SEED)}
    counties = {r["county_code"] for r in _read_csv_seed(COUNTIES_SEED) if not r["valid_to"]}
    result, seen = Imported([]), {}
    for where, rec in records:
        indicator = str(rec.get("indicator", "")).strip()
        published_id = indicators.get(f"sotkanet:{indicator}")
        if published_id is None:
            raise VirtaError(f"{where}: indicator {indicator!r} is not in {INDICATORS_SEED.name}",
                             hint=f"add a row with source_code sotkanet:{indicator} (its name, unit, better, "
                                  "definition) and map it to a registry indicator in ref_published_indicator_map.csv")
        region = str(rec.get("region", "")).strip()
        if region not in regions:
            raise VirtaError(f"{where}: region {region!r} is not in the regions file",
                             hint="give the /regions file of the same Sotkanet release")
        try:
            year = int(str(rec.get("year", "")).strip())
        except ValueError:
            raise VirtaError(f"{where}: year {rec.get('year')!r} is not a year") from None
        if not 1900 <= year <= 2200:
            raise VirtaError(f"{where}: year {year} out of range")
        result.covered.add((published_id, year))
        category, code = regions[region]
        if category == COUNTRY_CATEGORY:
            area = "FI"
        elif category == COUNTY_CATEGORY:
            area = code.zfill(2)
            if area not in counties:
                result.left_out[f"{COUNTY_CATEGORY} {area}: not a county of ref_counties (Åland has none)"] += 1
                continue
        else:
            result.left_out[f"region category {category}"] += 1
            continue
        gender = str(rec.get("gender", "total")).strip() or "total"
        if gender != "total":
            result.left_out[f"gender {gender}"] += 1
            continue
        value = _number(rec.get("value"), where, "value")
        if value is None:
            result.left_out["no value (Sotkanet withholds or has none)"] += 1
            continue
        key = (published_id, area, year)
        if key in seen:
            raise VirtaError(f"{where}: {published_id} {area} {year} appears twice (also {seen[key]})")
        seen[key] = where
        result.rows.append({
            "published_indicator_id": published_id, "area_code": area,
            "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
            "value": value, "abs_value": _number(rec.get("absValue"), where, "absValue") or "",
            "source": f"THL Sotkanet indicator {indicator} (sotkanet.fi/rest/1.1, CC BY 4.0)",
            "published_on": "", "retrieved_on": retrieved_on,
        })
    if not result.rows:
        raise VirtaError("no figures to import: every record was left out "
                         f"({', '.join(f'{n} {why}' for why, n in result.left_out.items()) or 'an empty file'})")
    return result


def merged(existing: list[dict[str, str]], new: list[dict[str, str]], covered: set) -> list[dict[str, str]]:
    """The seed with the new rows in place of the rows of the indicators and calendar years `covered`."""
    replaced = {(i, f"{y}-01-01", f"{y}-12-31") for i, y in covered}
    kept = [r for r in existing if (r["published_indicator_id"], r["period_start"], r["period_end"]) not in replaced]
    return sorted(kept + new, key=lambda r: (r["published_indicator_id"], r["period_start"], r["period_end"],
                                             r["area_code"] != "FI", r["area_code"]))


def import_files(data: Path, regions: Path, retrieved_on: str) -> Imported:
    """Reads a Sotkanet data file and its regions, and rewrites the seed in one replace."""
    result = convert(read_records(data), read_regions(regions), retrieved_on)
    rows = merged(_read_csv_seed(SEED), result.rows, result.covered)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target = PROJECT_ROOT / SEED
    tmp = target.with_suffix(".csv.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, target)
    return result
