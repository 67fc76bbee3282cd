"""Disclosure control: every published mart declares it, the attack finds nothing on the built
sample, and the same attack recovers cells when only the primary suppression is applied."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

from conftest import run_virta

from virta import privacy
from virta.paths import PROJECT_ROOT


def test_every_mart_declares_its_disclosure_control(warehouse):
    env, _ = warehouse
    manifest = Path(env["DBT_TARGET_PATH"]) / "manifest.json"
    declared = privacy.declarations(manifest)  # raises for a mart without a declaration
    on_disk = {p.stem for p in (PROJECT_ROOT / "models" / "marts").rglob("*.sql")}
    assert {d.name for d in declared} == on_disk
    listed = set(re.findall(r"ref\('(dsc_\w+)'\)", (PROJECT_ROOT / "models/disclosure/disclosure_cells.sql").read_text()))
    assert {d.decl["cells"] for d in declared if d.decl.get("cells")} == listed
    nodes = json.loads(manifest.read_text())["nodes"]
    for d in declared:
        kinds = {"cells", "inherits", "kind"} & set(d.decl)
        assert len(kinds) == 1, f"{d.name}: declare exactly one of cells, inherits, kind"
        for parent in d.decl.get("inherits", []):
            node = nodes[f"model.virta.{d.name}"]
            assert f"model.virta.{parent}" in node["depends_on"]["nodes"] or parent in json.dumps(node["depends_on"])


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
