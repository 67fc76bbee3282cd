"""`virta privacy check`: the intruder's attack on the published marts.

The check plays an analyst who reads every published mart and knows how the tables add up (the
hierarchies and links each mart declares in meta.disclosure: a county total and its parts, 'all'
and its groups, a half year and its months). Every withheld count or amount is an unknown; every
total-and-parts relation is an equation over the published values. Exact Gaussian elimination
(fractions, one connected group of unknowns at a time) finds each unknown the equations pin to a
single value. A recovered cell is one so pinned whose value equals the true (private) one; any
recovered cell fails the check.

It is written apart from the SQL that makes the pattern (macros/disclosure): it builds the
equations from the published rows themselves, not from disclosure_equations.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from virta.errors import VirtaError


@dataclass
class Declared:
    name: str
    relation: str  # the published table, as the manifest names it
    cells_relation: str | None
    decl: dict


@dataclass
class Result:
    unknowns: int = 0
    equations: int = 0
    remembered: int = 0  # withheld now, published by an earlier release
    system: tuple = ((), {})  # (equations, known values): what the intruder worked with
    recovered: list[tuple] = field(default_factory=list)  # (mart, layer, key, value)
    withheld: dict = field(default_factory=lambda: defaultdict(int))  # mart -> withheld cells

    @property
    def ok(self) -> bool:
        return not self.recovered


def declarations(manifest_path: Path) -> list[Declared]:
    """Every published mart's declaration (models under models/marts), from dbt's manifest."""
    manifest = json.loads(manifest_path.read_text())
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    found = []
    for name, node in sorted(nodes.items()):
        if not node["original_file_path"].startswith("models/marts/"):
            continue
        meta = node.get("config", {}).get("meta") or node.get("meta") or {}
        decl = meta.get("disclosure")
        if not decl:
            raise VirtaError(f"{node['original_file_path']}: the mart {name} has no meta.disclosure declaration")
        cells = nodes.get(decl.get("cells", ""))
        found.append(Declared(name, node["relation_name"], cells["relation_name"] if cells else None, decl))
    return found


def _layers(decl: dict) -> list[str]:
    return [c["column"] for c in decl.get("counts", [])] + [m["column"] for m in decl.get("magnitudes", [])]


def _total(value: str, total: str) -> str:
    return total if value == "$total" else value


def _key(row: dict, dims: list[str]) -> tuple:
    return tuple(None if row[d] is None else str(row[d]) for d in dims)


def _rows(cur, relation: str, columns: list[str]) -> list[dict]:
    cur.execute(f"select {', '.join(columns)} from {relation}")
    return [dict(zip(columns, r)) for r in cur.fetchall()]


def project_vars() -> dict:
    """The project's vars (dbt_project.yml): the threshold and the area code of the total rows."""
    import yaml

    from virta.paths import PROJECT_ROOT

    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]


def attack(conn, declared: list[Declared], total_area: str | None = None, secondary: bool = True,
           releases: str | None = None, pattern: str | None = None) -> Result:
    """Run the attack over every declared table at once. `secondary=False` treats only the cells
    under the threshold as withheld (what a table without complementary suppression would show):
    the check must then recover cells, or it could not fail. `releases` (the table of what earlier
    releases published) gives the intruder a memory: a cell withheld now whose value an earlier
    release published is taken as unchanged. With `pattern` (disclosure_pattern) the attack reads
    what the marts are about to publish, before they are built (`virta privacy protect`)."""
    by_name = {d.name: d for d in declared}
    known: dict[tuple, Fraction] = {}
    truth: dict[tuple, Fraction] = {}
    result = Result()
    equations: list[list[tuple[tuple, int]]] = []
    count_vars: set = set()
    population_vars: set = set()
    settings = project_vars()
    threshold = settings["small_cell_threshold"]
    total_area = total_area or settings["total_area_code"]
    with conn.cursor() as cur:
        for d in declared:
            if not d.cells_relation:
                continue
            dims, layers = d.decl["dimensions"], _layers(d.decl)
            counts = {c["column"] for c in d.decl.get("counts", [])}
            for key, layer, true, shown in _cells(cur, d, dims, layers, pattern):
                if true is None:
                    continue
                var = (d.name, layer, key)
                truth[var] = Fraction(str(true))
                if layer in counts:
                    count_vars.add(var)
                if layer == d.decl.get("counts", [{}])[0].get("column"):
                    population_vars.add(var)
                if not secondary and layer in counts:
                    shown = None if 0 < true < threshold else true
                if shown is None:
                    result.withheld[d.name] += 1
                else:
                    known[var] = Fraction(str(shown))
            keys = sorted({v[2] for v in truth if v[0] == d.name}, key=str)
            # trees (a class and its subclasses): the classification is public, read with the cells
            for h in [h for h in d.decl.get("hierarchies", []) if h.get("parent")]:
                i, j = dims.index(h["dimension"]), dims.index(h["level"])
                cur.execute(f"select {', '.join(dims)}, {h['parent']}, {h['parent_level']} from {d.cells_relation}")
                parent = {tuple(None if v is None else str(v) for v in r[:-2]): r[-2:] for r in cur.fetchall()}
                children: dict[tuple, list[tuple]] = defaultdict(list)
                for key in keys:
                    code, level = parent.get(key, (None, None))
                    if code is not None:
                        up = list(key)
                        up[i], up[j] = str(code), str(level)
                        children[tuple(up)].append(key)
                own = set(keys)
                for layer in layers:
                    for total, parts in children.items():
                        if total in own:
                            eq = [((d.name, layer, total), 1)] + [((d.name, layer, k), -1) for k in parts]
                            equations.append([(v, c) for v, c in eq if v in truth])
            # hierarchies: a total and the rows that share every other dimension
            for h in [h for h in d.decl.get("hierarchies", []) if not h.get("parent")]:
                dim, total = h["dimension"], _total(h["total"], total_area)
                i = dims.index(dim)
                groups: dict[tuple, list[tuple]] = defaultdict(list)
                for key in keys:
                    groups[key[:i] + key[i + 1:]].append(key)
                for layer in layers:
                    for members in groups.values():
                        totals = [k for k in members if k[i] == total]
                        parts = [k for k in members if k[i] != total]
                        if len(totals) == 1 and parts:
                            eq = [((d.name, layer, totals[0]), 1)] + [((d.name, layer, k), -1) for k in parts]
                            equations.append([(v, c) for v, c in eq if v in truth])
            for link in d.decl.get("links", []):
                parts = by_name[link["parts"]]
                pdims = parts.decl["dimensions"]
                o_cols = [f"o.{c}" for c in dims]
                p_cols = [f"p.{c}" for c in pdims]
                ours, theirs = (d.cells_relation, parts.cells_relation) if pattern else (d.relation, parts.relation)
                cur.execute(f"select {', '.join(o_cols + p_cols)} from {ours} as o "
                            f"join {theirs} as p on {link['join_on']}")
                linked: dict[tuple, list[tuple]] = defaultdict(list)
                for r in cur.fetchall():
                    o = tuple(None if v is None else str(v) for v in r[:len(dims)])
                    linked[o].append(tuple(None if v is None else str(v) for v in r[len(dims):]))
                for o, ps in linked.items():
                    eq = [((d.name, link["count"], o), 1)] + [((parts.name, link["parts_count"], p), -1) for p in ps]
                    equations.append([(v, c) for v, c in eq if v in truth])
    if releases and secondary:
        memory = _remembered(conn, releases)
        for var in truth:
            remembered = memory.get((var[0], var[1], _row_key(var[2])))
            if var not in known and remembered is not None:
                known[var] = remembered
                result.remembered += 1
    unknown = {v for v in truth if v not in known}
    result.unknowns = len(unknown)
    result.equations = len(equations)
    result.system = (equations, known)
    solved = _solve(equations, known, unknown)
    # counts are at least 0, a cell's population at least 1 (the row exists): withheld counts that
    # must add up to the least they can be are all at that least
    for eq in equations:
        rest = [(v, c) for v, c in eq if v in unknown]
        if rest and len({c for _, c in rest}) == 1 and all(v in count_vars for v, _ in rest):
            total = -sum(c * known[v] for v, c in eq if v in known) / rest[0][1]
            least = {v: Fraction(1 if v in population_vars else 0) for v, _ in rest}
            if total == sum(least.values()):
                solved.update(least)
    for var, value in solved.items():
        if value == truth[var]:
            result.recovered.append((*var, value))
    return result


def _decimal(value: Fraction) -> str:
    """A published value (cents at most) as exact decimal text for SQL."""
    from decimal import Decimal

    return str(Decimal(value.numerator) / Decimal(value.denominator))


def _row_key(key: tuple) -> str:
    """A cell's key as disclosure_cells writes it (macros/disclosure: disclosure_row_key)."""
    return "|".join("~" if k is None else k for k in key)


def _cells(cur, d: Declared, dims: list[str], layers: list[str], pattern: str | None):
    """(key, layer, true value, shown value or None) of every cell of a declared mart: as published,
    or, with `pattern`, as the pattern is about to publish it."""
    if pattern:
        cur.execute(f"select row_key, layer, value, is_withheld from {pattern} where table_name = %s", (d.name,))
        for row_key, layer, value, withheld in cur.fetchall():
            key = tuple(None if k == "~" else k for k in row_key.split("|"))
            yield key, layer, value, None if withheld else value
        return
    published = _rows(cur, d.relation, dims + layers)
    private = {_key(r, dims): r for r in _rows(cur, d.cells_relation, dims + layers)}
    for row in published:
        key = _key(row, dims)
        for layer in layers:
            yield key, layer, private[key][layer], row[layer]


def _remembered(conn, releases: str) -> dict:
    """Values earlier releases published, by (table, layer, row key)."""
    with conn.cursor() as cur:
        cur.execute("select to_regclass(%s)", (releases,))
        if cur.fetchone()[0] is None:  # the first release: nothing shown before
            return {}
        cur.execute(f"select table_name, layer, row_key, published_value from {releases} "
                    "where published_value is not null")
        return {(t, layer, k): Fraction(str(v)) for t, layer, k, v in cur.fetchall()}


def _solve(equations, known, unknown) -> dict:
    """The unknowns the equations determine, each with its value (exact elimination per connected
    group of unknowns)."""
    rows = []
    for eq in equations:
        coeffs: dict = {}
        const = Fraction(0)
        for var, c in eq:
            if var in unknown:
                coeffs[var] = coeffs.get(var, 0) + c
            else:
                const -= c * known[var]
        coeffs = {v: Fraction(c) for v, c in coeffs.items() if c}
        if coeffs:
            rows.append((coeffs, const))  # sum(coeffs * x) = const
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for coeffs, _ in rows:
        first, *rest = coeffs
        for v in rest:
            parent[find(v)] = find(first)
    groups: dict = defaultdict(list)
    for row in rows:
        groups[find(next(iter(row[0])))].append(row)
    solved = {}
    for group in groups.values():
        solved.update(_eliminate(group))
    return solved


def _eliminate(rows) -> dict:
    """Reduced row echelon form; an unknown is determined when its pivot row has no free unknown."""
    rows = [(dict(c), k) for c, k in rows]
    pivots: list[tuple] = []  # (var, row)
    for coeffs, const in rows:
        for var, prow in pivots:  # reduce by the pivots found so far
            if var in coeffs:
                f = coeffs.pop(var)
                for v, c in prow[0].items():
                    if v != var:
                        coeffs[v] = coeffs.get(v, 0) - f * c
                        if coeffs[v] == 0:
                            del coeffs[v]
                const -= f * prow[1]
        if not coeffs:
            continue
        var = min(coeffs, key=str)
        f = coeffs[var]
        new = ({v: c / f for v, c in coeffs.items()}, const / f)
        for i, (pv, prow) in enumerate(pivots):  # keep earlier pivot rows reduced
            if var in prow[0]:
                g = prow[0][var]
                merged = dict(prow[0])
                del merged[var]
                for v, c in new[0].items():
                    if v != var:
                        merged[v] = merged.get(v, 0) - g * c
                        if merged[v] == 0:
                            del merged[v]
                pivots[i] = (pv, (merged, prow[1] - g * new[1]))
        pivots.append((var, new))
    return {var: row[1] for var, row in pivots if len(row[0]) == 1}


def check(secondary: bool = True) -> Result:
    """Attack the current database's published marts (the manifest of the last dbt build)."""
    from virta import db, paths

    manifest = paths.target_dir() / "manifest.json"
    if not manifest.exists():
        raise VirtaError(f"{manifest} not found", hint="run `./virta run` (dbt build) first")
    declared = declarations(manifest)
    nodes = json.loads(manifest.read_text())["nodes"]
    releases = nodes.get("model.virta.disclosure_releases", {}).get("relation_name")
    conn = db.ensure_available("transformer")
    with conn.connect() as pg:
        return attack(pg, declared, secondary=secondary, releases=releases)


def print_result(result: Result) -> None:
    print(f"privacy check: {result.unknowns} withheld cells, {result.equations} equations an intruder can form, "
          f"{result.remembered} withheld cells an earlier release showed (taken as unchanged)")
    for mart, n in sorted(result.withheld.items()):
        print(f"  {mart}: {n} withheld")
    for mart, layer, key, value in result.recovered[:50]:
        print(f"  RECOVERED {mart}.{layer} {'|'.join(str(k) for k in key)} = {value}")
    if len(result.recovered) > 50:
        print(f"  ... and {len(result.recovered) - 50} more")
    print(f"privacy check: {'passed, nothing recovered' if result.ok else f'FAILED, {len(result.recovered)} withheld values recovered'}")


PUBLISHED = "tag:published"  # the published marts and the release record (dbt_project.yml)
FORECASTS = "source:forecast+"  # built after the forecasting step (virta.forecast) that feeds them
PATCHES = "disclosure_patches"
ATTACKS = "disclosure_attacks"  # the last attack's result per table, for mart_disclosure_report


def _record(pg, table: str, declared: list[Declared], result: Result, added: int) -> None:
    """The attack's result per published table (replaced each build)."""
    with pg.cursor() as cur:
        cur.execute(f"create table if not exists {table} (table_name text primary key, withheld_n integer not null, "
                    "recovered_n integer not null, equations_n integer not null, patches_added_n integer not null, "
                    "attacked_at timestamptz not null default now())")
        cur.execute(f"delete from {table}")
        recovered = defaultdict(int)
        for mart, *_ in result.recovered:
            recovered[mart] += 1
        for d in declared:
            if d.cells_relation:
                cur.execute(f"insert into {table} (table_name, withheld_n, recovered_n, equations_n, patches_added_n) "
                            "values (%s, %s, %s, %s, %s)",
                            (d.name, result.withheld.get(d.name, 0), recovered[d.name], result.equations, added))


def _relation(manifest: dict, model: str) -> str:
    node = manifest["nodes"].get(f"model.virta.{model}")
    if not node:
        raise VirtaError(f"the dbt manifest has no model {model}", hint="run `./virta dbt parse`")
    return node["relation_name"]


def _complements(result: Result, published: set) -> dict:
    """For each recovered cell, one more cell to withhold: the smallest published part (else the
    total) of the nearest equation that has one, searching outward from the recovered cell through
    the equations of its withheld neighbours (the recovery may combine several equations)."""
    equations, known = result.system
    by_var = defaultdict(list)
    for eq in equations:
        for v, _ in eq:
            by_var[v].append(eq)
    picks = {}
    for mart, layer, key, _ in result.recovered:
        frontier, seen_vars, seen_eqs = [(mart, layer, key)], {(mart, layer, key)}, set()
        while frontier:
            candidates, following = [], []
            for var in frontier:
                for eq in by_var[var]:
                    if id(eq) in seen_eqs:
                        continue
                    seen_eqs.add(id(eq))
                    for v, c in eq:
                        if v in published and known[v] > 0:  # hiding a zero hides nothing
                            candidates.append((c > 0, known[v], str(v), v))
                        elif v not in seen_vars:
                            seen_vars.add(v)
                            following.append(v)
            if candidates:
                _, value, _, var = min(candidates)
                picks[var] = value
                break
            frontier = following
    return picks


def protect(conn, manifest_path: Path, max_rounds: int = 25, dbt_args: tuple[str, ...] = ()) -> tuple[Result, int]:
    """Close the pattern against the exact attack before anything is published: attack what the
    pattern is about to publish; while a withheld cell can be recovered, withhold one more cell of
    an equation it is in (table disclosure_patches: kept while the cell's value is unchanged, read
    by disclosure_pattern) and rebuild the pattern. Returns the clean attack and the patches added.
    `dbt_args` (the build's --vars) go to each rebuild: other vars than the build's make dbt parse
    the whole project again, twice per build (once here, once for the published marts)."""
    import hashlib

    from virta.dbt import run_dbt

    manifest = json.loads(manifest_path.read_text())
    declared = declarations(manifest_path)
    pattern, releases = _relation(manifest, "disclosure_pattern"), _relation(manifest, "disclosure_releases")
    patches = pattern.rsplit(".", 1)[0] + f'."{PATCHES}"'
    added = 0
    pg = conn.connect()  # not `with pg:`, which opens a transaction even in autocommit mode
    pg.autocommit = True  # each round's reads end before dbt replaces the pattern they read
    try:
        with pg.cursor() as cur:
            cur.execute(f"create table if not exists {patches} (cell_id text primary key, table_name text not null, "
                        "layer text not null, row_key text not null, value numeric not null, "
                        "added_at timestamptz not null default now())")
        for _ in range(max_rounds):
            result = attack(pg, declared, releases=releases, pattern=pattern)
            if result.ok:
                _record(pg, pattern.rsplit(".", 1)[0] + f'."{ATTACKS}"', declared, result, added)
                return result, added
            with pg.cursor() as cur:
                # a cell an earlier release showed with this value is no use as a complement
                cur.execute(f"select table_name, layer, row_key from {pattern} "
                            "where not is_withheld and not was_published_before")
                published = {(t, layer, tuple(None if k == "~" else k for k in row_key.split("|")))
                             for t, layer, row_key in cur.fetchall()}
            picks = _complements(result, published)
            if not picks:
                break
            with pg.cursor() as cur:
                for (mart, layer, key), value in picks.items():
                    row_key = _row_key(key)
                    cell_id = hashlib.md5(f"{mart}|{layer}|{row_key}".encode()).hexdigest()
                    cur.execute(f"insert into {patches} (cell_id, table_name, layer, row_key, value) "
                                "values (%s, %s, %s, %s, %s) on conflict (cell_id) do update "
                                "set value = excluded.value, added_at = now()",
                                (cell_id, mart, layer, row_key, _decimal(value)))
            added += len(picks)
            if run_dbt(["run", "--select", "disclosure_pattern", *dbt_args], conn) != 0:
                raise VirtaError("rebuilding disclosure_pattern failed; see dbt's output above")
    finally:
        pg.close()
    print_result(result)
    raise VirtaError("disclosure control could not close the pattern against the attack; nothing was published",
                     hint="the withheld cells above can be recovered; see docs/disclosure.md")


def build(conn, args: list[str]) -> int:
    """`dbt build` with disclosure control between the pattern and the publication: everything but
    the published marts, then the pattern closed against the exact attack (protect), then the
    published marts but the forecasts, then the forecasting step (virta.forecast) and what reads it.
    Returns dbt's exit code; run_results.json has all builds' results."""
    from virta import paths
    from virta.dbt import run_dbt

    args = list(args)
    vars_args = args[args.index("--vars"):args.index("--vars") + 2] if "--vars" in args else []
    if "--exclude" in args:
        args.insert(args.index("--exclude") + 1, PUBLISHED)
    else:
        args += ["--exclude", PUBLISHED]
    results = paths.target_dir() / "run_results.json"
    records = []  # each dbt invocation's run_results, joined at the end into one record of the build

    def dbt_build(*build_args: str) -> int:
        results.unlink(missing_ok=True)  # a record left from before is not this invocation's
        code = run_dbt(["build", *build_args], conn)
        if results.exists():
            records.append(json.loads(results.read_text()))
        return code

    try:
        code = dbt_build(*args)
        if code == 0:
            result, added = protect(conn, paths.target_dir() / "manifest.json", dbt_args=tuple(vars_args))
            print(f"disclosure control: {result.unknowns} cells withheld, {added} more after the exact attack; "
                  "the attack recovers nothing", flush=True)
            code = dbt_build("--select", PUBLISHED, "--exclude", FORECASTS, *vars_args)
        if code == 0:  # the forecasts are made from the published series, then published
            from virta import forecast

            done = forecast.run_step(conn)
            print("forecasts: " + "; ".join(f"{mart} {d['forecasts']} of {d['series']} series ({d['seconds']:.1f} s)"
                                            for mart, d in done.items()), flush=True)
            code = dbt_build("--select", FORECASTS, *vars_args)
    finally:
        if len(records) > 1:  # one record of the whole build, also when a step failed (virta daily reports it)
            records[-1]["results"] = [r for record in records for r in record["results"]]
            results.write_text(json.dumps(records[-1]))
    return code
