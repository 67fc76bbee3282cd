"""The analyst's warehouse, checked as an analyst uses it, on the default sample `virta run` loads:
every SQL example of the README and every query of analyses/ runs as the analyst role (a steward's
example as the steward) and shows numbers; every published mart has the shared shape of
docs/marts.md and describes every column in the catalogue."""

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import connect_as
from virta.paths import PROJECT_ROOT

ANALYSES = sorted((PROJECT_ROOT / "analyses").glob("*/*.sql"))


def sql_statements(text: str) -> list[str]:
    """The statements of every ```sql block of a Markdown text (separated by ';' at a line end)."""
    statements = []
    for block in re.findall(r"```sql\n(.*?)```", text, flags=re.S):
        for part in re.split(r";\s*\n", block + "\n"):
            body = "\n".join(line for line in part.splitlines() if not line.strip().startswith("--")).strip()
            if body:
                statements.append(part.strip().rstrip(";"))
    return statements


README_SQL = sql_statements((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))


def role_for(statement: str) -> str:
    """The least role that may run it: the analyst reads the marts only."""
    text = re.sub(r"extract\s*\([^)]*\)", "", re.sub(r"--[^\n]*", "", statement), flags=re.I)  # "from" of extract()
    schemas = set(re.findall(r"\b(?:from|join)\s+([a-z_]+)\.", text, flags=re.I))
    return "virta_analyst" if schemas <= {"marts"} else "virta_steward"


def shows_numbers(columns: list[str], rows: list[tuple]) -> list[str]:
    """What keeps the result from showing numbers: no rows, only withheld rows, or a column blank in
    every row."""
    if not rows:
        return ["no rows"]
    problems = []
    if "is_suppressed" in columns and all(r[columns.index("is_suppressed")] for r in rows):
        problems.append("every row suppressed")
    for i, name in enumerate(columns):
        typed = [r[i] for r in rows if r[i] is not None]
        if not typed:  # a column blank in every row shows nothing (a withheld measure, a failed join)
            problems.append(f"{name} blank in every row")
        elif not isinstance(typed[0], (int, float, Decimal, str, bool, dt.date)):
            problems.append(f"{name}: unexpected type {type(typed[0]).__name__}")
    return problems


@pytest.fixture(scope="module")
def run_as(warehouse):
    env, _ = warehouse
    connections = {}

    def run(statement: str, role: str):
        if role not in connections:
            connections[role] = connect_as(env, role)
            connections[role].autocommit = True
        with connections[role].cursor() as cur:
            cur.execute(statement)
            return [d[0] for d in cur.description], cur.fetchall()

    yield run
    for conn in connections.values():
        conn.close()


def test_the_readme_has_sql_examples_and_the_first_reads_the_marts():
    assert len(README_SQL) >= 20
    assert role_for(README_SQL[0]) == "virta_analyst", README_SQL[0]


@pytest.mark.e2e
@pytest.mark.parametrize("statement", README_SQL, ids=[f"readme_{i + 1}" for i in range(len(README_SQL))])
def test_every_readme_sql_example_runs_and_shows_numbers(run_as, statement):
    columns, rows = run_as(statement, role_for(statement))
    assert shows_numbers(columns, rows) == [], statement


@pytest.mark.e2e
@pytest.mark.parametrize("path", ANALYSES, ids=[str(p.relative_to(PROJECT_ROOT / "analyses")) for p in ANALYSES])
def test_every_analysis_runs_as_the_analyst_and_shows_numbers(run_as, path):
    statement = path.read_text(encoding="utf-8").strip().rstrip(";")
    assert role_for(statement) == "virta_analyst", f"{path.name} reads more than the published marts"
    columns, rows = run_as(statement, "virta_analyst")
    assert shows_numbers(columns, rows) == [], path.name


def test_the_query_pack_answers_five_questions_per_use_case():
    questions = {"1_current_state", "2_development", "3_forecast", "4_comparison", "5_legal_compliance"}
    by_use_case: dict[str, set[str]] = {}
    for path in ANALYSES:
        by_use_case.setdefault(path.parent.name, set()).add(path.stem.removeprefix(path.parent.name + "_"))
    # county_follow_up's forecast is the service-need scenario under the population projection
    for use_case in ("access_to_care", "access_to_social_services", "costs", "county_follow_up", "staff"):
        assert by_use_case.get(use_case) == questions, use_case


def test_shows_numbers_refuses_empty_and_withheld_results():
    assert shows_numbers(["a"], []) == ["no rows"]
    assert shows_numbers(["visits_n", "is_suppressed"], [(None, True)]) == [
        "every row suppressed", "visits_n blank in every row"]
    assert shows_numbers(["visits_n", "is_suppressed"], [(None, True), (7, False)]) == []


# --- the shared shape of the published marts (docs/marts.md) ---

MEASURE = re.compile(
    r"_(n|pct|mean|median|min|max|gap|p\d\d|eur|rank|ratio|per_\d+|per_resident|per_client|per_visit"
    r"|per_treatment|per_care_day|per_user|change_pct|index|hours|fte)$")
ATTRIBUTES = {
    "area_code", "area_level", "area_name_fi", "area_name_sv", "area_name_en", "month", "month_end", "year",
    "period_start", "period_end", "half_year", "queue_date", "is_complete_period", "is_suppressed", "is_all_due",
    "service_line", "professional_group", "age_group", "rule_id", "waiting_for", "case_group", "legal_group",
    "clock_type", "service", "urgency", "aura_level", "class_code", "parent_class_code", "parent_aura_level", "class_name_fi",
    "class_name_en", "production_mode", "municipality_code", "municipality_name_fi", "municipality_name_sv",
    "service_code", "service_name_fi", "service_name_en", "package_code", "package_name_fi", "package_name_en",
    "breakdown", "indicator_id", "n", "value", "row_type", "actual_value", "forecast_value", "forecast_lower_80",
    "forecast_upper_80", "forecast_lower_95", "forecast_upper_95", "horizon_months", "method", "is_benchmark",
    "chosen_method", "chosen_beats_benchmarks", "chosen_mase", "backtest_mae", "backtest_mase", "naive_mase",
    "mean_6_mase", "backtest_coverage_80", "backtest_coverage_95", "history_months", "no_forecast_reason",
    "dependency_ratio", "over_180_per_10000", "users_per_1000",
    # the population projection and the service-need scenario
    "age_band", "base_year", "projection_area_code", "projection_area_level", "source_code", "scenario_note",
    "is_only_service_of_package",
    # the comparison with published figures
    "published_indicator_id", "publisher", "unit", "value_status", "published_value", "national_value", "place",
    "is_definition_different", "definition_difference", "source", "published_on", "retrieved_on", "definition_url",
    # staff: the 24-hour care units and their weeks
    "unit_oid", "unit_name", "week_start",
    # customer segments and service intensity
    "segment_kind", "segment_code", "segment_name_fi", "segment_name_en", "parent_segment_code",
    "parent_segment_kind", "intensity_tier",
}
METADATA = {"mart_indicator_catalogue", "mart_disclosure_report", "mart_area"}


@pytest.fixture
def published(sql):
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in sql("""select table_name, column_name, data_type from information_schema.columns
                                          where table_schema = 'marts' order by table_name, ordinal_position"""):
        columns.setdefault(table, {})[column] = data_type
    return columns


def convention_problems(sql, mart: str, columns: dict[str, str]) -> list[str]:
    problems = []
    names = list(columns)
    for old in ("county_code", "is_final", "is_full_year"):
        if old in columns:
            problems.append(f"{old} (the convention's name is {'area_code' if old == 'county_code' else 'is_complete_period'})")
    if "area_code" in columns:
        missing = {"area_level", "area_name_fi", "area_name_sv", "area_name_en"} - set(names)
        at = names.index("area_code")
        if missing:
            problems.append(f"area_code without {sorted(missing)}")
        elif mart not in METADATA and names[at + 1:at + 4] != ["area_name_fi", "area_name_sv", "area_name_en"]:
            problems.append("area names not right after area_code")
        elif mart not in METADATA and sql is not None:
            unnamed = sql(f"select count(*) from marts.{mart} where area_code is not null and area_name_fi is null")[0][0]
            if unnamed:
                problems.append(f"{unnamed} rows with an area_code mart_area does not name")
    if "year" in columns and columns["year"] != "integer":
        problems.append(f"year is {columns['year']}, not integer")
    if "municipality_code" in columns and sql is not None and sql(
            f"select count(*) from marts.{mart} where municipality_name_fi is null")[0][0]:
        problems.append("a municipality mart_area does not name")
    if "month" in columns:
        if columns["month"] != "date":
            problems.append(f"month is {columns['month']}, not date")
        elif sql is not None and sql(f"select count(*) from marts.{mart} where month <> date_trunc('month', month)")[0][0]:
            problems.append("month not the first day")
    for name in names:
        if name.endswith("_rank") and f"{name.removesuffix('_rank')}_ranked_areas_n" not in columns:
            problems.append(f"{name} without {name.removesuffix('_rank')}_ranked_areas_n")
    periodic = {"month", "year", "period_start"} & set(names)
    if periodic and mart not in METADATA and "row_type" not in columns and "is_complete_period" not in columns:
        problems.append("a period without is_complete_period")
    if mart not in METADATA:
        for name in names:
            if name not in ATTRIBUTES and not MEASURE.search(name):
                problems.append(f"{name}: neither a known dimension nor a measure named <measure>_<stat>")
    return problems


@pytest.mark.e2e
def test_every_published_mart_follows_the_convention(sql, published):
    assert len(published) >= 28
    problems = {mart: p for mart, cols in published.items() if (p := convention_problems(sql, mart, cols))}
    assert problems == {}


def test_the_convention_check_finds_what_it_should():
    """The check above can fail: a mart with the old names and shapes is caught on each rule."""
    bad = {"county_code": "text", "year": "date", "is_final": "boolean", "x_rank": "bigint", "whatever": "text"}
    found = " | ".join(convention_problems(None, "mart_x", bad))
    for expected in ("county_code", "year is date", "is_final", "x_rank without x_ranked_areas_n", "whatever"):
        assert expected in found
    misplaced = {"area_code": "text", "area_level": "text", "area_name_fi": "text", "area_name_sv": "text",
                 "area_name_en": "text"}
    assert convention_problems(None, "mart_x", misplaced) == ["area names not right after area_code"]


@pytest.mark.e2e
def test_every_published_column_is_described_in_the_catalogue(warehouse, published):
    env, _ = warehouse
    manifest = json.loads((Path(env["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    undescribed = []
    for mart, columns in published.items():
        documented = nodes[mart]["columns"]
        for column in columns:
            text = (documented.get(column) or {}).get("description", "").strip()
            if len(text) < 8 or text == "TODO":
                undescribed.append(f"{mart}.{column}")
    assert undescribed == []
