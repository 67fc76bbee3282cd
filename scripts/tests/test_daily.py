"""`virta daily` (issue 16): a week of daily deliveries arrives in an inbox over three runs, one of
them broken. The broken one is refused with its reason and archived apart, the rest load, the
report and freshness say what happened, and the marts equal a full rebuild from the same data."""

import datetime as dt
import json
import shutil

import pytest

from conftest import query_function, run_virta, throwaway_env
from virta.paths import PROJECT_ROOT

# the source systems: each delivers once a day in the generated week
SYSTEMS = len(list((PROJECT_ROOT / "concept_model/sources").glob("*.yml")))

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    env = throwaway_env(tmp_path_factory, "virta-daily")
    yield env
    run_virta(["db", "stop"], env, check=False)


def marts_content(env):
    query, close = query_function(env)
    try:
        tables = query("""
            select table_schema, table_name, string_agg(quote_ident(column_name), ', ' order by ordinal_position)
            from information_schema.columns
            where table_schema in ('marts', 'restricted') and column_name not in ('processed_at')
              and (table_schema, table_name) in (select table_schema, table_name from information_schema.tables
                                                 where table_type = 'BASE TABLE')
            group by 1, 2 order by 1, 2""")
        return {f"{s}.{t}": query(f"select count(*), md5(coalesce(string_agg(r::text, '|' order by r::text), '')) "
                                  f"from (select {c} from {s}.{t}) as r")[0] for s, t, c in tables}
    finally:
        close()


def test_a_week_of_daily_deliveries(env, tmp_path):
    out, inbox, archive = tmp_path / "generated", tmp_path / "inbox", tmp_path / "archive"
    start = TODAY - dt.timedelta(days=7)
    run_virta(["generate", "--scale", "0.002", "--start", start.isoformat(),
               "--end", (TODAY - dt.timedelta(days=1)).isoformat(), "--batches", "7", "--out", str(out)], env)
    days = sorted({d.name.split("_")[0] for d in out.iterdir()})
    assert len(days) == 7
    # the fifth day's Apotti delivery is broken in transit: a file no longer matches its checksum
    broken = next(out.glob(f"{days[4]}_apotti_*"))
    contacts = broken / "apotti_contacts.csv"
    intact = contacts.read_bytes()
    contacts.write_bytes(intact[:-1] + b"\r\n")

    reports = []
    for number, group in enumerate([days[:3], days[3:5], days[5:]], start=1):
        inbox.mkdir(exist_ok=True)
        for d in out.iterdir():
            if d.name.split("_")[0] in group:
                shutil.move(str(d), inbox / d.name)
        run_date = dt.date.fromisoformat(max(d.name.rsplit("_", 1)[1] for d in inbox.iterdir()))
        report = tmp_path / f"report-{number}.json"
        result = run_virta(["daily", "--inbox", str(inbox), "--archive", str(archive), "--report", str(report),
                            "--today", run_date.isoformat()], env, check=False)
        reports.append((result, json.loads(report.read_text()), run_date))
        assert list(inbox.iterdir()) == []  # every delivery was processed: loaded or refused

    (first, r1, _), (second, r2, day5), (third, r3, _) = reports
    assert first.returncode == 0 and r1["ok"] and len(r1["deliveries"]) == 3 * SYSTEMS
    assert all(d["status"] == "loaded" for d in r1["deliveries"]) and r1["dbt_build_exit"] == 0
    assert r1["dbt_results"].get("error", 0) == 0 and r1["dbt_results"].get("pass", 0) > 100
    assert sum(t["delivered"] for t in r1["rows"].values()) == sum(d["rows"] for d in r1["deliveries"])

    # the broken delivery: refused, named, archived with its reason; the run fails, the rest loaded
    assert second.returncode == 1 and not r2["ok"]
    refused = [d for d in r2["deliveries"] if d["status"] == "refused"]
    assert [d["delivery"] for d in refused] == [broken.name]
    assert "apotti_contacts.csv: checksum mismatch" in refused[0]["reason"]
    assert "checksum mismatch" in (archive / "refused" / broken.name / "REFUSED.txt").read_text()
    assert sum(d["status"] == "loaded" for d in r2["deliveries"]) == 2 * SYSTEMS - 1
    assert "refused " + broken.name in second.stdout
    # freshness shows the gap: Apotti's latest extract is a day behind the others'
    fresh = {f["system"]: f for f in r2["freshness"]}
    assert fresh["apotti"]["latest_delivery"] == (day5 - dt.timedelta(days=1)).isoformat()
    assert fresh["apotti"]["age_days"] == 1
    assert fresh["lifecare"]["latest_delivery"] == day5.isoformat() and fresh["lifecare"]["age_days"] == 0
    assert {f["status"] for f in r2["dbt_source_freshness"]} == {"pass"}  # loads themselves were now

    assert third.returncode == 0 and r3["ok"] and len(r3["deliveries"]) == 2 * SYSTEMS
    # a day's deliveries bring no rows to some raw tables: their vault models are left out (and the
    # marts still equal a full rebuild, below)
    assert r1["models_left_out"] == [] and r3["models_left_out"]
    # the first build on this warehouse builds the business vault whole; later ones keep it incrementally
    assert r1["business_vault_rebuilt"] and not r3["business_vault_rebuilt"]
    assert len(list((archive / "loaded").iterdir())) == 7 * SYSTEMS - 1
    # the repaired delivery sent again after newer ones loaded: refused as out of order (it would
    # restate newer data as current); `virta load --force` is the deliberate way
    resent = inbox / broken.name
    shutil.copytree(archive / "refused" / broken.name, resent)
    (resent / "REFUSED.txt").unlink()
    (resent / "apotti_contacts.csv").write_bytes(intact)
    late = run_virta(["daily", "--inbox", str(inbox), "--archive", str(archive), "--no-build"], env, check=False)
    assert late.returncode == 1 and "is older" in late.stdout

    # no deliveries for days: warnings first (exit 0), then an error (exit 1)
    last = dt.date.fromisoformat(max(f["latest_delivery"] for f in r3["freshness"]))
    warn = run_virta(["daily", "--inbox", str(inbox), "--archive", str(archive), "--no-build",
                      "--today", (last + dt.timedelta(days=3)).isoformat()], env, check=False)
    assert warn.returncode == 0 and "freshness warn: apotti" in warn.stdout
    error = run_virta(["daily", "--inbox", str(inbox), "--archive", str(archive), "--no-build",
                       "--today", (last + dt.timedelta(days=5)).isoformat()], env, check=False)
    assert error.returncode == 1 and "freshness error: apotti" in error.stdout

    # the marts the daily runs built equal a rebuild of everything from the same raw data
    daily = marts_content(env)
    assert len(daily) > 20
    run_virta(["dbt", "build", "--full-refresh"], env)
    rebuilt = marts_content(env)
    assert [t for t in daily if daily[t] != rebuilt.get(t)] == []
