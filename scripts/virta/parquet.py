"""Parquet files in a delivery (the optional `parquet` extra: pyarrow).

Raw tables hold text as delivered, and the checked tables parse it with the format each field of the
mapping declares. A Parquet column may be typed, so its values are landed as the text the mapping
reads: a date or timestamp in its field's declared format (an aware timestamp at Finnish local
time, as the sources' wall-clock times are), a number feeding a decimal field with a comma in a
comma format, a boolean as true/false. Identity codes must be text (a number has lost its leading
zeros). Record batches are read one at a time, so memory is bounded by a row group, not the file.
"""

from __future__ import annotations

import decimal
import hashlib

from virta.delivery import CHUNK, DeliveryError, DeliveryFile, check_header

LOCAL_TIME = "Europe/Helsinki"
BATCH_ROWS = 65_536
DECIMAL_PLACES = 6  # what a decimal field parses (try_decimal, macros/staging/safe_casts.sql)
# PostgreSQL to_date/to_timestamp tokens the mappings use, longest first, and their strftime codes
_TOKENS = (("HH24", "%H"), ("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("MI", "%M"), ("SS", "%S"))
_LITERALS = " .-:/T"


def strftime_format(pg_format: str) -> str | None:
    """A mapping's date format (PostgreSQL's tokens) as a strftime format; None when it uses a token
    this translation does not know (the column must then be delivered as text)."""
    out, i = "", 0
    while i < len(pg_format):
        for token, code in _TOKENS:
            if pg_format.startswith(token, i):
                out += code
                i += len(token)
                break
        else:
            if pg_format[i] not in _LITERALS:
                return None
            out += pg_format[i]
            i += 1
    return out


def _pyarrow(path):
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.parquet
    except ImportError:
        raise DeliveryError(path, "is Parquet, and reading Parquet needs pyarrow",
                            hint="install virta's parquet extra: pip install 'virta[parquet]' (./virta installs it)") \
            from None
    return pyarrow


def _valid_utf8(pa, arr, where: str, first_row: int):
    """A string array whose bytes are UTF-8 (Parquet readers do not check): else the row is named."""
    try:
        arr.validate(full=True)
        return arr
    except pa.ArrowInvalid:
        for i, value in enumerate(arr.view(pa.binary()).to_pylist()):
            try:
                value is None or value.decode("utf-8")
            except UnicodeDecodeError:
                raise DeliveryError(f"{where}, row {first_row + i:,}", "is not valid UTF-8 text",
                                    hint="Parquet strings are UTF-8: convert the export's text") from None
        raise


def _decimal_text(pa, arr, comma: bool, where: str, first_row: int):
    """Numbers feeding a decimal field, in the plain notation it parses: no exponent, at most
    DECIMAL_PLACES places (a float rounded to them: its binary noise, 0.30000000000000004, is not
    data; a decimal with more significant places is refused, not rounded), a comma if declared."""
    floats = pa.types.is_floating(arr.type)
    places = decimal.Decimal(1).scaleb(-DECIMAL_PLACES)
    out = []
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        for i, value in enumerate(arr.to_pylist()):
            if value is None:
                out.append(None)
                continue
            number = decimal.Decimal(repr(value)) if floats else value
            if number.is_finite() and number.as_tuple().exponent < -DECIMAL_PLACES:
                rounded = number.quantize(places, rounding=decimal.ROUND_HALF_EVEN)
                if rounded != number and not floats:
                    raise DeliveryError(f"{where}, row {first_row + i:,}",
                                        f"has more than {DECIMAL_PLACES} significant decimal places, which its "
                                        "field cannot hold")
                number = rounded
            text = format(number, "f")
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            out.append(text.replace(".", ",") if comma else text)
    return pa.array(out, pa.string())


def _as_text(pa, arr, column: str, fields: list, f: DeliveryFile, identity: bool, first_row: int = 1):
    """One column of a record batch as a string array, rendered for the fields that read it."""
    pc = pa.compute
    t = arr.type
    where = f"{f.path}, column {column}"
    if pa.types.is_dictionary(t):
        return _as_text(pa, arr.dictionary_decode(), column, fields, f, identity, first_row)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _valid_utf8(pa, arr, where, first_row).cast(pa.string())
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if identity:
        raise DeliveryError(where, f"holds identity codes as Parquet type {t}: they must be text (string)",
                            hint="a code stored as a number has lost its leading zeros and cannot be checked")
    if pa.types.is_boolean(t) or pa.types.is_integer(t):
        return pc.cast(arr, pa.string())
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        formats = {x.format or "point" for x in fields if x.type == "decimal"}
        if len(formats) > 1:
            raise DeliveryError(where, "is read by decimal fields with different formats", hint="deliver it as text")
        if formats:
            return _decimal_text(pa, arr, formats == {"comma"}, where, first_row)
        return pc.cast(arr, pa.string())
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        formats = {x.format for x in fields if x.type in ("date", "timestamp") and x.format}
        if len(formats) > 1:
            raise DeliveryError(where, f"is a Parquet {t} read by fields with different formats "
                                       f"({', '.join(sorted(formats))})", hint="deliver it as text")
        pg_format = formats.pop() if formats else None
        fmt = strftime_format(pg_format) if pg_format else ("%Y-%m-%d" if pa.types.is_date(t) else "%Y-%m-%d %H:%M:%S")
        if fmt is None:
            raise DeliveryError(where, f"is a Parquet {t}, and its field's format {pg_format!r} cannot be rendered "
                                       "from a typed value", hint="deliver it as text in that format")
        if pa.types.is_date(t):
            seconds = pc.cast(arr, pa.timestamp("s"))
        else:
            tz = LOCAL_TIME if t.tz else None  # an instant: at local time; a naive value: as it is
            # floored, not truncated: before 1970 truncation would move a value to the next second
            floored = pc.floor_temporal(arr.cast(pa.timestamp(t.unit, tz=tz)), unit="second")
            seconds = pc.cast(floored, pa.timestamp("s", tz=tz), safe=False)
        return pc.strftime(seconds, format=fmt)
    raise DeliveryError(where, f"has Parquet type {t}, which a raw text column cannot take",
                        hint="deliver it as text, a number, a boolean, a date or a timestamp")


def parquet_rows(f: DeliveryFile, spec, columns: list[str], digest=None, on_bytes=None):
    """The file's rows as lists of text (None for null) in `columns` order, checked like a CSV
    file's: column names against the mapping, NUL characters, readable data. Errors name the file,
    column and row. With `digest`, the bytes the rows are read from are fed to it first."""
    pa = _pyarrow(f.path)
    fields: dict[str, list] = {}
    for x in spec.fields.values():
        fields.setdefault(x.source_column, []).append(x)
    identity = spec.identity_columns
    size = f.path.stat().st_size
    with f.path.open("rb") as fh:
        if digest is not None:  # what is loaded is what is hashed: the same open file, before and after
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
            fh.seek(0)
        try:
            pf = pa.parquet.ParquetFile(fh)
        except (pa.ArrowException, OSError) as exc:
            raise DeliveryError(f.path, f"is not a readable Parquet file ({exc})") from None
        delivered = pf.schema_arrow.names
        names = [n.strip() for n in delivered]
        check_header(f, names, columns, what="columns")
        read = [delivered[names.index(c)] for c in columns]
        total, done = max(pf.metadata.num_rows, 1), 0
        try:
            for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=read, use_pandas_metadata=False):
                texts = []
                for c, arr in zip(columns, batch.columns):
                    text = _as_text(pa, arr, c, fields.get(c, []), f, c in identity, done + 1)
                    nul = pa.compute.match_substring(text, "\x00")
                    if pa.compute.any(nul).as_py():
                        row = done + pa.compute.index(nul, True).as_py() + 1
                        raise DeliveryError(f"{f.path}, row {row:,}, column {c}",
                                            "holds a NUL character, which no database text can")
                    texts.append(text.to_pylist())
                for values in zip(*texts):
                    yield list(values)
                done += batch.num_rows
                if on_bytes:
                    on_bytes(size * done // total)
        except (pa.ArrowException, OSError) as exc:
            raise DeliveryError(f"{f.path}, after row {done:,}", f"cannot be read ({exc})") from None
        if digest is not None:  # rewritten in place while it was read: the rows were not the checked bytes
            fh.seek(0)
            again = hashlib.new(digest.name)
            while chunk := fh.read(CHUNK):
                again.update(chunk)
            if again.hexdigest() != digest.hexdigest():
                raise DeliveryError(f.path, "changed while it was being loaded; nothing was loaded",
                                    hint="load it again once it is complete")


def write_parquet(path, columns: list[str], data: list[list]) -> None:
    """A table as Parquet with every column as text: what the synthetic generator delivers."""
    pa = _pyarrow(path)
    table = pa.table({c: pa.array([None if v is None else str(v) for v in values], pa.string())
                      for c, values in zip(columns, data)})
    pa.parquet.write_table(table, path)
