"""Delivery files without a database (issue 16): exact line numbers for encoding errors, UTF-16,
Parquet with typed columns landed as the text the mappings read, and the progress bar."""

import codecs
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


def _with_bytes(delivery, data: bytes):
    import hashlib

    f = delivery.files[0]
    f.path.write_bytes(data)
    f.sha256 = hashlib.sha256(data).hexdigest()
    return f


@pytest.mark.parametrize("case", ["utf-16-be with its BOM", "utf-8 with a BOM", "CR line ends"])
def test_encoding_errors_are_placed_exactly_whatever_the_bom_and_line_ends(tmp_path, case):
    units = _org_units(60_000 if case.startswith("utf-16") else 10)
    delivery = _delivery(tmp_path, "org", {"org_units": units}, encoding="utf-16" if "16" in case else "utf-8")
    columns = list(raw_tables()["org_units"].columns)
    lines = [",".join(columns)] + [",".join(units[c][i] for c in columns) for i in range(len(units["unit_oid"]))]
    bad_line = 45_001 if case.startswith("utf-16") else 6
    if case.startswith("utf-16"):
        head, encoded = codecs.BOM_UTF16_BE, [(line + "\n").encode("utf-16-be") for line in lines]
        bad = b"\xdc\x00"  # a lone low surrogate
    else:
        end = "\r" if case == "CR line ends" else "\n"
        head = codecs.BOM_UTF8 if "BOM" in case else b""
        encoded = [(line + end).encode("utf-8") for line in lines]
        bad = b"\xff"
    offset = len(head) + sum(len(e) for e in encoded[:bad_line - 1])
    encoded[bad_line - 1] = bad + encoded[bad_line - 1]
    _with_bytes(delivery, head + b"".join(encoded))
    with pytest.raises(DeliveryError) as err:
        check(delivery, KEY)
    assert f"org_units.csv, line {bad_line}: is not valid" in str(err.value)
    assert f"at byte {offset:,} of the file" in str(err.value)


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
    folder.mkdir(parents=True)
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
                                                      "delivered_on": "2026-08-01", "files": listed,
                                                      "period": {"start": "2026-07-01", "end": "2026-07-31"}}))
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


def test_parquet_numbers_for_decimal_fields_land_in_the_notation_they_parse(tmp_path, pa):
    """try_decimal reads at most 15 digits, a comma and 6 places, no exponent: Arrow's own text
    (12.500000000000000000, 0.30000000000000004, 1.234567890125e+11) would be quarantined."""
    def ledger(summa):
        return pa.table({"vientitunnus": [f"v{i}" for i in range(len(summa))],
                         "kirjauspvm": ["20260701"] * len(summa), "kustannuspaikka": ["K1"] * len(summa),
                         "tili": ["4000"] * len(summa), "summa": summa})

    wide = pa.array([decimal.Decimal("12.5"), decimal.Decimal("-0.000001"), None, decimal.Decimal("1000")],
                    pa.decimal128(38, 18))
    floats = pa.array([0.1 + 0.2, 123456789012.5, 1e-7, -2.0], pa.float64())
    for arr, expected in ((wide, ["12,5", "-0,000001", None, "1000"]),
                          (floats, ["0,3", "123456789012,5", "0", "-2"])):
        d = _parquet_delivery(tmp_path / str(arr.type).replace(" ", ""), "raindance", {"raindance_kirjaukset": ledger(arr)})
        assert [r[4] for r in _rows_of(d, "raindance_kirjaukset")] == expected
    fine = pa.array([decimal.Decimal("1.2345678")], pa.decimal128(10, 7))
    d = _parquet_delivery(tmp_path / "fine", "raindance", {"raindance_kirjaukset": ledger(fine)})
    with pytest.raises(DeliveryError, match="raindance_kirjaukset.parquet, column summa, row 1: has more than 6 "):
        check(d, KEY)


def test_parquet_timestamps_before_1970_are_floored_not_rounded_up(tmp_path, pa):
    contacts = pa.table({
        "contact_id": ["c1", "c2"], "pat_ssn": [None, None],
        "contact_dttm": pa.array([dt.datetime(1969, 12, 31, 23, 59, 59, 500_000), dt.datetime(1970, 1, 1, 0, 0, 0, 1)],
                                 pa.timestamp("ms")),
        "service_line": ["GP", "GP"], "dept_id": ["D1", "D1"]})
    d = _parquet_delivery(tmp_path, "apotti", {"apotti_contacts": contacts})
    assert [r[2] for r in _rows_of(d, "apotti_contacts")] == ["1969-12-31 23:59:59", "1970-01-01 00:00:00"]


@pytest.mark.parametrize("case", ["identity_as_number", "nested", "missing_column", "not_parquet", "nul",
                                  "row_count", "invalid_utf8"])
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
        "invalid_utf8": "procons_asiat.parquet, column asiaryhma, row 2: is not valid UTF-8 text",
    }[case]
    if case == "identity_as_number":
        data["hetu"] = pa.array([10190123, 311299999], pa.int64())
    elif case == "nested":
        data["asiaryhma"] = pa.array([["a"], ["b"]])
    elif case == "missing_column":
        del data["yksikko"]
    elif case == "nul":
        data["erityisperuste"] = pa.array(["ok", "bad\x00"])
    elif case == "invalid_utf8":  # Windows-1252 bytes in a string column: Parquet writers do not check
        data["asiaryhma"] = pa.array([b"ok", "Ähtäri".encode("windows-1252")], pa.binary()).view(pa.string())
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
    tables["org_units"]["municipality_code"][2] = None  # lands as NULL either way
    as_csv = _delivery(tmp_path / "csv", "org", tables)
    as_parquet = _delivery(tmp_path / "parquet", "org", tables, file_format="parquet")
    assert as_parquet.files[0].path.suffix == ".parquet"
    check(as_parquet, KEY)
    # CSV says '' and Parquet None for a missing value: COPY lands both as NULL
    assert _rows_of(as_parquet, "org_units") == [[v or None for v in row] for row in _rows_of(as_csv, "org_units")]
    assert _rows_of(as_parquet, "org_units")[2][4] is None


def test_refused_deliveries_count_against_their_system_or_every_system_when_unknown():
    from virta.daily import problems_by_system

    entries = [{"delivery": "a", "system": "apotti", "status": "loaded"},
               {"delivery": "b", "system": "vtj", "status": "refused", "reason": "checksum"},
               {"delivery": "c", "system": None, "status": "refused", "reason": "manifest.json: not JSON"},
               {"delivery": "d", "system": "effica", "status": "error", "reason": "OperationalError"}]
    got = problems_by_system(entries, ["apotti", "vtj"])
    assert [p["delivery"] for p in got["apotti"]] == ["c", "d"]
    assert [p["delivery"] for p in got["vtj"]] == ["b", "c", "d"]


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
