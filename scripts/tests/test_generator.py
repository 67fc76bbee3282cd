import datetime as dt

import numpy as np
import pytest

from virta.generate import GenerationParams, generate
from virta.reference import holiday_dates as finnish_holidays
from virta.hetu import parse

SMALL = GenerationParams(scale=0.001)


@pytest.fixture(scope="module")
def extract():
    return generate(SMALL)


EXTRACT_DIGEST = """
import hashlib
from virta.generate import GenerationParams, generate
params = GenerationParams(scale=0.001)
extract = generate(params)
h = hashlib.sha256()
for name in sorted(extract.tables):
    for column in sorted(extract.tables[name]):
        h.update(f"{name}.{column}".encode() + repr(list(extract.tables[name][column])).encode())
    h.update(repr(sorted(extract.defects.get(name, {}).items())).encode())
for day, tables in extract.batches(4, params.start, params.end):
    h.update(str(day).encode())
    for name in sorted(tables):
        for column in sorted(tables[name]):
            h.update(repr(list(tables[name][column])).encode())
print(h.hexdigest())
"""


def test_same_extract_in_two_processes_with_different_hash_seeds():
    """The sample is a function of the seed alone: two interpreters with different hash seeds (set
    and dict iteration orders differ) generate the same rows, defects and deliveries."""
    from digests import digest_in_subprocess

    assert digest_in_subprocess(EXTRACT_DIGEST, 1) == digest_in_subprocess(EXTRACT_DIGEST, 2)


def test_same_seed_same_rows_other_seed_other_rows(extract):
    again = generate(SMALL)
    assert extract.tables.keys() == again.tables.keys()
    for name, table in extract.tables.items():
        for col, values in table.items():
            assert list(values) == list(again.tables[name][col]), (name, col)
    other = generate(GenerationParams(scale=0.001, seed=7))
    assert list(other.tables["vtj_residents"]["hetu"]) != list(extract.tables["vtj_residents"]["hetu"])


def test_every_table_declared_in_the_source_mappings_is_generated(extract):
    from virta.load import raw_tables

    declared = raw_tables()
    assert set(extract.tables) == set(declared)
    for name, table in declared.items():
        assert set(extract.tables[name]) == set(table.columns), name  # as delivered, before the loader


def test_defects_are_injected_and_counted(extract):
    total = sum(sum(kinds.values()) for kinds in extract.defects.values())
    assert total > 0
    hetus = extract.tables["vtj_residents"]["hetu"]
    invalid = sum(parse(h) is None for h in hetus)
    assert invalid == extract.defects["vtj_residents"]["invalid_identity_code"]


def test_clean_extract_is_consistent():
    ex = generate(GenerationParams(scale=0.001, defect_rate=0))
    residents = ex.tables["vtj_residents"]["hetu"]
    assert len(set(residents)) == len(residents) and all(parse(h) for h in residents)
    # Apotti: no visit before its assessment; assessments never on Sunday; a visit without a triage
    # (booked directly) is a non-urgent minority: THL's coverage of the need assessment is 80-95 %.
    triage = dict(zip(ex.tables["apotti_triage"]["triage_id"], ex.tables["apotti_triage"]["triage_dttm"]))
    direct = 0
    for tid, appt in zip(ex.tables["apotti_visits"]["triage_id"], ex.tables["apotti_visits"]["appt_dttm"]):
        if tid is None:
            direct += 1
        else:
            assert appt > triage[tid]
    assert 0.03 < direct / len(ex.tables["apotti_visits"]["triage_id"]) < 0.15
    contacts = set(ex.tables["apotti_contacts"]["contact_id"])
    assert set(ex.tables["apotti_triage"]["contact_id"]) <= contacts
    # Lifecare: a care event without an assessment has neither contact nor urgency, but has a visit.
    lc = ex.tables["lifecare_hoitotapahtumat"]
    no_assessment = [i for i, t in enumerate(lc["hta_aika"]) if t is None]
    assert no_assessment
    assert all(lc["yhteys_id"][i] is None and lc["kiireellisyys"][i] is None and lc["kaynti_aika"][i]
               for i in no_assessment)
    days = np.array([t[:10] for t in ex.tables["apotti_triage"]["triage_dttm"]], dtype="datetime64[D]")
    assert not ((days.view("int64") - 4) % 7 == 6).any()
    # ACE: a call is answered or called back after it arrived, never before (to the second)
    calls = ex.tables["ace_calls"]
    seconds = lambda t: dt.datetime.strptime(t, "%d.%m.%Y %H:%M:%S")  # noqa: E731
    early = [(a, b, c) for a, b, c in zip(calls["arrived"], calls["answered"], calls["cb_time"])
             if (b and seconds(b) < seconds(a)) or (c and seconds(c) < seconds(a))]
    assert len(calls["arrived"]) > 1000 and early == []
    # Visits fall on working days.
    hol = finnish_holidays(SMALL.start, SMALL.end)
    for t in ex.tables["apotti_visits"]["appt_dttm"][:500]:
        d = dt.date.fromisoformat(t[:10])
        assert d.weekday() < 5 and d not in hol


def test_three_layouts_for_the_same_concepts(extract):
    assert "pat_ssn" in extract.tables["apotti_contacts"]
    assert "hetu" in extract.tables["lifecare_yhteydenotot"]
    assert extract.tables["lifecare_yhteydenotot"]["yhteys_aika"][0][2] == "."  # DD.MM.YYYY
    # Pegasos-like: the contact and its assessment in one row, digits-only timestamps, numeric codes
    contacts = extract.tables["pegasos_kontaktit"]
    assert {"kontaktiaika", "arvioaika", "kiireellisyys"} <= set(contacts)
    assert all(t is None or (t.isdigit() and len(t) == 12) for t in contacts["kontaktiaika"][:200])
    visits = extract.tables["pegasos_kaynnit"]
    assert set(visits["ammattiluokka"]) <= {"101", "201", "301", "302", "901", "999"}  # 999: the defect
    # every visit that names a contact names one that exists, or one whose key a defect removed
    named = {c for c in visits["kontaktitunnus"] if c is not None}
    assert len(named - set(contacts["kontaktitunnus"])) <= extract.defects["pegasos_kontaktit"]["missing_key"]
    referrals = extract.tables["pegasos_lahetteet"]
    assert all(d is None or (d.isdigit() and len(d) == 8) for d in referrals["saapunut"][:200])


def test_the_generator_uses_the_one_holiday_list_and_the_rules_seed():
    """Working days exclude exactly the holidays of the seed ref_fi_holidays (one holiday source);
    the maximum wait a clinician records is the rule in force by date and age (ref_legal_deadline_rules)."""
    import csv

    from virta.generate.core import Generator
    from virta.generate.rules import treatment_max_days
    from virta.paths import PROJECT_ROOT

    g = Generator(SMALL)
    with (PROJECT_ROOT / "seeds/reference/ref_fi_holidays.csv").open() as fh:
        seed = {dt.date.fromisoformat(r["holiday_date"]) for r in csv.DictReader(fh)}
    weekdays = set(g.horizon[(g.horizon.view("int64") - 4) % 7 < 5].tolist())
    working = set(g.horizon[g.horizon_working].tolist())
    assert weekdays - working == seed & weekdays  # a weekday is off exactly when the seed lists it
    days = np.array(["2023-08-31", "2023-09-01", "2024-12-31", "2025-01-01", "2025-01-01"], dtype="datetime64[D]")
    ages = np.array([30, 30, 30, 22.9, 23.0])
    assert treatment_max_days("general_practice", days, ages).tolist() == [90, 14, 14, 14, 90]
    assert treatment_max_days("oral_care", days, ages).tolist() == [180, 120, 120, 120, 180]



def test_the_workforce_is_staffed_to_the_minimum_and_some_staff_are_residents_too(extract):
    """The workforce sources: every shift's employee and unit are known to the shift-planning system,
    the 24-hour units report a client count every day, the HR system's employees are valid identity
    codes, and some staff codes are also residents' codes (as real staff live in their county), which
    is what makes the staff pseudonym domain matter (test_staff: never equal to a client's)."""
    shifts, units = extract.tables["titania_vuorot"], extract.tables["titania_yksikot"]
    employees = set(extract.tables["titania_tyontekijat"]["henkilonumero"])
    known = [n for n in shifts["henkilonumero"] if n is not None]
    assert set(known) <= employees
    assert set(shifts["yksikko"]) <= set(units["yksikko_oid"])
    days = (SMALL.end - SMALL.start).days + 1
    census = extract.tables["titania_asiakasmaarat"]
    assert len(census["laskenta_id"]) >= days * len(units["yksikko_oid"])  # defects add duplicates only
    staff = [c for c in extract.tables["sarastia_palvelussuhteet"]["hetu"] if c is not None]
    assert sum(parse(c) is not None for c in staff) / len(staff) > 0.98  # the injected invalid codes aside
    assert set(staff) & set(extract.tables["vtj_residents"]["hetu"])
    agency = [n for n in extract.tables["titania_tyontekijat"]["henkilonumero"] if n and n.startswith("V")]
    assert agency and not set(agency) & set(extract.tables["sarastia_palvelussuhteet"]["henkilonumero"])
