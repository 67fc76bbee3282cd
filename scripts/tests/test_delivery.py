"""Deliveries and `virta load` (issue 16): the synthetic generator writes the delivery format, the
loader lands it, and every kind of bad delivery is refused with its file, line or column named and
nothing landed."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import VIRTA, connect_as, query_function, run_virta, throwaway_env
from virta.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    env = throwaway_env(tmp_path_factory, "virta-delivery")
    run_virta(["db", "start"], env)
    yield env
    run_virta(["db", "stop"], env, check=False)


@pytest.fixture(scope="module")
def deliveries(env, tmp_path_factory):
    out = tmp_path_factory.mktemp("deliveries") / "out"
    run_virta(["generate", "--scale", "0.001", "--batches", "2", "--out", str(out)], env)
    return sorted(out.iterdir())


def raw_state(env):
    query, close = query_function(env)
    try:
        batches = query("select count(*) from raw._batches")[0][0]
        rows = query("select (select count(*) from raw.apotti_visits) + (select count(*) from raw.vtj_residents)"
                     " + (select count(*) from raw.procons_asiat)")[0][0]
        return batches, rows
    finally:
        close()


def copy_of(delivery: Path, tmp_path: Path) -> Path:
    target = tmp_path / delivery.name
    shutil.copytree(delivery, target)
    return target


def rewrite(delivery: Path, name: str, data: bytes, fix_manifest=True, rows=None):
    """Replace a file of a delivery and, unless told not to, make the manifest agree with it."""
    (delivery / name).write_bytes(data)
    if fix_manifest:
        import hashlib

        manifest = json.loads((delivery / "manifest.json").read_text())
        for entry in manifest["files"]:
            if entry["name"] == name:
                entry["sha256"] = hashlib.sha256(data).hexdigest()
                if rows is not None:
                    entry["rows"] = rows
        (delivery / "manifest.json").write_text(json.dumps(manifest))


def refused(env, delivery, *patterns, extra=()):
    before = raw_state(env)
    result = run_virta(["load", str(delivery), *extra], env, check=False)
    message = result.stderr
    assert result.returncode != 0, result.stdout
    for pattern in patterns:
        assert pattern in message, message
    assert raw_state(env) == before  # nothing landed
    return message


def test_generated_deliveries_load_whole(env, deliveries):
    from virta.load import raw_tables

    systems = sorted({t.system.name for t in raw_tables().values()})  # every source the mappings declare
    assert [d.name.split("_")[1] for d in deliveries[:len(systems)]] == systems
    first = [d for d in deliveries if d.name.startswith("00001_")]
    result = run_virta(["load", *map(str, first)], env)
    assert result.stdout.count("loaded as batch") == len(systems)
    query, close = query_function(env)
    try:
        for d in first:
            manifest = json.loads((d / "manifest.json").read_text())
            for f in manifest["files"]:
                got = query(f'select count(*) from raw."{f["table"]}" where _batch_id in '
                            "(select batch_id from raw._batches where source_system = %s)", (manifest["system"],))
                assert got[0][0] == f["rows"], (d.name, f["table"])
        assert query("select count(distinct source_system), count(*) from raw._batches") == [(len(systems), len(systems))]
        # the period each manifest declares is registered: the time anchor starts reporting there
        assert query("select distinct period_start::text, period_end::text from raw._batches") == \
            [(manifest["period"]["start"], manifest["period"]["end"])]
        assert query("select count(*) from raw.vtj_residents where hetu_valid = 'true'")[0][0] > 500
    finally:
        close()


def test_a_duplicate_delivery_is_refused(env, deliveries):
    refused(env, deliveries[0], "was loaded already, as batch")


def test_an_out_of_order_delivery_is_refused_unless_forced(env, deliveries, tmp_path):
    later = next(d for d in deliveries if d.name.startswith("00002_org"))
    run_virta(["load", str(later)], env)
    earlier = copy_of(next(d for d in deliveries if d.name.startswith("00001_org")), tmp_path)
    # different content, older date: not a duplicate, but older than what is loaded
    data = (earlier / "org_units.csv").read_bytes()
    rewrite(earlier, "org_units.csv", data + data.splitlines(keepends=True)[1], rows=data.count(b"\n"))
    refused(env, earlier, "is older (2024-07-01) than the latest org delivery already loaded (2025-07-01)")
    before = raw_state(env)[0]
    run_virta(["load", "--force", str(earlier)], env)
    assert raw_state(env)[0] == before + 1


@pytest.mark.parametrize("case", ["missing_file", "unknown_file", "missing_column", "unknown_column",
                                  "truncated_last_line", "wrong_encoding", "empty_file", "checksum",
                                  "row_count", "unknown_system", "short_row", "bad_manifest", "no_header",
                                  "nul_byte", "blank_line", "compact_date", "table_left_out", "period_reversed",
                                  "no_period", "period_after_delivery"])
def test_bad_deliveries_are_refused_naming_what_is_wrong(env, deliveries, tmp_path, case):
    d = copy_of(next(x for x in deliveries if x.name.startswith("00002_apotti")), tmp_path)
    visits = d / "apotti_visits.csv"
    text = visits.read_bytes()
    header, *lines = text.split(b"\n")
    if case == "missing_file":
        visits.unlink()
        refused(env, d, "apotti_visits.csv: is missing")
    elif case == "unknown_file":
        (d / "extra.csv").write_text("a\n1\n")
        refused(env, d, "holds files the manifest does not list: extra.csv")
    elif case == "missing_column":
        rewrite(d, visits.name, b"\n".join([header.replace(b",appt_status", b"")] + lines))
        refused(env, d, "apotti_visits.csv: header: missing column(s) appt_status")
    elif case == "unknown_column":
        rewrite(d, visits.name, b"\n".join([header + b",shoe_size"] + [line + b",42" if line else line
                                                                        for line in lines]))
        refused(env, d, "apotti_visits.csv: header: unknown column(s) shoe_size")
    elif case == "truncated_last_line":
        rewrite(d, visits.name, text[:-20])
        refused(env, d, "apotti_visits.csv: the last line does not end")
    elif case == "wrong_encoding":  # the exact line, not the read block the decoder failed in
        lines[5] = "Ä".encode("latin-1") + lines[5]
        rewrite(d, visits.name, b"\n".join([header, *lines]))
        refused(env, d, "apotti_visits.csv, line 7: is not valid utf-8", "windows-1252")
    elif case == "empty_file":
        rewrite(d, visits.name, b"")
        refused(env, d, "apotti_visits.csv: is empty")
    elif case == "checksum":
        rewrite(d, visits.name, text.replace(b"COMPLETED", b"CANCELLED", 1), fix_manifest=False)
        refused(env, d, "apotti_visits.csv: checksum mismatch")
    elif case == "row_count":
        rewrite(d, visits.name, b"\n".join([header, *lines[1:]]))
        refused(env, d, "apotti_visits.csv: holds", "rows, the manifest says")
    elif case == "unknown_system":
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["system"] = "effica"
        (d / "manifest.json").write_text(json.dumps(manifest))
        refused(env, d, "unknown source system 'effica'")
    elif case == "short_row":
        lines[3] = lines[3].rsplit(b",", 1)[0]
        rewrite(d, visits.name, b"\n".join([header, *lines]))
        refused(env, d, "apotti_visits.csv, line 5: 6 fields where the header has 7")
    elif case == "bad_manifest":
        (d / "manifest.json").write_text("{not json")
        refused(env, d, "manifest.json: is not valid JSON")
    elif case == "no_header":  # the first line is data: named as such, never echoed (it holds a code)
        rewrite(d, visits.name, b"\n".join(lines), rows=len(lines) - 2)
        message = refused(env, d, "apotti_visits.csv: line 1 is not a header")
        assert not re.search(r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]", message)
    elif case == "nul_byte":
        lines[2] = b"\x00" + lines[2]
        rewrite(d, visits.name, b"\n".join([header, *lines]))
        refused(env, d, "apotti_visits.csv, line 4, column visit_id: holds a NUL character")
    elif case == "blank_line":
        lines.insert(3, b"")
        rewrite(d, visits.name, b"\n".join([header, *lines]))
        refused(env, d, "apotti_visits.csv, line 5: an empty line")
    elif case == "table_left_out":
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["files"] = [f for f in manifest["files"] if f["table"] != "apotti_visits"]
        (d / "manifest.json").write_text(json.dumps(manifest))
        visits.unlink()
        refused(env, d, "manifest.json: lists no file for table(s) apotti_visits of system apotti")
    elif case == "period_reversed":  # the period's start is where reporting begins: checked
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["period"] = {"start": "2025-07-01", "end": "2023-07-01"}
        (d / "manifest.json").write_text(json.dumps(manifest))
        refused(env, d, "manifest.json: period starts (2025-07-01) after it ends (2023-07-01)")
    elif case == "period_after_delivery":  # a typo'd year would empty every mart
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["period"] = {"start": "2205-07-01", "end": "2205-07-31"}
        (d / "manifest.json").write_text(json.dumps(manifest))
        refused(env, d, "period 2205-07-01..2205-07-31 cannot be covered by an extract delivered on 2025-07-01")
    elif case == "no_period":
        manifest = json.loads((d / "manifest.json").read_text())
        del manifest["period"]
        (d / "manifest.json").write_text(json.dumps(manifest))
        refused(env, d, "manifest.json: period must say what the extract covers")
    elif case == "compact_date":
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["delivered_on"] = manifest["delivered_on"].replace("-", "")
        (d / "manifest.json").write_text(json.dumps(manifest))
        refused(env, d, "delivered_on must be a date, YYYY-MM-DD")


def test_other_encodings_and_delimiters_load_when_declared(env, tmp_path):
    import datetime as dt

    from virta.delivery import write_delivery
    from virta.load import raw_tables

    columns = list(raw_tables()["org_units"].columns)
    unit = {c: ["x"] for c in columns}
    unit["unit_name"] = ["Ähtärin terveysasema"]
    d = write_delivery(tmp_path / "units", "org", dt.date(2026, 8, 1), {"org_units": unit},
                       encoding="windows-1252", delimiter=";")
    assert "Ä".encode("windows-1252") in (d / "org_units.csv").read_bytes()
    run_virta(["load", str(d)], env)
    query, close = query_function(env)
    try:
        assert query("select count(*) from raw.org_units where unit_name = 'Ähtärin terveysasema'") == [(1,)]
    finally:
        close()


def test_a_parquet_delivery_lands_what_its_csv_twin_would(env, tmp_path, monkeypatch):
    """The same generated extract as Parquet and as CSV: the Parquet one loads, and raw holds, row by
    row, what the CSV files say (identity codes as the loader's pseudonym columns)."""
    import csv

    from virta.load import raw_tables
    from virta.pseudonym import IdentityCodes, load_key

    common = ["generate", "--scale", "0.001", "--seed", "11"]
    run_virta([*common, "--out", str(tmp_path / "pq"), "--file-format", "parquet"], env)
    run_virta([*common, "--out", str(tmp_path / "csv")], env)
    as_parquet = next((tmp_path / "pq").glob("*_procons_*"))
    as_csv = next((tmp_path / "csv").glob("*_procons_*"))
    assert {p.suffix for p in as_parquet.iterdir()} == {".parquet", ".json"}
    result = run_virta(["load", "--force", str(as_parquet)], env)  # --force: older than what is loaded
    batch = int(result.stdout.rsplit("batch", 1)[1])
    for name in ("VIRTA_HOME", "VIRTA_EMBEDDED_PORT"):
        monkeypatch.setenv(name, env[name])
    codes = IdentityCodes(load_key())
    query, close = query_function(env)
    try:
        for table in ("procons_asiat", "procons_paatokset"):
            spec = raw_tables()[table]
            with (as_csv / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
                expected = []
                for row in csv.DictReader(fh):
                    out = []
                    for c in spec.columns:
                        if c in spec.identity_columns:
                            out += [v or None for v in codes.landed(row[c], spec.identity_columns[c])]
                        else:
                            out.append(row[c] or None)
                    expected.append(tuple(out))
            columns = ", ".join(f'"{c}"' for c in spec.raw_columns)
            got = query(f"select {columns} from raw.{table} where _batch_id = %s order by _row_no", (batch,))
            assert len(got) > 50 and got == expected, table
    finally:
        close()


def test_the_loaders_memory_does_not_grow_with_the_file(env, tmp_path):
    """Streamed, not read whole: the loader's peak memory on a five times larger file stays within a
    few MB (the 2 GB figure is `virta bench big-file`)."""
    from virta.bench import big_delivery, load_measured

    peaks = {}
    for gb in (0.02, 0.1):
        rows, _ = big_delivery(tmp_path / f"big-{gb}", gb)
        _, peaks[gb] = load_measured(tmp_path / f"big-{gb}", env, ("--force",))
        assert raw_state(env)[0] and rows > 100_000
    assert peaks[0.1] - peaks[0.02] < 15, peaks


def test_a_killed_load_leaves_nothing_and_the_next_run_loads(env, tmp_path):
    """Kill the loader while COPY runs: the open transaction dies with it, no partial batch remains."""
    out = tmp_path / "big"
    run_virta(["generate", "--scale", "0.05", "--seed", "7", "--out", str(out)], env)
    delivery = next(d for d in sorted(out.iterdir()) if "_apotti_" in d.name)
    before = raw_state(env)
    proc = subprocess.Popen([*VIRTA, "load", str(delivery)], cwd=PROJECT_ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    admin = connect_as(env, "admin")
    admin.autocommit = True
    try:
        deadline = time.monotonic() + 300
        copying = False
        while time.monotonic() < deadline and proc.poll() is None:
            with admin.cursor() as cur:
                cur.execute("select count(*) from pg_stat_activity where usename = 'virta_loader' "
                            "and query ilike 'copy raw.%%' and state = 'active'")
                if cur.fetchone()[0]:
                    copying = True
                    break
            time.sleep(0.05)
        assert copying, "the loader never reached COPY"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(1)
    finally:
        admin.close()
    assert raw_state(env) == before
    run_virta(["load", str(delivery)], env)
    assert raw_state(env)[0] == before[0] + 1


def test_daily_archives_a_delivery_found_loaded_already(env, deliveries, tmp_path):
    """A run that stopped after the load committed and before the move leaves the delivery in the
    inbox: the next run finds it in raw and archives it instead of refusing it."""
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    shutil.copytree(deliveries[0], inbox / deliveries[0].name)
    before = raw_state(env)
    result = run_virta(["daily", "--inbox", str(inbox), "--archive", str(archive), "--no-build",
                        "--today", "2025-07-01", "--report", str(tmp_path / "r.json")], env, check=False)
    report = json.loads((tmp_path / "r.json").read_text())
    assert [d["status"] for d in report["deliveries"]] == ["already_loaded"]
    assert (archive / "loaded" / deliveries[0].name).is_dir() and list(inbox.iterdir()) == []
    assert raw_state(env) == before
    assert "found loaded already" in result.stdout


def test_a_file_changed_after_the_check_is_not_committed(env, deliveries, tmp_path, monkeypatch):
    """The load pass verifies what it streams: a file changed after the check (a copy still being
    written, say) fails before the commit."""
    from virta import db
    from virta import delivery as loader
    from virta.pseudonym import load_key

    for name in ("VIRTA_HOME", "VIRTA_EMBEDDED_PORT"):
        monkeypatch.setenv(name, env[name])
    d = copy_of(next(x for x in deliveries if x.name.startswith("00002_procons")), tmp_path)
    checked = loader.check

    def check_then_change(delivery, key, progress=None):
        checked(delivery, key, progress)
        data = delivery.files[0].path.read_bytes()
        delivery.files[0].path.write_bytes(data + data.split(b"\n", 2)[1] + b"\n")

    monkeypatch.setattr(loader, "check", check_then_change)
    before = raw_state(env)
    with pytest.raises(loader.DeliveryError, match="changed while it was being loaded"):
        loader.load_delivery(db.resolve("loader"), d, load_key())
    assert raw_state(env) == before
