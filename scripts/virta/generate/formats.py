"""How the source systems write dates and times: each system's own text formats, as the
synthetic extracts deliver them."""

from __future__ import annotations

import datetime as dt

import numpy as np


def shift_text_date(text: str, days: int, fmt: str) -> str:
    """A date/timestamp in a source format moved by `days` (for the out-of-order defect)."""
    if fmt == "iso":
        d = dt.date.fromisoformat(text[:10]) + dt.timedelta(days=days)
        return f"{d.isoformat()}{text[10:]}"
    if fmt == "compact":  # YYYYMMDD, or YYYYMMDDHHMM
        d = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8])) + dt.timedelta(days=days)
        return f"{d:%Y%m%d}{text[8:]}"
    day, month, year = (int(x) for x in text.split()[0].split("."))
    d = dt.date(year, month, day) + dt.timedelta(days=days)
    # 'fi' keeps a time that follows the date (DD.MM.YYYY HH:MM:SS)
    return f"{d:%d.%m.%Y}{text[10:]}" if fmt == "fi" else f"{d.day}.{d.month}.{d.year}"


def fmt_ts(values: np.ndarray, fmt: str) -> np.ndarray:
    """datetime64[m] -> text in a source system's own format; NaT -> None."""
    out = np.empty(len(values), dtype=object)
    nat = np.isnat(values)
    iso = np.datetime_as_string(values, unit="m")
    for i in np.flatnonzero(~nat):
        s = iso[i]  # YYYY-MM-DDTHH:MM
        if fmt == "iso":
            out[i] = f"{s[:10]} {s[11:16]}:00"
        elif fmt == "fi":
            out[i] = f"{s[8:10]}.{s[5:7]}.{s[:4]} {s[11:16]}"
        elif fmt == "compact":  # YYYYMMDDHHMM, digits only
            out[i] = f"{s[:4]}{s[5:7]}{s[8:10]}{s[11:13]}{s[14:16]}"
        else:
            raise ValueError(fmt)
    return out


def fmt_date(days: np.ndarray, fmt: str) -> np.ndarray:
    """datetime64[D] -> a source system's date text: 'fi' DD.MM.YYYY, 'dmy' D.M.YYYY (no leading
    zeros), 'compact' YYYYMMDD; NaT -> None."""
    out = np.empty(len(days), dtype=object)
    iso = np.datetime_as_string(days.astype("datetime64[D]"), unit="D")
    for i in np.flatnonzero(~np.isnat(days)):
        y, m, d = iso[i][:4], iso[i][5:7], iso[i][8:10]
        out[i] = {"fi": f"{d}.{m}.{y}", "dmy": f"{int(d)}.{int(m)}.{y}", "compact": f"{y}{m}{d}"}[fmt]
    return out
