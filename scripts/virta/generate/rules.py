"""The legal deadlines the synthetic data follows, read from the rules seed
(seeds/reference/ref_legal_deadline_rules.csv) rather than written again here: the maximum wait a
clinician records after a need assessment, and the SHL § 36 assessment deadline and age."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache

import numpy as np

from virta.paths import PROJECT_ROOT
from virta.reference import RULES_SEED

# A clinician records the maximum wait in days; a month counts as 30 (3 months: 90 days).
DAYS_PER_UNIT = {"day": 1, "week": 7, "month": 30}


@cache
def rules() -> tuple[dict, ...]:
    with (PROJECT_ROOT / RULES_SEED).open(newline="") as fh:
        return tuple(csv.DictReader(fh))


def rule(rule_id: str) -> dict:
    found = [r for r in rules() if r["rule_id"] == rule_id]
    if not found:
        raise KeyError(f"{RULES_SEED}: no rule {rule_id!r}")
    return found[0]


def treatment_max_days(service: str, assessed_on: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Days from the need assessment to non-urgent treatment (terveydenhuoltolaki § 51, § 51 a) under
    the rule in force on each assessment day for the person's age then."""
    out = np.full(len(assessed_on), -1)
    for r in rules():
        if (r["service"], r["clock_start_event"], r["clock_stop_event"], r["urgency"]) != (
                service, "need_assessment", "visit", "non_urgent"):
            continue
        applies = assessed_on >= np.datetime64(dt.date.fromisoformat(r["valid_from"]))
        if r["valid_to"]:
            applies &= assessed_on <= np.datetime64(dt.date.fromisoformat(r["valid_to"]))
        if r["age_min"]:
            applies &= age >= int(r["age_min"])
        if r["age_max"]:
            applies &= age < int(r["age_max"])
        out[applies] = int(r["deadline_amount"]) * DAYS_PER_UNIT[r["deadline_unit"]]
    if (out < 0).any():
        raise ValueError(f"{RULES_SEED}: no {service} treatment rule for {int((out < 0).sum())} assessments")
    return out
