"""The indicator catalogue: every model under models/marts is an indicator with the same `meta`,
and the dbt docs site's overview page lists them by järjestämislaki § 29 dimension and by use case.

`problems()` says which indicators lack a required meta key, name an unknown dimension or have no
tests; `overview_md()` renders the docs overview (a generated file, kept current by
`virta docs generate` and checked by `virta docs check`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from virta.paths import PROJECT_ROOT

MARTS = Path("models/marts")
RESTRICTED = Path("models/restricted")  # case-level outputs: catalogued alike, readable by stewards only
DISCLOSURE = Path("models/disclosure")  # the marts' cells before disclosure control
OVERVIEW = Path("docs/overview.md")  # dbt_project.yml docs-paths
DEFINITIONS = Path("docs/mart_definitions.md")  # a doc block per published model, in its description
REQUIRED_META = ("name_fi", "name_en", "dimension", "formula", "unit", "grain", "legal_basis",
                 "source_tables", "owner", "update_frequency", "use_case")
# The nine dimensions of järjestämislaki 612/2021 § 29, as meta.dimension spells them.
DIMENSIONS = (
    "population wellbeing and health (väestön hyvinvointi ja terveys)",
    "need for services (palvelutarve)",
    "availability (saatavuus)",
    "quality (laatu)",
    "effectiveness (vaikuttavuus)",
    "costs (kustannukset)",
    "productivity (tuottavuus)",
    "equality (yhdenvertaisuus)",
    "coordination (yhteensovittaminen)",
)
# mart_indicator_catalogue: the registry of the headline indicators, not an indicator of one dimension
CATALOGUE_DIMENSION = "indicator catalogue (tunnuslukuluettelo)"
# mart_disclosure_report: what disclosure control withheld in every published table
DISCLOSURE_DIMENSION = "disclosure control (tietosuoja)"
# mart_area: the areas every mart reports on
AREAS_DIMENSION = "reference (alueet)"
# mart_indicator_comparison: every dimension's headline indicators beside the published figures
COMPARISON_DIMENSION = "comparison with published figures (vertailu)"
REFERENCE_DIMENSIONS = (CATALOGUE_DIMENSION, DISCLOSURE_DIMENSION, AREAS_DIMENSION, COMPARISON_DIMENSION)


@dataclass(frozen=True)
class Indicator:
    name: str
    path: Path  # the YAML file that documents it
    description: str
    meta: dict
    has_tests: bool
    columns: dict  # documented column -> its description
    has_unit_test: bool = False  # a dbt unit test pins its calculation on a fixture


def indicators(root: Path = PROJECT_ROOT) -> list[Indicator]:
    """Every model documented in the marts' YAML files, with whether a data or unit test covers it."""
    found, unit_tested = [], set()
    docs = []
    for path in sorted([*(root / MARTS).rglob("*.yml"), *(root / RESTRICTED).rglob("*.yml")]):
        doc = yaml.safe_load(path.read_text()) or {}
        docs.append((path, doc))
        unit_tested |= {t["model"] for t in doc.get("unit_tests") or []}
    for path in sorted([*(root / DISCLOSURE).rglob("*.yml"), *(root / "models/business_vault").rglob("*.yml")]):
        unit_tested |= {t["model"] for t in (yaml.safe_load(path.read_text()) or {}).get("unit_tests") or []}
    for path, doc in docs:
        for model in doc.get("models") or []:
            # a mart made of cells (meta.disclosure.cells) is unit tested on its cells model
            cells = ((model.get("meta") or {}).get("disclosure") or {}).get("cells")
            # or a mart that publishes one business-vault model as it is (meta.unit_tested_on)
            if cells in unit_tested or (model.get("meta") or {}).get("unit_tested_on") in unit_tested:
                unit_tested.add(model["name"])
            column_tests = any(c.get("data_tests") for c in model.get("columns") or [])
            found.append(Indicator(
                name=model["name"], path=path.relative_to(root), description=" ".join(
                    (model.get("description") or "").split()), meta=model.get("meta") or {},
                has_tests=bool(model.get("data_tests")) or column_tests or model["name"] in unit_tested,
                columns={c["name"]: " ".join((c.get("description") or "").split())
                         for c in model.get("columns") or []},
                has_unit_test=model["name"] in unit_tested))
    return found


def _rank_problems(root: Path, ind: Indicator) -> list[str]:
    """A rank column must say what rank 1 is and what ties do, or users read it backwards."""
    import re

    sql = next((root / MARTS).rglob(f"{ind.name}.sql"), None)
    ranks = re.findall(r"\bas (\w+_rank)\b", sql.read_text()) if sql else []
    # ranks a published mart computes over what disclosure control left (meta.disclosure.ranks)
    ranks += [r["column"] for r in ((ind.meta.get("disclosure") or {}).get("ranks") or [])]
    out = []
    for column in ranks:
        text = ind.columns.get(column, "")
        if "1 = " not in text or not re.search(r"\bties\b", text.lower()):
            out.append(f"{ind.name}: rank column {column} does not say what rank 1 is and what ties do")
    return out


def problems(root: Path = PROJECT_ROOT) -> list[str]:
    """What keeps the catalogue from being complete; empty when every indicator is documented."""
    out = []
    documented = {i.name for i in indicators(root)}
    for sql in sorted((root / MARTS).rglob("*.sql")):
        if sql.stem not in documented:
            out.append(f"{sql.relative_to(root)}: no YAML entry (description, meta, tests)")
    for ind in indicators(root):
        # mart_: an aggregate for one use case, after disclosure control; rst_: case level, stewards only
        prefixes = ("rst_",) if ind.path.parts[:2] == RESTRICTED.parts else ("mart_",)
        if not ind.name.startswith(prefixes):
            out.append(f"{ind.name}: a published model's name starts with {' or '.join(prefixes)}")
        missing = [k for k in REQUIRED_META if not ind.meta.get(k)]
        if missing:
            out.append(f"{ind.name}: meta lacks {', '.join(missing)}")
        if ind.meta.get("dimension") and ind.meta["dimension"] not in (*DIMENSIONS, *REFERENCE_DIMENSIONS):
            out.append(f"{ind.name}: unknown dimension {ind.meta['dimension']!r}")
        if not ind.description:
            out.append(f"{ind.name}: no description")
        elif definition_call(ind.name) not in ind.description:
            out.append(f"{ind.name}: its description does not include {definition_call(ind.name)} "
                       f"(name, grain, unit, formula and legal basis, from meta: {DEFINITIONS})")
        if not ind.has_tests:
            out.append(f"{ind.name}: no data test or unit test")
        if not ind.has_unit_test:  # a uniqueness test says nothing about what a figure means
            out.append(f"{ind.name}: no dbt unit test pinning its calculation")
        out += _rank_problems(root, ind)
    return out


def _link(ind: Indicator) -> str:
    return f"[{ind.meta.get('name_en', ind.name)}](#!/model/model.virta.{ind.name}) (`{ind.name}`)"


def overview_md(root: Path = PROJECT_ROOT, mark: str = "") -> str:
    """The dbt docs overview page: indicators by § 29 dimension and by use case, linking to models."""
    everything = indicators(root)
    registry = [i for i in everything if i.meta.get("dimension") == CATALOGUE_DIMENSION]
    report = [i for i in everything if i.meta.get("dimension") == DISCLOSURE_DIMENSION]
    areas = [i for i in everything if i.meta.get("dimension") == AREAS_DIMENSION]
    comparison = [i for i in everything if i.meta.get("dimension") == COMPARISON_DIMENSION]
    inds = [i for i in everything if i not in registry and i not in report and i not in areas and i not in comparison]
    by_dim, by_case = defaultdict(list), defaultdict(list)
    for ind in inds:
        by_dim[ind.meta.get("dimension", "")].append(ind)
        by_case[ind.meta.get("use_case", "")].append(ind)
    lines = [f"<!-- {mark}; this page from the marts' YAML meta -->" if mark else "", "{% docs __overview__ %}", "# virta: indicator catalogue", "",
             "The reference warehouse of a wellbeing services county (hyvinvointialue): source systems are",
             "staged, loaded into a Data Vault 2.0 and reported in marts, each an indicator with its meaning,",
             "formula, legal basis and tests. Every table is per county and for all counties together (`all`) with",
             "the county's rank; small cells, and any cell they could be derived from, are withheld (disclosure",
             "control, docs/disclosure.md). Click an indicator for its columns, tests and lineage.",
             "", f"{len(inds)} indicator models cover all nine dimensions of järjestämislaki 612/2021 § 29.",
             *(f"The headline indicators of the series marts, with units and formulas: {_link(i)}." for i in registry),
             *(f"What disclosure control withheld in each published table, the attack's result and the risk "
               f"left: {_link(i)}." for i in report),
             *(f"Each headline indicator of each county beside the whole country's published value (THL, Sotkanet, "
               f"Statistics Finland), the published range across the counties and the county's place in it: "
               f"{_link(i)}." for i in comparison),
             *(f"The areas (the country, the counties, the municipalities) with their names in Finnish, Swedish and "
               f"English: {_link(i)}. How every mart is shaped (area names, periods, ranks, totals): docs/marts.md."
               for i in areas),
             "",
             "## Indicators by § 29 dimension", ""]
    for dim in DIMENSIONS:
        lines.append(f"### {dim[0].upper()}{dim[1:]}")
        lines.append("")
        for ind in sorted(by_dim.get(dim, []), key=lambda i: i.name):
            m = ind.meta
            lines += [f"**{_link(ind)}**, *{_clean(m.get('name_fi'))}*", "",
                      f"- Unit (yksikkö): {_clean(m.get('unit'))}. Grain (rivi): {_clean(m.get('grain'))}.",
                      f"- Formula (laskenta): {_clean(m.get('formula'))}",
                      f"- Legal basis (lakiperuste): {_clean(m.get('legal_basis'))}", ""]
        lines.append("")
    lines += ["## Headline indicators (tunnusluvut)", "",
              "The registry of the series marts (`marts.mart_indicator_catalogue` publishes it; join on "
              "`indicator_id`). Legal target: what the law requires (100 % within a deadline, nobody past it).",
              "", "| indicator_id | name | nimi | unit | better | legal target | legal basis |",
              "|---|---|---|---|---|---|---|"]
    for r in registry_rows(root):
        target = "–" if r.get("legal_target") is None else r["legal_target"]
        lines.append(f"| `{r['id']}` | {r['name_en']} | {r['name_fi']} | {r['unit']} | {r['better']} | {target} | "
                     f"{r.get('legal_basis', '')} |")
    lines.append("")
    lines += ["## Indicators by use case", ""]
    for case in sorted(by_case):
        lines.append(f"### {case}")
        lines.append("")
        for ind in sorted(by_case[case], key=lambda i: i.name):
            lines.append(f"- {_link(ind)}: {ind.meta.get('name_fi', '')}")
        lines.append("")
    lines += ["## Reports", "",
              "The exposures (left menu, Exposures) name the reports and dashboards that read these marts.",
              "{% enddocs %}", ""]
    return "\n".join(lines[1:] if not mark else lines)


def definition_call(name: str) -> str:
    return '{{ doc("' + name + '__definition") }}'


def _clean(value) -> str:
    if isinstance(value, list):
        return ", ".join(f"`{v}`" for v in value)
    # one line, and no bar that would end a Markdown table cell
    return " ".join(str(value or "").split()).replace("|", "\\|")


def definitions_md(root: Path = PROJECT_ROOT, mark: str = "") -> str:
    """A doc block per published model with what its YAML meta says, in both languages, which the
    model's description ends with: the catalogue shows formula, legal basis, unit and grain on the
    model's own page, not only in the meta strip."""
    lines = [f"<!-- {mark}; the blocks from the marts' YAML meta -->"] if mark else []
    for ind in sorted(indicators(root), key=lambda i: i.name):
        m = ind.meta
        lines += [f"{{% docs {ind.name}__definition %}}",
                  "| | |", "|---|---|",
                  f"| **Nimi** (fi) | {_clean(m.get('name_fi'))} |",
                  f"| **Name** (en) | {_clean(m.get('name_en'))} |",
                  f"| **Grain** (rivi) | {_clean(m.get('grain'))} |",
                  f"| **Unit** (yksikkö) | {_clean(m.get('unit'))} |",
                  f"| **Formula** (laskenta) | {_clean(m.get('formula'))} |",
                  f"| **Legal basis** (lakiperuste) | {_clean(m.get('legal_basis'))} |",
                  f"| **§ 29 dimension** | {_clean(m.get('dimension'))} |",
                  f"| **Sources** (lähteet) | {_clean(m.get('source_tables'))} |",
                  f"| **Owner, update** | {_clean(m.get('owner'))}; {_clean(m.get('update_frequency'))} |",
                  "{% enddocs %}", ""]
    return "\n".join(lines)


def registry_rows(root: Path = PROJECT_ROOT) -> list[dict]:
    """The headline indicators of the registry (var 'indicators' of dbt_project.yml)."""
    project = yaml.safe_load((root / "dbt_project.yml").read_text())
    return project["vars"]["indicators"]
