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


def _total(value: str, country: str) -> str:
    return country if value == "$country" else value


def _key(row: dict, dims: list[str]) -> tuple:
    return tuple(None if row[d] is None else str(row[d]) for d in dims)


def _rows(cur, relation: str, columns: list[str]) -> list[dict]:
    cur.execute(f"select {', '.join(columns)} from {relation}")
    return [dict(zip(columns, r)) for r in cur.fetchall()]


def attack(conn, declared: list[Declared], country: str = "FI", secondary: bool = True) -> Result:
    """Run the attack over every declared table at once. `secondary=False` treats only the cells
    under the threshold as withheld (what a table without complementary suppression would show):
    the check must then recover cells, or it could not fail."""
    by_name = {d.name: d for d in declared}
    known: dict[tuple, Fraction] = {}
    truth: dict[tuple, Fraction] = {}
    result = Result()
    equations: list[list[tuple[tuple, int]]] = []
    threshold = 5
    with conn.cursor() as cur:
        for d in declared:
            if not d.cells_relation:
                continue
            dims, layers = d.decl["dimensions"], _layers(d.decl)
            published = _rows(cur, d.relation, dims + layers)
            private = {_key(r, dims): r for r in _rows(cur, d.cells_relation, dims + layers)}
            for row in published:
                key = _key(row, dims)
                for layer in layers:
                    true = private[key][layer]
                    if true is None:
                        continue
                    var = (d.name, layer, key)
                    truth[var] = Fraction(str(true))
                    shown = row[layer]
                    if not secondary and layer in [c["column"] for c in d.decl.get("counts", [])]:
                        shown = None if 0 < true < threshold else true
                    if shown is None:
                        result.withheld[d.name] += 1
                    else:
                        known[var] = Fraction(str(shown))
            # hierarchies: a total and the rows that share every other dimension
            for h in d.decl.get("hierarchies", []):
                dim, total = h["dimension"], _total(h["total"], country)
                i = dims.index(dim)
                groups: dict[tuple, list[tuple]] = defaultdict(list)
                for row in published:
                    key = _key(row, dims)
                    groups[key[:i] + key[i + 1:]].append(key)
                for layer in layers:
                    for keys in groups.values():
                        totals = [k for k in keys if k[i] == total]
                        parts = [k for k in keys if k[i] != total]
                        if len(totals) == 1 and parts:
                            eq = [((d.name, layer, totals[0]), 1)] + [((d.name, layer, k), -1) for k in parts]
                            equations.append([(v, c) for v, c in eq if v in truth])
            for link in d.decl.get("links", []):
                parts = by_name[link["parts"]]
                pdims = parts.decl["dimensions"]
                o_cols = [f"o.{c}" for c in dims]
                p_cols = [f"p.{c}" for c in pdims]
                cur.execute(f"select {', '.join(o_cols + p_cols)} from {d.relation} as o "
                            f"join {parts.relation} as p on {link['join_on']}")
                linked: dict[tuple, list[tuple]] = defaultdict(list)
                for r in cur.fetchall():
                    o = tuple(None if v is None else str(v) for v in r[:len(dims)])
                    linked[o].append(tuple(None if v is None else str(v) for v in r[len(dims):]))
                for o, ps in linked.items():
                    eq = [((d.name, link["count"], o), 1)] + [((parts.name, link["parts_count"], p), -1) for p in ps]
                    equations.append([(v, c) for v, c in eq if v in truth])
    unknown = {v for v in truth if v not in known}
    result.unknowns = len(unknown)
    result.equations = len(equations)
    for var, value in _solve(equations, known, unknown).items():
        if value == truth[var]:
            result.recovered.append((*var, value))
    return result


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
    conn = db.ensure_available("transformer")
    with conn.connect() as pg:
        return attack(pg, declared, secondary=secondary)


def print_result(result: Result) -> None:
    print(f"privacy check: {result.unknowns} withheld cells, {result.equations} equations an intruder can form")
    for mart, n in sorted(result.withheld.items()):
        print(f"  {mart}: {n} withheld")
    for mart, layer, key, value in result.recovered[:50]:
        print(f"  RECOVERED {mart}.{layer} {'|'.join(str(k) for k in key)} = {value}")
    if len(result.recovered) > 50:
        print(f"  ... and {len(result.recovered) - 50} more")
    print(f"privacy check: {'passed, nothing recovered' if result.ok else f'FAILED, {len(result.recovered)} withheld values recovered'}")
