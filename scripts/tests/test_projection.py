"""The population projection seed (väestöennuste) and its importer: the shipped figures against
what Statistics Finland published about them, and against the counties' 2024 populations; the
importer refuses incomplete or malformed files with the line that is wrong."""

import csv

import pytest

from virta import projection
from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT

SEED = PROJECT_ROOT / projection.SEED
UUSIMAA = ("01", "02", "03", "04", "90")  # the counties of the Uusimaa region (MK01)


def residents():
    """{(area, year): (all ages, aged 65+)} from the shipped seed."""
    out = {}
    with SEED.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            ages = {int(k[4:]) if k != "age_100_plus" else 100: int(v) for k, v in r.items() if k.startswith("age_")}
            out[(r["projection_area_code"], int(r["year"]))] = (
                sum(ages.values()), sum(n for a, n in ages.items() if a >= 65))
    return out


def county_populations():
    with (PROJECT_ROOT / "seeds/reference/ref_counties.csv").open(encoding="utf-8") as fh:
        return {r["county_code"]: int(r["population"]) for r in csv.DictReader(fh)}


def test_the_seed_holds_every_area_and_year_once():
    seen = residents()
    areas = {a for a, _ in seen}
    assert areas == projection.projection_areas()
    assert {y for _, y in seen} == set(range(2024, 2046))
    assert len(seen) == len(areas) * 22


def test_the_projection_starts_from_the_counties_2024_populations():
    """The projection's 2024 and the register's 2024 (ref_counties, Statistics Finland) are two
    figures for the same year-end; they differ by at most 1 %."""
    seen, registered = residents(), county_populations()
    for county, population in registered.items():
        if county in UUSIMAA:
            continue
        assert abs(seen[(county, 2024)][0] / population - 1) < 0.01, county
    uusimaa = sum(registered[c] for c in UUSIMAA)
    assert abs(seen[("MK01", 2024)][0] / uusimaa - 1) < 0.01
    # the areas are the country less Åland (30 698 in 2024)
    areas = sum(n for (a, y), (n, _) in seen.items() if y == 2024 and a != "FI")
    assert seen[("FI", 2024)][0] - areas == 30698


def test_the_seed_says_what_statistics_finland_said_of_its_projection():
    """Tilastokeskus' release on the regional projection (STT, October 2024): up to 2045 the
    population falls by over a tenth in Kymenlaakso, Etelä-Savo and Kainuu, the largest losses; it
    grows in 8 regions of 19 (Åland, not in the seed, among them); by 2035 the share aged 65+ is
    largest in Etelä-Savo (38 %) and smallest in Uusimaa (20 %)."""
    seen = residents()
    areas = sorted(a for a in projection.projection_areas() if a != "FI")
    change = {a: seen[(a, 2045)][0] / seen[(a, 2024)][0] - 1 for a in areas}
    assert sorted(change, key=change.get)[:3] == ["10", "12", "20"]  # Kymenlaakso, Etelä-Savo, Kainuu
    assert all(change[a] < -0.10 for a in ("10", "12", "20"))
    assert sum(c > 0 for c in change.values()) == 7
    share_65 = {a: round(100 * seen[(a, 2035)][1] / seen[(a, 2035)][0]) for a in areas}
    assert share_65["12"] == 38 and share_65["MK01"] == 20
    assert max(share_65, key=share_65.get) == "12" and min(share_65, key=share_65.get) == "MK01"


def long_csv(tmp_path, rows, header=projection.COLUMNS):
    path = tmp_path / "projection.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def complete(area="20", years=(2024, 2025), n=lambda age, year: 100 - age + year % 10):
    return [(area, y, a, n(int(a.rstrip("-")), y)) for y in years for a in projection.AGES]


def test_the_importer_writes_one_wide_row_per_area_and_year(tmp_path):
    rows = projection.wide_rows(long_csv(tmp_path, complete("MK01") + complete()), {"20", "MK01"})
    assert [(a, y) for a, y, _ in rows] == [("20", 2024), ("20", 2025), ("MK01", 2024), ("MK01", 2025)]
    assert rows[0][2][:3] == [104, 103, 102] and rows[0][2][-1] == 4  # ages 0, 1, 2 ... and 100-
    assert rows[1][2][:2] == [105, 104]  # 2025
    text = projection.seed_csv(rows, "x")
    header, first = text.splitlines()[:2]
    assert header.split(",")[:4] == ["projection_area_code", "source_code", "year", "age_0"]
    assert header.endswith("age_99,age_100_plus") and first.startswith("20,x,2024,104,103")


@pytest.mark.parametrize("mutate, message", [
    (lambda rows: rows[:-1], r"projection.csv: MK01 2025 lacks age\(s\) 100-"),
    (lambda rows: [r for r in rows if r[0] != "MK01"], r"projection.csv: no rows for projection area\(s\) MK01"),
    (lambda rows: rows + complete(years=(2027,)) + complete("MK01", years=(2027,)),
     r"projection.csv: 20 2026 lacks age\(s\) 0, 1, 2, 3, 4 \.\.\."),
    (lambda rows: rows + [rows[0]], "projection.csv, line 406: 20 2024 age 0 appears twice"),
    (lambda rows: [("21", *rows[0][1:])] + rows[1:], "line 2: unknown projection_area_code '21'"),
    (lambda rows: rows[:5] + [("20", 2024, "5", "many")] + rows[6:], "line 7: year and residents must be whole"),
    (lambda rows: rows[:5] + [("20", 2024, "5", -1)] + rows[6:], "line 7: year 2024 or residents -1 out of range"),
    (lambda rows: rows[:5] + [("20", 2024, "101", 1)] + rows[6:], "line 7: age '101' is not 0-99"),
])
def test_the_importer_refuses_a_file_that_is_not_complete_and_clean(tmp_path, mutate, message):
    path = long_csv(tmp_path, mutate(complete() + complete("MK01")))
    with pytest.raises(VirtaError, match=message):
        projection.wide_rows(path, {"20", "MK01"})


def test_the_importer_names_a_missing_column(tmp_path):
    path = long_csv(tmp_path, [("20", 2024, 0)], header=("projection_area_code", "year", "age"))
    with pytest.raises(VirtaError, match="missing column.*residents"):
        projection.wide_rows(path, {"20"})


def test_the_cli_refuses_a_bad_file_and_leaves_the_seed_as_it_was(tmp_path):
    from conftest import run_virta
    from virta.testing import clean_env

    before = SEED.read_bytes()
    path = long_csv(tmp_path, complete()[:-1])
    result = run_virta(["projection", "import", str(path)], clean_env(), check=False)
    assert result.returncode == 2
    assert "no rows for projection area(s) 05, 06," in result.stderr  # one county alone is not a projection
    assert SEED.read_bytes() == before
