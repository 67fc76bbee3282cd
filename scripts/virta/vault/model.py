"""Reading and validating the concept model (concept_model/concepts.yml) and source mappings
(concept_model/sources/*.yml). Errors name the file and the entry at fault."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT

CONCEPT_DIR = PROJECT_ROOT / "concept_model"
FIELD_TYPES = {"text", "integer", "decimal", "date", "timestamp", "code", "hetu"}
DECIMAL_FORMATS = {"point", "comma"}
# What the loader may derive from a valid identity code; the code itself never reaches the database.
HETU_DERIVATIONS = ("birth_date", "sex")


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


def _fail(path: Path, where: str, message: str) -> VirtaError:
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    return VirtaError(f"{shown}: {where}: {message}")


def load(concept_dir: Path = CONCEPT_DIR) -> ConceptModel:
    concepts_path = concept_dir / "concepts.yml"
    raw = yaml.safe_load(concepts_path.read_text())
    hubs = {
        name: Hub(name, spec.get("label_fi", ""), spec.get("description", "").strip(),
                  spec["business_key"], bool(spec.get("shared_key", False)))
        for name, spec in (raw.get("hubs") or {}).items()
    }
    links = {}
    for name, spec in (raw.get("links") or {}).items():
        for hub in spec["hubs"]:
            if hub not in hubs:
                raise _fail(concepts_path, f"link {name}", f"unknown hub {hub!r}")
        driving = spec.get("driving_key")
        if driving is not None and driving not in spec["hubs"]:
            raise _fail(concepts_path, f"link {name}", f"driving_key {driving!r} is not one of its hubs")
        links[name] = Link(name, spec.get("label_fi", ""), spec.get("description", "").strip(),
                           tuple(spec["hubs"]), driving)

    systems: dict[str, SourceSystem] = {}
    sat_names: set[str] = set()
    stage_names: set[str] = set()
    for path in sorted((concept_dir / "sources").glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        freshness = doc.get("freshness") or {}
        warn, error = freshness.get("warn_after_days"), freshness.get("error_after_days")
        if (warn is not None and (not isinstance(warn, int) or warn < 1)) or \
                (error is not None and (not isinstance(error, int) or (warn and error < warn))):
            raise _fail(path, "freshness", "warn_after_days and error_after_days are whole days, error >= warn")
        bounds = doc.get("bounds_reporting", True)
        if not isinstance(bounds, bool):
            raise _fail(path, "bounds_reporting", "must be true or false")
        system = SourceSystem(doc["system"], doc.get("label", ""), (doc.get("description") or "").strip(),
                              doc["record_source"], path, warn, error, bounds_reporting=bounds)
        for tname, tspec in doc["tables"].items():
            columns = {c: str(d) for c, d in tspec["columns"].items()}
            fields = {}
            for fname, fspec in tspec["fields"].items():
                where = f"table {tname}, field {fname}"
                if fspec.get("type") not in FIELD_TYPES:
                    raise _fail(path, where, f"type must be one of {sorted(FIELD_TYPES)}")
                if fspec["from"] not in columns:
                    raise _fail(path, where, f"column {fspec['from']!r} is not declared under columns")
                if fspec["type"] in ("date", "timestamp") and not fspec.get("format"):
                    raise _fail(path, where, "dates and timestamps need a format")
                if fspec["type"] == "code" and not fspec.get("map"):
                    raise _fail(path, where, "codes need a map from source values to codes")
                if fspec["type"] == "decimal" and fspec.get("format", "point") not in DECIMAL_FORMATS:
                    raise _fail(path, where, f"decimal format must be one of {sorted(DECIMAL_FORMATS)}")
                if fspec.get("not_future") and fspec["type"] not in ("date", "timestamp"):
                    raise _fail(path, where, "not_future applies to dates and timestamps only")
                derive = tuple(fspec.get("derive") or ())
                if derive and fspec["type"] != "hetu":
                    raise _fail(path, where, "derive applies to identity codes (type hetu) only")
                if set(derive) - set(HETU_DERIVATIONS):
                    raise _fail(path, where, f"derive must name parts of {list(HETU_DERIVATIONS)}")
                fields[fname] = Field(fname, fspec["from"], fspec["type"],
                                      bool(fspec.get("required", fspec["type"] == "hetu")),
                                      fspec.get("format"),
                                      {str(k): str(v) for k, v in (fspec.get("map") or {}).items()} or None,
                                      bool(fspec.get("not_future", False)), derive)
            for key in tspec["record_key"]:
                if key not in columns:
                    raise _fail(path, f"table {tname}", f"record_key column {key!r} is not declared")
            checks = []
            for cname, cspec in (tspec.get("checks") or {}).items():
                if not cspec.get("when") or not cspec.get("reason"):
                    raise _fail(path, f"table {tname}, check {cname}", "a check needs `when` and `reason`")
                checks.append(RowCheck(cname, str(cspec["when"]), str(cspec["reason"])))
            table = SourceTable(tname, system, (tspec.get("description") or "").strip(),
                                tuple(tspec["record_key"]), columns, fields, checks=tuple(checks))
            for sname, sspec in tspec["stages"].items():
                where = f"table {tname}, stage {sname}"
                if sname in stage_names:
                    raise _fail(path, where, "stage names must be unique across all sources")
                stage_names.add(sname)
                for hub, fname in (sspec.get("hubs") or {}).items():
                    if hub not in hubs:
                        raise _fail(path, where, f"unknown hub {hub!r}")
                    if fname not in fields:
                        raise _fail(path, where, f"hub {hub} keyed by unknown field {fname!r}")
                    key = hubs[hub].business_key
                    if fname != key and key in fields:
                        raise _fail(path, where, f"hub {hub} keyed by {fname!r}, but field {key!r} (the hub's "
                                                 "business-key name) means something else here")
                for lname, lspec in (sspec.get("links") or {}).items():
                    if lname not in links:
                        raise _fail(path, where, f"unknown link {lname!r}")
                    if set(lspec) != set(links[lname].hubs):
                        raise _fail(path, where, f"link {lname} needs exactly the hubs {links[lname].hubs}")
                    for hub, fname in lspec.items():
                        if (sspec.get("hubs") or {}).get(hub) != fname:
                            raise _fail(path, where, f"link {lname}: hub {hub} must also be staged from {fname}")
                sats = []
                for sat_name, sat_spec in (sspec.get("satellites") or {}).items():
                    if sat_name in sat_names:
                        raise _fail(path, where, f"satellite {sat_name} is defined twice")
                    sat_names.add(sat_name)
                    if sat_spec["hub"] not in (sspec.get("hubs") or {}):
                        raise _fail(path, where, f"satellite {sat_name}: its hub must be staged here")
                    for col in sat_spec["payload"]:
                        if col not in fields:
                            raise _fail(path, where, f"satellite {sat_name}: unknown field {col!r}")
                    sats.append(Satellite(sat_name, sat_spec["hub"], sat_spec.get("description", ""),
                                          tuple(sat_spec["payload"])))
                statuses = []
                for sts_name, sts_spec in (sspec.get("status_satellites") or {}).items():
                    if sts_name in sat_names:
                        raise _fail(path, where, f"satellite {sts_name} is defined twice")
                    sat_names.add(sts_name)
                    if sts_spec["hub"] not in (sspec.get("hubs") or {}):
                        raise _fail(path, where, f"status satellite {sts_name}: its hub must be staged here")
                    if sts_spec["deleted_at"] not in fields:
                        raise _fail(path, where, f"status satellite {sts_name}: unknown field {sts_spec['deleted_at']!r}")
                    statuses.append(StatusSatellite(sts_name, sts_spec["hub"], sts_spec.get("description", ""),
                                                    sts_spec["deleted_at"]))
                multi = []
                for mas_name, mas_spec in (sspec.get("multi_active_satellites") or {}).items():
                    if mas_name in sat_names:
                        raise _fail(path, where, f"satellite {mas_name} is defined twice")
                    sat_names.add(mas_name)
                    if mas_spec["hub"] not in (sspec.get("hubs") or {}):
                        raise _fail(path, where, f"multi-active satellite {mas_name}: its hub must be staged here")
                    for col in [*mas_spec["child_key"], *mas_spec["payload"]]:
                        if col not in fields:
                            raise _fail(path, where, f"multi-active satellite {mas_name}: unknown field {col!r}")
                    multi.append(MultiActiveSatellite(mas_name, mas_spec["hub"], mas_spec.get("description", ""),
                                                      tuple(mas_spec["child_key"]), tuple(mas_spec["payload"])))
                table.stages.append(Stage(sname, table, (sspec.get("description") or "").strip(),
                                          sspec.get("where"), dict(sspec.get("hubs") or {}),
                                          {k: dict(v) for k, v in (sspec.get("links") or {}).items()},
                                          tuple(sats), tuple(statuses), tuple(multi)))
            system.tables[tname] = table
        systems[system.name] = system
    return ConceptModel(hubs, links, systems)
