"""Days and working days (arkipäivät) of the synthetic extracts. Holidays come from the one holiday
source, virta.reference (the seed ref_fi_holidays is written from it too)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from virta.reference import holiday_dates


def days(start: dt.date, end: dt.date) -> np.ndarray:
    return np.arange(np.datetime64(start), np.datetime64(end) + 1)


def working_days(first: dt.date, last: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Every day from `first` to `last`, and whether each is an arkipäivä (Monday to Friday, not a
    holiday)."""
    horizon = days(first, last)
    dow = (horizon.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    hol = np.array(sorted(holiday_dates(first, last)), dtype="datetime64[D]")
    return horizon, (dow < 5) & ~np.isin(horizon, hol)
