"""Independent recomputes from the raw tables, in plain Python: the yardstick the marts are held to.

Nothing here reads the vault, the business vault or a mart, and nothing reuses the warehouse's SQL.
Rows are accepted as the source mappings declare (record key present, identity code valid,
timestamps parseable, events not after their delivery); within one delivery the last row of a record
wins, and across deliveries the latest accepted state of a record.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from virta import hetu
from virta.paths import PROJECT_ROOT


def iso_ts(text):
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S") if text and text.strip() else None
    except ValueError:
        return None


def fi_ts(text):
    try:
        return dt.datetime.strptime(text.strip(), "%d.%m.%Y %H:%M") if text and text.strip() else None
    except ValueError:
        return None


def dmy(text):  # D.M.YYYY or DD.MM.YYYY
    try:
        return dt.datetime.strptime(text.strip(), "%d.%m.%Y").date() if text and text.strip() else None
    except ValueError:
        return None


def compact(text):  # YYYYMMDD
    try:
        return dt.datetime.strptime(text.strip(), "%Y%m%d").date() if text and text.strip() else None
    except ValueError:
        return None


def blank(text) -> bool:
    return text is None or not str(text).strip()


def person(code):
    """(birth date, sex) of a valid identity code, else None."""
    return hetu.parse(code.strip().upper()) if code else None


def rows(sql, table):
    """Every raw row of a table as a dict, in delivery order, with _batch_id and _delivered_on."""
    cols = [c for (c,) in sql("select column_name from information_schema.columns where table_schema = 'raw' "
                              "and table_name = %s order by ordinal_position", (table,))]
    out = []
    for values in sql(f"select r.*, b.delivered_on from raw.{table} r join raw._batches b on b.batch_id = r._batch_id "
                      f"order by r._batch_id, r._row_no"):
        row = dict(zip(cols + ["_delivered_on"], values))
        out.append(row)
    return out


def latest_accepted(sql, table, key, accept, each_batch=False):
    """Record key -> its latest accepted row. `key` is a function of a row (None: no key, rejected);
    `accept(row)` the table's checks. Within a delivery only the last row of a record counts (earlier
    ones are duplicates); with each_batch, key -> {batch: row} instead (every accepted state)."""
    last_in_batch = {}
    for row in rows(sql, table):
        k = key(row)
        if k is not None:
            last_in_batch[(row["_batch_id"], k)] = row
    latest, states = {}, defaultdict(dict)
    for (batch, k), row in sorted(last_in_batch.items(), key=lambda item: item[0][0]):
        if accept(row):
            latest[k] = row
            states[k][batch] = row
    return states if each_batch else latest


def not_future(value, row) -> bool:
    """An event is not dated at or after the moment its delivery was loaded (times in UTC)."""
    if value is None:
        return True
    loaded = row["_loaded_at"].astimezone(dt.timezone.utc).replace(tzinfo=None)
    when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    return when < loaded


def age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def municipality_counties():
    """The municipality -> county key as the reference seed ships it (municipality, county, valid)."""
    with (PROJECT_ROOT / "seeds/reference/ref_municipality_county.csv").open(encoding="utf-8") as fh:
        return [(r["municipality_code"], r["county_code"], dt.date.fromisoformat(r["valid_from"]),
                 dt.date.fromisoformat(r["valid_to"]) if r["valid_to"] else None) for r in csv.DictReader(fh)]


def county_of(municipality, day, mapping):
    for code, county, start, end in mapping:
        if code == municipality and start <= day and (end is None or day <= end):
            return county
    return None


def residents_at_month_ends(sql, month_ends):
    """Residents per county and the whole country ('FI') at each month end: alive and born by then,
    in the county of the home municipality valid then (the version with the latest move date on or
    before the day; before a person's earliest known version, that version)."""
    def accept(r):
        return (person(r["hetu"]) is not None and compact(r["syntymaaika"]) is not None
                and not blank(r["kotikunta"])
                and (blank(r["kotikunta_alkupvm"]) or compact(r["kotikunta_alkupvm"]) is not None))
    states = latest_accepted(sql, "vtj_residents", lambda r: r["hetu"].strip().upper() if r["hetu"] else None,
                             accept, each_batch=True)
    mapping = municipality_counties()
    people = []
    for batches in states.values():
        latest = batches[max(batches)]
        versions = sorted({(compact(s["kotikunta_alkupvm"]) or dt.date.min, s["kotikunta"].strip())
                           for s in batches.values()})
        death = latest["kuolinpaiva"].strip() if latest["kuolinpaiva"] else None
        people.append((compact(latest["syntymaaika"]), dt.date.fromisoformat(death) if death else None, versions))
    counts = Counter()
    for month_end in month_ends:
        for born, died, versions in people:
            if born > month_end or (died is not None and died <= month_end):
                continue
            valid = [muni for since, muni in versions if since <= month_end] or [versions[0][1]]
            county = county_of(valid[-1], month_end, mapping)
            if county is not None:
                counts[(county, month_end)] += 1
                counts[("FI", month_end)] += 1
    return dict(counts)


def _amount(text):
    text = (text or "").strip()
    return Decimal(text.replace(",", ".")) if re.fullmatch(r"-?[0-9]{1,15}(,[0-9]{1,6})?", text) else None


def costs_by_service(sql):
    """Net euros per (county, month, AURA service) from the ledger, each line under the cost-centre
    mapping version valid on its posting date ('unmapped', in the ledger's county, when none was)."""
    versions = defaultdict(list)
    for (code, _), r in latest_accepted(
            sql, "raindance_kustannuspaikat",
            lambda r: None if blank(r["kustannuspaikka"]) or blank(r["voimassa_alkaen"])
            else (r["kustannuspaikka"].strip(), r["voimassa_alkaen"].strip()),
            lambda r: not blank(r["aura_palvelu"]) and not blank(r["hva"])
            and compact(r["voimassa_alkaen"]) is not None).items():
        versions[code].append((compact(r["voimassa_alkaen"]), r["aura_palvelu"].strip(), r["hva"].strip()))

    def entry_ok(r):
        posted = compact(r["kirjauspvm"])
        return (posted is not None and not_future(posted, r) and not blank(r["kustannuspaikka"])
                and not blank(r["tili"]) and _amount(r["summa"]) is not None)

    sums = defaultdict(Decimal)
    for entry_id, r in latest_accepted(sql, "raindance_kirjaukset", lambda r: None if blank(r["vientitunnus"])
                                       else r["vientitunnus"].strip(), entry_ok).items():
        posted = compact(r["kirjauspvm"])
        valid = [v for v in sorted(versions.get(r["kustannuspaikka"].strip(), [])) if v[0] <= posted]
        service, county = (valid[-1][1], valid[-1][2]) if valid else ("unmapped", entry_id.split("-")[0])
        sums[(county, posted.replace(day=1), service)] += _amount(r["summa"])
    return sums, versions


def assert_costs_by_service_match(sql):
    """The costs mart's direct net cost per county, month and AURA service equals the ledger recompute
    to the cent, a remapped cost centre is in the sample, and only the injected unknown cost centre is
    unmapped."""
    sums, versions = costs_by_service(sql)
    assert any(len(v) > 1 for v in versions.values()), "the sample should remap a cost centre"
    published = {(a, m, c): n for a, m, c, n in sql("""
        select area_code, month, class_code, direct_net_eur from marts.mart_costs_by_aura_monthly
        where aura_level = 'service' and production_mode = 'all' and area_level = 'county'
          and direct_net_eur is not null""")}
    months = {m for _, m, _ in published}
    expected = {k: v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for k, v in sums.items() if k[1] in months}
    assert published == expected
    unmapped = sum(v for (_, _, service), v in expected.items() if service == "unmapped")
    assert 0 < unmapped < Decimal("0.05") * sum(expected.values())  # the injected unknown cost centre only
