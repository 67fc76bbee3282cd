"""Optional orchestration with Dagster: what `virta daily` does, as assets a county can grow into.

Install the extra (`pip install -e '.[dagster]'`, or let `./virta` do it with VIRTA_EXTRAS=dagster)
and point Dagster at this module:

    VIRTA_EXTRAS=dagster ./virta dagster dev        # the UI and the daemon, on this project
    dagster dev -m virta.dagster_defs               # the same, in an environment of your own

- `raw_deliveries`: one multi-asset over the raw tables (asset keys raw/<table>). It loads the
  deliveries waiting in the inbox with virta's own loader (VIRTA_INBOX, default .virta/inbox) and
  archives them (VIRTA_ARCHIVE, default .virta/archive), exactly as `virta daily` does. A refused
  delivery is archived apart with its reason, and one that failed for another reason (left in the
  inbox for the next run) fails its system's asset check `deliveries_accepted` (every system's,
  when its manifest does not say which); the rest still load and build, as with `virta daily`.
  When the step itself fails (the server cannot start), it is retried twice with back-off: a
  delivery lands whole or not at all, so a retry is safe.
- the dbt project as assets, from dbt's manifest (dagster-dbt): one `dbt build`, its tests as asset
  checks, its raw sources wired to the raw tables above. Not retried: a failing model or test fails
  again the same way; the next scheduled run builds again (staging reads what is not in the vault).
- `forecasts`: the forecasting step (virta.forecast) between the published series marts and the
  forecast marts, which are built after it (`virta_forecast_marts`), as `virta run` does.
- `delivery_freshness`: an asset check per source system, warning and then failing by the cadence
  its mapping declares (concept_model/sources, `freshness:`).
- job `virta_daily`, a daily schedule at 05:30 Finnish time, and a sensor that starts the job when
  complete deliveries wait in the inbox and no `virta_daily` run is under way.

dbt runs as the transformer and the loader as the loader, with the same connections as the command
line; each step holds the command line's run lock (waiting up to LOCK_WAIT seconds for a `virta
daily` or `virta run` to finish). The pseudonymisation key never reaches the dbt process.
"""


import contextlib
import datetime as dt
import hashlib
import os
import subprocess
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model

from virta import db
from virta.dbt import dbt_env, dbt_executable, ensure_deps
from virta.errors import VirtaError
from virta.lock import run_lock
from virta.paths import PROJECT_ROOT, state_dir, target_dir
from virta.privacy import FORECASTS, PUBLISHED  # the build phases, as privacy.build runs them

TIMEZONE = "Europe/Helsinki"
SCHEDULE = "30 5 * * *"  # every morning at 05:30, after the night's extracts arrived
RETRY = dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL)
LOCK_WAIT = 3600
_DBT_INPUTS = ("models", "macros", "seeds", "tests", "concept_model", "dbt_project.yml", "packages.yml",
               "package-lock.yml", "profiles.yml")


def _raw_tables() -> dict:
    from virta.load import raw_tables

    return raw_tables()


def inbox_dir() -> Path:
    return Path(os.environ.get("VIRTA_INBOX") or state_dir() / "inbox")


def archive_dir() -> Path:
    return Path(os.environ.get("VIRTA_ARCHIVE") or state_dir() / "archive")


@contextlib.contextmanager
def _transformer_environment(conn: db.Connection):
    """os.environ as `virta dbt` would run dbt (the transformer's connection, no key), for as long as
    dagster-dbt starts its dbt process; then as it was."""
    saved, wanted = dict(os.environ), dbt_env(conn)
    try:
        os.environ.clear()
        os.environ.update(wanted)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _newest_input() -> float:
    newest = 0.0
    for name in _DBT_INPUTS:
        path = PROJECT_ROOT / name
        files = [path] if path.is_file() else (path.rglob("*") if path.is_dir() else [])
        newest = max([newest, *(p.stat().st_mtime for p in files if p.is_file())])
    return newest


def manifest_path() -> Path:
    """dbt's manifest, parsed again only when a model, macro, seed or mapping is newer than it."""
    out = target_dir() / "dagster"
    manifest = out / "manifest.json"
    if manifest.exists() and manifest.stat().st_mtime >= _newest_input():
        return manifest
    ensure_deps()
    env = dbt_env(db.resolve("transformer"))
    result = subprocess.run([dbt_executable(), "parse", "--target-path", str(out), "--quiet"], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True)
    if result.returncode != 0 or not manifest.exists():
        raise VirtaError(f"`dbt parse` failed, so Dagster has no dbt assets:\n{(result.stdout + result.stderr)[-2000:]}")
    return manifest


class VirtaTranslator(DagsterDbtTranslator):
    """dbt's raw sources are the raw tables the loader materialises: asset keys raw/<table>."""

    def get_asset_spec(self, manifest, unique_id, project):
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props.get("resource_type") == "source" and props.get("name") in _raw_tables():
            return spec.replace_attributes(key=dg.AssetKey(["raw", props["name"]]))
        if props.get("resource_type") == "source" and props.get("source_name") == "forecast":
            return spec.replace_attributes(key=dg.AssetKey(["forecast", props["name"]]))
        return spec


def _series_marts() -> list[str]:
    from virta.forecast import series_marts

    return series_marts()


def _system_keys() -> dict[str, dg.AssetKey]:
    """Each source system's first raw table: where its freshness and delivery checks hang."""
    out: dict[str, dg.AssetKey] = {}
    for name, spec in sorted(_raw_tables().items()):
        out.setdefault(spec.system.name, dg.AssetKey(["raw", name]))
    return out


@dg.multi_asset(
    specs=[dg.AssetSpec(["raw", name], group_name="raw", kinds={"postgres"},
                        description=f"raw.{name}: {spec.description} Landed by virta's loader from the inbox.")
           for name, spec in sorted(_raw_tables().items())],
    check_specs=[dg.AssetCheckSpec("deliveries_accepted", asset=key,
                                   description=f"Every {system} delivery in this run's inbox was accepted.")
                 for system, key in _system_keys().items()],
    can_subset=False,
    retry_policy=RETRY,
)
def raw_deliveries(context: dg.AssetExecutionContext):
    """Load the inbox's deliveries (virta.daily.load_inbox) and archive them."""
    from virta.daily import load_inbox
    from virta.pseudonym import load_key

    from virta.daily import problems_by_system

    inbox, archive = inbox_dir(), archive_dir()
    inbox.mkdir(parents=True, exist_ok=True)
    with run_lock("run", wait=LOCK_WAIT):
        loader = db.ensure_available("loader")
        entries = load_inbox(inbox, archive, loader, load_key(embedded=loader.embedded))
    rows: dict[str, int] = {}
    for e in entries:
        for table, n in e.get("tables", {}).items():
            rows[table] = rows.get(table, 0) + n
    for name in sorted(_raw_tables()):
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", name]), metadata={"rows_loaded": rows.get(name, 0)})
    keys = _system_keys()
    for system, problems in problems_by_system(entries, keys).items():
        yield dg.AssetCheckResult(
            asset_key=keys[system], check_name="deliveries_accepted", passed=not problems,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"loaded": len([e for e in entries if e.get("system") == system and e["status"] == "loaded"]),
                      "not_loaded": dg.MetadataValue.json(problems)})
    context.log.info(f"{len(entries)} deliveries: " + ", ".join(f"{e['delivery']} {e['status']}" for e in entries))


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec("delivery_freshness", asset=key,
                             description=f"The latest {system} delivery is within the cadence its mapping declares.")
           for system, key in _system_keys().items()],
)
def delivery_freshness_checks():
    from virta.daily import delivery_freshness

    keys = _system_keys()
    for f in delivery_freshness(db.ensure_available("transformer"), dt.date.today()):
        if f["status"] == "not_in_use":  # never delivered: a system of the mappings the county does not run
            yield dg.AssetCheckResult(asset_key=keys[f["system"]], check_name="delivery_freshness", passed=True,
                                      metadata={"status": "not_in_use"})
            continue
        yield dg.AssetCheckResult(
            asset_key=keys[f["system"]], check_name="delivery_freshness", passed=f["status"] == "pass",
            severity=dg.AssetCheckSeverity.WARN if f["status"] == "warn" else dg.AssetCheckSeverity.ERROR,
            metadata={k: v for k, v in f.items() if v is not None})


@dbt_assets(manifest=manifest_path(), dagster_dbt_translator=VirtaTranslator(), exclude=PUBLISHED)
def virta_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` as the transformer, up to the disclosure pattern: models as assets, tests as their
    checks. The published marts are virta_published, built once the pattern is closed."""
    from virta.daily import rebuild_vars, record_full_build

    with run_lock("run", wait=LOCK_WAIT):
        conn = db.ensure_available("transformer")
        with _transformer_environment(conn):  # dbt's process starts here, with this environment
            # the incremental business vault rebuilt whole when the code changed (as virta daily does)
            invocation = dbt.cli(["build", *rebuild_vars(conn)], context=context,
                                 target_path=target_dir() / "dagster" / f"run-{context.run_id[:8]}")
        yield from invocation.stream()  # raises when the build failed
        if not context.is_subset:
            record_full_build(conn)


@dbt_assets(manifest=manifest_path(), dagster_dbt_translator=VirtaTranslator(), select=PUBLISHED,
            exclude=FORECASTS)
def virta_published(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """The published marts: first the suppression pattern is closed against the exact attack
    (`virta privacy protect`, as `virta daily` does), then the marts are built from it."""
    from virta import privacy

    with run_lock("run", wait=LOCK_WAIT):
        conn = db.ensure_available("transformer")
        target = target_dir() / "dagster" / f"run-{context.run_id[:8]}-published"
        with _transformer_environment(conn):
            if not dbt.cli(["parse"], target_path=target, raise_on_error=False).wait().is_successful():
                raise VirtaError("`dbt parse` failed: nothing is published without disclosure control")
            result, added = privacy.protect(conn, target / "manifest.json")
            context.log.info(f"disclosure control: {result.unknowns} cells withheld, {added} after the attack")
            invocation = dbt.cli(["build"], context=context, target_path=target)
        yield from invocation.stream()


FORECAST_TABLES = ("indicator_forecast_inputs", "indicator_forecast_skill", "indicator_forecast_values")


@dg.multi_asset(
    specs=[dg.AssetSpec(["forecast", name], group_name="forecast", kinds={"python", "postgres"},
                        deps=[get_asset_key_for_model([virta_published], series) for series in _series_marts()],
                        description=f"forecast.{name}: written by the forecasting step (virta forecast).")
           for name in FORECAST_TABLES],
    can_subset=False,
)
def forecasts(context: dg.AssetExecutionContext):
    """The forecasting step (virta.forecast.run_step): every series of the published series marts,
    its method chosen by rolling-origin back-tests, into the schema forecast."""
    from virta import forecast

    with run_lock("run", wait=LOCK_WAIT):
        done = forecast.run_step(db.ensure_available("transformer"))
    for name in FORECAST_TABLES:
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["forecast", name]),
                                   metadata={mart: f"{d['forecasts']} of {d['series']} series" for mart, d in done.items()})


@dbt_assets(manifest=manifest_path(), dagster_dbt_translator=VirtaTranslator(), select=FORECASTS)
def virta_forecast_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """The forecast marts and the catalogue, built from what the forecasting step wrote."""
    with run_lock("run", wait=LOCK_WAIT):
        with _transformer_environment(db.ensure_available("transformer")):
            invocation = dbt.cli(["build"], context=context,
                                 target_path=target_dir() / "dagster" / f"run-{context.run_id[:8]}-forecasts")
        yield from invocation.stream()


daily_job = dg.define_asset_job("virta_daily", selection=dg.AssetSelection.all(),
                                description="Load the inbox, build the warehouse, judge freshness "
                                            "(what `virta daily` does).")

daily_schedule = dg.ScheduleDefinition(name="virta_daily_schedule", job=daily_job, cron_schedule=SCHEDULE,
                                       execution_timezone=TIMEZONE)


@dg.sensor(job=daily_job, minimum_interval_seconds=300)
def inbox_sensor(context: dg.SensorEvaluationContext):
    """Starts the job when complete deliveries (their manifest written) wait in the inbox; the
    same set of waiting deliveries starts it once."""
    from virta.daily import pending

    under_way = context.instance.get_run_records(
        dg.RunsFilter(job_name=daily_job.name, statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTING,
                                                         dg.DagsterRunStatus.STARTED]), limit=1)
    if under_way:  # it is loading the inbox now; what it leaves there is looked at afterwards
        return dg.SkipReason("a virta_daily run is under way")
    inbox = inbox_dir()
    try:
        waiting = [folder for _, folder in pending(inbox)] if inbox.is_dir() else []
        key = hashlib.sha256("\n".join(f"{f.name}:{(f / 'manifest.json').stat().st_mtime_ns}"
                                       for f in waiting).encode()).hexdigest()[:16]
    except OSError as exc:  # a folder moved while looked at: look again next time
        return dg.SkipReason(f"the inbox changed while it was read ({exc})")
    if not waiting:
        return dg.SkipReason(f"no complete delivery waits in {inbox}")
    return dg.RunRequest(run_key=f"inbox-{key}", tags={"virta/deliveries": str(len(waiting))})


defs = dg.Definitions(
    assets=[raw_deliveries, virta_dbt, virta_published, forecasts, virta_forecast_marts],
    asset_checks=[delivery_freshness_checks],
    jobs=[daily_job],
    schedules=[daily_schedule],
    sensors=[inbox_sensor],
    resources={"dbt": DbtCliResource(project_dir=str(PROJECT_ROOT), profiles_dir=str(PROJECT_ROOT),
                                     dbt_executable=dbt_executable())},
)
