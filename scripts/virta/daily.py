"""`virta daily`: the scheduled job. Loads the deliveries waiting in an inbox, in delivery order,
builds the warehouse, judges each source system's freshness, and writes a run report.

- Each delivery loads whole or not at all (virta.delivery). A loaded one moves to
  <archive>/loaded/, a refused one to <archive>/refused/ with its reason in REFUSED.txt; anything
  else that fails (the database down, a crash) leaves the delivery in the inbox, and the next run
  simply retries it. One found in raw already (a crash after the commit, before the move) is
  archived as loaded and reported as already_loaded.
- `dbt build` then takes what was loaded into the vault (staging reads only unloaded batches, so
  a failed build is retried by the next run as well). The checked tables, stages and raw-vault
  models that no unloaded batch brings rows to are left out (`unfed_models`): a day's deliveries
  touch a few raw tables, and the rest of the vault has nothing to do. The business vault's
  case-level tables recompute only the keys the new rows touch (macros/business_vault/
  incremental.sql), and are rebuilt whole when the code changed since the last complete build.
- Freshness, per system: the age of its latest delivery (by extract date) on the run date against
  the warn/error days its mapping declares; and dbt's own `source freshness` on the batch register
  (by load time). A system that has never delivered is `not_in_use`, not stale: the mappings hold
  every patient-record layout, a county runs one of them.
- The report (JSON) holds the deliveries, rows, quarantined rows, dbt's results, freshness and
  timings; a one-screen summary goes to the terminal. Exit 1 on a refused delivery, a dbt failure
  or a freshness error; warnings alone exit 0.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

from virta import db, privacy
from virta.dbt import ensure_deps, run_dbt
from virta.delivery import MANIFEST, AlreadyLoaded, DeliveryError, load_delivery, read_manifest
from virta.lock import run_lock
from virta.paths import target_dir
from virta.progress import FileProgress, step


def pending(inbox: Path) -> list[tuple[tuple, Path]]:
    """Delivery folders in the inbox, in loading order: extract date, system, folder name. A folder
    without its manifest yet is still being copied: left for a later run (the manifest goes last)."""
    found = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        if not (folder / MANIFEST).exists():
            continue
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8-sig"))
            order = (str(manifest.get("delivered_on")), str(manifest.get("system") or ""), folder.name)
        except (OSError, ValueError):
            order = ("", "", folder.name)  # refused with its reason when loaded
        found.append((order, folder))
    return sorted(found)


def _move(folder: Path, target: Path, reason: str | None = None) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    destination = target / folder.name
    if destination.exists():
        destination = target / f"{folder.name}.{dt.datetime.now():%Y%m%dT%H%M%S}"
    shutil.move(str(folder), destination)
    if reason:
        (destination / "REFUSED.txt").write_text(reason + "\n")
    return destination


def load_inbox(inbox: Path, archive: Path, loader: db.Connection, key: bytes) -> list[dict]:
    """Load the deliveries waiting in the inbox, in order, and archive each: one entry per delivery
    (status loaded, already_loaded, refused or error). An error (not the delivery's fault) stops
    the loop and leaves that delivery and the later ones in the inbox for the next run."""
    entries = []
    for order, folder in pending(inbox):
        entry: dict = {"delivery": folder.name, "system": order[1] or None}  # as its manifest says, if it can
        t = time.monotonic()
        try:
            delivery = read_manifest(folder)
            entry.update(system=delivery.system, delivered_on=delivery.delivered_on.isoformat())
            entry["batch"] = load_delivery(loader, folder, key, progress=FileProgress())
            entry.update(status="loaded", rows=sum(f.rows for f in delivery.files),
                         tables={f.table: f.rows for f in delivery.files})
            entry["archived_to"] = str(_move(folder, archive / "loaded"))
        except AlreadyLoaded as exc:
            # in raw already: a run that stopped after the load committed and before the move,
            # or a source sending the same delivery twice. Nothing to do but archive it.
            entry.update(status="already_loaded", batch=exc.batch, rows=0)
            entry["archived_to"] = str(_move(folder, archive / "loaded"))
        except DeliveryError as exc:
            entry.update(status="refused", reason=str(exc))
            entry["archived_to"] = str(_move(folder, archive / "refused", str(exc)))
        except Exception as exc:  # noqa: BLE001 - the database gone, a disk error: retried next run
            entry.update(status="error", reason=f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}")
            entries.append(entry)
            print(f"    {folder.name}: error, left in the inbox for the next run: {entry['reason']}",
                  file=sys.stderr)
            break  # later deliveries may depend on it (order): they wait too
        entry["seconds"] = round(time.monotonic() - t, 2)
        entries.append(entry)
        print(f"    {folder.name}: {entry['status']}"
              + (f" as batch {entry['batch']}" if "batch" in entry else f": {entry.get('reason')}"),
              file=sys.stderr)
    return entries


def problems_by_system(entries: list[dict], systems) -> dict[str, list[dict]]:
    """Refused and failed deliveries per source system. One whose system is not known (an unreadable
    manifest, an unknown system) counts against every system: it may have been any of theirs."""
    out: dict[str, list[dict]] = {name: [] for name in systems}
    for e in entries:
        if e["status"] in ("refused", "error"):
            for name in ([e["system"]] if e.get("system") in out else list(out)):
                out[name].append({"delivery": e["delivery"], "status": e["status"], "reason": e.get("reason")})
    return out


def delivered_systems(conn: db.Connection) -> list[str]:
    """The source systems with at least one delivery loaded: the ones this warehouse runs."""
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute("select distinct source_system from raw._batches where source_system is not null order by 1")
        return [name for (name,) in cur.fetchall()]


def delivery_freshness(conn: db.Connection, today: dt.date) -> list[dict]:
    from virta.vault.model import load

    systems = load().systems
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute("select source_system, max(delivered_on) from raw._batches where source_system is not null "
                    "group by 1")
        latest = dict(cur.fetchall())
    out = []
    for name, system in sorted(systems.items()):
        if not system.warn_after_days:
            continue
        last = latest.get(name)
        age = (today - last).days if last else None
        if last is None:
            # a system this warehouse has never had a delivery from is not one the county runs (a
            # county runs one patient-record system of those mapped); once it delivers, it is judged
            status = "not_in_use"
        elif age > system.error_after_days:
            status = "error"
        elif age > system.warn_after_days:
            status = "warn"
        else:
            status = "pass"
        out.append({"system": name, "latest_delivery": last.isoformat() if last else None, "age_days": age,
                    "warn_after_days": system.warn_after_days, "error_after_days": system.error_after_days,
                    "status": status})
    return out


def changed_tables(conn: db.Connection) -> set[str]:
    """Raw tables with rows in a batch the vault has not loaded yet (the batch register's row
    counts against the batch log, as the staging reads them)."""
    from virta.access import Schemas, schema_prefix

    util = Schemas(schema_prefix()).virta_util
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute(f"select distinct t.key from raw._batches as b, jsonb_each_text(b.row_counts) as t "
                    f"where t.value::bigint > 0 and b.batch_id > {util}.last_loaded_batch(t.key)")
        return {name for (name,) in cur.fetchall()}


def models_to_leave_out(model, changed: set[str], built: set[str]) -> list[str]:
    """The checked tables and raw-vault models that none of the `changed` raw tables feeds, among
    those `built` already (one never built is built, rows or not: others read it). Stage views are
    never left out: a view keeps the batch filter it was created with (one created by a
    --full-refresh run reads every batch), and recreating a view costs next to nothing."""
    from virta.vault.plan import models_fed_by, stage_model

    fed = models_fed_by(model)
    needed = set().union(*(models for table, models in fed.items() if table in changed))
    views = {stage_model(s) for s in model.stages}
    return sorted((set().union(*fed.values()) - needed - views) & built)


def code_digest() -> str:
    """What the models are built from: models, macros, seeds, the project file and the package lock."""
    from virta.paths import PROJECT_ROOT

    digest = hashlib.sha256()
    files = [PROJECT_ROOT / "dbt_project.yml", PROJECT_ROOT / "package-lock.yml",
             *(path for folder in ("models", "macros", "seeds") for path in sorted((PROJECT_ROOT / folder).rglob("*"))
               if path.suffix in (".sql", ".yml", ".csv"))]  # what dbt reads; not an editor's backup
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _built_stamp(conn: db.Connection) -> Path:
    from virta.access import schema_prefix
    from virta.paths import state_dir

    where = hashlib.sha256(f"{conn.host}:{conn.port}/{conn.database}/{schema_prefix()}".encode()).hexdigest()[:16]
    return state_dir() / f"built-code-{where}.sha256"


def record_full_build(conn: db.Connection) -> None:
    """After a successful build of everything: the code it was built from, for this warehouse."""
    _built_stamp(conn).write_text(code_digest() + "\n")


def code_unchanged(conn: db.Connection) -> bool:
    """Whether the last complete build of this warehouse used the code as it is now."""
    stamp = _built_stamp(conn)
    return stamp.exists() and stamp.read_text().strip() == code_digest()


def rebuild_vars(conn: db.Connection) -> list[str]:
    """dbt arguments for a build: the incremental business vault is rebuilt whole unless the last
    complete build used the code as it is now, since the rows it keeps were computed by that code
    (an upgrade may change a rule, a macro or a seed)."""
    return [] if code_unchanged(conn) else ["--vars", "{rebuild_business_vault: true}"]


def unfed_models(conn: db.Connection) -> list[str]:
    """What a build may leave out (models_to_leave_out), or nothing unless the last complete build
    of this warehouse used the code as it is now: a model left out keeps the SQL it was last built
    with, and after an upgrade that may no longer fit the models around it."""
    from virta.access import Schemas, schema_prefix
    from virta.vault.model import load

    if not code_unchanged(conn):
        return []
    schemas = Schemas(schema_prefix())
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute("select table_name from information_schema.tables "
                    "where table_schema = any(%s) and table_type = 'BASE TABLE'",
                    ([schemas.name("staging"), schemas.name("raw_vault")],))
        built = {name for (name,) in cur.fetchall()}
    return models_to_leave_out(load(), changed_tables(conn), built)


def vault_selection(conn: db.Connection) -> list[str]:
    """dbt arguments for loading the unloaded batches into the vault: staging, raw vault and audit,
    without the models the batches bring nothing to."""
    unfed = unfed_models(conn)
    return ["-s", "staging", "raw_vault", "audit", *(["--exclude", *unfed] if unfed else [])]


def _quarantined(conn: db.Connection, batches: list[int]) -> dict:
    if not batches:
        return {}
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute("select to_regclass('audit.audit_batch_log') is not null")
        if not cur.fetchone()[0]:
            return {}
        cur.execute("select source_table, sum(rows_delivered), sum(rows_accepted), sum(rows_quarantined) "
                    "from audit.audit_batch_log where batch_id = any(%s) group by 1 order by 1", (batches,))
        return {t: {"delivered": int(d), "accepted": int(a), "quarantined": int(q)} for t, d, a, q in cur.fetchall()}


def _dbt_results() -> dict:
    path = target_dir() / "run_results.json"
    try:
        results = json.loads(path.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return {}
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts


def _source_freshness() -> list[dict]:
    try:
        results = json.loads((target_dir() / "sources.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    return [{"source": r["unique_id"].split(".")[-1], "status": r["status"],
             "max_loaded_at": r.get("max_loaded_at"), "age_hours": round(r.get("max_loaded_at_time_ago_in_s", 0) / 3600, 1)}
            for r in results]


def run_daily(inbox: Path, archive: Path, report_path: Path | None = None, today: dt.date | None = None,
              build: bool = True) -> int:
    started = time.monotonic()
    today = today or dt.date.today()
    report: dict = {"started_at": dt.datetime.now(dt.timezone.utc).isoformat(), "run_date": today.isoformat(),
                    "inbox": str(inbox), "deliveries": [], "timings_s": {}}
    if not inbox.is_dir():
        raise DeliveryError(inbox, "the inbox is not a folder")
    with run_lock("run"):
        loader, transformer = db.ensure_available("loader"), db.resolve("transformer")
        from virta.pseudonym import load_key

        key = load_key(embedded=loader.embedded)
        t0 = time.monotonic()
        with step(f"Loading the deliveries waiting in {inbox}"):
            report["deliveries"] = load_inbox(inbox, archive, loader, key)
        report["timings_s"]["load"] = round(time.monotonic() - t0, 1)
        dbt_ok = True
        if build:
            ensure_deps()
            for stale in ("run_results.json", "sources.json"):  # never report an earlier run's results
                (target_dir() / stale).unlink(missing_ok=True)
            t0 = time.monotonic()
            unfed, rebuild = unfed_models(transformer), rebuild_vars(transformer)
            report["models_left_out"] = unfed
            report["business_vault_rebuilt"] = bool(rebuild)
            with step(f"dbt build (leaving out {len(unfed)} vault models no new batch brings rows to"
                      f"{'; the business vault rebuilt whole: the code changed' if rebuild else ''})"):
                report["dbt_build_exit"] = privacy.build(transformer, [*rebuild, *(["--exclude", *unfed] if unfed else [])])
            dbt_ok = report["dbt_build_exit"] == 0
            if dbt_ok and not unfed:
                record_full_build(transformer)
            report["dbt_results"] = _dbt_results()
            report["timings_s"]["dbt_build"] = round(time.monotonic() - t0, 1)
            t0 = time.monotonic()
            with step("dbt source freshness (the batch register, by load time)"):
                in_use = [f"source:batch_register.{name}_deliveries" for name in delivered_systems(transformer)]
                # with the build's vars, which it does not use: other vars make dbt parse the project again
                report["dbt_source_freshness_exit"] = run_dbt(["source", "freshness", "-s", *in_use, *rebuild],
                                                              transformer) if in_use else 0
            report["dbt_source_freshness"] = _source_freshness()
            report["timings_s"]["dbt_source_freshness"] = round(time.monotonic() - t0, 1)
        loaded = [d["batch"] for d in report["deliveries"] if d["status"] == "loaded"]
        report["rows"] = _quarantined(transformer, loaded)
        report["freshness"] = delivery_freshness(transformer, today)
    refused = [d for d in report["deliveries"] if d["status"] in ("refused", "error")]
    stale = [f for f in report["freshness"] if f["status"] == "error"]
    dbt_stale = [f for f in report.get("dbt_source_freshness", []) if f["status"] in ("error", "runtime error")]
    freshness_ran = report.get("dbt_source_freshness_exit", 0) == 0 or bool(report.get("dbt_source_freshness"))
    report["ok"] = not refused and dbt_ok and not stale and not dbt_stale and freshness_ran
    report["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    report["timings_s"]["total"] = round(time.monotonic() - started, 1)
    report_path = report_path or archive / f"report-{dt.datetime.now():%Y%m%dT%H%M%S}.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    print(summary(report, report_path))
    return 0 if report["ok"] else 1


def summary(report: dict, path: Path) -> str:
    lines = ["", f"virta daily {report['run_date']}: {'OK' if report['ok'] else 'FAILED'}"]
    loaded = [d for d in report["deliveries"] if d["status"] == "loaded"]
    refused = [d for d in report["deliveries"] if d["status"] in ("refused", "error")]
    again = [d for d in report["deliveries"] if d["status"] == "already_loaded"]
    lines.append(f"  deliveries: {len(loaded)} loaded ({sum(d['rows'] for d in loaded):,} rows), {len(refused)} refused"
                 + (f", {len(again)} found loaded already (archived)" if again else ""))
    for d in refused:
        lines.append(f"    {d['status']} {d['delivery']}: {d['reason'].splitlines()[0]}")
    q = sum(t["quarantined"] for t in report.get("rows", {}).values())
    lines.append(f"  quarantined rows of today's batches: {q:,} (audit.audit_quarantine)")
    if "dbt_build_exit" in report:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(report.get("dbt_results", {}).items()))
        lines.append(f"  dbt build: exit {report['dbt_build_exit']} ({counts})")
    for f in report["freshness"]:
        if f["status"] != "pass":
            lines.append(f"  freshness {f['status']}: {f['system']} latest delivery {f['latest_delivery']} "
                         f"({f['age_days']} days; warn after {f['warn_after_days']}, error after {f['error_after_days']})")
    lines.append(f"  report: {path}")
    return "\n".join(lines)
