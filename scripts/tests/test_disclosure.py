"""Disclosure control: every published mart declares it, the attack finds nothing on the built
sample, and the same attack recovers cells when only the primary suppression is applied."""

from __future__ import annotations

import json
import re
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import query_function, run_virta, throwaway_env

from virta import privacy
from virta.paths import PROJECT_ROOT


def test_every_mart_declares_its_disclosure_control(warehouse):
    env, _ = warehouse
    manifest = Path(env["DBT_TARGET_PATH"]) / "manifest.json"
    declared = privacy.declarations(manifest)  # raises for a mart without a declaration
    on_disk = {p.stem for p in (PROJECT_ROOT / "models" / "marts").rglob("*.sql")}
    assert {d.name for d in declared} == on_disk
    listed = set(re.findall(r"ref\('(dsc_\w+)'\)", (PROJECT_ROOT / "macros/disclosure/inputs.sql").read_text()))
    assert {d.decl["cells"] for d in declared if d.decl.get("cells")} == listed
    nodes = json.loads(manifest.read_text())["nodes"]
    for d in declared:
        kinds = {"cells", "inherits", "kind"} & set(d.decl)
        assert len(kinds) == 1, f"{d.name}: declare exactly one of cells, inherits, kind"
        for parent in d.decl.get("inherits", []):
            node = nodes[f"model.virta.{d.name}"]
            assert f"model.virta.{parent}" in node["depends_on"]["nodes"] or parent in json.dumps(node["depends_on"])


def test_a_published_mart_is_its_cells_with_the_withheld_ones_blanked(warehouse, sql):
    """Every published value equals the value before disclosure control (which the recompute tests
    check against the raw tables); a count or amount is blank exactly where the pattern withholds it,
    and so is everything declared as derived from it."""
    env, _ = warehouse
    for d in privacy.declarations(Path(env["DBT_TARGET_PATH"]) / "manifest.json"):
        if not d.decl.get("cells"):
            continue
        dims = d.decl["dimensions"]
        on = " and ".join(f"p.{c} is not distinct from c.{c}" for c in dims)
        cells = sql(f"select count(*) from {d.cells_relation}")[0][0]
        joined = sql(f"select count(*) from {d.relation} as p join {d.cells_relation} as c on {on}")[0][0]
        assert sql(f"select count(*) from {d.relation}")[0][0] == joined == cells, d.name
        private = set(d.decl.get("private", []))
        columns = [c for (c,) in sql("select column_name from information_schema.columns where table_schema = "
                                     "'disclosure' and table_name = %s", (d.decl["cells"],)) if c not in private]
        published = {c for (c,) in sql("select column_name from information_schema.columns where table_schema = "
                                       "'marts' and table_name = %s", (d.name,))}
        assert not private & published, f"{d.name}: a private column is published"
        # the published names of the shared shape (macro published_column_name: is_final -> is_complete_period)
        name = {"is_final": "is_complete_period", "is_full_year": "is_complete_period"}
        differs = " or ".join(f"(p.{name.get(c, c)} is not null and p.{name.get(c, c)} is distinct from c.{c})"
                              for c in columns)
        assert sql(f"select count(*) from {d.relation} as p join {d.cells_relation} as c on {on} "
                   f"where {differs}")[0][0] == 0, f"{d.name}: a published value differs from its cell"
        key = "concat_ws('|', " + ", ".join(f"coalesce(cast(c.{c} as text), '~')" for c in dims) + ")"
        layers = [*d.decl.get("counts", []), *d.decl.get("magnitudes", [])]
        for layer in layers:
            for column in [layer["column"], *layer.get("derived", [])]:
                shown = sql(f"""
                    select count(*) from {d.relation} as p join {d.cells_relation} as c on {on}
                    join disclosure.disclosure_pattern as w
                        on w.table_name = %s and w.layer = %s and w.row_key = {key}
                    where w.is_withheld and p.{column} is not null""", (d.name, layer["column"]))[0][0]
                assert shown == 0, f"{d.name}.{column}: published where {layer['column']} is withheld"
        withheld = sql(f"select count(*) from {d.relation} where is_suppressed and {layers[0]['column']} is not null")
        assert withheld[0][0] == 0, d.name


def test_a_mart_without_a_declaration_is_refused(tmp_path):
    manifest = {"nodes": {"model.virta.mart_x": {
        "name": "mart_x", "resource_type": "model", "original_file_path": "models/marts/x/mart_x.sql",
        "relation_name": '"virta"."marts"."mart_x"', "config": {"meta": {}}}}}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    try:
        privacy.declarations(path)
    except Exception as error:  # noqa: BLE001 - the message is what matters
        assert "mart_x has no meta.disclosure" in str(error)
    else:
        raise AssertionError("a mart without a declaration was accepted")


def test_attack_finds_nothing_on_the_sample_and_bites_without_secondary_suppression(warehouse):
    env, _ = warehouse
    protected = run_virta(["privacy", "check"], env, check=False)
    assert protected.returncode == 0, protected.stdout + protected.stderr
    assert "passed, nothing recovered" in protected.stdout
    unprotected = run_virta(["privacy", "check", "--primary-only"], env, check=False)
    assert unprotected.returncode == 1
    recovered = int(re.search(r"FAILED, (\d+) withheld values recovered", unprotected.stdout).group(1))
    assert recovered > 0


def test_a_build_iterates_to_what_the_unrolled_pattern_query_gives(warehouse):
    """A build runs the suppression passes one at a time and stops at the fixed point; the model's
    compiled query (what the unit tests pin) unrolls all var('disclosure_passes') of them. On the
    sample's cells without earlier releases (so that the passes have work to do), both give the
    same pattern, row for row."""
    env, _ = warehouse
    result = run_virta(["dbt", "run-operation", "disclosure_pattern_compare",
                        "--vars", "{disclosure_remember_releases: false}"], env)
    text = result.stdout + result.stderr
    closed = re.search(r"closed, pass (\d+) withheld nothing more", text)
    assert closed and int(closed.group(1)) >= 10, text[-3000:]
    assert re.search(r"compare: [1-9]\d* cells; 0 rows only in the build's, 0 only in the unrolled", text), text[-3000:]


def test_solver_recovers_a_county_from_the_total_and_not_two():
    """FI = 90 + 20 + 30: one unknown county is pinned, two are not."""
    x90, x20, x30, fi = (("t", "n", (a,)) for a in ("90", "20", "30", "FI"))
    eq = [[(fi, 1), (x90, -1), (x20, -1), (x30, -1)]]
    known = {fi: Fraction(20), x20: Fraction(9), x30: Fraction(8)}
    assert privacy._solve(eq, known, {x90}) == {x90: Fraction(3)}
    known.pop(x30)
    assert privacy._solve(eq, known, {x90, x30}) == {}


def test_solver_combines_equations():
    """Rows and columns of a 2 x 2 table with totals: four withheld inner cells are safe; with one
    of them published, the other three follow."""
    a, b, c, d, r1, r2, c1, c2 = (("t", "n", (k,)) for k in "abcdRSCD")
    eqs = [[(r1, 1), (a, -1), (b, -1)], [(r2, 1), (c, -1), (d, -1)],
           [(c1, 1), (a, -1), (c, -1)], [(c2, 1), (b, -1), (d, -1)]]
    known = {r1: Fraction(5), r2: Fraction(7), c1: Fraction(6), c2: Fraction(6)}
    assert privacy._solve(eqs, known, {a, b, c, d}) == {}
    known[a] = Fraction(2)
    assert privacy._solve(eqs, known, {b, c, d}) == {b: 3, c: 4, d: 3}


@pytest.mark.e2e
def test_three_counties_at_scale_0_02_across_two_monthly_releases(tmp_path_factory):
    """A third county and a bigger sample, released twice by `virta daily` (eleven months, then the
    twelfth, which also revises the months before: clocks close, cases get decisions). Each release
    passes the attack, the second with the first one's published values in the intruder's memory;
    the attack bites when only the primary suppression is applied; a cell withheld by the first
    release and unchanged stays withheld."""
    env = throwaway_env(tmp_path_factory, "virta-disclosure")
    home = Path(env["VIRTA_HOME"])
    out, inbox, archive = home / "generated", home / "inbox", home / "archive"
    try:
        run_virta(["generate", "--scale", "0.02", "--counties", "90,20,11", "--start", "2024-07-01",
                   "--end", "2025-06-30", "--batches", "12", "--out", str(out)], env, timeout=1200)
        months = sorted({d.name.split("_")[0] for d in out.iterdir()})
        assert len(months) == 12
        checks = []
        for group in (months[:11], months[11:]):
            inbox.mkdir(exist_ok=True)
            for d in out.iterdir():
                if d.name.split("_")[0] in group:
                    shutil.move(str(d), inbox / d.name)
            run_date = max(d.name.rsplit("_", 1)[1] for d in inbox.iterdir())
            daily = run_virta(["daily", "--inbox", str(inbox), "--archive", str(archive), "--today", run_date],
                              env, check=False, timeout=1800)
            assert daily.returncode == 0, daily.stdout[-3000:] + daily.stderr[-3000:]
            assert "the attack recovers nothing" in daily.stdout
            checks.append(run_virta(["privacy", "check"], env, check=False))
        for check in checks:
            assert check.returncode == 0 and "passed, nothing recovered" in check.stdout, check.stdout[-3000:]
        unprotected = run_virta(["privacy", "check", "--primary-only"], env, check=False)
        assert unprotected.returncode == 1, unprotected.stdout[-2000:]
        query, close = query_function(env)
        try:
            kept = query("select count(*) from disclosure.disclosure_pattern where withheld_reason = 'withheld_earlier'")
            assert kept[0][0] > 0
            counties = query("select count(distinct area_code) from marts.mart_primary_care_waits_monthly")
            assert counties[0][0] == 4  # three counties and FI
            report = {r[0]: r[1:] for r in query(
                "select table_name, control, attack_result, release_decision from marts.mart_disclosure_report")}
            on_disk = {p.stem for p in (PROJECT_ROOT / "models" / "marts").rglob("*.sql")}
            assert set(report) == on_disk  # the report lists every published mart
            assert all(r[1].startswith(("passed", "not attacked")) for r in report.values()), report
        finally:
            close()
    finally:
        run_virta(["db", "stop"], env, check=False)
