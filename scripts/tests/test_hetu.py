import datetime as dt

import numpy as np

from virta.hetu import CHECK_CHARS, check_char, parse, synthetic_codes


def test_known_valid_code_parses():
    # The Digital and Population Data Services Agency's published example.
    assert parse("131052-308T") == (dt.date(1952, 10, 13), 2)


def test_wrong_check_character_and_bad_dates_are_rejected():
    assert parse("131052-308U") is None
    assert parse("310252-308T") is None  # 31 February
    assert parse("131052*308T") is None
    assert parse("") is None


def test_new_century_signs_since_2023():
    code = "010594Y9032"  # 1994, sign Y
    assert parse(code[:10] + check_char("010594", "903"))[0] == dt.date(1994, 5, 1)
    assert parse("010105B903" + check_char("010105", "903"))[0] == dt.date(2005, 1, 1)


def test_synthetic_codes_are_valid_unique_temporary_range_and_match_sex():
    rng = np.random.default_rng(1)
    births = np.datetime64("1950-01-01") + rng.integers(0, 30, 400).astype("timedelta64[D]")
    sex = rng.integers(1, 3, 400)
    codes = synthetic_codes(births, sex)
    assert len(set(codes)) == 400  # ~13 per day and sex: some need a second century sign
    for code, born, s in zip(codes, births, sex):
        parsed = parse(code)
        assert parsed == (born.astype(dt.date), s)
        assert 900 <= int(code[7:10]) <= 999
    assert {c[6] for c in codes} <= set("-YXWVU")
    assert len(CHECK_CHARS) == 31
