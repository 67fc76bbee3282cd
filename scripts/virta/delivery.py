"""Deliveries: the format source extracts arrive in, and `virta load`.

A delivery is a folder holding one source system's extract: `manifest.json` and one file per raw
table. The manifest (format virta-delivery/1):

    {
      "format": "virta-delivery/1",
      "system": "apotti",                       # a system of concept_model/sources
      "delivered_on": "2025-07-01",             # the extract date
      "period": {"start": "2023-07-01", "end": "2025-06-30"},   # what it covers: the earliest
                                                # start loaded is where reporting begins
      "encoding": "utf-8",                      # any Python codec; utf-8 also accepts a BOM
      "delimiter": ",",
      "files": [{"name": "apotti_contacts.csv", "table": "apotti_contacts", "rows": 1234,
                 "sha256": "<hex of the file's bytes>"}]
    }

Each file is CSV with a header naming the table's columns as the mapping declares them (any order),
or Parquet (a name ending in `.parquet`; needs the `parquet` extra) whose column names do the same.
Parquet values are landed as the text the mapping reads: a typed date or timestamp column in the
format its field declares (an aware timestamp at Finnish local time), a number feeding a decimal
field with a comma, and so on (virta.parquet).
`load_delivery` checks the whole delivery before anything lands (files, tables, checksums,
encoding, header, field counts, row counts; a duplicate or out-of-order delivery), then lands it as
one batch in one transaction, streaming (memory does not grow with the file) and replacing the
declared identity codes by their keyed pseudonyms on the way.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from virta.errors import VirtaError

FORMAT = "virta-delivery/1"
MANIFEST = "manifest.json"
CHUNK = 1 << 20


class DeliveryError(VirtaError):
    """A delivery that cannot be loaded; nothing of it has landed."""

    def __init__(self, where: Path | str, message: str, hint: str | None = None):
        super().__init__(f"{where}: {message}", hint=hint)


class AlreadyLoaded(DeliveryError):
    """The same delivery (system, date, files) is in raw already, as `batch`."""

    def __init__(self, where: Path | str, batch: int):
        super().__init__(where, f"was loaded already, as batch {batch} (the same files)")
        self.batch = batch


@dataclass
class DeliveryFile:
    path: Path
    table: str
    rows: int
    sha256: str
    hmac: str = ""  # keyed digest of the bytes, for the batch register (a plain one is brute-forceable)


@dataclass
class Delivery:
    path: Path
    system: str
    delivered_on: dt.date
    encoding: str
    delimiter: str
    period: dict  # {"start": date, "end": date}: what the extract covers
    files: list[DeliveryFile] = field(default_factory=list)

    def fingerprint(self, key: bytes) -> str:
        """Keyed digest of the delivery (system, extract date, every file's checksum): the same delivery
        sent twice has the same; a day with nothing new (header-only files) differs from the day before."""
        text = "\n".join(sorted(f"{f.table}:{f.sha256}" for f in self.files))
        return hmac.new(key, f"{self.system}\n{self.delivered_on}\n{text}".encode(), hashlib.sha256).hexdigest()


@functools.cache
def _tables():
    """The source mappings, read once per process (each check and load asks)."""
    from virta.load import raw_tables

    return raw_tables()


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def read_manifest(path: Path) -> Delivery:
    """Parse and check the manifest against the folder and the source mappings."""
    path = Path(path)
    manifest = path / MANIFEST
    if not path.is_dir():
        raise DeliveryError(path, "is not a delivery folder")
    if not manifest.exists():
        raise DeliveryError(path, f"has no {MANIFEST}")
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeliveryError(manifest, f"is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DeliveryError(manifest, f"format must be {FORMAT!r}")
    tables = _tables()
    systems = {t.system.name for t in tables.values()}
    system = doc.get("system")
    if system not in systems:
        raise DeliveryError(manifest, f"unknown source system {system!r}",
                            hint=f"systems declared in concept_model/sources: {', '.join(sorted(systems))}")
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(doc.get("delivered_on"))):
            raise ValueError
        delivered_on = dt.date.fromisoformat(str(doc.get("delivered_on")))
    except ValueError:
        raise DeliveryError(manifest, "delivered_on must be a date, YYYY-MM-DD") from None
    encoding = str(doc.get("encoding", "utf-8"))
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise DeliveryError(manifest, f"unknown encoding {encoding!r}") from None
    delimiter = str(doc.get("delimiter", ","))
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise DeliveryError(manifest, f"delimiter must be one character other than a quote or line end, "
                                      f"not {delimiter!r}")
    # what the extract covers: its earliest start is where reporting begins (bv_data_as_of), so a
    # delivery must say it; an extract with nothing before its own date says start = delivered_on
    period = doc.get("period")
    if not isinstance(period, dict) or set(period) != {"start", "end"}:
        raise DeliveryError(manifest, "period must say what the extract covers: "
                                      "{\"start\": \"YYYY-MM-DD\", \"end\": \"YYYY-MM-DD\"}",
                            hint="its earliest start is the first day the marts report")
    bounds = {}
    for side in ("start", "end"):
        value = period.get(side)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(value)):
            raise DeliveryError(manifest, f"period.{side} must be a date, YYYY-MM-DD")
        try:
            bounds[side] = dt.date.fromisoformat(str(value))
        except ValueError:
            raise DeliveryError(manifest, f"period.{side} must be a date, YYYY-MM-DD") from None
    if bounds["start"] > bounds["end"]:
        raise DeliveryError(manifest, f"period starts ({bounds['start']}) after it ends ({bounds['end']})")
    if bounds["end"] > delivered_on or bounds["start"].year < 1900:
        raise DeliveryError(manifest, f"period {bounds['start']}..{bounds['end']} cannot be covered by an extract "
                                      f"delivered on {delivered_on}",
                            hint="an extract covers days up to its delivery date at the latest")
    delivery = Delivery(path, system, delivered_on, "utf-8-sig" if codec == "utf-8" else codec, delimiter,
                        bounds)
    listed = doc.get("files")
    if not isinstance(listed, list) or not listed:
        raise DeliveryError(manifest, "files must list the delivered files")
    seen_tables = set()
    for i, entry in enumerate(listed, start=1):
        where = f"{manifest}, files[{i}]"
        if not isinstance(entry, dict) or not {"name", "table", "rows", "sha256"} <= set(entry):
            raise DeliveryError(where, "each file needs name, table, rows and sha256")
        table = entry["table"]
        if table not in tables or tables[table].system.name != system:
            raise DeliveryError(where, f"{table!r} is not a table of system {system}",
                                hint="its tables: " + ", ".join(sorted(t for t, s in tables.items()
                                                                       if s.system.name == system)))
        if table in seen_tables:
            raise DeliveryError(where, f"table {table} is delivered twice")
        seen_tables.add(table)
        file_path = path / str(entry["name"])
        if file_path.parent != path:
            raise DeliveryError(where, f"file {entry['name']!r} must lie in the delivery folder itself")
        if not file_path.is_file():
            raise DeliveryError(file_path, "is missing: the manifest lists it but the delivery does not hold it")
        if isinstance(entry["rows"], bool) or not isinstance(entry["rows"], int) or entry["rows"] < 0:
            raise DeliveryError(where, "rows must be a whole number")
        delivery.files.append(DeliveryFile(file_path, table, entry["rows"], str(entry["sha256"]).lower()))
    # every table of the system, each time (a header-only file when nothing changed): a table left
    # out cannot be told from a lost file
    absent = sorted(t for t, spec in tables.items() if spec.system.name == system and t not in seen_tables)
    if absent:
        raise DeliveryError(manifest, f"lists no file for table(s) {', '.join(absent)} of system {system}",
                            hint="deliver each table every time; a header-only file says nothing changed")
    unknown = sorted(p.name for p in path.iterdir() if p.name != MANIFEST and p not in {f.path for f in delivery.files})
    if unknown:
        raise DeliveryError(path, f"holds files the manifest does not list: {', '.join(unknown)}")
    return delivery


def _digests(path: Path, key: bytes) -> tuple[str, str]:
    sha, mac = hashlib.sha256(), hmac.new(key, digestmod=hashlib.sha256)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            mac.update(chunk)
    return sha.hexdigest(), mac.hexdigest()


class _Hashing(io.RawIOBase):
    """Reads a binary file, feeding every byte read to `digest` (the load pass verifies what it
    loads) and the running byte count to `on_bytes` (a progress bar); both optional."""

    def __init__(self, raw, digest=None, on_bytes=None):
        self._raw, self._digest, self._on_bytes, self._read = raw, digest, on_bytes, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            if self._digest is not None:
                self._digest.update(memoryview(buffer)[:n])
            self._read += n
            if self._on_bytes is not None:
                self._on_bytes(self._read)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _line_ends(encoding: str) -> set[bytes]:
    """How a line end looks in the file's last bytes: LF or CR in the encoding (either byte order
    for UTF-16/32, whose BOM decides it)."""
    name = codecs.lookup(encoding).name
    variants = ["utf-8" if name == "utf-8-sig" else name]  # a BOM starts the file, not each line
    if name in ("utf-16", "utf-32"):
        variants = [f"{name}-le", f"{name}-be"]
    return {end.encode(v) for v in variants for end in ("\n", "\r")}


_BOMS = {
    "utf-8-sig": ((codecs.BOM_UTF8, "utf-8"),),
    "utf-16": ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")),
    "utf-32": ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")),
}


def _decode_error_at(path: Path, encoding: str) -> tuple[int, int, str]:
    """Where a file first fails to decode: (line, byte offset, reason). Only run once decoding has
    failed, so the message can name the exact line rather than a read block. A byte-order mark is
    read here (it decides UTF-16's byte order), so offsets count from the file's first byte; lines
    end as csv reads them (CR LF, LF or CR)."""
    name = codecs.lookup(encoding).name
    with path.open("rb") as fh:
        head, skip, codec = fh.read(4), 0, "utf-8" if name == "utf-8-sig" else name
        for bom, plain in _BOMS.get(name, ()):
            if head.startswith(bom):
                skip, codec = len(bom), plain
                break
        fh.seek(skip)
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        lines, offset, after_cr = 1, skip, False

        def line_ends(text: str) -> int:
            nonlocal after_cr
            n = text.count("\n") + text.count("\r") - text.count("\r\n")
            if after_cr and text.startswith("\n"):  # CR LF split between two reads
                n -= 1
            if text:
                after_cr = text.endswith("\r")
            return n

        while chunk := fh.read(CHUNK):
            state = decoder.getstate()
            try:
                lines += line_ends(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                pending = len(state[0])  # bytes of a character begun in the previous read
                decoder.setstate(state)
                lines += line_ends(decoder.decode(chunk[:max(exc.start - pending, 0)]))
                return lines, offset - pending + exc.start, exc.reason
            offset += len(chunk)
    return lines, offset, "an incomplete character at the end of the file"


def _rows(delivery: Delivery, f: DeliveryFile, columns: list[str], digest=None, on_bytes=None):
    """The file's rows as lists in `columns` order, checked: encoding, header, field counts, a last
    line that ends. Errors name the file and line. With `digest`, every byte read is fed to it."""
    if f.path.stat().st_size == 0:
        raise DeliveryError(f.path, "is empty: not even a header line")
    if is_parquet(f.path):
        from virta.parquet import parquet_rows

        yield from parquet_rows(f, _tables()[f.table], columns, digest, on_bytes)
        return
    with f.path.open("rb") as raw:
        ends = _line_ends(delivery.encoding)
        raw.seek(-min(max(len(e) for e in ends), f.path.stat().st_size), io.SEEK_END)
        tail = raw.read()
        if not any(tail.endswith(e) for e in ends):
            raise DeliveryError(f.path, "the last line does not end (a truncated file?)")
    fh = io.TextIOWrapper(io.BufferedReader(_Hashing(f.path.open("rb"), digest, on_bytes), CHUNK),
                          encoding=delivery.encoding, newline="")
    reader = csv.reader(fh, delimiter=delivery.delimiter, strict=True)
    try:
        try:
            header = next(reader)
        except StopIteration:
            raise DeliveryError(f.path, "is empty: not even a header line") from None
        header = [h.strip() for h in header]
        header[0] = header[0].lstrip("\ufeff")  # a BOM the declared codec keeps (utf-16-le, say)
        check_header(f, header, columns)
        order = [header.index(c) for c in columns]
        width = len(header)
        for values in reader:
            if not values:
                raise DeliveryError(f"{f.path}, line {reader.line_num}", "an empty line")
            if any("\x00" in v for v in values):
                column = header[next(i for i, v in enumerate(values) if "\x00" in v)] if len(values) == width else "?"
                raise DeliveryError(f"{f.path}, line {reader.line_num}, column {column}",
                                    "holds a NUL character, which no database text can")
            if len(values) != width:
                raise DeliveryError(f"{f.path}, line {reader.line_num}",
                                    f"{len(values)} fields where the header has {width}")
            yield [values[i] for i in order]
    except UnicodeDecodeError:
        line, offset, reason = _decode_error_at(f.path, delivery.encoding)
        raise DeliveryError(f"{f.path}, line {line}",
                            f"is not valid {delivery.encoding.replace('-sig', '')} ({reason} at byte {offset:,} "
                            f"of the file)",
                            hint="declare the file's encoding in the manifest, e.g. \"encoding\": \"windows-1252\"") from None
    except csv.Error as exc:
        raise DeliveryError(f"{f.path}, line {reader.line_num}", f"is not well-formed CSV: {exc}") from None
    finally:
        fh.close()


def check_header(f: DeliveryFile, header: list[str], columns: list[str], what: str = "header") -> None:
    """The delivered column names against the mapping's: missing and unknown ones named, a data line
    taken for a header never echoed (it could hold an identity code)."""
    missing = [c for c in columns if c not in header]
    unknown = [h for h in header if h not in columns]
    if not set(header) & set(columns):
        raise DeliveryError(f.path, "line 1 is not a header: it names none of the table's columns" if what == "header"
                            else f"its {what} name none of the table's columns",
                            hint=f"the mapping of {f.table} (concept_model/sources) names: {', '.join(columns)}")
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s) " + ", ".join(_shown(h) for h in unknown))
        raise DeliveryError(f.path, f"{what}: " + "; ".join(parts),
                            hint=f"the mapping of {f.table} (concept_model/sources) names: {', '.join(columns)}")
    if len(set(header)) != len(header):
        raise DeliveryError(f.path, f"{what}: a column appears twice")


def _shown(name: str) -> str:
    """A column name fit for a message: never something shaped like an identity code."""
    if re.search(r"[0-9]{6}[-+A-FU-Ya-fu-y][0-9]{3}[0-9A-Ya-y]", name) or len(name) > 60:
        return "(a name that looks like data, not shown)"
    return name


def check(delivery: Delivery, key: bytes, progress=None) -> None:
    """Every file: checksum and keyed digest, then a full parse (encoding, header, fields, row count).
    progress: a virta.progress.FileProgress-like object (start/update/finish), or None."""
    tables = _tables()
    for f in delivery.files:
        sha, f.hmac = _digests(f.path, key)
        if sha != f.sha256:
            raise DeliveryError(f.path, f"checksum mismatch: the file's SHA-256 is {sha}, the manifest says {f.sha256}")
        if progress:
            progress.start(f"check {f.path.name}", f.path.stat().st_size)
        n = 0
        for _ in _rows(delivery, f, list(tables[f.table].columns), on_bytes=progress.update if progress else None):
            n += 1
        if progress:
            progress.finish()
        if n != f.rows:
            raise DeliveryError(f.path, f"holds {n} rows, the manifest says {f.rows}")


class _CopyStream(io.TextIOBase):
    """A read()-able text stream over generated CSV chunks, for COPY FROM STDIN without holding a file."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._buf) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buf += chunk
        if size < 0:
            out, self._buf = self._buf, ""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out


def _landed_chunks(delivery, f, spec, codes, batch_id, stamp, digest, counted, on_bytes=None, rows_per_chunk=5000):
    """The file's rows as raw lands them (CSV text chunks): batch columns, then each delivered column,
    an identity code replaced by the loader's columns for it. Counts rows into counted[0]."""
    columns = list(spec.columns)
    ids = spec.identity_columns
    domains = spec.identity_domains
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row_no, values in enumerate(_rows(delivery, f, columns, digest, on_bytes), start=1):
        counted[0] = row_no
        out = [batch_id, stamp, row_no]
        for c, v in zip(columns, values):
            if c in ids:
                out += codes(domains[c]).landed(v, ids[c])
            else:
                out.append(v)
        writer.writerow(out)
        if row_no % rows_per_chunk == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def load_delivery(conn, path: Path, key: bytes, force: bool = False, progress=None,
                  loaded_at: dt.datetime | None = None) -> int:
    """Check the delivery, then land it as one batch in one transaction. Returns the batch id.
    loaded_at defaults to now (simulated deliveries pass their own)."""
    from virta.load import RAW_SCHEMA, _ident, loaded_from
    from virta.pseudonym import IdentityCodes

    delivery = read_manifest(path)
    check(delivery, key, progress)
    tables = _tables()
    fingerprint = delivery.fingerprint(key)
    pg = conn.connect()
    try:
        with pg, pg.cursor() as cur:
            cur.execute("select pg_advisory_xact_lock(hashtext('virta.load'))")
            cur.execute(f"select batch_id from {RAW_SCHEMA}._batches where delivery_hmac = %s", (fingerprint,))
            same = cur.fetchone()
            if same:
                raise AlreadyLoaded(path, same[0])
            cur.execute(f"select max(delivered_on) from {RAW_SCHEMA}._batches where source_system = %s",
                        (delivery.system,))
            latest = cur.fetchone()[0]
            if latest and delivery.delivered_on < latest and not force:
                raise DeliveryError(path, f"is older ({delivery.delivered_on}) than the latest {delivery.system} "
                                          f"delivery already loaded ({latest})",
                                    hint="an older extract would restate newer data; load it with --force if meant")
            cur.execute(f"select coalesce(max(batch_id), 0) + 1 from {RAW_SCHEMA}._batches")
            batch_id = cur.fetchone()[0]
            loaded_at = loaded_at or dt.datetime.now(dt.timezone.utc)
            stamp = loaded_at.isoformat()
            by_domain: dict = {}

            def codes(domain):  # one pseudonymiser (and cache) per pseudonym domain
                return by_domain.setdefault(domain, IdentityCodes(key, domain))
            counts, digests = {}, {}
            for f in delivery.files:
                spec = tables[f.table]
                col_sql = ", ".join(_ident(c) for c in ["_batch_id", "_loaded_at", "_row_no", *spec.raw_columns])
                digest, counted = hashlib.sha256(), [0]
                if progress:
                    progress.start(f"load  {f.path.name}", f.path.stat().st_size)
                stream = _CopyStream(_landed_chunks(delivery, f, spec, codes, batch_id, stamp, digest, counted,
                                                    progress.update if progress else None))
                cur.copy_expert(f"copy {RAW_SCHEMA}.{_ident(f.table)} ({col_sql}) from stdin with (format csv)",
                                stream, size=CHUNK)
                if progress:
                    progress.finish()
                # what was loaded is what was checked: a file changed in between is not committed
                if digest.hexdigest() != f.sha256 or counted[0] != f.rows:
                    raise DeliveryError(f.path, "changed while it was being loaded (checksum or row count); "
                                                "nothing was loaded", hint="load it again once it is complete")
                counts[f.table] = f.rows
                digests[f.table] = f.hmac
            cur.execute(
                f"insert into {RAW_SCHEMA}._batches (batch_id, delivered_on, loaded_at, description, row_counts, "
                f"loaded_from, content_hmac, source_system, delivery_hmac, period_start, period_end) "
                f"values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (batch_id, delivery.delivered_on, loaded_at, f"{delivery.system} delivery {path.name}",
                 json.dumps(counts), loaded_from(), json.dumps(digests), delivery.system, fingerprint,
                 delivery.period["start"], delivery.period["end"]))
        return batch_id
    finally:
        pg.close()


def write_delivery(path: Path, system: str, delivered_on: dt.date, tables: dict, period: dict | None = None,
                   encoding: str = "utf-8", delimiter: str = ",", file_format: str = "csv") -> Path:
    """Write one system's tables (name -> {column: values}) as a delivery folder: what a source
    system's export would hand over, clear identity codes included (synthetic ones here).
    file_format: csv, or parquet (every column as text)."""
    from virta.load import raw_tables

    if file_format not in ("csv", "parquet"):
        raise VirtaError(f"file format must be csv or parquet, not {file_format!r}")
    specs = raw_tables()
    path.mkdir(parents=True, exist_ok=False)
    files = []
    for name in sorted(tables):
        columns = list(specs[name].columns)
        file_path = path / f"{name}.{file_format}"
        data = [tables[name][c] for c in columns]
        n = len(data[0]) if data else 0
        if file_format == "parquet":
            from virta.parquet import write_parquet

            write_parquet(file_path, columns, data)
        else:
            with file_path.open("w", encoding=encoding, newline="") as fh:
                writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
                writer.writerow(columns)
                for i in range(n):
                    writer.writerow(["" if v[i] is None else v[i] for v in data])
        files.append({"name": file_path.name, "table": name, "rows": n, "sha256": _digests(file_path, b"")[0]})
    period = period or {"start": delivered_on.isoformat(), "end": delivered_on.isoformat()}
    manifest = {"format": FORMAT, "system": system, "delivered_on": delivered_on.isoformat(),
                "period": period, "encoding": encoding, "delimiter": delimiter, "files": files}
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path
