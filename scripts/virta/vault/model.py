"""The concept model (concept_model/concepts.yml) and source mappings (concept_model/sources/*.yml)
as the vault generator sees them: the types here, built by parse (virta.vault.parse: YAML shape)
and validate (virta.vault.validate: meaning), both reporting problems with stable codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from virta.paths import PROJECT_ROOT

CONCEPT_DIR = PROJECT_ROOT / "concept_model"
FIELD_TYPES = {"text", "integer", "decimal", "date", "timestamp", "code", "hetu"}
DECIMAL_FORMATS = {"point", "comma"}
# What the loader may derive from a valid identity code; the code itself never reaches the database.
HETU_DERIVATIONS = ("birth_date", "sex")
# SQL type of a typed field (the current-state views unify them across systems)
SQL_TYPES = {"text": "text", "code": "text", "hetu": "text", "date": "date", "timestamp": "timestamp",
             "integer": "integer", "decimal": "numeric", "boolean": "boolean"}


@dataclass(frozen=True)
class Hub:
    name: str
    label_fi: str
    description: str
    business_key: str
    shared_key: bool  # same key space in every source (pseudonym, national OID); else collision-coded


@dataclass(frozen=True)
class Link:
    name: str
    label_fi: str
    description: str
    hubs: tuple[str, ...]
    driving_key: str | None = None  # the hub whose key has one effective link at a time


@dataclass(frozen=True)
class Field:
    name: str
    source_column: str
    type: str
    required: bool = False
    format: str | None = None
    code_map: dict[str, str] | None = None
    not_future: bool = False  # an event that cannot lie after its delivery (else: quarantine)
    derive: tuple[str, ...] = ()  # hetu only: parts of the code the loader lands beside the pseudonym
    vocabulary: str | None = None  # code only: <seed>.<column> listing every code the map may produce
    pseudonym_domain: str | None = None  # hetu only: pseudonyms keyed apart from clients' (virta.pseudonym)


@dataclass(frozen=True)
class RowCheck:
    """A rule over a row's typed fields; rows where `when` holds are quarantined with `reason`."""

    name: str
    when: str  # SQL over the table's field names
    reason: str


@dataclass(frozen=True)
class Satellite:
    name: str
    hub: str
    description: str
    payload: tuple[str, ...]


@dataclass(frozen=True)
class MultiActiveSatellite:
    """Several rows per key at once (a set), told apart by child_key."""

    name: str
    hub: str
    description: str
    child_key: tuple[str, ...]
    payload: tuple[str, ...]
    # what is current (bv_current_<concept>): 'latest_set', the rows of the key's latest load (a
    # delivery replaces the whole set), or 'latest_per_child_key', each child key's latest row (a
    # delivery may carry only some, as mapping versions that accumulate)
    current: str = "latest_set"


@dataclass(frozen=True)
class StatusSatellite:
    """Record tracking: which keys the source has deleted, and when (insert-only)."""

    name: str
    hub: str
    description: str
    deleted_at: str  # field holding the deletion time


@dataclass(frozen=True)
class Stage:
    name: str
    table: "SourceTable"
    description: str
    where: str | None
    hubs: dict[str, str]  # hub -> field holding its key
    links: dict[str, dict[str, str]]  # link -> {hub: field}
    satellites: tuple[Satellite, ...]
    status_satellites: tuple[StatusSatellite, ...] = ()
    multi_active_satellites: tuple[MultiActiveSatellite, ...] = ()


@dataclass
class SourceTable:
    name: str
    system: "SourceSystem"
    description: str
    record_key: tuple[str, ...]
    columns: dict[str, str]
    fields: dict[str, Field]
    stages: list[Stage] = field(default_factory=list)
    checks: tuple[RowCheck, ...] = ()

    @property
    def identity_columns(self) -> dict[str, tuple[str, ...]]:
        """Delivered identity-code column -> what the loader derives from it (see identity_raw_columns)."""
        found: dict[str, tuple[str, ...]] = {}
        for f in self.fields.values():
            if f.type == "hetu":
                found[f.source_column] = tuple(d for d in HETU_DERIVATIONS
                                               if d in f.derive or d in found.get(f.source_column, ()))
        return found

    @property
    def identity_domains(self) -> dict[str, str | None]:
        """Delivered identity-code column -> its pseudonym domain (None: the clients' own)."""
        return {f.source_column: f.pseudonym_domain for f in self.fields.values() if f.type == "hetu"}

    @property
    def raw_columns(self) -> list[str]:
        """The columns of raw.<table>: delivered ones, each identity code replaced by what the loader makes."""
        ids = self.identity_columns
        out = []
        for c in self.columns:
            out += identity_raw_columns(c, ids[c]) if c in ids else [c]
        return out

    def raw_column_docs(self) -> list[tuple[str, str]]:
        """(raw column, description), for the generated source YAML and docs/raw_tables.md."""
        ids = self.identity_columns
        out = []
        for c, d in self.columns.items():
            if c not in ids:
                out.append((c, d))
                continue
            out += [(f"{c}_pseudonym", f"{d} Landed only as the loader's keyed HMAC-SHA256 pseudonym of the "
                                       "delivered code (of an invalid code too); the code never reaches the database."),
                    (f"{c}_valid", f"'true' when the delivered {c} is a valid identity code (format, date, check "
                                   "character), 'false' when not; empty when none was delivered.")]
            out += [(f"{c}_{part}", {"birth_date": f"Birth date the valid {c} states, YYYY-MM-DD (loader-derived).",
                                     "sex": f"Sex the valid {c} states: male or female (loader-derived)."}[part])
                    for part in ids[c]]
        return out

    def raw_column(self, column: str) -> str:
        """Where a delivered column lands in raw (an identity code lands as its pseudonym)."""
        return identity_raw_columns(column, ())[0] if column in self.identity_columns else column


def identity_raw_columns(column: str, derive: tuple[str, ...]) -> list[str]:
    """<code>_pseudonym (keyed HMAC of the code, valid or not), <code>_valid ('true'/'false'), then
    <code>_birth_date (YYYY-MM-DD) and <code>_sex (male/female) when the mapping derives them."""
    return [f"{column}_pseudonym", f"{column}_valid", *(f"{column}_{d}" for d in derive)]


@dataclass
class SourceSystem:
    name: str
    label: str
    description: str
    record_source: str
    path: Path
    warn_after_days: int | None = None  # delivery freshness (virta daily): the latest delivery's age
    error_after_days: int | None = None
    tables: dict[str, SourceTable] = field(default_factory=dict)
    # Whether the period this system's deliveries cover bounds the months reported (bv_data_as_of):
    # event systems do; a register snapshot (its history inside its rows) does not.
    bounds_reporting: bool = True


@dataclass
class ConceptModel:
    hubs: dict[str, Hub]
    links: dict[str, Link]
    systems: dict[str, SourceSystem]

    @property
    def stages(self) -> list[Stage]:
        return [s for sys in self.systems.values() for t in sys.tables.values() for s in t.stages]

    def hub_sources(self, hub: str) -> list[Stage]:
        return [s for s in self.stages if hub in s.hubs]

    def link_sources(self, link: str) -> list[Stage]:
        return [s for s in self.stages if link in s.links]

    @property
    def satellites(self) -> list[tuple[Stage, Satellite]]:
        return [(s, sat) for s in self.stages for sat in s.satellites]

    @property
    def multi_active_satellites(self) -> list[tuple[Stage, MultiActiveSatellite]]:
        return [(s, mas) for s in self.stages for mas in s.multi_active_satellites]

    @property
    def status_satellites(self) -> list[tuple[Stage, StatusSatellite]]:
        return [(s, sts) for s in self.stages for sts in s.status_satellites]


def load(concept_dir: Path = CONCEPT_DIR) -> ConceptModel:
    """The concept model: parsed (shape) and validated (meaning); VaultModelError lists every problem."""
    from virta.vault.parse import parse
    from virta.vault.validate import validate

    seeds = concept_dir.parent / "seeds"
    return validate(parse(concept_dir), seeds if seeds.is_dir() else None)
