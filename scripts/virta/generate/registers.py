"""The registers of the synthetic extracts: residents (väestötietojärjestelmä, with moves,
deaths and identity codes) and the organisation units (SOTE-organisaatiorekisteri)."""

from __future__ import annotations

import numpy as np

from virta.generate.core import Generator, Table
from virta.generate.formats import fmt_date
from virta.generate.profiles import PROFILES, CountyProfile
from virta.hetu import synthetic_codes

def residents(g: Generator, county: CountyProfile) -> Table:
    n = max(g.p.min_residents, round(county.population * g.p.scale))
    weights = np.array(county.age_weights)  # the county's real structure by 10-year band
    band = g.rng.choice(10, size=n, p=weights / weights.sum())
    age_days = ((band * 10 + g.rng.random(n) * 10) * 365.25).astype(int)
    birth = np.datetime64(g.p.start) - age_days.astype("timedelta64[D]")
    sex = g.rng.integers(1, 3, n)
    codes = np.empty(n, dtype=object)  # assigned nationally in assign_identity_codes()
    muni_codes = np.array([m for m, _ in county.municipalities], dtype=object)
    muni_w = np.array([w for _, w in county.municipalities])
    muni = muni_codes[g.rng.choice(len(muni_codes), size=n, p=muni_w / muni_w.sum())]
    lang = g.rng.choice(np.array(["fi", "sv", "ru", "et", "ar", "en"], dtype=object), size=n,
                           p=[0.84, 0.05 if county.code == "90" else 0.01, 0.03, 0.02, 0.02,
                              0.04 if county.code == "90" else 0.08])
    # Deaths within the period, rising steeply with age.
    age_years = age_days / 365.25
    annual_death = np.clip(0.0004 * np.exp(0.085 * (age_years - 20)), 0, 0.25)
    years = (g.p.end - g.p.start).days / 365.25
    dies = g.rng.random(n) < 1 - (1 - annual_death) ** years
    death_day = g.all_days[g.rng.integers(0, len(g.all_days), n)]
    death = np.where(dies, np.datetime_as_string(death_day).astype(object), None)
    g.people[county.code] = {
        "hetu": codes, "birth": birth, "age_years": age_years, "band": band,
        "death": np.where(dies, death_day, np.datetime64("NaT")), "municipality": muni,
    }
    birth_str = np.char.replace(np.datetime_as_string(birth), "-", "").astype(object)
    return {
        "hetu": codes,
        "syntymaaika": birth_str,
        "sukupuoli": sex.astype(str).astype(object),
        "kotikunta": muni,
        "aidinkieli": lang,
        "kuolinpaiva": death,
    }

def moves(g: Generator, county: CountyProfile, table: Table) -> None:
    """Residents as the register delivers them over time. Each row carries the date the person's
    home municipality became what it is (kotikunnan alkupäivä). Some residents move to another
    municipality during the period: the register delivers the new home municipality on the day
    of the move, the first delivery had the old one. A death is delivered on the day it happens;
    until then the person is delivered alive."""
    n = len(table["hetu"])
    start = np.datetime64(g.p.start)
    people = g.people[county.code]
    all_munis = np.array(sorted({m for c in g.p.counties for m, _ in PROFILES[c].municipalities}), dtype=object)
    own = np.array([m for m, _ in county.municipalities], dtype=object)
    new = np.where(g.rng.random(n) < 0.8, own[g.rng.integers(0, len(own), n)],
                   all_munis[g.rng.integers(0, len(all_munis), n)])
    day = g.all_days[g.rng.integers(1, len(g.all_days), n)]
    alive = np.isnat(people["death"]) | (day < people["death"])
    movers = (g.rng.random(n) < 0.04) & (new != table["kotikunta"]) & alive
    # Since when the first delivered municipality has been home: up to 15 years before the
    # period, not before birth. Its own random stream, so the rest of the sample is unchanged.
    since_rng = np.random.default_rng([g.p.seed, 29])
    lived = np.minimum((since_rng.random(n) * 15 * 365.25).astype(int),
                       (start - people["birth"]).astype(int))
    first_since = start - lived.astype("timedelta64[D]")
    table["kotikunta_alkupvm"] = fmt_date(first_since, "compact")
    dies = ~np.isnat(people["death"])
    death_text = table["kuolinpaiva"].copy()

    def state(rows: np.ndarray, moved: bool, dead: bool) -> Table:
        part = {c: v[rows].copy() for c, v in table.items()}
        if moved:
            part["kotikunta"] = new[rows].astype(object)
            part["kotikunta_alkupvm"] = fmt_date(day[rows], "compact")
        part["kuolinpaiva"] = death_text[rows] if dead else np.full(int(rows.sum()), None, dtype=object)
        return part

    # The final state: moved (if the person moved) and dead (if the person died).
    final = state(np.ones(n, dtype=bool), False, True)
    final["kotikunta"] = np.where(movers, new, table["kotikunta"]).astype(object)
    final["kotikunta_alkupvm"] = np.where(movers, fmt_date(day, "compact"), table["kotikunta_alkupvm"])
    final_on = np.where(dies, people["death"], np.where(movers, day, start))
    # Earlier states: as first delivered, then (for a mover who later dies) moved and alive.
    earlier = movers | dies
    first = state(earlier, False, False)
    g.extract.add("vtj_residents", final, final_on, prior=(first, np.full(int(earlier.sum()), start)))
    moved_then_died = movers & dies
    if moved_then_died.any():
        g.extract.add_state("vtj_residents", state(moved_then_died, True, False), day[moved_then_died])

# -- organisation register ------------------------------------------------------------------

def units(g: Generator, county: CountyProfile) -> Table:
    rows = []
    for i, (muni, share) in enumerate(county.municipalities):
        n_centres = max(1, round(share * max(2, county.population / 60_000)))
        for j in range(n_centres):
            mode = "own" if j % 7 != 6 else "purchased"
            rows.append((f"1.2.246.10.{county.code}{i:02d}{j:02d}.1", f"Terveysasema {muni}-{j + 1}",
                         "GP", mode, muni))
        rows.append((f"1.2.246.10.{county.code}{i:02d}99.2", f"Hammashoitola {muni}", "ORAL",
                     "own" if i % 3 else "voucher", muni))
        if i == 0:  # the central town hosts the hospital and the social-care offices
            rows.append((f"1.2.246.10.{county.code}{i:02d}98.3", f"Keskussairaala {muni}", "SPEC", "own", muni))
            rows.append((f"1.2.246.10.{county.code}{i:02d}97.4", f"Ikäihmisten palvelut {muni}", "SOC",
                         "own", muni))
            rows.append((f"1.2.246.10.{county.code}{i:02d}96.4", f"Lapsiperheiden palvelut {muni}", "SOC",
                         "own", muni))
            rows.append((f"1.2.246.10.{county.code}{i:02d}94.4", f"Aikuisten sosiaalipalvelut {muni}", "SOC",
                         "own", muni))
        rows.append((f"1.2.246.10.{county.code}{i:02d}95.4", f"Hoivakoti {muni}", "SOC",
                     "purchased" if i % 2 == 0 else "voucher", muni))
    arr = np.array(rows, dtype=object)
    return {
        "unit_oid": arr[:, 0], "unit_name": arr[:, 1], "service_area": arr[:, 2],
        "production_mode": arr[:, 3], "municipality_code": arr[:, 4],
        "county_code": np.full(len(arr), county.code, dtype=object),
    }

# -- primary care events ----------------------------------------------------------------------

def assign_identity_codes(g: Generator, tables: list[Table]) -> None:
    """Identity codes are unique nationally, so they are drawn for all counties' residents at once."""
    births = np.concatenate([np.array(t["syntymaaika"], dtype="U8") for t in tables])
    births = np.array([f"{b[:4]}-{b[4:6]}-{b[6:]}" for b in births], dtype="datetime64[D]")
    sex = np.concatenate([t["sukupuoli"].astype(int) for t in tables])
    codes = synthetic_codes(births, sex)
    offset = 0
    for county_code, table in zip(g.p.counties, tables):
        n = len(table["hetu"])
        table["hetu"][:] = codes[offset:offset + n]
        g.people[county_code]["hetu"] = table["hetu"]
        offset += n
