"""The defects the synthetic generator injects into each raw table on purpose (at the rate
--defect-rate), and how docs/raw_tables.md describes where the warehouse shows each."""

from __future__ import annotations

# Which defects each raw table gets: the column they hit and, where needed, the bad value.
DEFECTS: dict[str, dict] = {
    "vtj_residents": {"hetu": "hetu"},
    "org_units": {},
    "apotti_contacts": {"hetu": "pat_ssn", "key": "contact_id"},
    "apotti_triage": {"hetu": "pat_ssn", "key": "triage_id", "future": ("triage_dttm", "iso")},
    "apotti_visits": {"hetu": "pat_ssn", "key": "visit_id", "timestamp": ("appt_dttm", "2024-02-31 25:61:00")},
    "apotti_visit_diagnoses": {},
    "apotti_deleted_records": {},
    "apotti_referrals": {"hetu": "pat_ssn", "key": "referral_id", "unknown_code": ("specialty", "XSPEC"),
                         "out_of_order": ("received_dttm", "treatment_dttm", "iso"),
                         "future": ("received_dttm", "iso")},
    "lifecare_yhteydenotot": {"hetu": "hetu", "key": "yhteys_id"},
    "lifecare_hoitotapahtumat": {"hetu": "hetu", "key": "tapahtuma_id", "future": ("hta_aika", "fi_ts"),
                                 "timestamp": ("hta_aika", "31.02.2024 25:61")},
    "lifecare_lahetteet": {"hetu": "hetu", "key": "lahete_id", "timestamp": ("saapumispvm", "31.02.2024"),
                           "unknown_code": ("erikoisala", "99"),
                           "out_of_order": ("saapumispvm", "hoitopvm", "fi"), "future": ("saapumispvm", "fi")},
    "procons_asiat": {"hetu": "hetu", "key": "asia_id", "future": ("vireilletulopvm", "dmy")},
    "procons_arvioinnit": {"hetu": "hetu", "key": "arviointi_id",
                           "out_of_order": ("aloituspvm", "valmistumispvm", "dmy")},
    "procons_paatokset": {"hetu": "hetu", "key": "paatos_id", "unknown_code": ("palvelu", "TUNTEMATON")},
    "raindance_kustannuspaikat": {},
    "raindance_kirjaukset": {"key": "vientitunnus", "amount": "summa",
                             "unknown_code": ("kustannuspaikka", "0000000")},
}


def describe_defects(table: str) -> str:
    """What the synthetic generator injects into this table on purpose, and where the warehouse shows it."""
    spec = DEFECTS.get(table, {})
    where = {
        "hetu": "invalid identity code (wrong check character) in `{0}` → quarantine",
        "key": "missing record key `{0}` → quarantine",
        "timestamp": "unparseable date/time in `{0[0]}` → quarantine",
        "amount": "unparseable amount in `{0}` → quarantine",
        "unknown_code": "unknown code `{0[1]}` in `{0[0]}` → loaded as `unknown`, listed in `audit_unknown_codes`",
        "out_of_order": "out-of-order events (`{0[1]}` before `{0[0]}`) → quarantine",
        "future": "future date in `{0[0]}` (after the delivery) → quarantine",
    }
    items = [where[k].format(v) for k, v in spec.items()]
    if table == "raindance_kirjaukset":
        items[-1] = "cost centre `0000000` missing from the mapping → loaded, reported as unmapped cost"
    items.append("duplicate delivery of a row in the same batch → the copy is quarantined")
    return "Defects the synthetic generator injects (rate `--defect-rate`): " + "; ".join(items) + "."
