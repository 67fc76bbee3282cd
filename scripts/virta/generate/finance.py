"""Finance (Raindance-like general ledger): cost centres mapped to AURA-style services, monthly postings.

Net costs per resident follow the county profile (Kainuu 4 408, Uusimaa 3 115 EUR in 2019; national
3 632 EUR in 2020) and are split by service so that specialised care takes 37 %, primary care 18 %
and older people's services excluding home care 13 % (Statistics Finland / THL, 2020). Support
services (ILL-S-1201) are shared costs that the warehouse allocates to the other services.
Amounts are written as the ledger prints them: decimal comma, no thousands separator.
A few cost centres are remapped to another service from 2024-01-01: both mapping versions are
delivered, each a record of its own (cost centre + valid-from date).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from virta.generate.core import Generator
from virta.generate.formats import fmt_date
from virta.generate.profiles import CountyProfile

# Share of net costs by service (illustrative AURA codes of seeds/reference/ref_aura_service_classes.csv).
SERVICE_SHARES = {
    "ILL-S-0101": 0.08, "ILL-S-0102": 0.04, "ILL-S-0201": 0.03, "ILL-S-0202": 0.01, "ILL-S-0301": 0.02,
    "ILL-S-0401": 0.20, "ILL-S-0402": 0.17, "ILL-S-0501": 0.04, "ILL-S-0601": 0.06, "ILL-S-0602": 0.02,
    "ILL-S-0701": 0.11, "ILL-S-0801": 0.07, "ILL-S-0901": 0.05, "ILL-S-1001": 0.03, "ILL-S-1101": 0.01,
    "ILL-S-1201": 0.06,
}
# Accounts (tili) and their share of a cost centre's gross costs; income accounts are negative.
OWN_ACCOUNTS = (("4000", 0.62), ("4400", 0.12), ("4600", 0.14), ("4800", 0.12))
PURCHASED_ACCOUNTS = (("4300", 0.97), ("4400", 0.03))
INCOME_ACCOUNT, INCOME_SHARE = "3200", 0.05  # asiakasmaksut (client fees)
INFLATION_PER_YEAR = 0.04
REMAP_ON = dt.date(2024, 1, 1)


def cost_centres(g: Generator, county: CountyProfile, n_residents: int) -> dict[str, np.ndarray]:
    rng = g.rng
    per_service = 1 + int(np.sqrt(n_residents) / 20)
    rows = []
    for s, service in enumerate(SERVICE_SHARES):
        for j in range(per_service):
            purchased = service != "ILL-S-1201" and rng.random() < county.purchased_share
            voucher = service in ("ILL-S-0201", "ILL-S-0601", "ILL-S-0701") and not purchased and j % 4 == 3
            mode = "purchased" if purchased else "voucher" if voucher else "own"
            muni = county.municipalities[j % len(county.municipalities)][0]
            rows.append((f"{county.code}{s + 1:02d}{j + 1:03d}", f"{service[-4:]} {muni} {j + 1}", service, mode, muni))
    arr = np.array(rows, dtype=object)
    return {"code": arr[:, 0], "name": arr[:, 1], "service": arr[:, 2], "mode": arr[:, 3], "municipality": arr[:, 4]}


def raindance_tables(g: Generator, county: CountyProfile, n_residents: int) -> dict[str, np.ndarray]:
    """The county's ledger; returns its cost centres (the workforce books staff on them)."""
    p, rng = g.p, g.rng
    cc = cost_centres(g, county, n_residents)
    n_cc = len(cc["code"])
    start = np.datetime64(p.start)
    services = list(SERVICE_SHARES)
    # A few cost centres were booked under a sibling service before 2024 (the mapping changed).
    remapped = (rng.random(n_cc) < 0.08) & (p.start < REMAP_ON <= p.end)
    sibling = {s: services[i + 1] if i + 1 < len(services) and services[i + 1][:8] == s[:8] else services[i - 1]
               for i, s in enumerate(services)}
    mapping = {
        "kustannuspaikka": cc["code"], "nimi": cc["name"], "aura_palvelu": cc["service"].copy(),
        "tuotantotapa": cc["mode"], "kunta": cc["municipality"],
        "hva": np.full(n_cc, county.code, dtype=object),
        "voimassa_alkaen": np.where(remapped, REMAP_ON.strftime("%Y%m%d"), p.start.strftime("%Y%m%d")).astype(object),
    }
    earlier = {c: v[remapped].copy() for c, v in mapping.items()}
    earlier["aura_palvelu"] = np.array([sibling[s] for s in earlier["aura_palvelu"]], dtype=object)
    earlier["voimassa_alkaen"][:] = p.start.strftime("%Y%m%d")
    # Each mapping version is a record of its own (cost centre + valid-from): the earlier one is
    # delivered at the start and stays in the ledger's history; the remap arrives when it is made.
    g.extract.add("raindance_kustannuspaikat", earlier, np.full(int(remapped.sum()), start))
    g.extract.add("raindance_kustannuspaikat", mapping, np.where(remapped, np.datetime64(REMAP_ON), start))
    # Monthly postings: each cost centre's share of the service's net cost, split over accounts and lines.
    per_service_cc = {s: max(1, int((cc["service"] == s).sum())) for s in services}
    months = np.arange(np.datetime64(p.start, "M"), np.datetime64(p.end, "M") + 1)
    share = np.array([SERVICE_SHARES[s] / per_service_cc[s] for s in cc["service"]])
    rows: dict[str, list] = {"vientitunnus": [], "kirjauspvm": [], "kustannuspaikka": [], "tili": [], "summa": []}
    posted_on: list[np.ndarray] = []
    voucher = 0
    for month in months:
        years_in = (month - np.datetime64(p.start, "M")).astype(int) / 12
        monthly = n_residents * county.net_cost_per_resident / 12 * (1 + INFLATION_PER_YEAR) ** years_in
        days = np.arange(month.astype("datetime64[D]"), (month + 1).astype("datetime64[D]"))
        working = days[g.is_working(days)]
        for i in range(n_cc):
            gross = monthly * share[i] * rng.normal(1.0, 0.06) / (1 - INCOME_SHARE)
            accounts = PURCHASED_ACCOUNTS if cc["mode"][i] != "own" else OWN_ACCOUNTS
            postings = [(acc, gross * w) for acc, w in accounts] + [(INCOME_ACCOUNT, -gross * INCOME_SHARE)]
            for account, amount in postings:
                lines = rng.integers(1, 4)
                parts = rng.dirichlet(np.ones(lines)) * amount
                voucher += 1
                for line, part in enumerate(parts, start=1):
                    day = working[rng.integers(0, len(working))]
                    rows["vientitunnus"].append(f"{county.code}-{voucher:07d}-{line}")
                    rows["kirjauspvm"].append(day)
                    rows["kustannuspaikka"].append(cc["code"][i])
                    rows["tili"].append(account)
                    rows["summa"].append(f"{part:.2f}".replace(".", ","))
                    posted_on.append(day)
    table = {c: np.array(v, dtype=object) for c, v in rows.items()}
    table["kirjauspvm"] = fmt_date(np.array(posted_on, dtype="datetime64[D]"), "compact")
    # The ledger is delivered after the month is closed: on the 5th working day of the next month.
    when = np.array(posted_on, dtype="datetime64[D]")
    next_month = (when.astype("datetime64[M]") + 1).astype("datetime64[D]")
    g.extract.add("raindance_kirjaukset", table, g.kth_working_day_after(next_month - 1, np.full(len(when), 5)))
    return cc
