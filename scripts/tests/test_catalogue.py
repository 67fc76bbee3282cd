"""The indicator catalogue: every mart carries the required meta and tests, all nine § 29
dimensions are covered, and a missing meta key is caught."""

import shutil

from virta import catalogue
from virta.paths import PROJECT_ROOT


def test_every_indicator_has_meta_description_and_tests():
    assert catalogue.problems() == []


def test_all_nine_dimensions_have_an_indicator():
    covered = {i.meta["dimension"] for i in catalogue.indicators()}
    assert covered == {*catalogue.DIMENSIONS, *catalogue.REFERENCE_DIMENSIONS}


def test_a_missing_meta_key_an_unknown_dimension_or_an_undocumented_mart_is_reported(tmp_path):
    shutil.copytree(PROJECT_ROOT / "models/marts", tmp_path / "models/marts")
    yml = tmp_path / "models/marts/costs/_costs__marts.yml"
    text = yml.read_text()
    assert "      unit: euros per client, visit, treatment or care day; percent\n" in text
    text = text.replace("      unit: euros per client, visit, treatment or care day; percent\n", "")
    text = text.replace("dimension: costs (kustannukset)", "dimension: costs", 1)
    yml.write_text(text)
    (tmp_path / "models/marts/costs/mart_undocumented.sql").write_text("select 1 as x\n")
    unit_tests = tmp_path / "models/marts/costs/_costs__unit_tests.yml"  # unit tests: their own file per folder
    tests = unit_tests.read_text()
    assert "    model: mart_cost_indicator_monthly\n" in tests
    unit_tests.write_text(tests.replace("    model: mart_cost_indicator_monthly\n", "    model: mart_elsewhere\n"))
    rank = ("good nor bad). Ties share a\n"
            "          rank and the next rank is skipped (1, 1, 3). Null for the total (`all`) and for suppressed or\n")
    assert rank in text
    text = text.replace(rank, "good nor bad).\n          Null for the total (`all`) and for suppressed or\n")
    assert "  - name: mart_costs_by_aura_monthly\n" in text
    yml.write_text(text.replace("  - name: mart_costs_by_aura_monthly\n", "  - name: costs_by_aura_monthly\n"))
    found = catalogue.problems(tmp_path)
    assert ("mart_cost_per_unit_yearly: rank column eur_per_client_rank does not say what rank 1 is and what ties "
            "do") in found
    assert "mart_cost_indicator_monthly: no dbt unit test pinning its calculation" in found
    assert "mart_cost_per_unit_yearly: meta lacks unit" in found
    assert "costs_by_aura_monthly: unknown dimension 'costs'" in found
    assert "costs_by_aura_monthly: a published model's name starts with mart_" in found
    assert any(p.startswith("models/marts/costs/mart_undocumented.sql: no YAML entry") for p in found)


def test_overview_lists_every_indicator_under_its_dimension_and_use_case():
    page = catalogue.overview_md()
    assert page.startswith("{% docs __overview__ %}") and page.rstrip().endswith("{% enddocs %}")
    for ind in catalogue.indicators():
        # by dimension and by use case; the registry's table once, in the introduction
        times = 1 if ind.meta["dimension"] in catalogue.REFERENCE_DIMENSIONS else 2
        assert page.count(f"#!/model/model.virta.{ind.name})") == times, ind.name


def test_unit_tests_live_in_their_folders_unit_test_file():
    """Unit tests are kept apart from the model YAML, one file per folder: _<folder>__unit_tests.yml."""
    import yaml

    misplaced = []
    for path in sorted((PROJECT_ROOT / "models").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        if doc.get("unit_tests") and path.name != f"_{path.parent.name}__unit_tests.yml":
            misplaced.append(str(path.relative_to(PROJECT_ROOT)))
    assert misplaced == []


def test_published_models_read_the_business_vault_never_the_raw_vault():
    """A mart (and a restricted output) reads business-vault models, other marts and reference
    seeds: never a hub, link, satellite or staging view, so the vault can change beneath it."""
    import re

    found = []
    for folder in ("models/marts", "models/restricted"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.sql")):
            raw = r"(?:ref|current_rows|current_link)\(\s*'((?:hub|link|sat|stg)_\w+)'"
            for ref in re.findall(raw, path.read_text()):
                found.append(f"{path.relative_to(PROJECT_ROOT)}: {ref}")
    assert found == []
