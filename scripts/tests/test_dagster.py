"""The optional Dagster integration (issue 16): the sample, delivered into the inbox, materialised
once through the `virta_daily` job: raw tables by virta's loader, every dbt model by `dbt build`,
dbt's tests and the delivery checks as asset checks; the sensor and schedule as declared; and a
published figure recomputed from the raw tables."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query_function, run_virta, throwaway_env
from raw_recompute import assert_costs_by_service_match
from virta.load import raw_tables
from virta.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e

SCRIPT = r"""
import json
import dagster as dg
from virta import dagster_defs
from virta.dagster_defs import defs

def sensor_says():
    out = dagster_defs.inbox_sensor(dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral()))
    return type(out).__name__

job = defs.resolve_job_def("virta_daily")
before = sensor_says()
result = job.execute_in_process(raise_on_error=False)
checks = [{"asset": e.asset_key.to_user_string(), "check": e.check_name, "passed": e.passed,
           "severity": e.severity.value}
          for e in (ev.event_specific_data for ev in result.all_events
                    if ev.event_type_value == "ASSET_CHECK_EVALUATION")]
schedule = defs.resolve_schedule_def("virta_daily_schedule")
print(json.dumps({
    "success": result.success,
    "selected": sorted(k.to_user_string() for k in job.asset_layer.selected_asset_keys),
    "materialized": sorted({e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}),
    "checks": checks,
    "sensor_before": before, "sensor_after": sensor_says(),
    "schedule": [schedule.cron_schedule, schedule.execution_timezone],
}))
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    pytest.importorskip("dagster_dbt")  # the dagster extra (./virta test installs it)
    env = throwaway_env(tmp_path_factory, "virta-dagster")
    yield env
    run_virta(["db", "stop"], env, check=False)


def test_dagster_materialises_the_sample_once(env):
    inbox = Path(env["VIRTA_HOME"]) / "inbox"
    # a small sample's deliveries (two counties at 0.2 %), waiting in the inbox
    run_virta(["generate", "--scale", "0.002", "--out", str(inbox)], env)
    delivered = sorted(p.name for p in inbox.iterdir())
    broken = inbox / "00000_unknown"  # a manifest that cannot be read: which system's it was is unknown
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=2400)
    assert proc.returncode == 0, proc.stderr[-6000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["success"], proc.stderr[-6000:]
    # every asset of the job materialised: each raw table and each dbt model and seed
    assert out["materialized"] == out["selected"]
    assert [k for k in out["selected"] if k.startswith("raw/")] == [f"raw/{t}" for t in sorted(raw_tables())]
    assert {"marts/mart_costs_by_aura_monthly", "restricted/rst_access_queue_current"} <= set(out["materialized"])
    # the forecasting step between the series marts and the forecast marts (as virta run has it)
    assert {"forecast/indicator_forecast_values", "marts/mart_access_indicator_forecast"} <= set(out["materialized"])
    checks = out["checks"]
    dbt_tests = [c for c in checks if c["check"] not in ("deliveries_accepted", "delivery_freshness")]
    assert len(dbt_tests) > 100
    assert [c for c in dbt_tests if not c["passed"] and c["severity"] == "ERROR"] == []
    # the unreadable delivery was refused; it could have been any system's, so each system's check
    # fails, while every good delivery loaded and built
    accepted = [c for c in checks if c["check"] == "deliveries_accepted"]
    systems = len(list((PROJECT_ROOT / "concept_model/sources").glob("*.yml")))
    assert len(accepted) == systems and not any(c["passed"] for c in accepted)
    refused = Path(env["VIRTA_HOME"]) / "archive" / "refused" / broken.name
    assert "manifest.json: is not valid JSON" in (refused / "REFUSED.txt").read_text()
    # the sample's extract date lies in the past: each system's freshness is judged (and fails)
    freshness = {c["asset"]: c for c in checks if c["check"] == "delivery_freshness"}
    assert len(freshness) == systems and not any(c["passed"] for c in freshness.values())
    # the inbox was emptied into the archive; the sensor asked for a run before, and not after
    assert list(inbox.iterdir()) == []
    assert sorted(p.name for p in (Path(env["VIRTA_HOME"]) / "archive" / "loaded").iterdir()) == delivered
    assert (out["sensor_before"], out["sensor_after"]) == ("RunRequest", "SkipReason")
    assert out["schedule"] == ["30 5 * * *", "Europe/Helsinki"]
    query, close = query_function(env)
    try:
        assert_costs_by_service_match(query)  # a published figure against the ledger, from raw
    finally:
        close()
