"""The published figures: the shipped seed's completeness and provenance, and `virta published import`
of Sotkanet's open data (its JSON and CSV, the regions file, what it leaves out and what it refuses)."""

import csv
import json
import shutil
from collections import Counter, defaultdict

import pytest

from virta import published
from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT

SEED = PROJECT_ROOT / published.SEED
COUNTIES = sorted(r["county_code"] for r in csv.DictReader((PROJECT_ROOT / published.COUNTIES_SEED).open(encoding="utf-8")))
# Sotkanet's /regions, in the shape it answers (ids are Sotkanet's own: rOpenGov's mapping for two)
REGIONS = [
    {"id": 658, "code": "358", "category": "MAA", "title": {"fi": "Koko maa"}},
    {"id": 966, "code": "02", "category": "HYVINVOINTIALUE", "title": {"fi": "Keski-Uudenmaan hyvinvointialue"}},
    {"id": 978, "code": "05", "category": "HYVINVOINTIALUE", "title": {"fi": "Varsinais-Suomen hyvinvointialue"}},
    {"id": 900, "code": "91", "category": "HYVINVOINTIALUE", "title": {"fi": "Ahvenanmaa"}},
    {"id": 52, "code": "091", "category": "KUNTA", "title": {"fi": "Helsinki"}},
]


def seed_rows():
    with SEED.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_shipped_sotkanet_figures_cover_every_county_and_the_country_each_year():
    by_year = defaultdict(set)
    for r in seed_rows():
        if r["published_indicator_id"] == "sotkanet_6411":
            by_year[r["period_start"][:4]].add(r["area_code"])
    assert sorted(by_year) == ["2021", "2022", "2023", "2024", "2025"]
    assert all(areas == {"FI", *COUNTIES} for areas in by_year.values()), by_year


def test_every_published_figure_says_where_it_comes_from():
    rows = seed_rows()
    assert all(r["source"] for r in rows)
    # THL's national share over 7 days (Sotkanet, 2024) and its March 2024 share within 7 days
    # (a THL release) agree: 43.4 % over is 56.6 % within, against 57 %
    value = {(r["published_indicator_id"], r["area_code"], r["period_start"]): float(r["value"]) for r in rows}
    assert abs(100 - value[("sotkanet_6411", "FI", "2024-01-01")] - value[("thl_pth_doctor_within_7d", "FI", "2024-03-01")]) < 1


def test_every_mapped_published_indicator_has_figures():
    with (PROJECT_ROOT / "seeds/reference/ref_published_indicator_map.csv").open(encoding="utf-8") as f:
        mapped = {r["published_indicator_id"] for r in csv.DictReader(f)}
    assert mapped <= {r["published_indicator_id"] for r in seed_rows()}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the seeds the importer reads and writes, so the real seed is never touched."""
    (tmp_path / "seeds/reference").mkdir(parents=True)
    for path in (published.SEED, published.INDICATORS_SEED, published.COUNTIES_SEED):
        shutil.copy(PROJECT_ROOT / path, tmp_path / path)
    monkeypatch.setattr(published, "PROJECT_ROOT", tmp_path)
    regions = tmp_path / "regions.json"
    regions.write_text(json.dumps(REGIONS), encoding="utf-8")
    return tmp_path, regions


def write_json(path, records):
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def record(region, year=2024, value=40.5, gender="total", indicator=6411, **extra):
    return {"indicator": indicator, "region": region, "year": year, "gender": gender, "value": value, **extra}


def test_an_import_replaces_the_indicators_years_and_keeps_the_rest(project):
    root, regions = project
    before = Counter((r["published_indicator_id"], r["period_start"][:4]) for r in seed_rows())
    data = write_json(root / "d.json", [record(658, absValue=1000), record(966, value=30), record(978, value="55.25"),
                                        record(900), record(52), record(966, gender="male")])
    result = published.import_files(data, regions, "2026-12-01")
    with (root / published.SEED).open(encoding="utf-8") as f:
        after = list(csv.DictReader(f))
    rows_2024 = [r for r in after if r["published_indicator_id"] == "sotkanet_6411" and r["period_start"] == "2024-01-01"]
    assert [(r["area_code"], r["value"], r["abs_value"]) for r in rows_2024] == [
        ("FI", "40.5", "1000"), ("02", "30", ""), ("05", "55.25", "")]
    assert rows_2024[0]["period_end"] == "2024-12-31" and rows_2024[0]["retrieved_on"] == "2026-12-01"
    assert "Sotkanet indicator 6411" in rows_2024[0]["source"]
    # the other years and indicators are as they were
    counted = Counter((r["published_indicator_id"], r["period_start"][:4]) for r in after)
    assert counted - Counter({("sotkanet_6411", "2024"): 3}) == before - Counter({("sotkanet_6411", "2024"): 23})
    assert result.left_out == Counter({"HYVINVOINTIALUE 91: not a county of ref_counties (Åland has none)": 1,
                                       "region category KUNTA": 1, "gender male": 1})


def test_the_csv_export_with_a_decimal_comma_reads_the_same(project):
    root, regions = project
    data = root / "d.csv"
    data.write_text("indicator;region;year;gender;primary value;absolute value\n"
                    "6411;658;2023;total;48,5;244074\n6411;966;2023;total;23,7;\n6411;978;2023;total;;\n",
                    encoding="utf-8")
    result = published.import_files(data, regions, "2026-12-01")
    assert [(r["area_code"], r["value"], r["abs_value"]) for r in result.rows] == [("FI", "48.5", "244074"),
                                                                                  ("02", "23.7", "")]
    assert result.left_out == Counter({"no value (Sotkanet withholds or has none)": 1})


@pytest.mark.parametrize("records, message", [
    ([record(658, indicator=9999)], r"d.json, record 1: indicator '9999' is not in ref_published_indicators.csv"),
    ([record(658), record(123)], r"d.json, record 2: region '123' is not in the regions file"),
    ([record(658), record(966), record(966, value=1)],
     r"record 3: sotkanet_6411 02 2024 appears twice \(also .*record 2\)"),
    ([record(658, value="n/a")], r"record 1: value 'n/a' is not a number"),
    ([record(658, year="vuosi")], r"record 1: year 'vuosi' is not a year"),
    ([record(52)], r"no figures to import: every record was left out \(1 region category KUNTA\)"),
])
def test_a_bad_file_is_refused_with_its_record_and_the_seed_stays(project, records, message):
    root, regions = project
    before = (root / published.SEED).read_bytes()
    with pytest.raises(VirtaError, match=message):
        published.import_files(write_json(root / "d.json", records), regions, "2026-12-01")
    assert (root / published.SEED).read_bytes() == before


def test_a_file_that_is_neither_sotkanet_json_nor_csv_is_refused(project):
    root, regions = project
    path = root / "d.csv"
    path.write_text("alue,vuosi,arvo\nFI,2024,1\n", encoding="utf-8")
    with pytest.raises(VirtaError, match="missing column.*indicator, region, year, gender"):
        published.import_files(path, regions, "2026-12-01")


def test_the_cli_imports_and_says_what_it_left_out(project, capsys):
    root, regions = project
    from virta import cli

    data = write_json(root / "d.json", [record(658), record(900)])
    assert cli.main(["published", "import", str(data), "--regions", str(regions), "--retrieved-on", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "1 figures (sotkanet_6411 2024: 1)" in out and "left out 1: HYVINVOINTIALUE 91" in out
    assert cli.main(["published", "import", str(data), "--regions", str(regions), "--retrieved-on", "1.12.2026"]) == 2
    assert "--retrieved-on must be a date" in capsys.readouterr().err


def test_every_digit_of_a_figure_is_kept(project):
    root, regions = project
    data = write_json(root / "d.json", [record(658, value=12345.67, absValue=3085383), record(966, value="0,125")])
    rows = published.import_files(data, regions, "2026-12-01").rows
    assert [(r["value"], r["abs_value"]) for r in rows] == [("12345.67", "3085383"), ("0.125", "")]


def test_a_year_the_file_leaves_wholly_out_replaces_the_seeds_rows_of_it(project):
    """A year Sotkanet now gives no value for (withdrawn) is not kept from an older import."""
    root, regions = project
    data = write_json(root / "d.json", [record(658, year=2024), record(658, year=2025, value=None)])
    published.import_files(data, regions, "2026-12-01")
    with (root / published.SEED).open(encoding="utf-8") as f:
        years = Counter(r["period_start"][:4] for r in csv.DictReader(f) if r["published_indicator_id"] == "sotkanet_6411")
    assert years["2024"] == 1 and years["2025"] == 0 and years["2023"] == 23


def test_an_error_object_is_not_taken_for_a_csv(project):
    root, regions = project
    path = root / "d.json"
    path.write_text('{"error": "Indicator not found"}', encoding="utf-8")
    with pytest.raises(VirtaError, match="a JSON object, not Sotkanet's data array"):
        published.import_files(path, regions, "2026-12-01")
