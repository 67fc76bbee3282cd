"""Finnish personal identity codes (henkilötunnus): validation and synthetic generation.

Format DDMMYY C NNN Q: century sign C ('+' 1800s; '-', Y, X, W, V, U 1900s; 'A'-'F' 2000s, the
extra signs in use since 2023), individual number NNN, check character Q = the 31-character table
indexed by int(DDMMYY NNN) mod 31. Synthetic codes use individual numbers 900-999, the range
reserved for temporary identifiers, so they can never be a real person's code.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
SIGN_TO_CENTURY = {s: c for c, signs in CENTURY_SIGNS.items() for s in signs}


def check_char(ddmmyy: str, nnn: str) -> str:
    return CHECK_CHARS[int(ddmmyy + nnn) % 31]


def parse(code: str) -> tuple[dt.date, int] | None:
    """(birth date, sex 1=male/2=female) for a valid code, else None."""
    if not isinstance(code, str) or len(code) != 11:
        return None
    code = code.upper()
    ddmmyy, sign, nnn, q = code[:6], code[6], code[7:10], code[10]
    if not (ddmmyy.isdigit() and nnn.isdigit()) or sign not in SIGN_TO_CENTURY:
        return None
    if check_char(ddmmyy, nnn) != q or int(nnn) < 2:
        return None
    try:
        born = dt.date(SIGN_TO_CENTURY[sign] + int(ddmmyy[4:]), int(ddmmyy[2:4]), int(ddmmyy[:2]))
    except ValueError:
        return None
    return born, 1 if int(nnn) % 2 else 2


def synthetic_codes(birth_dates: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Unique synthetic codes for birth dates (datetime64[D]) and sex (1/2), vectorised.

    Individual numbers 900-999 give 50 codes per sex and sign; further people born on the same
    day get the next alternative century sign.
    """
    n = len(birth_dates)
    order = np.lexsort((np.arange(n), sex, birth_dates))
    bd_sorted, sex_sorted = birth_dates[order], sex[order]
    group_start = np.r_[True, (bd_sorted[1:] != bd_sorted[:-1]) | (sex_sorted[1:] != sex_sorted[:-1])]
    idx = np.arange(n)
    start_idx = np.maximum.accumulate(np.where(group_start, idx, 0))
    rank = idx - start_idx  # 0-based rank within (birth date, sex)
    slot, sign_no = rank % 50, rank // 50
    nnn = 900 + 2 * slot + np.where(sex_sorted == 1, 1, 0)  # odd = male, even = female
    years = bd_sorted.astype("datetime64[Y]").astype(int) + 1970
    months = bd_sorted.astype("datetime64[M]").astype(int) % 12 + 1
    days = (bd_sorted - bd_sorted.astype("datetime64[M]")).astype(int) + 1
    codes_sorted = np.empty(n, dtype=object)
    for i in range(n):  # string assembly; the heavy lifting above is vectorised
        century = years[i] // 100 * 100
        signs = CENTURY_SIGNS[century]
        if sign_no[i] >= len(signs):
            raise ValueError(f"more than {len(signs) * 50} people of one sex born on {bd_sorted[i]}")
        ddmmyy = f"{days[i]:02d}{months[i]:02d}{years[i] % 100:02d}"
        nnn_s = f"{nnn[i]:03d}"
        codes_sorted[i] = f"{ddmmyy}{signs[sign_no[i]]}{nnn_s}{check_char(ddmmyy, nnn_s)}"
    codes = np.empty(n, dtype=object)
    codes[order] = codes_sorted
    return codes
