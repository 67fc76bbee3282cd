"""The defects the synthetic generator injects into each raw table on purpose (at the rate
--defect-rate), and how docs/raw_tables.md describes where the warehouse shows each."""

from __future__ import annotations

import numpy as np

from virta.generate.core import Generator
from virta.generate.formats import shift_text_date
from virta.hetu import CHECK_CHARS

# Which defects each raw table gets: the column they hit and, where needed, the bad value.
DEFECTS: dict[str, dict] = {
    "ace_calls": {"key": "call_id", "out_of_order": ("arrived", "answered", "fi"), "future": ("arrived", "fi_tss"),
                  "timestamp": ("arrived", "31.02.2024 25:61:00")},
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
    "lifecare_osastojaksot": {"hetu": "hetu", "key": "jakso_id", "timestamp": ("arviopvm", "31.02.2024"),
                              "out_of_order": ("arviopvm", "tulopvm", "fi"), "future": ("arviopvm", "fi")},
    "pegasos_kontaktit": {"hetu": "henkilotunnus", "key": "kontaktitunnus", "future": ("arvioaika", "compact_ts"),
                          "timestamp": ("kontaktiaika", "202402312561")},
    "pegasos_kaynnit": {"hetu": "henkilotunnus", "key": "kayntitunnus", "unknown_code": ("ammattiluokka", "999")},
    "pegasos_lahetteet": {"hetu": "henkilotunnus", "key": "lahetetunnus", "timestamp": ("saapunut", "20240231"),
                          "out_of_order": ("saapunut", "hoito_alkoi", "compact"), "future": ("saapunut", "compact")},
    "procons_asiat": {"hetu": "hetu", "key": "asia_id", "future": ("vireilletulopvm", "dmy")},
    "procons_arvioinnit": {"hetu": "hetu", "key": "arviointi_id",
                           "out_of_order": ("aloituspvm", "valmistumispvm", "dmy")},
    "procons_paatokset": {"hetu": "hetu", "key": "paatos_id", "unknown_code": ("palvelu", "TUNTEMATON")},
    "raindance_kustannuspaikat": {},
    "sarastia_palvelussuhteet": {"hetu": "hetu", "key": "palvelussuhde_id",
                                 "out_of_order": ("alkupvm", "loppupvm", "iso")},
    "titania_yksikot": {},
    "titania_tyontekijat": {"unknown_code": ("nimike", "XX")},
    "titania_vuorot": {"key": "vuoro_id", "amount": "valiton_tunnit", "timestamp": ("alkaa", "31.02.2024 25:61")},
    "titania_poissaolot": {"key": "poissaolo_id", "out_of_order": ("alkupvm", "loppupvm", "fi")},
    "titania_asiakasmaarat": {"key": "laskenta_id", "future": ("pvm", "fi")},
    "raindance_kirjaukset": {"key": "vientitunnus", "amount": "summa",
                             "unknown_code": ("kustannuspaikka", "0000000")},
}
# Tables added after the sample was calibrated draw their defects from a stream of their own, so the
# defects of the tables above stay where they were.
OWN_STREAM = {"ace_calls": 29, "lifecare_osastojaksot": 31}


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


def inject_defects(g: Generator) -> None:
    """Defects on purpose, each kind counted so the warehouse can be held to account for them.

    Kinds (docs/raw_tables.md lists them per table): invalid_identity_code (wrong check character),
    missing_key, unparseable_timestamp / unparseable_amount, unknown_code (a code the mapping does
    not know), out_of_order (a later event dated before an earlier one), future_date (an event
    dated after the delivery), duplicate_delivery (the same row twice in one delivery). Corrected
    re-deliveries and deleted records are not defects but part of the data (prior states,
    apotti_deleted_records).
    """
    rate = g.p.defect_rate
    if rate <= 0:
        return
    future = np.datetime64(g.p.as_of) + 200
    future_iso = f"{future} 10:00:00"
    future_fi = future.astype(object)
    for name in sorted(g.extract.tables):
        table = g.extract.tables[name]
        n = g.extract.row_count(name)
        spec = DEFECTS.get(name, {})
        counts: dict[str, int] = {}

        used = np.zeros(n, dtype=bool)  # one defect per row, so each is seen with its own reason
        rows: list[tuple[int, str]] = []

        rng = np.random.Generator(np.random.PCG64([g.p.seed, OWN_STREAM[name]])) if name in OWN_STREAM else g.rng

        def pick(col: str | None = None) -> np.ndarray:
            hit = (rng.random(n) < rate) & ~used
            if col is not None:
                hit &= np.not_equal(table[col], None)
            used[hit] = True
            return np.flatnonzero(hit)

        if "hetu" in spec:  # a wrong check character
            col = table[spec["hetu"]]
            hit = pick(spec["hetu"])
            for i in hit:  # the next check character: the code is then invalid
                col[i] = col[i][:10] + CHECK_CHARS[(CHECK_CHARS.index(col[i][10]) + 1) % len(CHECK_CHARS)]
            counts["invalid_identity_code"] = len(hit)
            rows += [(int(i), "invalid_identity_code") for i in hit]
        if "key" in spec:  # a missing record key
            hit = pick()
            table[spec["key"]][hit] = None
            counts["missing_key"] = len(hit)
            rows += [(int(i), "missing_key") for i in hit]
        if "amount" in spec:
            hit = pick(spec["amount"])
            table[spec["amount"]][hit] = "1.234,5,6"
            counts["unparseable_amount"] = len(hit)
            rows += [(int(i), "unparseable_amount") for i in hit]
        if "unknown_code" in spec:
            col, bad = spec["unknown_code"]
            hit = pick(col)
            table[col][hit] = bad
            counts["unknown_code"] = len(hit)
            rows += [(int(i), "unknown_code") for i in hit]
        if "out_of_order" in spec:  # the later event moved before the earlier one
            early, late, fmt = spec["out_of_order"]
            hit = pick(late)
            for i in hit:
                table[late][i] = shift_text_date(table[early][i], -3, fmt) if table[early][i] else table[late][i]
            counts["out_of_order"] = len(hit)
            rows += [(int(i), "out_of_order") for i in hit if table[early][i]]
        if "future" in spec:
            col, fmt = spec["future"]
            hit = pick(col)
            table[col][hit] = {"iso": future_iso, "fi": f"{future_fi:%d.%m.%Y}",
                               "fi_ts": f"{future_fi:%d.%m.%Y} 10:00", "compact": f"{future_fi:%Y%m%d}",
                               "compact_ts": f"{future_fi:%Y%m%d}1000", "fi_tss": f"{future_fi:%d.%m.%Y} 10:00:00",
                               "dmy": f"{future_fi.day}.{future_fi.month}.{future_fi.year}"}[fmt]
            counts["future_date"] = len(hit)
            rows += [(int(i), "future_date") for i in hit]
        if "timestamp" in spec:  # an unparseable timestamp or date (after the
            # defects above, which shift parseable dates)
            col, bad = spec["timestamp"]
            hit = pick(col)
            table[col][hit] = bad
            counts["unparseable_timestamp"] = len(hit)
            rows += [(int(i), "unparseable_timestamp") for i in hit]
        dup = pick()  # the same row delivered twice
        if len(dup):
            for col in table:
                table[col] = np.concatenate([table[col], table[col][dup]])
            when = g.extract.deliver_on[name]
            g.extract.deliver_on[name] = np.concatenate([when, when[dup]])
        counts["duplicate_delivery"] = len(dup)
        rows += [(int(i), "duplicate_delivery") for i in dup]  # the earlier copy is the duplicate
        g.extract.defects[name] = counts
        g.extract.defect_rows[name] = sorted(rows)
