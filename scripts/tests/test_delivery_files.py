"""Delivery files without a database (issue 16): exact line numbers for encoding errors, UTF-16,
Parquet with typed columns landed as the text the mappings read, and the progress bar."""

import datetime as dt
import decimal
import io
import json

import pytest

from virta.delivery import DeliveryError, check, read_manifest, write_delivery
from virta.load import raw_tables
from virta.progress import FileProgress

KEY = b"k" * 32


def _delivery(tmp_path, system, tables, **kwargs):
    return read_manifest(write_delivery(tmp_path / system, system, dt.date(2026, 8, 1), tables, **kwargs))


def _org_units(n):
    columns = list(raw_tables()["org_units"].columns)
    units = {c: [f"{c}-{i}" for i in range(n)] for c in columns}
    units["unit_name"] = [f"Ähtärin yksikkö {i}" for i in range(n)]
    return units


def _rows_of(delivery, table):
    from virta.delivery import _rows

    f = next(f for f in delivery.files if f.table == table)
    return list(_rows(delivery, f, list(raw_tables()[table].columns)))


def test_an_encoding_error_names_its_exact_line_even_deep_in_a_large_file(tmp_path):
    delivery = _delivery(tmp_path, "org", {"org_units": _org_units(60_000)})
    f = delivery.files[0]
    lines = f.path.read_bytes().split(b"\n")
    lines[45_000] = lines[45_000].replace("Ä".encode(), "Ä".encode("latin-1"))  # line 45,001 of the file
    data = b"\n".join(lines)
    f.path.write_bytes(data)
    f.sha256 = __import__("hashlib").sha256(data).hexdigest()
    with pytest.raises(DeliveryError) as err:
        check(delivery, KEY)
    offset = data.index("Ä".encode("latin-1"))
    assert f"org_units.csv, line 45001: is not valid utf-8 (invalid continuation byte at byte {offset:,} " \
           "of the file)" in str(err.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "windows-1252"])
def test_declared_encodings_check_and_read(tmp_path, encoding):
    delivery = _delivery(tmp_path, "org", {"org_units": _org_units(3)}, encoding=encoding, delimiter=";")
    check(delivery, KEY)
    rows = _rows_of(delivery, "org_units")
    assert [r[1] for r in rows] == [f"Ähtärin yksikkö {i}" for i in range(3)]
    assert rows[0][0] == "unit_oid-0"  # a byte-order mark never sticks to the first column's name


def test_a_truncated_utf16_file_is_refused(tmp_path):
    delivery = _delivery(tmp_path, "org", {"org_units": _org_units(3)}, encoding="utf-16")
    f = delivery.files[0]
    data = f.path.read_bytes()[:-6]  # the last line loses its end (two bytes a character)
    f.path.write_bytes(data)
    f.sha256 = __import__("hashlib").sha256(data).hexdigest()
    with pytest.raises(DeliveryError, match="org_units.csv: the last line does not end"):
        check(delivery, KEY)


# ---- Parquet -------------------------------------------------------------------------------------

@pytest.fixture
def pa():
    return pytest.importorskip("pyarrow")  # the parquet extra (./virta installs it)


def _parquet_delivery(tmp_path, system, files: dict):
    """A delivery of `files` (table -> pyarrow table) written as Parquet, with its manifest."""
    import hashlib

    import pyarrow.parquet as pq

    folder = tmp_path / system
    folder.mkdir()
    listed = []
    for name, table in files.items():
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, row_group_size=2)
        listed.append({"name": path.name, "table": name, "rows": table.num_rows,
                       "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    for name, spec in raw_tables().items():  # the system's other tables: nothing new
        if spec.system.name == system and name not in files:
            (folder / f"{name}.csv").write_text(",".join(spec.columns) + "\n")
            listed.append({"name": f"{name}.csv", "table": name, "rows": 0,
                           "sha256": hashlib.sha256((folder / f"{name}.csv").read_bytes()).hexdigest()})
    (folder / "manifest.json").write_text(json.dumps({"format": "virta-delivery/1", "system": system,
                                                      "delivered_on": "2026-08-01", "files": listed}))
    return read_manifest(folder)


def test_parquet_typed_values_land_as_the_text_their_fields_read(tmp_path, pa):
    helsinki_noon = dt.datetime(2026, 7, 1, 9, 0, 0, tzinfo=dt.timezone.utc)  # 12:00 in Helsinki (summer)
    referrals = pa.table({
        "lahete_id": pa.array([1, 2, 3], pa.int64()),
        "hetu": ["010190-123M", None, "311299-999E"],
        "erikoisala": pa.array(["SIS", "KIR", "SIS"]).dictionary_encode(),
        "saapumispvm": pa.array([dt.date(2026, 7, 1), dt.date(2026, 1, 31), None], pa.date32()),
        "kasittelypvm": pa.array([helsinki_noon, None, None], pa.timestamp("us", tz="UTC")),
        "arviopvm": pa.array([None, None, None], pa.null()),
        "jonoutuspvm": pa.array([dt.datetime(2026, 7, 2, 23, 30), None, None], pa.timestamp("ms")),
        "hoitopvm": pa.array([None, None, None], pa.date32()),
        "peruutuspvm": pa.array([None, None, None], pa.string()),
        "tila": pa.array([True, False, None]),
        "yksikko": pa.array([decimal.Decimal("12.50"), None, decimal.Decimal("7")], pa.decimal128(6, 2)),
    })
    ledger = pa.table({
        "vientitunnus": ["a", "b"],
        "kirjauspvm": pa.array([dt.date(2026, 7, 1), dt.date(2026, 12, 31)], pa.date32()),
        "kustannuspaikka": ["K1", "K2"],
        "tili": pa.array([4000, 4100], pa.int32()),
        "summa": pa.array([1234.5, -0.25], pa.float64()),
    })
    lifecare = _parquet_delivery(tmp_path, "lifecare", {"lifecare_lahetteet": referrals})
    check(lifecare, KEY)
    assert _rows_of(lifecare, "lifecare_lahetteet") == [
        ["1", "010190-123M", "SIS", "01.07.2026", "01.07.2026", None, "02.07.2026", None, None, "true", "12.50"],
        ["2", None, "KIR", "31.01.2026", None, None, None, None, None, "false", None],
        ["3", "311299-999E", "SIS", None, None, None, None, None, None, None, "7.00"],
    ]
    raindance = _parquet_delivery(tmp_path, "raindance", {"raindance_kirjaukset": ledger})
    check(raindance, KEY)
    assert _rows_of(raindance, "raindance_kirjaukset") == [
        ["a", "20260701", "K1", "4000", "1234,5"],  # YYYYMMDD, and a comma-decimal field's comma
        ["b", "20261231", "K2", "4100", "-0,25"],
    ]
    contacts = pa.table({
        "contact_id": ["c1"], "pat_ssn": ["010190-123M"],
        "contact_dttm": pa.array([helsinki_noon], pa.timestamp("ns", tz="UTC")),
        "service_line": ["GP"], "dept_id": ["D1"]})
    apotti = _parquet_delivery(tmp_path, "apotti", {"apotti_contacts": contacts})
    assert _rows_of(apotti, "apotti_contacts") == [["c1", "010190-123M", "2026-07-01 12:00:00", "GP", "D1"]]


@pytest.mark.parametrize("case", ["identity_as_number", "nested", "missing_column", "not_parquet", "nul",
                                  "row_count"])
def test_bad_parquet_files_are_refused_naming_file_and_column(tmp_path, case, pa):
    columns = list(raw_tables()["procons_asiat"].columns)
    data = {c: pa.array(["x", "y"]) for c in columns}
    expected = {
        "identity_as_number": "procons_asiat.parquet, column hetu: holds identity codes as Parquet type int64",
        "nested": "procons_asiat.parquet, column asiaryhma: has Parquet type list<",
        "missing_column": "procons_asiat.parquet: columns: missing column(s) yksikko",
        "not_parquet": "procons_asiat.parquet: is not a readable Parquet file",
        "nul": "procons_asiat.parquet, row 2, column erityisperuste: holds a NUL character",
        "row_count": "procons_asiat.parquet: holds 2 rows, the manifest says 3",
    }[case]
    if case == "identity_as_number":
        data["hetu"] = pa.array([10190123, 311299999], pa.int64())
    elif case == "nested":
        data["asiaryhma"] = pa.array([["a"], ["b"]])
    elif case == "missing_column":
        del data["yksikko"]
    elif case == "nul":
        data["erityisperuste"] = pa.array(["ok", "bad\x00"])
    delivery = _parquet_delivery(tmp_path, "procons", {"procons_asiat": pa.table(data)})
    f = next(f for f in delivery.files if f.table == "procons_asiat")
    if case == "not_parquet":
        f.path.write_bytes(b"visit_id,hetu\n1,2\n")
        f.sha256 = __import__("hashlib").sha256(f.path.read_bytes()).hexdigest()
    if case == "row_count":
        f.rows = 3
    with pytest.raises(DeliveryError) as err:
        check(delivery, KEY)
    assert expected in str(err.value)


def test_generated_parquet_delivery_reads_as_its_csv_twin(tmp_path, pa):
    tables = {"org_units": _org_units(5)}
    as_csv = _delivery(tmp_path / "csv", "org", tables)
    as_parquet = _delivery(tmp_path / "parquet", "org", tables, file_format="parquet")
    assert as_parquet.files[0].path.suffix == ".parquet"
    check(as_parquet, KEY)
    assert _rows_of(as_parquet, "org_units") == _rows_of(as_csv, "org_units")


# ---- progress ------------------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_redraws_in_place_on_a_terminal_and_logs_tenths_elsewhere():
    tty = _Terminal()
    bar = FileProgress(stream=tty)
    bar.start("load  apotti_visits.csv", 2_000_000_000)
    bar.update(500_000_000)
    bar.finish()
    out = tty.getvalue()
    assert out.startswith("\r    load  apotti_visits.csv") and "25%" in out and out.endswith("100%  2.0 GB/2.0 GB"
                                                                                             + out.split("2.0 GB/2.0 GB")[-1])
    assert out.count("\n") == 1

    log = io.StringIO()
    bar = FileProgress(stream=log, log_from=1000)
    bar.start("check big.csv", 10_000)
    for done in range(0, 10_001, 250):
        bar.update(done)
    bar.finish()
    lines = log.getvalue().splitlines()
    assert [line.split("]")[1].split()[0] for line in lines] == [f"{p}%" for p in range(0, 101, 10)]

    quiet = io.StringIO()
    bar = FileProgress(stream=quiet, log_from=1000)
    bar.start("check small.csv", 999)
    bar.update(999)
    bar.finish()
    assert quiet.getvalue() == ""
