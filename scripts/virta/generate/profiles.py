"""County profiles of the synthetic data: every one of the 22 areas (21 wellbeing services counties
and Helsinki), with its real size, municipalities and age structure, and the knobs that make the
counties differ.

What is real, read from the reference seeds the warehouse itself ships:
- name and 2024 population (ref_counties);
- the municipalities in force and their shares of the residents (ref_municipality_county, 2025
  populations);
- the age structure: residents by 10-year band in the 2024 year of Statistics Finland's population
  projection (ref_population_projection) of the county's projection area, so the counties of the
  Uusimaa region share the region's structure.

The knobs are in county_profiles.csv, one row per county with its basis:
- the share of non-urgent doctor visits within 7 days is THL's published figure per county
  (Sotkanet 6411, 2024: the share over 7 days, complemented);
- the net cost per resident follows the county's 2024 budget per resident (the counties' budgets
  as compiled in the public repository juntunen-ai/budjettihaukka,
  data/reference/child_welfare_budget_panel_v1.csv; Helsinki's is its social, health and rescue
  budget), scaled to the national net cost per resident (3 632 EUR, 2020): a relative level, not
  a published figure of this warehouse's measure;
- the specialised-care waits of the three counties THL reports at the extremes (31.12.2023:
  Pohjois-Pohjanmaa 27.8 %, Pohjois-Karjala 27.6 %, Etelä-Savo 2.7 % waiting over 180 days) are set
  long or short; the others sit near the national 16.8 %;
- the rest are national levels (shared/domain/calibration_targets.csv), and the three counties of
  the earlier sample (Helsinki, Kainuu, Etelä-Karjala) keep their hand-set contrasts.
The national figures the 22 counties add up to are checked against the published ones in
test_calibration (from the raw tables).

The patient-record system is a layout of the synthetic extracts, not a claim about which system a
real county runs.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from virta.paths import PROJECT_ROOT

KNOBS = Path(__file__).with_name("county_profiles.csv")
SEEDS = PROJECT_ROOT / "seeds" / "reference"
AGE_BANDS = 10  # 0-9 ... 90+ (90-99 in the synthetic register)


@dataclass(frozen=True)
class CountyProfile:
    code: str  # Statistics Finland hyvinvointialue code
    name: str
    population: int  # 2024
    patient_system: str  # which synthetic patient record layout the county's primary care uses
    municipalities: tuple[tuple[str, float], ...]  # (municipality code, population share)
    age_weights: tuple[float, ...]  # share of residents by 10-year band 0-9 ... 90+
    gp_fast_share: float  # share of non-urgent GP visits booked within a week
    gp_slow_mean_days: float  # mean extra wait of the rest, beyond a week
    oral_fast_share: float
    oral_slow_mean_days: float
    queue_growth_per_year: float  # relative growth of the slow tail per year (a trend to forecast)
    # Specialised care (erikoissairaanhoito): mean days from referral to specialist assessment and
    # from queue entry to treatment.
    esh_assessment_mean_days: float
    esh_treatment_mean_days: float
    # Social care: share of service-need assessments started by the 7th working day, and mean days
    # from decision to a place in 24-hour housing (national mean 56 days, H1/2025).
    sc_assessment_on_time_share: float
    sc_housing_mean_days: float
    # Net operating costs of social and health care per resident and year, and the share of
    # services bought from other producers.
    net_cost_per_resident: float
    purchased_share: float
    # Share of non-urgent visits with a recorded need assessment (THL's coverage measure); the rest
    # are booked directly, without a contact or assessment (follow-ups, recalls).
    assessment_coverage: float
    basis: str = ""  # where the knobs come from (county_profiles.csv)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _age_weights() -> dict[str, tuple[float, ...]]:
    """Each county's residents by 10-year band, from its projection area's 2024 projection."""
    area_of = {r["county_code"]: r["projection_area_code"] for r in _rows(SEEDS / "ref_population_projection_areas.csv")}
    by_area: dict[str, list[float]] = {}
    for r in _rows(SEEDS / "ref_population_projection.csv"):
        if r["year"] != "2024":
            continue
        bands = [0.0] * AGE_BANDS
        for column, value in r.items():
            if column.startswith("age_"):
                age = 100 if column == "age_100_plus" else int(column[4:])
                bands[min(age // 10, AGE_BANDS - 1)] += float(value)
        total = sum(bands)
        by_area[r["projection_area_code"]] = [b / total for b in bands]
    return {county: tuple(round(w, 5) for w in by_area[area]) for county, area in area_of.items()}


@cache
def load_profiles() -> dict[str, CountyProfile]:
    counties = {r["county_code"]: r for r in _rows(SEEDS / "ref_counties.csv") if not r["valid_to"]}
    municipalities: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in _rows(SEEDS / "ref_municipality_county.csv"):
        if not r["valid_to"]:
            municipalities[r["county_code"]].append((r["municipality_code"], float(r["population"])))
    ages = _age_weights()
    knobs = {r["county_code"]: r for r in _rows(KNOBS)}
    missing = sorted(set(counties) ^ set(knobs))
    if missing:
        raise ValueError(f"{KNOBS.name}: the counties in force and the profiles differ: {', '.join(missing)}")
    profiles = {}
    for code, county in sorted(counties.items()):
        k = knobs[code]
        total = sum(p for _, p in municipalities[code])
        profiles[code] = CountyProfile(
            code=code, name=county["name_fi"], population=int(county["population"]),
            patient_system=k["patient_system"],
            municipalities=tuple((m, round(p / total, 6)) for m, p in sorted(municipalities[code])),
            age_weights=ages[code],
            # the share booked within a week is the published share within 7 days: summer months
            # and weekends (past the 7th day) and the slow tail's first days (on it) about cancel,
            # within +-0.03 per county (test_calibration measures it from the raw tables)
            gp_fast_share=float(k["gp_within_7d_share"]),
            **{name: float(k[name]) for name in (
                "gp_slow_mean_days", "oral_fast_share", "oral_slow_mean_days", "queue_growth_per_year",
                "esh_assessment_mean_days", "esh_treatment_mean_days", "sc_assessment_on_time_share",
                "sc_housing_mean_days", "net_cost_per_resident", "purchased_share", "assessment_coverage")},
            basis=k["basis"],
        )
    return profiles


PROFILES: dict[str, CountyProfile] = load_profiles()

# `virta generate --scale` without --counties: Helsinki, Kainuu and Etelä-Savo, one county of each
# patient-record layout (Apotti-, Lifecare- and Pegasos-like), which the generator's own tests use.
DEFAULT_COUNTIES = ("90", "20", "12")
