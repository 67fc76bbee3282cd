"""Generated files, in three products each with its own command: the vault models from the concept
model (`virta vault generate`), the docs pages (`virta docs generate`: the indicator overview from
the marts' YAML, the raw tables from the mappings) and the generated seeds and test fixtures
(`virta seeds generate`: the holiday list from the `holidays` package, the calendar fixture, the
rules mirror). `check()` says for each file whether it is current, stale, hand-edited, missing or
orphaned, and which command writes it; the test suite fails on any of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from virta.paths import PROJECT_ROOT
from virta.vault.render import GENERATED_MARK


@dataclass(frozen=True)
class Product:
    name: str
    command: str
    files: Callable[[], dict[Path, str]]  # path relative to the project root -> content
    owned_dirs: tuple[str, ...] = ()  # marked files here that it no longer writes are orphans


def _vault_files() -> dict[Path, str]:
    from virta.vault.model import load
    from virta.vault.plan import plan
    from virta.vault.render import render

    return {item.path: render(item) for item in plan(load())}


def _docs_files() -> dict[Path, str]:
    from virta import catalogue, docs_pages

    return {docs_pages.RAW_TABLES: docs_pages.raw_tables_md(),
            catalogue.OVERVIEW: catalogue.overview_md(mark=docs_pages.DOCS_MARK),
            catalogue.DEFINITIONS: catalogue.definitions_md(mark=docs_pages.DOCS_MARK)}


def _seed_files() -> dict[Path, str]:
    from virta import reference

    return reference.files()


def products() -> dict[str, Product]:
    from virta.vault.plan import GENERATED_DIRS

    return {
        "vault": Product("vault", "virta vault generate", _vault_files, GENERATED_DIRS),
        "docs": Product("docs", "virta docs generate", _docs_files),
        "seeds": Product("seeds", "virta seeds generate", _seed_files),
    }


def _owned(product: Product, root: Path) -> set[Path]:
    found = set()
    for d in product.owned_dirs:
        for path in (root / d).rglob("*"):
            if path.is_file() and path.suffix in (".sql", ".yml", ".md"):
                with path.open() as fh:
                    if GENERATED_MARK in fh.readline():
                        found.add(path.relative_to(root))
    return found


def write(name: str, root: Path = PROJECT_ROOT, files: dict[Path, str] | None = None) -> list[Path]:
    """Write a product's files (only those that changed) and remove its orphans."""
    product = products()[name]
    files = product.files() if files is None else files
    for orphan in _owned(product, root) - set(files):
        (root / orphan).unlink()
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
    return sorted(files)


def check(names: tuple[str, ...] = ("vault", "docs", "seeds"), root: Path = PROJECT_ROOT,
          files: dict[str, dict[Path, str]] | None = None) -> list[str]:
    """Problems with the generated files of the named products, each naming the command to run."""
    problems = []
    for name in names:
        product = products()[name]
        expected = (files or {}).get(name) or product.files()
        run = f"run `{product.command}`"
        for rel, content in sorted(expected.items()):
            path = root / rel
            if not path.exists():
                problems.append(f"missing: {rel} ({run})")
                continue
            actual = path.read_text()
            if actual == content:
                continue
            first, _, body = actual.partition("\n")
            recorded = first.rsplit("digest: ", 1)[-1].strip() if "digest: " in first else None
            if recorded is not None and recorded != hashlib.sha256(body.encode()).hexdigest()[:16]:
                problems.append(f"hand-edited: {rel} ({run} to restore it)")
            else:  # no digest (docs, seeds) or a digest that matches: its sources changed
                problems.append(f"stale: {rel} (its sources changed: {run})")
        for orphan in sorted(_owned(product, root) - set(expected)):
            problems.append(f"orphaned: {orphan} (no longer generated: {run})")
    return problems
